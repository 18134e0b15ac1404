"""Whom parents and pupils ask: the school sets which role answers questions on what."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from schoolprivacy.models import Role, School


class QuestionContact(models.Model):
    """The role at a school that answers parents' and pupils' questions on one topic.

    A topic without a row is answered by its DEFAULTS role: what both school guides say
    ("de leerkracht van uw kind", "de intern begeleider", "de schooldirecteur").
    """

    class Topic(models.TextChoices):
        LEARNING = "learning", _("learning, progress and the dossier")
        CARE = "care", _("care and support")
        CONSENT = "consent", _("photos and other consents")
        PRIVACY = "privacy", _("privacy and your rights")

    DEFAULTS: dict[str, str] = {
        Topic.LEARNING: Role.TEACHER,
        Topic.CARE: Role.CARE_COORDINATOR,
        Topic.CONSENT: Role.TEACHER,
        Topic.PRIVACY: Role.DIRECTOR,
    }

    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="+", verbose_name=_("school")
    )
    topic = models.CharField(_("questions about"), max_length=16, choices=Topic.choices)
    role = models.CharField(_("answered by"), max_length=32, choices=Role.choices)

    class Meta:
        verbose_name = _("contact for questions")
        verbose_name_plural = _("contacts for questions")
        constraints = [
            models.UniqueConstraint(fields=["school", "topic"], name="question_contact_once"),
        ]

    def __str__(self):
        return f"{self.school} – {self.topic}: {self.role}"
