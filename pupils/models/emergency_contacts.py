"""Whom to call about a pupil in an emergency."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from schoolprivacy.fields import EncryptedCharField
from schoolprivacy.validators import validate_one_line

from ..validators import validate_phone
from .pupils import Pupil


class EmergencyContact(models.Model):
    """Whom to call about a pupil in an emergency, in order: a parent (their numbers come
    from their contact details unless another is given) or another person; and the GP and
    hospital, when the parents give them. Encrypted, bound to the row."""

    class Kind(models.TextChoices):
        PERSON = "person", _("person to call")
        GP = "gp", _("general practitioner (GP)")
        HOSPITAL = "hospital", _("hospital")

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    pupil = models.ForeignKey(
        Pupil, on_delete=models.CASCADE, related_name="+", verbose_name=_("pupil")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.PERSON)
    position = models.PositiveSmallIntegerField(_("order"), default=1)
    parent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("parent"),
    )
    name = EncryptedCharField(
        _("name"), max_length=200, blank=True, validators=[validate_one_line]
    )
    relation = EncryptedCharField(
        _("relation to the pupil"),
        max_length=100,
        blank=True,
        validators=[validate_one_line],
        help_text=_("For example: grandmother, neighbour."),
    )
    phone = EncryptedCharField(
        _("phone number"), max_length=24, blank=True, validators=[validate_phone]
    )
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    # Not columns: what pupils.selectors.emergency_contacts puts on a contact it shows.
    numbers: list[tuple[str | Promise, str]]  # (label, number)
    display_name: str
    relation_label: str
    withheld: bool  # a parent's numbers left out for another parent
    implied: bool  # a parent shown for want of a list, not on it

    class Meta:
        verbose_name = _("emergency contact")
        verbose_name_plural = _("emergency contacts")
        ordering = ["pupil", "kind", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["pupil", "kind", "position"], name="emergency_contact_order"
            ),
            models.UniqueConstraint(
                fields=["pupil", "parent"],
                condition=Q(parent__isnull=False),
                name="emergency_contact_parent_once",
            ),
            models.CheckConstraint(
                condition=Q(parent__isnull=True) | Q(kind="person"),
                name="emergency_contact_parent_is_person",
            ),
        ]

    def __str__(self):
        return f"#{self.pupil_id} – {self.get_kind_display()} {self.position}"

    def get_additional_data(self):
        return {"pupil_id": self.pupil_id}
