"""The parents around a pupil: who holds parental authority or an information right, how the
school reaches them, the notices of the 16th and 18th birthdays, and the invitations that
link them."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from schoolprivacy.fields import EncryptedCharField, declared_field
from schoolprivacy.validators import validate_one_line, validate_plausible_date

from ..validators import validate_phone
from .pupils import Pupil


class Guardianship(models.Model):
    """A parent or guardian of a pupil, with or without parental authority (gezag)."""

    class Relation(models.TextChoices):
        MOTHER = "mother", _("mother")
        FATHER = "father", _("father")
        GUARDIAN = "guardian", _("guardian")
        FOSTER_PARENT = "foster_parent", _("foster parent")
        OTHER = "other", _("other")

    parent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="guardianships",
        verbose_name=_("parent"),
    )
    pupil = models.ForeignKey(
        Pupil, on_delete=models.CASCADE, related_name="guardianships", verbose_name=_("pupil")
    )
    relation = models.CharField(_("relation"), max_length=16, choices=Relation.choices)
    has_parental_authority = models.BooleanField(_("holds parental authority"), default=True)
    has_information_right = models.BooleanField(
        _("information right"),
        default=False,
        help_text=_(
            "Only for a parent without parental authority: may receive information "
            "about the child (Civil Code 1:377c)."
        ),
    )
    # At 18 parental authority ends (Civil Code 1:233): the adulthood sweep records when.
    authority_ended_on = models.DateField(
        _("parental authority ended on"),
        null=True,
        blank=True,
        help_text=_("The pupil's 18th birthday, once it has passed."),
        validators=[validate_plausible_date],
    )
    # An adult pupil may let a parent keep seeing the dossier (read only).
    access_granted_at = models.DateTimeField(
        _("access granted by the pupil at"),
        null=True,
        blank=True,
        help_text=_("From 16 the parent sees the whole dossier only while the pupil grants it."),
    )
    contact_shared = models.BooleanField(
        _("the other parents may see these contact details"),
        default=False,
        help_text=_(
            "Only when this parent agreed, for example after a separation. Without it, the "
            "child's other parents never see this parent's address or phone numbers."
        ),
    )
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    # Not columns: what pupils.selectors puts on a guardianship it shows (shared_contacts,
    # contacts_shown): the parent's contact details, as far as the viewer may see them.
    contact: "ParentContact | None"
    phones: list[tuple[str | Promise, str]]
    address: str

    class Meta:
        verbose_name = _("guardianship")
        verbose_name_plural = _("guardianships")
        constraints = [
            models.UniqueConstraint(fields=["parent", "pupil"], name="guardianship_unique"),
            models.CheckConstraint(
                condition=Q(has_parental_authority=False) | Q(has_information_right=False),
                name="guardianship_information_right_only_without_authority",
            ),
        ]

    def __str__(self):
        return f"{self.parent} – {self.get_relation_display()} – #{self.pupil_id}"

    def get_additional_data(self):
        return {"pupil_id": self.pupil_id}


class ParentContact(models.Model):
    """How the school reaches a parent or guardian: the address and phone numbers, from the
    pupil administration's export or entered at the school; encrypted, each value bound to
    its row. Who sees what is the pupil policy's VIEW_PHONES and VIEW_ADDRESS
    (pupils/permissions.py); the parent always sees their own."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    parent = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="contact",
        verbose_name=_("parent"),
    )
    street = EncryptedCharField(
        _("street and house number"), max_length=200, blank=True, validators=[validate_one_line]
    )
    postcode = EncryptedCharField(
        _("postcode"), max_length=16, blank=True, validators=[validate_one_line]
    )
    city = EncryptedCharField(
        _("town or city"), max_length=100, blank=True, validators=[validate_one_line]
    )
    phone_mobile = EncryptedCharField(
        _("mobile phone"), max_length=24, blank=True, validators=[validate_phone]
    )
    phone_home = EncryptedCharField(
        _("home phone"), max_length=24, blank=True, validators=[validate_phone]
    )
    phone_work = EncryptedCharField(
        _("work phone"), max_length=24, blank=True, validators=[validate_phone]
    )
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    #: The fields a contact holds, in the order they are shown.
    FIELDS = ("street", "postcode", "city", "phone_mobile", "phone_home", "phone_work")
    PHONES = ("phone_mobile", "phone_home", "phone_work")
    ADDRESS = ("street", "postcode", "city")

    class Meta:
        verbose_name = _("contact details of a parent")
        verbose_name_plural = _("contact details of parents")

    def __str__(self):
        return f"{self.parent} – {self._meta.verbose_name}"

    @property
    def phones(self) -> list[tuple[str | Promise, str]]:
        """(label, number) of the numbers held."""
        return [
            (declared_field(self, name).verbose_name, getattr(self, name))
            for name in self.PHONES
            if getattr(self, name)
        ]

    @property
    def address(self) -> str:
        """The address on one line, or ''."""
        town = " ".join(p for p in (self.postcode, self.city) if p)
        return ", ".join(p for p in (self.street, town) if p)


