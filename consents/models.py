"""Consents: purposes with versioned texts, and the append-only record of decisions.

Whether a pupil has consent is never stored: consents/rules.py derives it from
the decisions every time (see effective_consent).
"""

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from pupils.models import Group, Pupil
from schoolprivacy.models import Board, School
from schoolprivacy.validators import validate_one_line, validate_plausible_date

from .audience import Audience


class Purpose(models.Model):
    """Something the school asks consent for: a photo channel, a care partner, an internship…"""

    class Category(models.TextChoices):
        IMAGES = "images", _("photos and video")
        CARE_PARTNER = "care_partner", _("sharing with a care partner")
        INTERNSHIP = "internship", _("internship")
        RELIGION = "religion", _("religion registration")
        OTHER = "other", _("other")

    class Trigger(models.TextChoices):
        ALL = "all", _("asked of every pupil")
        SPECIALIST_SUPPORT = "specialist_support", _("when specialist support starts")
        INTERNSHIP = "internship", _("when an internship starts")
        LEAVING = "leaving", _("when the pupil leaves school")

    board = models.ForeignKey(
        Board, on_delete=models.PROTECT, related_name="purposes", verbose_name=_("school board")
    )
    schools = models.ManyToManyField(
        School,
        related_name="purposes",
        verbose_name=_("schools"),
        help_text=_(
            "The schools that ask this consent (a board-wide purpose is adopted by several)."
        ),
    )
    code = models.SlugField(_("code"), max_length=64)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    trigger = models.CharField(
        _("asked"), max_length=32, choices=Trigger.choices, default=Trigger.ALL
    )
    requires_all_holders = models.BooleanField(
        _("all holders of parental authority must consent"),
        default=False,
        help_text=_(
            "Otherwise one holder's consent is enough, unless another refuses afterwards."
        ),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=100)
    active = models.BooleanField(_("active"), default=True)
    # Whom the question is for (consents/audience.py): every pupil of its schools unless
    # narrowed. Each kind that is filled in narrows; within a kind any value matches.
    departments = ArrayField(
        models.CharField(max_length=64),
        verbose_name=_("departments"),
        default=list,
        blank=True,
    )
    groups = models.ManyToManyField(Group, related_name="+", blank=True, verbose_name=_("groups"))
    year_groups = ArrayField(
        models.PositiveSmallIntegerField(),
        verbose_name=_("year groups"),
        default=list,
        blank=True,
    )
    min_age = models.PositiveSmallIntegerField(_("from the age of"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(
        _("up to and including the age of"), null=True, blank=True
    )
    picked_only = models.BooleanField(
        _("only pupils the care coordinator picks"),
        default=False,
        help_text=_(
            "For a care partner that works with a few pupils: the question is asked of a "
            "pupil once the care coordinator picks them for it."
        ),
    )

    class Meta:
        verbose_name = _("consent purpose")
        verbose_name_plural = _("consent purposes")
        ordering = ["order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["board", "code"], name="purpose_code_unique_per_board"
            ),
            models.CheckConstraint(
                condition=Q(min_age__isnull=True)
                | Q(max_age__isnull=True)
                | Q(min_age__lte=models.F("max_age")),
                name="purpose_age_range_in_order",
            ),
        ]

    def __str__(self):
        return self.code

    @property
    def audience(self) -> Audience:
        """Whom the question is for (consents/audience.py); the groups come prefetched."""
        return Audience(
            trigger=self.trigger,
            departments=frozenset(self.departments),
            group_ids=frozenset(group.pk for group in self.groups.all()),
            year_groups=frozenset(self.year_groups),
            min_age=self.min_age,
            max_age=self.max_age,
            picked_only=self.picked_only,
        )

    @property
    def untitled(self) -> str:
        """What the question is called where it has no text yet: its category, never its
        code (a code is the school's own key, not a word a reader knows)."""
        return capfirst(self.get_category_display())


#: The wording of a question to a pupil of 16 or older (PurposeVersion).
PUPIL_WORDING = ("pupil_title_nl", "pupil_text_nl", "pupil_title_en", "pupil_text_en")


class PurposeVersion(models.Model):
    """One wording of a purpose in Dutch and English, valid from a date; never edited once used."""

    purpose = models.ForeignKey(
        Purpose, on_delete=models.PROTECT, related_name="versions", verbose_name=_("purpose")
    )
    number = models.PositiveSmallIntegerField(_("version"))
    valid_from = models.DateField(_("valid from"), validators=[validate_plausible_date])
    material_change = models.BooleanField(
        _("material change"),
        default=True,
        help_text=_("Earlier consents for this purpose need to be renewed."),
    )
    title_nl = models.CharField(_("title (Dutch)"), max_length=200, validators=[validate_one_line])
    title_en = models.CharField(
        _("title (English)"), max_length=200, validators=[validate_one_line]
    )
    text_nl = models.TextField(_("text (Dutch)"), max_length=4000)
    text_en = models.TextField(_("text (English)"), max_length=4000)
    # The same question put to a pupil of 16 or older, who decides alone ("je", not "uw
    # kind"). Empty where the question is never put to a pupil (consents/audience.py).
    pupil_title_nl = models.CharField(
        _("title to the pupil (Dutch)"), max_length=200, blank=True, validators=[validate_one_line]
    )
    pupil_text_nl = models.TextField(_("text to the pupil (Dutch)"), max_length=4000, blank=True)
    pupil_title_en = models.CharField(
        _("title to the pupil (English)"),
        max_length=200,
        blank=True,
        validators=[validate_one_line],
    )
    pupil_text_en = models.TextField(_("text to the pupil (English)"), max_length=4000, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("purpose text version")
        verbose_name_plural = _("purpose text versions")
        ordering = ["purpose", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["purpose", "number"], name="purpose_version_unique"),
        ]

    def __str__(self):
        return f"{self.purpose.code} v{self.number}"

    @property
    def title(self) -> str:
        return self.title_en if get_language() == "en" else self.title_nl

    @property
    def text(self) -> str:
        return self.text_en if get_language() == "en" else self.text_nl

    @property
    def pupil_title(self) -> str:
        """The title as the pupil of 16 or older reads it (the parents' where none)."""
        own = self.pupil_title_en if get_language() == "en" else self.pupil_title_nl
        return own or self.title

    @property
    def pupil_text(self) -> str:
        own = self.pupil_text_en if get_language() == "en" else self.pupil_text_nl
        return own or self.text

    def wording(self, *, to_pupil: bool) -> tuple[str, str]:
        """(title, text) in the page's language, put to the pupil or to the parents."""
        return (self.pupil_title, self.pupil_text) if to_pupil else (self.title, self.text)


def consent_form_path(instance, filename: str) -> str:
    """Scans are stored under a random name: the path says nothing about the pupil."""
    from schoolprivacy.uploads import random_name

    return random_name("consents/forms", filename)


class TextsRevision(models.Model):
    """One row: a token that changes with every change of a purpose, its texts or schools.

    PostgreSQL keeps it (triggers of migration 0004, whoever writes, in the same
    transaction as the change). It is random, so that no two states of the texts ever
    share one: not after a rollback, nor after a restore from a backup.
    selectors.school_purposes keeps a school's purposes between requests for as long
    as it stays the same.
    """

    revision = models.UUIDField(_("revision"))

    class Meta:
        verbose_name = _("revision of the consent texts")

    def __str__(self):
        return str(self.revision)


class Decision(models.Model):
    """One decision on one purpose for one pupil. Append-only: never changed or deleted in use."""

    class Choice(models.TextChoices):
        GIVEN = "given", _("consent given")
        REFUSED = "refused", _("consent refused")
        WITHDRAWN = "withdrawn", _("consent withdrawn")

    class Channel(models.TextChoices):
        PORTAL = "portal", _("parent portal")
        PAPER = "paper", _("paper form")

    class DeciderRole(models.TextChoices):
        PARENT = "parent", _("holder of parental authority")
        PUPIL = "pupil", _("the pupil (16 or older)")

    pupil = models.ForeignKey(
        Pupil, on_delete=models.CASCADE, related_name="+", verbose_name=_("pupil")
    )
    purpose = models.ForeignKey(
        Purpose, on_delete=models.PROTECT, related_name="decisions", verbose_name=_("purpose")
    )
    version = models.ForeignKey(
        PurposeVersion, on_delete=models.PROTECT, related_name="+", verbose_name=_("text version")
    )
    choice = models.CharField(_("decision"), max_length=16, choices=Choice.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decider_role = models.CharField(_("as"), max_length=16, choices=DeciderRole.choices)
    decided_at = models.DateTimeField(
        _("decided at"), help_text=_("For a paper form: the date on the form.")
    )
    channel = models.CharField(_("how"), max_length=16, choices=Channel.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    # One form submission is one decision, however often it is sent.
    submission = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    scan = models.FileField(
        _("scan of the signed form"),
        upload_to=consent_form_path,
        blank=True,
        help_text=_("PDF, JPEG or PNG, at most 10 MB. Stored outside the website's files."),
    )

    class Meta:
        verbose_name = _("consent decision")
        verbose_name_plural = _("consent decisions")
        ordering = ["decided_at", "pk"]
        indexes = [
            models.Index(fields=["pupil", "purpose", "decided_at"], name="decision_pupil_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(channel="paper") | Q(decided_by=models.F("recorded_by")),
                name="decision_portal_is_by_the_decider",
            ),
        ]

    def __str__(self):
        return f"{self.get_choice_display()} – {self.version} – {self.decided_at:%Y-%m-%d}"

    def get_additional_data(self):
        return {"pupil_id": self.pupil_id}


class Publication(models.Model):
    """A photo or video the school published on a channel, with the pupils who appear in it."""

    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="publications", verbose_name=_("school")
    )
    purpose = models.ForeignKey(
        Purpose,
        on_delete=models.PROTECT,
        related_name="publications",
        verbose_name=_("channel"),
    )
    title = models.CharField(
        _("what was published"), max_length=200, validators=[validate_one_line]
    )
    location = models.CharField(
        _("where"),
        max_length=500,
        blank=True,
        help_text=_("For example the web address."),
        validators=[validate_one_line],
    )
    published_on = models.DateField(_("published on"), validators=[validate_plausible_date])
    pupils = models.ManyToManyField(Pupil, related_name="+", verbose_name=_("pupils shown"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    # One form submission is one publication, however often it is sent.
    submission = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        verbose_name = _("publication")
        verbose_name_plural = _("publications")
        ordering = ["-published_on", "-pk"]

    def __str__(self):
        return self.title


class Takedown(models.Model):
    """A publication that must come down because a pupil in it no longer has consent."""

    publication = models.ForeignKey(
        Publication,
        on_delete=models.CASCADE,
        related_name="takedowns",
        verbose_name=_("publication"),
    )
    pupil = models.ForeignKey(
        Pupil, on_delete=models.CASCADE, related_name="+", verbose_name=_("pupil")
    )
    decision = models.ForeignKey(
        Decision, on_delete=models.PROTECT, related_name="+", verbose_name=_("withdrawal")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("done by"),
    )
    note = models.CharField(_("note"), max_length=500, blank=True, validators=[validate_one_line])

    class Meta:
        verbose_name = _("takedown task")
        verbose_name_plural = _("takedown tasks")
        ordering = ["done_at", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["publication", "pupil", "decision"], name="takedown_once_per_withdrawal"
            ),
        ]

    def __str__(self):
        return f"{self.publication} – {self.pupil_id}"

    def get_additional_data(self):
        return {"pupil_id": self.pupil_id}


class ConsentRequest(models.Model):
    """That a decider was asked to decide on a text, once per school year (campaigns)."""

    pupil = models.ForeignKey(
        Pupil, on_delete=models.CASCADE, related_name="+", verbose_name=_("pupil")
    )
    version = models.ForeignKey(
        PurposeVersion, on_delete=models.PROTECT, related_name="+", verbose_name=_("text version")
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("asked"),
    )
    school_year = models.PositiveSmallIntegerField(_("school year"))
    sent_at = models.DateTimeField(_("asked at"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("consent request")
        verbose_name_plural = _("consent requests")
        constraints = [
            models.UniqueConstraint(
                fields=["pupil", "version", "recipient", "school_year"],
                name="consent_request_once_per_year",
            ),
        ]
        indexes = [models.Index(fields=["sent_at", "reminded_at"], name="consent_request_due_idx")]

    def __str__(self):
        return f"{self.version} – {self.pupil_id} – {self.school_year}"


class ConsentEvent(models.Model):
    """An event in a pupil's school life that brings consent questions with it."""

    pupil = models.ForeignKey(
        Pupil, on_delete=models.CASCADE, related_name="+", verbose_name=_("pupil")
    )
    trigger = models.CharField(
        _("event"),
        max_length=32,
        choices=[c for c in Purpose.Trigger.choices if c[0] != Purpose.Trigger.ALL],
    )
    started_on = models.DateField(_("starts on"), validators=[validate_plausible_date])
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("consent event")
        verbose_name_plural = _("consent events")
        ordering = ["-started_on", "-pk"]

    def __str__(self):
        return f"{self.get_trigger_display()} – {self.started_on}"

    def get_additional_data(self):
        return {"pupil_id": self.pupil_id}


class PurposePick(models.Model):
    """That the care coordinator put a question to one pupil (consents/audience.py): a care
    partner the pupil works with. Personal data: it hints at the pupil's needs."""

    purpose = models.ForeignKey(
        Purpose, on_delete=models.CASCADE, related_name="picks", verbose_name=_("question")
    )
    pupil = models.ForeignKey(
        Pupil, on_delete=models.CASCADE, related_name="+", verbose_name=_("pupil")
    )
    picked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("picked by"),
    )
    picked_at = models.DateTimeField(_("picked at"), auto_now_add=True)

    class Meta:
        verbose_name = _("question put to a pupil")
        verbose_name_plural = _("questions put to a pupil")
        constraints = [
            models.UniqueConstraint(fields=["purpose", "pupil"], name="purpose_pick_once"),
        ]

    def __str__(self):
        return f"{self.purpose} – {self.pupil_id}"

    def get_additional_data(self):
        return {"pupil_id": self.pupil_id}
