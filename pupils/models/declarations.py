"""The parents' declarations for the funding rules of primary schools."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from schoolprivacy.fields import EncryptedCharField
from schoolprivacy.validators import validate_one_line, validate_plausible_date

from .pupils import Pupil


class ParentDeclaration(models.Model):
    """The parent's declaration (ouderverklaring) for the funding rules of primary schools
    (the gewichtenregeling): the parent's highest completed education and, where the school
    asks it, the nationality.

    Not consent: the funding rules ask for it. It is the data of the parent who declared
    it: only the school's director and administrator see it, and the parent their own,
    never the other parent. It has a retention rule of its own (requests/retention.py).
    """

    class EducationLevel(models.TextChoices):
        PRIMARY = "primary", _("primary or (secondary) special education, or no diploma")
        PRE_VOCATIONAL = (
            "pre_vocational",
            _("LBO/VBO, practical education, VMBO basic or framework vocational track"),
        )
        OTHER = "other", _("another (higher) education")

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    pupil = models.ForeignKey(
        Pupil, on_delete=models.CASCADE, related_name="+", verbose_name=_("pupil")
    )
    parent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("declared by"),
    )
    education_level = models.CharField(
        _("highest completed education"), max_length=16, choices=EducationLevel.choices
    )
    nationality = EncryptedCharField(
        _("nationality"),
        max_length=100,
        blank=True,
        validators=[validate_one_line],
        help_text=_("Only where the school asks for it."),
    )
    declared_on = models.DateField(_("declared on"), validators=[validate_plausible_date])
    # As the school stated it when the declaration was recorded (services.declaration_basis).
    legal_basis = models.CharField(
        _("legal basis"), max_length=300, validators=[validate_one_line]
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now=True)

    class Meta:
        verbose_name = _("parent's declaration")
        verbose_name_plural = _("parents' declarations")
        ordering = ["pupil", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["pupil", "parent"], name="declaration_one_per_parent"),
        ]

    def __str__(self):
        return f"#{self.pupil_id} – {self.parent_id}"

    def get_additional_data(self):
        return {"pupil_id": self.pupil_id}
