"""Data-subject requests (GDPR Art. 15-21) with their legal deadline (Art. 12(3)).

A request is about one pupil and comes from one person entitled to act for the
pupil: a holder of parental authority, or the pupil from 16. Its deadline is
computed once, by requests.deadlines.response_due, and stored, so that the sweep
that reminds handlers reads an index instead of a calendar. Every change of
state goes through requests.services, under a row lock, with an event in the
request's history and a row in the audit log.
"""

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pupils import items
from pupils.models import DataCategory, Pupil
from schoolprivacy.fields import EncryptedTextField
from schoolprivacy.models import Board, Role, School
from schoolprivacy.validators import validate_one_line, validate_plausible_date
from suppliers.models import Recipient, Supplier

TEXT_MAX = 5000


class ErasureCategory(models.TextChoices):
    """What a parent can ask to have deleted: the pupil's data, and the consent record."""

    DOSSIER = DataCategory.DOSSIER.value, DataCategory.DOSSIER.label
    SPECIAL = DataCategory.SPECIAL.value, DataCategory.SPECIAL.label
    REFERRAL = DataCategory.REFERRAL.value, DataCategory.REFERRAL.label
    CONSENTS = "consents", _("consent record: the decisions on photos, video and sharing")
    DECLARATION = DataCategory.DECLARATION.value, DataCategory.DECLARATION.label
    ADMINISTRATION = DataCategory.ADMINISTRATION.value, DataCategory.ADMINISTRATION.label


class SchoolRouting(models.Model):
    """Who handles the requests of one school: the director, the team leader, or both."""

    HANDLER_ROLES = [
        (Role.DIRECTOR.value, Role.DIRECTOR.label),
        (Role.TEAM_LEADER.value, Role.TEAM_LEADER.label),
    ]

    school = models.OneToOneField(
        School, on_delete=models.CASCADE, related_name="request_routing", verbose_name=_("school")
    )
    handler_roles = ArrayField(
        models.CharField(max_length=32, choices=HANDLER_ROLES),
        verbose_name=_("handled by"),
        help_text=_("They get the requests of this school, and the reminders."),
    )
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    class Meta:
        verbose_name = _("request routing")
        verbose_name_plural = _("request routings")
        constraints = [
            models.CheckConstraint(condition=~Q(handler_roles=[]), name="routing_names_a_role"),
        ]

    def __str__(self):
        return f"{self.school}: {', '.join(self.handler_roles)}"


#: Without a routing of its own, a school's requests go to its director.
DEFAULT_HANDLER_ROLES = (Role.DIRECTOR,)


class BoardHoliday(models.Model):
    """A day a school board adds to the public holidays of the Algemene termijnenwet."""

    board = models.ForeignKey(
        Board, on_delete=models.CASCADE, related_name="holidays", verbose_name=_("school board")
    )
    day = models.DateField(_("day"), validators=[validate_plausible_date])
    name = models.CharField(_("name"), max_length=100, validators=[validate_one_line])

    class Meta:
        verbose_name = _("extra holiday")
        verbose_name_plural = _("extra holidays")
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(fields=["board", "day"], name="board_holiday_once"),
        ]

    def __str__(self):
        return f"{self.day} {self.name}"


