"""The digital pupil dossier: pupils, their groups, who holds authority over them,
what the school records about them, and the special categories of personal data.

Personal data stays in this app; other tables point to a pupil by id.
"""

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from guardian.models import UserObjectPermissionBase

from schoolprivacy.fields import EncryptedCharField, EncryptedTextField
from schoolprivacy.models import Board, School
from schoolprivacy.validators import validate_one_line, validate_plausible_date

from .validators import validate_bsn, validate_date_of_birth, validate_phone

#: The longest free text a dossier entry takes (about two pages).
TEXT_MAX = 5000


class Source(models.TextChoices):
    """Where a piece of dossier information came from (GDPR Art. 14/15: the source)."""

    SCHOOL = "school", _("the school itself")
    PARENT = "parent", _("parent or guardian")
    PUPIL = "pupil", _("the pupil")
    CARE_PARTNER = "care_partner", _("care partner")
    PREVIOUS_SCHOOL = "previous_school", _("previous school")
    OTHER = "other", _("other")


class DataCategory(models.TextChoices):
    """The parts of a pupil's data that retention, erasure and restriction apply to."""

    ADMINISTRATION = (
        "administration",
        _("pupil administration: personal details, BSN, enrolment, parents and groups"),
    )
    DOSSIER = "dossier", _("pupil dossier: agreements, test results, reports and notes")
    SPECIAL = (
        "special",
        _("special categories: medical information, wellbeing, religion, custody arrangements"),
    )
    REFERRAL = "referral", _("referral to special education")
    DECLARATION = (
        "declaration",
        _("parents' declarations for the funding rules: education level, nationality"),
    )


class Group(models.Model):
    """A group (groep, PO) or class (klas, VSO) of one school in one school year."""

    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="groups", verbose_name=_("school")
    )
    name = models.CharField(_("name"), max_length=64, validators=[validate_one_line])
    school_year = models.PositiveSmallIntegerField(
        _("school year"),
        help_text=_("The calendar year in which the school year starts (1 August)."),
    )
    year_group = models.PositiveSmallIntegerField(_("year group"), null=True, blank=True)
    # The group's key in the pupil administration (EDEXML groep/@key): what a sync matches on.
    external_key = models.CharField(  # noqa: DJ001 (NULL: not from the administration)
        _("key in the pupil administration"),
        max_length=100,
        null=True,
        blank=True,
        validators=[validate_one_line],
    )

    class Meta:
        verbose_name = _("group")
        verbose_name_plural = _("groups")
        ordering = ["school_year", "year_group", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "school_year", "name"], name="group_unique_name_per_year"
            ),
            models.UniqueConstraint(
                fields=["school", "school_year", "external_key"],
                name="group_unique_key_per_year",
            ),
        ]
        permissions = [
            ("teach_group", _("Teach the group: see and record the dossiers of its pupils")),
        ]

    def __str__(self):
        return f"{self.name} ({self.school_year}-{self.school_year + 1})"