class AdulthoodNotice(models.Model):
    """That the pupil and the parents were told about the 18th birthday: once beforehand, and
    once when parental authority ended; and once that from 16 the pupil decides (a unique row
    per pupil and kind, for the sweep)."""

    class Kind(models.TextChoices):
        COMING = "coming", _("told beforehand")
        DONE = "done", _("told that parental authority ended")
        SIXTEEN = "sixteen", _("told that the pupil decides from 16")

    pupil = models.ForeignKey(
        Pupil, on_delete=models.CASCADE, related_name="+", verbose_name=_("pupil")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    adult_on = models.DateField(_("18th birthday"), validators=[validate_plausible_date])
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("notice of the 18th birthday")
        verbose_name_plural = _("notices of the 18th birthday")
        constraints = [
            models.UniqueConstraint(fields=["pupil", "kind"], name="adulthood_notice_once"),
        ]

    def __str__(self):
        return f"#{self.pupil_id} {self.kind}"


class Invitation(models.Model):
    """A one-time link on which a parent sets a password. Only a hash of the token is stored.

    An invitation with a pupil proposes a link to that pupil, made by a school's staff on the
    pupil's page: the link (the Guardianship, with the custody staff recorded here) is made
    only when the owner of the address accepts, whether or not the address had an account,
    so that staff learn nothing about other people's accounts and nobody is linked to a
    child without saying yes."""

    parent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="invitations",
        verbose_name=_("parent"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("invited by"),
    )
    # NULL until the link is made (invitation_send); unique ignores NULLs.
    token_hash = models.CharField(  # noqa: DJ001
        max_length=64, unique=True, null=True, editable=False
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    # The proposed link to a pupil (see the docstring); empty for an account-only invitation.
    pupil = models.ForeignKey(
        Pupil,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("pupil"),
    )
    full_name = models.CharField(
        _("name given by the school"),
        max_length=150,
        blank=True,
        validators=[validate_one_line],
    )
    relation = models.CharField(
        _("relation"), max_length=16, choices=Guardianship.Relation.choices, blank=True
    )
    has_parental_authority = models.BooleanField(_("holds parental authority"), default=False)
    has_information_right = models.BooleanField(_("information right"), default=False)
    declined_at = models.DateTimeField(_("declined at"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.CheckConstraint(
                condition=Q(pupil__isnull=False) | Q(relation="", declined_at__isnull=True),
                name="invitation_link_fields_only_with_pupil",
            ),
        ]

    def __str__(self):
        return f"{self.parent} ({self.created_at:%Y-%m-%d})"

    @property
    def state(self) -> str:
        """Where the answer stands: "accepted", "declined", "expired" or "waiting"."""
        if self.used_at is not None:
            return "accepted"
        if self.declined_at is not None:
            return "declined"
        if self.expires_at <= timezone.now():
            return "expired"
        return "waiting"