class DataRequest(models.Model):
    """One request of a parent (or a pupil of 16+) about the pupil's data."""

    class Kind(models.TextChoices):
        ACCESS = "access", _("a copy of the data (access)")
        RECTIFICATION = "rectification", _("correction")
        ERASURE = "erasure", _("deletion")
        RESTRICTION = "restriction", _("restriction of processing")
        OBJECTION = "objection", _("objection to processing")
        PORTABILITY = "portability", _("the data in a machine-readable form (portability)")
        RECIPIENTS = "recipients", _("who received the data")

    class Status(models.TextChoices):
        RECEIVED = "received", _("received")
        IN_PROGRESS = "in_progress", _("being handled")
        NOTIFYING = "notifying", _("informing the recipients")
        COMPLETED = "completed", _("answered")
        REFUSED = "refused", pgettext_lazy("request status", "refused")
        WITHDRAWN = "withdrawn", _("withdrawn")

    class Channel(models.TextChoices):
        PORTAL = "portal", _("parent portal")
        PAPER = "paper", _("letter or form")
        EMAIL = "email", _("e-mail")
        IN_PERSON = "in_person", _("in person")

    class RequesterRole(models.TextChoices):
        PARENT = "parent", _("holder of parental authority")
        PUPIL = "pupil", _("the pupil (16 or older)")

    class IdentityCheck(models.TextChoices):
        PORTAL_LOGIN = "portal_login", _("logged in to the portal")
        IN_PERSON = "in_person", _("in person, with an identity document")
        KNOWN_EMAIL = "known_email", _("from the e-mail address the school knows")
        CALL_BACK = "call_back", _("called back on the number the school knows")
        OTHER = "other", _("otherwise (see the note)")

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    board = models.ForeignKey(
        Board, on_delete=models.PROTECT, related_name="+", verbose_name=_("school board")
    )
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="+", verbose_name=_("school")
    )
    pupil = models.ForeignKey(
        Pupil, on_delete=models.PROTECT, related_name="+", verbose_name=_("pupil")
    )
    kind = models.CharField(_("request"), max_length=16, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.RECEIVED
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="data_requests",
        verbose_name=_("asked by"),
    )
    requester_role = models.CharField(_("as"), max_length=16, choices=RequesterRole.choices)
    channel = models.CharField(_("received via"), max_length=16, choices=Channel.choices)
    identity_check = models.CharField(
        _("identity checked"), max_length=16, choices=IdentityCheck.choices
    )
    identity_note = models.CharField(
        _("note on the identity check"), max_length=200, blank=True, validators=[validate_one_line]
    )
    received_at = models.DateTimeField(_("received at"))
    received_on = models.DateField(
        _("received on"),
        help_text=_("The calendar date in the Netherlands: the day 0 of the term."),
        validators=[validate_plausible_date],
    )
    first_due_on = models.DateField(
        _("answer due by (one month)"), validators=[validate_plausible_date]
    )
    due_on = models.DateField(_("answer due by"), validators=[validate_plausible_date])
    extended_at = models.DateTimeField(_("extended at"), null=True, blank=True)
    extended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("extended by"),
    )
    extension_reasons = models.TextField(
        _("reasons for the extension"), max_length=2000, blank=True
    )
    explanation = EncryptedTextField(
        _("explanation by the requester"),
        blank=True,
        validators=[MaxLengthValidator(TEXT_MAX)],
    )
    categories = ArrayField(
        models.CharField(max_length=16, choices=ErasureCategory.choices),
        blank=True,
        default=list,
        verbose_name=_("data concerned"),
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handled by"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    linked_to = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="linked",
        verbose_name=_("linked to"),
        help_text=_("An open request of the same kind for the same child by another holder."),
    )
    answer = EncryptedTextField(
        _("answer to the requester"),
        blank=True,
        validators=[MaxLengthValidator(TEXT_MAX)],
        help_text=_("The reasons of a refusal, or what else the requester should know."),
    )
    answer_data = models.JSONField(_("answer (data)"), default=dict, blank=True)
    answered_at = models.DateTimeField(
        _("answered at"),
        null=True,
        blank=True,
        help_text=_("When the school decided: the moment that counts for the deadline."),
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # One form submission is one request, however often it is sent.
    submission = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        verbose_name = _("data-subject request")
        verbose_name_plural = _("data-subject requests")
        ordering = ["due_on", "pk"]
        indexes = [
            # The deadline sweep and the dashboard read only open requests, by due date.
            models.Index(
                fields=["due_on"],
                condition=Q(status__in=["received", "in_progress", "notifying"]),
                name="request_open_due_idx",
            ),
            # The list of answered and closed requests, newest first, a page at a time.
            models.Index(
                fields=["-closed_at", "-id"],
                condition=Q(closed_at__isnull=False),
                name="request_closed_idx",
            ),
            models.Index(fields=["school", "status"], name="request_school_status_idx"),
            models.Index(fields=["pupil", "kind"], name="request_pupil_kind_idx"),
            models.Index(fields=["requester", "-received_at"], name="request_requester_idx"),
        ]
        constraints = [
            # Asked again before the first is decided: not a second request (see services);
            # after an extension a new correction is a request of its own, with its own term.
            models.UniqueConstraint(
                fields=["pupil", "kind", "requester"],
                condition=Q(status__in=["received", "in_progress"], extended_at__isnull=True),
                name="request_one_open_per_requester",
            ),
            models.CheckConstraint(
                condition=Q(due_on__gte=F("first_due_on")), name="request_due_not_before_first"
            ),
            models.CheckConstraint(
                condition=Q(first_due_on__gt=F("received_on")),
                name="request_due_after_receipt",
            ),
            models.CheckConstraint(
                condition=Q(extended_at__isnull=True, due_on=F("first_due_on"))
                | (Q(extended_at__isnull=False) & ~Q(extension_reasons="")),
                name="request_extension_has_reasons",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"

    def get_additional_data(self):
        return {"pupil_id": self.pupil_id}

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def category_labels(self) -> list[str]:
        labels = dict(ErasureCategory.choices)
        return [str(labels.get(c, c)) for c in self.categories]

    @property
    def reference(self) -> str:
        """How the request is named in letters and e-mails: short, and no personal data."""
        return f"AVG-{self.received_on:%Y}-{self.pk:05d}"


OPEN_STATUSES = (
    DataRequest.Status.RECEIVED,
    DataRequest.Status.IN_PROGRESS,
    DataRequest.Status.NOTIFYING,
)
#: Open and not yet decided: asking the same again joins or is refused (AlreadyOpen), and
#: the deadline still runs (a request informing recipients has been answered).
UNDECIDED_STATUSES = (DataRequest.Status.RECEIVED, DataRequest.Status.IN_PROGRESS)


class RequestEvent(models.Model):
    """One step in a request's history: a change of state, an extension, a note."""

    class Kind(models.TextChoices):
        RECEIVED = "received", _("received")
        STATUS = "status", _("status changed")
        EXTENDED = "extended", _("deadline extended")
        NOTE = "note", _("note")
        DECISION = "decision", _("decision")
        COPY = "copy", _("copy")
        NOTICE = "notice", _("recipient informed")

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    request = models.ForeignKey(
        DataRequest, on_delete=models.CASCADE, related_name="events", verbose_name=_("request")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    from_status = models.CharField(
        _("from"), max_length=16, choices=DataRequest.Status.choices, blank=True
    )
    to_status = models.CharField(
        _("to"), max_length=16, choices=DataRequest.Status.choices, blank=True
    )
    note = EncryptedTextField(_("note"), blank=True, validators=[MaxLengthValidator(TEXT_MAX)])
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    # Shown to the requester in the portal (the answer, the extension), or staff only.
    to_requester = models.BooleanField(_("told to the requester"), default=False)

    class Meta:
        verbose_name = _("request event")
        verbose_name_plural = _("request events")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.request_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


class Decision(models.TextChoices):
    PENDING = "pending", _("to decide")
    ACCEPTED = "accepted", _("accepted")
    REFUSED = "refused", pgettext_lazy("request decision", "refused")


class RectificationItem(models.Model):
    """One field a parent says is wrong, with the correct value and the handler's decision."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    request = models.ForeignKey(
        DataRequest, on_delete=models.CASCADE, related_name="items", verbose_name=_("request")
    )
    target = models.CharField(_("where"), max_length=16)
    target_id = models.BigIntegerField(_("which"))
    field = models.CharField(_("field"), max_length=32)
    proposed_value = EncryptedTextField(
        _("correct value"), blank=True, validators=[MaxLengthValidator(TEXT_MAX)]
    )
    statement = EncryptedTextField(
        _("supplementary statement"),
        blank=True,
        validators=[MaxLengthValidator(TEXT_MAX)],
        help_text=_("Added to the dossier, as the parent's own words."),
    )
    decision = models.CharField(
        _("decision"), max_length=16, choices=Decision.choices, default=Decision.PENDING
    )
    reason = models.TextField(_("reason"), max_length=2000, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("field to correct")
        verbose_name_plural = _("fields to correct")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "target", "target_id", "field"], name="rectification_item_once"
            ),
            models.CheckConstraint(
                condition=~Q(decision="refused") | ~Q(reason=""),
                name="rectification_refusal_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.target}.{self.field} ({self.get_decision_display()})"

    def get_additional_data(self):
        return {"request_id": self.request_id}


class ErasureItem(models.Model):
    """What a parent asked to have deleted, one unit at a time, and the handler's decision.

    A unit is a whole category of data (``key`` is the category: ``dossier``), or one
    item of it (``key`` as in pupils.items: ``note:12``, ``pupil:5:gender``). The
    parent names items or categories; the handler decides each. Deciding a whole
    category item by item (PER_ITEM) adds a row for each of its items.
    """

    class Outcome(models.TextChoices):
        PENDING = "pending", _("to decide")
        ERASE = "erase", _("delete")
        RESTRICT = "restrict", _("keep, restricted: only stored")
        KEEP = "keep", _("keep (refused)")
        PER_ITEM = "per_item", _("decided item by item")

    request = models.ForeignKey(
        DataRequest,
        on_delete=models.CASCADE,
        related_name="erasure_items",
        verbose_name=_("request"),
    )
    key = models.CharField(
        _("what"),
        max_length=64,
        help_text=_("A category of data, or one item of it (never its contents)."),
    )
    category = models.CharField(_("data"), max_length=16, choices=ErasureCategory.choices)
    # The item's kind and date, kept so the answer can name it after it is gone.
    item_kind = models.CharField(_("kind of item"), max_length=32, blank=True)
    item_date = models.DateField(
        _("date of the item"), null=True, blank=True, validators=[validate_plausible_date]
    )
    asked = models.BooleanField(
        _("asked by the requester"),
        default=True,
        help_text=_("Off for an item the handler decided on within a category asked for."),
    )
    outcome = models.CharField(
        _("decision"), max_length=16, choices=Outcome.choices, default=Outcome.PENDING
    )
    reason = models.TextField(
        _("reason"),
        max_length=2000,
        blank=True,
        help_text=_("Told to the parent: why the school keeps this data."),
    )
    erased_count = models.PositiveIntegerField(_("items deleted"), default=0)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    # Not a column: how a handler's page names the item (label_for what they may read).
    display_label: str

    class Meta:
        verbose_name = _("data to delete")
        verbose_name_plural = _("data to delete")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["request", "key"], name="erasure_item_once"),
            models.CheckConstraint(
                condition=Q(outcome__in=["pending", "erase", "per_item"]) | ~Q(reason=""),
                name="erasure_keeping_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.key} ({self.get_outcome_display()})"

    @property
    def is_category(self) -> bool:
        return self.key == self.category

    @property
    def label(self) -> str:
        """What the unit is, in words: the category, or the item by kind and date."""
        return self.label_for(None)

    def label_for(self, visible_kinds) -> str:
        """The label as a reader who sees *visible_kinds* of special records may read it."""
        if self.is_category:
            return str(self.get_category_display())
        return items.label_of(self.key, self.item_kind, self.item_date, visible_kinds)

    @property
    def outcome_told(self) -> str:
        """The decision as the parent reads it: what happened to the data."""
        told: dict[str, object] = {
            self.Outcome.PENDING: _("not decided yet"),
            self.Outcome.ERASE: _("deleted"),
            self.Outcome.RESTRICT: _("kept, but only stored: nobody uses it"),
            self.Outcome.KEEP: _("kept"),
            self.Outcome.PER_ITEM: _("decided item by item, see below"),
        }
        return str(told[self.outcome])

    def get_additional_data(self):
        return {"request_id": self.request_id}


class AccessCopy(models.Model):
    """The complete copy of a child's data (GDPR Art. 15): a ZIP of JSON and a readable page.

    Stored encrypted (bound to this row), downloadable by the requester alone,
    after logging in again, until it expires; then the content is removed.
    """

    class Status(models.TextChoices):
        BUILDING = "building", _("being made")
        READY = "ready", _("ready to download")
        EXPIRED = "expired", _("expired")

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    request = models.ForeignKey(
        DataRequest, on_delete=models.CASCADE, related_name="copies", verbose_name=_("request")
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.BUILDING
    )
    content = EncryptedTextField(_("content"), null=True, blank=True)
    size = models.PositiveIntegerField(_("size in bytes"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    redactions = models.JSONField(_("what was left out"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    ready_at = models.DateTimeField(_("ready at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("available until"), null=True, blank=True)
    downloads = models.PositiveIntegerField(_("downloads"), default=0)
    last_downloaded_at = models.DateTimeField(_("last downloaded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("copy of the data")
        verbose_name_plural = _("copies of the data")
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["expires_at"], condition=Q(status="ready"), name="copy_expiry_idx"
            ),
        ]

    def __str__(self):
        return f"{self.request_id} {self.get_status_display()}"

    def get_additional_data(self):
        return {"request_id": self.request_id}


class RecipientNotice(models.Model):
    """GDPR Art. 19: telling one supplier or recipient about a correction, deletion or restriction.

    Done when sent to the supplier's contact address, or marked done by the
    handler (how), or not needed with a recorded reason (impossible or
    disproportionate). The request closes only when each is.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("to do")
        SENT = "sent", _("sent by e-mail")
        DONE = "done", _("done")
        NOT_NEEDED = "not_needed", _("not done, with a reason")

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    request = models.ForeignKey(
        DataRequest, on_delete=models.CASCADE, related_name="notices", verbose_name=_("request")
    )
    supplier = models.ForeignKey(
        Supplier,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("supplier"),
    )
    recipient = models.ForeignKey(
        Recipient,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recipient"),
    )
    fields = ArrayField(models.CharField(max_length=32), verbose_name=_("fields concerned"))
    # The single items it concerns (keys of ErasureItem), where the decision was on items.
    items = ArrayField(
        models.CharField(max_length=64),
        default=list,
        blank=True,
        verbose_name=_("items concerned"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    # Written at the decision, while the pupil's name still exists (an erasure may take it
    # away before the notice goes out); removed once the notice is sent or settled.
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = EncryptedTextField(_("text of the notice"), blank=True)
    note = models.TextField(_("how, or why not"), max_length=2000, blank=True)
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

    # Not a column: the single items named, as selectors.notices_of shows them to a handler.
    item_labels: list[str]

    class Meta:
        verbose_name = _("notice to a recipient")
        verbose_name_plural = _("notices to recipients")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(supplier__isnull=False, recipient__isnull=True)
                | Q(supplier__isnull=True, recipient__isnull=False),
                name="notice_has_one_receiver",
            ),
            models.CheckConstraint(
                condition=~Q(status="not_needed") | ~Q(note=""),
                name="notice_not_needed_has_reason",
            ),
            models.UniqueConstraint(
                fields=["request", "supplier"],
                condition=Q(supplier__isnull=False),
                name="notice_once_per_supplier",
            ),
            models.UniqueConstraint(
                fields=["request", "recipient"],
                condition=Q(recipient__isnull=False),
                name="notice_once_per_recipient",
            ),
        ]

    def __str__(self):
        return f"{self.receiver_name} – {self.get_status_display()}"

    def get_additional_data(self):
        return {"request_id": self.request_id}

    @property
    def receiver_name(self) -> str:
        receiver = self.supplier or self.recipient  # one of the two (a constraint)
        return receiver.name if receiver else ""

    @property
    def field_labels(self) -> list[str]:
        from suppliers import catalogue

        return [catalogue.label(code) for code in self.fields]

    @property
    def is_settled(self) -> bool:
        return self.status != self.Status.PENDING


class Reminder(models.Model):
    """A deadline message about one request; each kind once per due date (a unique row)."""

    class Kind(models.TextChoices):
        DUE_IN_7 = "due_7", _("7 days left")
        DUE_IN_2 = "due_2", _("2 days left")
        OVERDUE = "overdue", _("overdue: escalated to the privacy officer")
        EXTENSION = "extension", _("decide on an extension")
        NOTICES_OPEN = "notices", _("recipients still to be told")

    request = models.ForeignKey(
        DataRequest, on_delete=models.CASCADE, related_name="reminders", verbose_name=_("request")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    due_on = models.DateField(_("about the due date"), validators=[validate_plausible_date])
    recipients = models.PositiveSmallIntegerField(_("people told"), default=0)
    superseded = models.BooleanField(
        _("skipped"),
        default=False,
        help_text=_("Found late (after an outage) when a more urgent one was due: not sent."),
    )
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("deadline reminder")
        verbose_name_plural = _("deadline reminders")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "kind", "due_on"], name="reminder_once_per_due_date"
            ),
        ]

    def __str__(self):
        return f"{self.request_id} {self.kind} {self.due_on}"


class ErasureRecord(models.Model):
    """The ledger of what was erased, when and why: ids only, never the data.

    Kept so that an erasure can be shown (accountability) and applied again to a
    backup restored from before it: each record is also written, after the commit, to
    the erasure ledger file kept apart from the database (requests/ledger.py).
    """

    class Source(models.TextChoices):
        REQUEST = "request", _("erasure request")
        RETENTION = "retention", _("retention period ended")
        CONSENT = "consent", _("explicit consent ended")
        REAPPLIED = "reapplied", _("applied again after a backup was restored")

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    pupil = models.ForeignKey(
        Pupil, on_delete=models.PROTECT, related_name="+", verbose_name=_("pupil")
    )
    request = models.ForeignKey(
        DataRequest,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="erasures",
        verbose_name=_("request"),
    )
    source = models.CharField(_("why"), max_length=16, choices=Source.choices)
    categories = ArrayField(
        models.CharField(max_length=16, choices=ErasureCategory.choices),
        verbose_name=_("data erased"),
    )
    erased = models.JSONField(_("rows erased, by model"), default=dict)
    at = models.DateTimeField(_("erased at"), auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    ledgered_at = models.DateTimeField(_("written to the ledger at"), null=True, blank=True)
    # The request's reference as the ledger line keeps it: an erasure applied again after a
    # restore names the request it answered even when the restored database lacks it.
    request_reference = models.CharField(_("reference of the request"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("erasure")
        verbose_name_plural = _("erasures")
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.pupil_id} {', '.join(self.categories)} {self.at:%Y-%m-%d}"


class RetentionRun(models.Model):
    """What the retention sweep removed on one day for one board: counts, never contents."""

    board = models.ForeignKey(
        Board, on_delete=models.CASCADE, related_name="+", verbose_name=_("school board")
    )
    ran_on = models.DateField(_("day"), validators=[validate_plausible_date])
    pupils = models.PositiveIntegerField(_("pupils"), default=0)
    counts = models.JSONField(_("items removed per category"), default=dict)
    held = models.PositiveIntegerField(_("pupils skipped for a legal hold"), default=0)
    finished_at = models.DateTimeField(_("finished at"), auto_now=True)

    class Meta:
        verbose_name = _("retention run")
        verbose_name_plural = _("retention runs")
        ordering = ["-ran_on"]
        constraints = [
            models.UniqueConstraint(fields=["board", "ran_on"], name="retention_run_once_a_day"),
        ]

    def __str__(self):
        return f"{self.board_id} {self.ran_on}"