class GroupUserObjectPermission(UserObjectPermissionBase):
    """django-guardian's direct foreign-key table for permissions on one group."""

    content_object = models.ForeignKey(Group, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("group permission")
        verbose_name_plural = _("group permissions")


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
    def phones(self) -> list[tuple[str, str]]:
        """(label, number) of the numbers held."""
        return [
            (self._meta.get_field(name).verbose_name, getattr(self, name))
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


class DossierEntry(models.Model):
    """What every dossier entry has: whose, by whom, when, and from which source."""

    pupil = models.ForeignKey(
        Pupil, on_delete=models.CASCADE, related_name="+", verbose_name=_("pupil")
    )
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
    source_detail = models.CharField(
        _("source details"),
        max_length=200,
        blank=True,
        help_text=_("For example the name of the care partner."),
        validators=[validate_one_line],
    )
    # A correction keeps the earlier text as an EntryRevision and counts up the version: the
    # form carries the version it showed, so two corrections at once cannot overwrite each other.
    version = models.PositiveIntegerField(_("version"), default=1)
    revised_at = models.DateTimeField(_("last corrected at"), null=True, blank=True)
    revised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("last corrected by"),
    )

    #: The fields a correction may change (and an EntryRevision keeps), per kind.
    CORRECTABLE: tuple[str, ...] = ()

    class Meta:
        abstract = True

    def get_additional_data(self):
        return {"pupil_id": self.pupil_id}


class Agreement(DossierEntry):
    """An agreement (afspraak) made with the parents or the pupil."""

    agreed_on = models.DateField(_("date"), validators=[validate_plausible_date])
    participants = models.CharField(
        _("participants"),
        max_length=500,
        help_text=_("Who took part, for example the parents, the teacher and the pupil."),
        validators=[validate_one_line],
    )
    agreement = models.TextField(
        _("what was agreed"), max_length=TEXT_MAX, validators=[MaxLengthValidator(TEXT_MAX)]
    )
    follow_up = models.TextField(
        _("follow-up"),
        max_length=TEXT_MAX,
        blank=True,
        validators=[MaxLengthValidator(TEXT_MAX)],
    )
    follow_up_on = models.DateField(
        _("follow-up date"), null=True, blank=True, validators=[validate_plausible_date]
    )

    CORRECTABLE = ("agreed_on", "participants", "agreement", "follow_up", "follow_up_on")

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        ordering = ["-agreed_on", "-pk"]
        indexes = [models.Index(fields=["pupil", "-agreed_on"], name="agreement_pupil_idx")]

    def __str__(self):
        return f"{self.agreed_on}: {self.agreement[:40]}"


class TestResult(DossierEntry):
    """A test result (toetsresultaat)."""

    test_name = models.CharField(_("test"), max_length=200, validators=[validate_one_line])
    taken_on = models.DateField(_("date"), validators=[validate_plausible_date])
    score = models.CharField(_("score"), max_length=50, blank=True, validators=[validate_one_line])
    level = models.CharField(
        _("level"),
        max_length=50,
        blank=True,
        help_text=_("For example A–E, I–V or 1F."),
        validators=[validate_one_line],
    )
    remark = models.TextField(
        _("remark"), max_length=TEXT_MAX, blank=True, validators=[MaxLengthValidator(TEXT_MAX)]
    )

    CORRECTABLE = ("test_name", "taken_on", "score", "level", "remark")

    class Meta:
        verbose_name = _("test result")
        verbose_name_plural = _("test results")
        ordering = ["-taken_on", "-pk"]
        indexes = [models.Index(fields=["pupil", "-taken_on"], name="testresult_pupil_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(score="") | ~Q(level=""), name="testresult_has_score_or_level"
            ),
        ]

    def __str__(self):
        return f"{self.test_name} {self.taken_on}"


class Note(DossierEntry):
    """A report (verslag) or a note (notitie)."""

    class Kind(models.TextChoices):
        REPORT = "report", _("report")
        NOTE = "note", _("note")
        REFERRAL = "referral", pgettext_lazy("dossier entry", "referral report")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.NOTE)
    written_on = models.DateField(_("date"), validators=[validate_plausible_date])
    title = models.CharField(_("title"), max_length=200, validators=[validate_one_line])
    body = models.TextField(
        _("text"), max_length=TEXT_MAX, validators=[MaxLengthValidator(TEXT_MAX)]
    )

    CORRECTABLE = ("written_on", "title", "body")

    class Meta:
        verbose_name = _("report or note")
        verbose_name_plural = _("reports and notes")
        ordering = ["-written_on", "-pk"]
        indexes = [models.Index(fields=["pupil", "-written_on"], name="note_pupil_idx")]

    def __str__(self):
        return self.title


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
    # As the school stated it when the declaration was recorded (services.DECLARATION_BASIS).
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


class EmergencyAccess(models.Model):
    """Break-glass: a member of staff opened a pupil's medical protocol in an emergency."""

    pupil = models.ForeignKey(
        Pupil, on_delete=models.CASCADE, related_name="+", verbose_name=_("pupil")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("staff member"),
    )
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Staff write health facts here ("an epileptic seizure"): encrypted, masked in the log,
    # never in the director's mail.
    reason = EncryptedTextField(_("reason"), validators=[MaxLengthValidator(1000)])
    opened_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    reported_at = models.DateTimeField(_("reported to the director at"), null=True, blank=True)

    class Meta:
        verbose_name = _("emergency access")
        verbose_name_plural = _("emergency accesses")
        ordering = ["-opened_at"]
        indexes = [models.Index(fields=["user", "pupil", "expires_at"], name="emergency_user_idx")]

    def __str__(self):
        return f"{self.user} – {self.pupil_id} – {self.opened_at:%Y-%m-%d %H:%M}"

    def get_additional_data(self):
        return {"pupil_id": self.pupil_id}


