"""Special categories of personal data (GDPR Art. 9), encrypted, with access of their own."""

import uuid

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from schoolprivacy.fields import EncryptedCharField, EncryptedTextField
from schoolprivacy.validators import validate_one_line, validate_plausible_date

from .common import TEXT_MAX, Source
from .pupils import Pupil


class SpecialRecord(models.Model):
    """Special categories of personal data (GDPR Art. 9): encrypted, with their own access."""

    class Kind(models.TextChoices):
        MEDICAL = "medical", _("medical information and allergies")
        MEDICATION = "medication", _("medication")
        PROTOCOL = "protocol", _("protocol for reserved medical procedures")
        DIAGNOSIS = "diagnosis", _("diagnosis")
        WELLBEING = "wellbeing", _("wellbeing")
        RELIGION = "religion", _("religion")
        CUSTODY = "custody", _("custody arrangements")

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    pupil = models.ForeignKey(
        Pupil, on_delete=models.CASCADE, related_name="+", verbose_name=_("pupil")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    content = EncryptedTextField(_("content"), validators=[MaxLengthValidator(TEXT_MAX)])
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    source = models.CharField(
        _("source"), max_length=32, choices=Source.choices, default=Source.SCHOOL
    )
    # Who told the school ("the paediatric neurologist") tells the health fact: encrypted.
    source_detail = EncryptedCharField(
        _("source details"), max_length=200, blank=True, validators=[validate_one_line]
    )
    # A record is never changed in place: it is ended (a medication stopped), and where it
    # goes on in another form, a new record replaces it. Ended records stay in the dossier
    # until retention removes them.
    ended_on = models.DateField(
        _("ended on"), null=True, blank=True, validators=[validate_plausible_date]
    )
    end_reason = EncryptedTextField(
        _("why it ended"), null=True, blank=True, validators=[MaxLengthValidator(1000)]
    )
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ended by"),
    )
    replaces = models.OneToOneField(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replaced_by",
        verbose_name=_("replaces"),
    )

    class Meta:
        verbose_name = _("special-category record")
        verbose_name_plural = _("special-category records")
        ordering = ["kind", "-recorded_at"]
        indexes = [models.Index(fields=["pupil", "kind"], name="special_pupil_kind_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True, ended_by__isnull=True)
                | Q(ended_on__isnull=False, ended_by__isnull=False),
                name="special_ended_by_someone",
            ),
        ]

    def __str__(self):
        return str(self.get_kind_display())

    @property
    def ended(self) -> bool:
        """Whether the record no longer applies today (an end date may lie ahead)."""
        return self.ended_on is not None and self.ended_on <= timezone.localdate()

    def get_additional_data(self):
        return {"pupil_id": self.pupil_id}
