"""The pupil: the administration's record, the grants on one pupil, and the history of
their groups."""

import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from guardian.models import UserObjectPermissionBase

from schoolprivacy.fields import EncryptedCharField
from schoolprivacy.models import Board, School
from schoolprivacy.validators import validate_one_line, validate_plausible_date

from ..validators import validate_bsn, validate_date_of_birth
from .groups import Group

if TYPE_CHECKING:
    from .dossier import Attachment
    from .guardianship import Guardianship, ParentContact


class Pupil(models.Model):
    class Gender(models.TextChoices):
        FEMALE = "f", _("female")
        MALE = "m", _("male")
        OTHER = "x", _("other or not stated")

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    board = models.ForeignKey(
        Board,
        on_delete=models.PROTECT,
        related_name="pupils",
        editable=False,
        verbose_name=_("school board"),
    )
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="pupils", verbose_name=_("school")
    )
    group = models.ForeignKey(
        Group,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="pupils",
        verbose_name=_("group"),
    )
    first_name = models.CharField(_("first name"), max_length=100, validators=[validate_one_line])
    name_prefix = models.CharField(
        _("prefix"), max_length=20, blank=True, validators=[validate_one_line]
    )
    last_name = models.CharField(_("last name"), max_length=100, validators=[validate_one_line])
    date_of_birth = models.DateField(
        _("date of birth"), validators=[validate_date_of_birth, validate_plausible_date]
    )
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True)
    bsn = EncryptedCharField(
        _("citizen service number (BSN)"),
        max_length=9,
        null=True,
        blank=True,
        validators=[validate_bsn],
    )
    # HMAC of the BSN (separate key): exact lookup and uniqueness without plaintext.
    # NULL, not "", for pupils without a BSN: the unique constraint ignores NULLs.
    bsn_index = models.CharField(  # noqa: DJ001
        max_length=64, null=True, blank=True, editable=False
    )
    enrolled_on = models.DateField(_("enrolment date"), validators=[validate_plausible_date])
    left_on = models.DateField(
        _("leave date"), null=True, blank=True, validators=[validate_plausible_date]
    )
    # The pupil's key in the pupil administration (EDEXML leerling/@key) and the ECK-iD, the
    # chain identity of the pupil in education: what a sync matches on.
    external_key = models.CharField(  # noqa: DJ001 (NULL: not from the administration)
        _("key in the pupil administration"),
        max_length=100,
        null=True,
        blank=True,
        validators=[validate_one_line],
    )
    eckid = models.CharField(
        _("ECK-iD"), max_length=200, blank=True, validators=[validate_one_line]
    )
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="pupil_record",
        verbose_name=_("own account"),
        help_text=_("A pupil of 16 or older logs in to decide on their own consents."),
    )
    # Set when the administration was erased (request or retention): the row stays so
    # that what points to it (requests, the audit's facts) stays whole, without data.
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)

    # Not a column: the guardianships pupils.permissions.guardians read, kept for the request.
    _schoolprivacy_guardians: "list[Guardianship]"
    # and their contact details, read by pupils.selectors.parent_contacts_of.
    _schoolprivacy_parent_contacts: "dict[int, ParentContact]"
    # and its documents by entry, read by pupils.selectors.attachments_by_item.
    _schoolprivacy_documents: "dict[str, list[Attachment]]"

    class Meta:
        verbose_name = _("pupil")
        verbose_name_plural = _("pupils")
        ordering = ["last_name", "first_name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=F("enrolled_on")),
                name="pupil_leaves_after_enrolment",
            ),
            models.UniqueConstraint(
                fields=["board", "bsn_index"], name="pupil_bsn_unique_per_board"
            ),
            models.UniqueConstraint(
                fields=["school", "external_key"], name="pupil_key_unique_per_school"
            ),
        ]
        indexes = [
            models.Index(fields=["school", "last_name"], name="pupil_school_name_idx"),
            models.Index(fields=["group", "last_name"], name="pupil_group_name_idx"),
            # The retention sweep reads pupils who left, by leave date.
            models.Index(
                fields=["left_on"], condition=Q(left_on__isnull=False), name="pupil_left_idx"
            ),
            # The adulthood sweep reads the pupils who turn 18, by date of birth.
            models.Index(
                fields=["date_of_birth"],
                condition=Q(anonymised_at__isnull=True),
                name="pupil_birth_idx",
            ),
        ]
        permissions = [
            ("follow_pupil", _("Follow the pupil as assigned care coordinator")),
        ]

    def __str__(self):
        # No name: str() is what the audit log keeps of a pupil (object_repr, and the
        # pupils of a publication), and the log must not outlive an erasure with names.
        return f"#{self.pk}"

    @property
    def full_name(self) -> str:
        if self.anonymised_at is not None:
            return gettext("erased pupil")
        return " ".join(p for p in (self.first_name, self.name_prefix, self.last_name) if p)

    def get_additional_data(self):
        return {"pupil_id": self.pk}


class PupilUserObjectPermission(UserObjectPermissionBase):
    """django-guardian's direct foreign-key table for permissions on one pupil."""

    content_object = models.ForeignKey(Pupil, on_delete=models.CASCADE)
    # django-guardian uses this table while True (its default); the bench switches it off.
    enabled = True

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("pupil permission")
        verbose_name_plural = _("pupil permissions")


class GroupPlacement(models.Model):
    """Which group a pupil was in, from when to when. The open row is the current group."""

    pupil = models.ForeignKey(
        Pupil, on_delete=models.CASCADE, related_name="placements", verbose_name=_("pupil")
    )
    group = models.ForeignKey(
        Group, on_delete=models.PROTECT, related_name="placements", verbose_name=_("group")
    )
    start_on = models.DateField(_("from"), validators=[validate_plausible_date])
    end_on = models.DateField(
        _("until"), null=True, blank=True, validators=[validate_plausible_date]
    )

    class Meta:
        verbose_name = _("group placement")
        verbose_name_plural = _("group placements")
        ordering = ["-start_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["pupil"],
                condition=Q(end_on__isnull=True),
                name="placement_one_current_group",
            ),
            models.CheckConstraint(
                condition=Q(end_on__isnull=True) | Q(end_on__gte=F("start_on")),
                name="placement_ends_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.group} {self.start_on}–{self.end_on or ''}"

    def get_additional_data(self):
        return {"pupil_id": self.pupil_id}