class RestrictedAccess(models.Model):
    """A look by staff at a restricted safety record, with the reason (GDPR Art. 18(2)).

    A restriction or an objection leaves the records a child's safety needs (medical
    information, medication, protocols) with the staff who need them, but every look
    asks why, and the answer is kept here, encrypted.
    """

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    pupil = models.ForeignKey(
        Pupil, on_delete=models.CASCADE, related_name="+", verbose_name=_("pupil")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("staff member"),
    )
    reason = EncryptedTextField(_("reason"), validators=[MaxLengthValidator(1000)])
    kinds = ArrayField(
        models.CharField(max_length=16, choices=SpecialRecord.Kind.choices),
        verbose_name=_("kinds looked at"),
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("look at restricted data")
        verbose_name_plural = _("looks at restricted data")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["pupil", "-at"], name="restricted_access_pupil_idx")]

    def __str__(self):
        return f"{self.user_id} – {self.pupil_id} – {self.at:%Y-%m-%d %H:%M}"

    def get_additional_data(self):
        return {"pupil_id": self.pupil_id}


class ProcessingHold(models.Model):
    """A stop on a pupil's data: a restriction or objection (staff see and share nothing of the
    categories held, GDPR Art. 18 and 21), or a legal hold (nothing may be deleted).

    Placed and lifted through services, with reasons; the history stays.
    """

    class Kind(models.TextChoices):
        RESTRICTION = "restriction", _("restriction of processing (GDPR Art. 18)")
        OBJECTION = "objection", _("objection, processing stopped (GDPR Art. 21)")
        LEGAL_HOLD = "legal_hold", _("legal hold: nothing may be deleted")

    pupil = models.ForeignKey(
        Pupil, on_delete=models.CASCADE, related_name="holds", verbose_name=_("pupil")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    categories = ArrayField(
        models.CharField(max_length=16, choices=DataCategory.choices),
        verbose_name=_("data held"),
    )
    # Keys of pupils.items (``note:12``): the hold covers only these items, of the categories
    # named; empty, it covers all data of its categories.
    items = ArrayField(
        models.CharField(max_length=64),
        default=list,
        blank=True,
        verbose_name=_("items held"),
        help_text=_("Empty: all data of the categories. Otherwise only these items."),
    )
    reason = models.TextField(_("reason"), max_length=2000, validators=[MaxLengthValidator(2000)])
    reference = models.CharField(
        _("reference"),
        max_length=100,
        blank=True,
        help_text=_("For example the request."),
        validators=[validate_one_line],
    )
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("placed by"),
    )
    placed_at = models.DateTimeField(_("placed at"), auto_now_add=True)
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lifted by"),
    )
    lift_reason = models.TextField(_("why it was lifted"), max_length=2000, blank=True)

    class Meta:
        verbose_name = _("hold on a pupil's data")
        verbose_name_plural = _("holds on pupils' data")
        ordering = ["-placed_at", "-pk"]
        indexes = [
            models.Index(
                fields=["pupil", "kind"],
                condition=Q(lifted_at__isnull=True),
                name="hold_active_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(lifted_at__isnull=True) | Q(lifted_by__isnull=False),
                name="hold_lifted_by_someone",
            ),
            models.CheckConstraint(condition=~Q(categories=[]), name="hold_covers_some_data"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} – {self.pupil_id}"

    def get_additional_data(self):
        return {"pupil_id": self.pupil_id}

    @property
    def restricts(self) -> bool:
        """True for a restriction or objection: staff neither see nor share the data held."""
        return self.kind != self.Kind.LEGAL_HOLD

    @property
    def holds_whole_categories(self) -> bool:
        return not self.items

    @property
    def category_labels(self) -> list[str]:
        return [label for value, label in DataCategory.choices if value in self.categories]


#: The holds that stop staff from seeing and sharing the data they cover.
RESTRICTING_HOLDS = (ProcessingHold.Kind.RESTRICTION, ProcessingHold.Kind.OBJECTION)


def _exactly_one(*names: str) -> Q:
    """Exactly one of the nullable fields *names* is set."""
    return Q(
        *[Q(**{f"{name}__isnull": name != chosen for name in names}) for chosen in names],
        _connector=Q.OR,
    )


class _OfAnEntry(models.Model):
    """Belongs to exactly one dossier entry or special-category record, and goes with it
    (erasure, retention): one foreign key per kind, so the database keeps the link."""

    agreement = models.ForeignKey(
        Agreement,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("agreement"),
    )
    test_result = models.ForeignKey(
        TestResult,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("test result"),
    )
    note = models.ForeignKey(
        Note,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("report or note"),
    )

    #: The item kinds (pupils.items) and the field that points to each.
    TARGETS = {"agreement": "agreement", "test_result": "test_result", "note": "note"}

    class Meta:
        abstract = True

    @property
    def target(self) -> tuple[str, int]:
        """(item kind, id) of what this belongs to."""
        for target, name in self.TARGETS.items():
            if getattr(self, f"{name}_id") is not None:
                return target, getattr(self, f"{name}_id")
        raise ValueError("belongs to nothing")


class EntryRevision(_OfAnEntry):
    """An earlier version of a dossier entry, kept when it was corrected: its text as it
    was (encrypted), who corrected it, when and why."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    pupil = models.ForeignKey(
        Pupil, on_delete=models.CASCADE, related_name="+", verbose_name=_("pupil")
    )
    version = models.PositiveIntegerField(_("version"))
    # The entry's CORRECTABLE fields as they were, as JSON.
    values = EncryptedTextField(_("earlier text"))
    reason = EncryptedTextField(
        _("reason for the correction"), validators=[MaxLengthValidator(1000)]
    )
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("corrected by"),
    )
    corrected_at = models.DateTimeField(_("corrected at"), auto_now_add=True)

    class Meta:
        verbose_name = _("earlier version of an entry")
        verbose_name_plural = _("earlier versions of entries")
        ordering = ["-version"]
        indexes = [models.Index(fields=["pupil"], name="revision_pupil_idx")]
        constraints = [
            models.CheckConstraint(
                condition=_exactly_one("agreement", "test_result", "note"),
                name="revision_one_entry",
            ),
            models.UniqueConstraint(fields=["agreement", "version"], name="revision_agreement_v"),
            models.UniqueConstraint(fields=["test_result", "version"], name="revision_test_v"),
            models.UniqueConstraint(fields=["note", "version"], name="revision_note_v"),
        ]

    def __str__(self):
        return f"#{self.pupil_id} v{self.version}"

    def get_additional_data(self):
        return {"pupil_id": self.pupil_id}


class Attachment(_OfAnEntry):
    """A document attached to a dossier entry or a special-category record: a PDF or an
    image, accepted by its content (schoolprivacy/uploads.py).

    The content is sealed with a key of its own (``data_key``), which is itself encrypted
    with the application's keys and bound to this row: rotating those keys re-seals the
    key, not the document. The file's name is the app's, never the uploader's.
    """

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    pupil = models.ForeignKey(
        Pupil, on_delete=models.CASCADE, related_name="+", verbose_name=_("pupil")
    )
    special_record = models.ForeignKey(
        SpecialRecord,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("special-category record"),
    )
    title = EncryptedCharField(
        _("description"),
        max_length=200,
        validators=[validate_one_line],
        help_text=_("For example: individual protocol, or the specialist's report."),
    )
    kind = models.CharField(_("type"), max_length=8)
    size = models.PositiveIntegerField(_("size in bytes"))
    data_key = EncryptedTextField(_("document key"))
    content = models.BinaryField(_("content (encrypted)"))
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("added by"),
    )
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)

    TARGETS = {**_OfAnEntry.TARGETS, "special": "special_record"}

    class Meta:
        verbose_name = _("attached document")
        verbose_name_plural = _("attached documents")
        ordering = ["added_at", "pk"]
        indexes = [models.Index(fields=["pupil"], name="attachment_pupil_idx")]
        constraints = [
            models.CheckConstraint(
                condition=_exactly_one("agreement", "test_result", "note", "special_record"),
                name="attachment_one_entry",
            ),
        ]

    def __str__(self):
        return self.filename

    def get_additional_data(self):
        return {"pupil_id": self.pupil_id}

    @property
    def filename(self) -> str:
        """The name the file is served under: the app's, dated, never the uploader's."""
        day = timezone.localdate(self.added_at) if self.added_at else timezone.localdate()
        return f"document-{day:%Y%m%d}-{self.uid.hex[:8]}.{self.kind}"


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
