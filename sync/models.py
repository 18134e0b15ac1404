"""An import from the pupil administration: read, shown as a preview, applied when confirmed.

The administration is the source of pupils, groups and teachers. An ImportRun keeps
what one uploaded file would change (its lines) until the administrator confirms;
then a worker applies it and counts what it did. What a line would write is kept
encrypted, and removed once the run is done: only the counts and the reasons of the
errors stay.
"""

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from schoolprivacy.fields import EncryptedTextField
from schoolprivacy.models import School
from schoolprivacy.validators import validate_plausible_date


class ImportRun(models.Model):
    class Source(models.TextChoices):
        EDEXML = "edexml", _("pupils, groups and teachers (EDEXML)")
        PARENTS = "parents", _("parents and guardians (CSV)")
        YEAR = "year", _("new school year (made here)")

    class Status(models.TextChoices):
        MAPPING = "mapping", _("uploaded: which column holds what?")
        PREVIEW = "preview", _("read: waiting for confirmation")
        REFUSED = "refused", _("refused: the file cannot be used")
        QUEUED = "queued", _("confirmed: waiting for the worker")
        RUNNING = "running", _("being applied")
        DONE = "done", _("done")
        FAILED = "failed", _("stopped by an error")
        EXPIRED = "expired", _("not confirmed in time: what was read is removed")

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="+", verbose_name=_("school")
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    source = models.CharField(
        _("what was imported"), max_length=16, choices=Source.choices, default=Source.EDEXML
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PREVIEW
    )
    refused_reason = models.TextField(_("why the file was refused"), blank=True)
    school_year = models.PositiveSmallIntegerField(_("school year"), null=True, blank=True)
    export_date = models.DateField(
        _("date of the export"),
        help_text=_("A pupil missing from the export leaves the school on this date."),
        validators=[validate_plausible_date],
    )
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    current_pupils = models.PositiveIntegerField(_("pupils at the school before"), default=0)
    leavers_confirmed = models.BooleanField(
        _("the many leavers are confirmed"),
        default=False,
        help_text=_("Needed when more than 10% of the school's pupils would leave at once."),
    )
    errors_confirmed = models.BooleanField(
        _("apply the valid lines despite errors"), default=False
    )
    progress = models.PositiveIntegerField(_("lines applied"), default=0)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    failure = models.TextField(_("what went wrong"), blank=True)
    # The uploaded parents export while its columns are being mapped (base64): then removed.
    pending_file = EncryptedTextField(_("uploaded file"), null=True, blank=True)

    class Meta:
        verbose_name = _("import from the pupil administration")
        verbose_name_plural = _("imports from the pupil administration")
        ordering = ["-uploaded_at", "-pk"]
        indexes = [models.Index(fields=["school", "-uploaded_at"], name="import_school_idx")]

    def __str__(self):
        return f"{self.school_id} {self.uploaded_at:%Y-%m-%d %H:%M} {self.status}"

    #: More than this share of the school's pupils leaving at once needs a confirmation.
    LEAVERS_GUARD = 0.10

    @property
    def total(self) -> int:
        return sum(self.counts.get(k, 0) for k in ("new", "changed", "moved", "leaving"))

    def lines_written(self, kind: str = "") -> int | None:
        """How many lines (of one *kind*) its preview wrote; None for a run from before
        the previews kept it (sync/services.py: _lines_counted)."""
        written = self.counts.get("lines")
        if written is None:
            return None
        return written.get(kind, 0) if kind else sum(written.values())

    @property
    def leavers_guarded(self) -> bool:
        """Whether so many pupils would leave that the administrator must confirm it."""
        leaving = self.counts.get("leaving", 0)
        return leaving > 0 and leaving > self.LEAVERS_GUARD * max(self.current_pupils, 1)


class ImportLine(models.Model):
    """One pupil, group or teacher the import creates, changes, moves or lets leave; or a line
    of the file that cannot be used, with the reason."""

    class Kind(models.TextChoices):
        NEW = "new", _("new")
        CHANGED = "changed", _("changed")
        MOVED = "moved", _("moved to another group")
        LEAVING = "leaving", _("leaves the school")
        ERROR = "error", _("cannot be used")

    class Subject(models.TextChoices):
        PUPIL = "pupil", _("pupil")
        GROUP = "group", _("group")
        TEACHER = "teacher", _("teacher")
        PARENT = "parent", _("parent or guardian")

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    run = models.ForeignKey(
        ImportRun, on_delete=models.CASCADE, related_name="lines", verbose_name=_("import")
    )
    line = models.PositiveIntegerField(_("line in the file"), default=0)
    kind = models.CharField(_("what happens"), max_length=16, choices=Kind.choices)
    subject = models.CharField(_("about"), max_length=16, choices=Subject.choices)
    key = models.CharField(_("key in the administration"), max_length=100, blank=True)
    pupil = models.ForeignKey(
        "pupils.Pupil",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("pupil"),
    )
    fields = ArrayField(
        models.CharField(max_length=32), default=list, blank=True, verbose_name=_("fields")
    )
    # What the line writes (and, for a change, what it was), as JSON: removed when done.
    data = EncryptedTextField(_("values"), null=True, blank=True)
    message = models.CharField(_("reason"), max_length=300, blank=True)
    applied = models.BooleanField(_("applied"), default=False)

    class Meta:
        verbose_name = _("line of an import")
        verbose_name_plural = _("lines of an import")
        ordering = ["run", "kind", "subject", "line", "pk"]
        indexes = [
            # The preview's pages, in this order, without sorting a board's 60,000 lines.
            models.Index(
                fields=["run", "kind", "subject", "line", "id"], name="import_line_page_idx"
            ),
            models.Index(
                fields=["run", "id"], condition=Q(applied=False), name="import_line_todo_idx"
            ),
        ]

    def __str__(self):
        return f"{self.run_id}:{self.line} {self.kind}"


class ColumnMapping(models.Model):
    """Which column of a school's parents export holds what: set once, used for every import."""

    school = models.OneToOneField(
        School, on_delete=models.CASCADE, related_name="+", verbose_name=_("school")
    )
    columns = models.JSONField(_("columns"), default=dict)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    class Meta:
        verbose_name = _("column mapping of the parents export")
        verbose_name_plural = _("column mappings of the parents export")

    def __str__(self):
        return str(self.school_id)


class ChangeNotice(models.Model):
    """GDPR Art. 19 after an import: a supplier or legal recipient that receives a field the
    import corrected (a pupil's name, date of birth or gender) is told. Sent by e-mail where
    the register holds an address; otherwise the school tells them and marks it done, or
    records why not."""

    class Status(models.TextChoices):
        PENDING = "pending", _("to do")
        SENT = "sent", _("sent by e-mail")
        DONE = "done", _("told otherwise")
        NOT_NEEDED = "not_needed", _("not done, with a reason")

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    run = models.ForeignKey(
        ImportRun, on_delete=models.CASCADE, related_name="notices", verbose_name=_("import")
    )
    pupil = models.ForeignKey(
        "pupils.Pupil", on_delete=models.CASCADE, related_name="+", verbose_name=_("pupil")
    )
    supplier = models.ForeignKey(
        "suppliers.Supplier",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("supplier"),
    )
    recipient = models.ForeignKey(
        "suppliers.Recipient",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recipient"),
    )
    receiver_name = models.CharField(_("told"), max_length=200)
    fields = ArrayField(models.CharField(max_length=32), verbose_name=_("fields concerned"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    # Written when the change is applied; removed once the notice is sent or settled.
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

    class Meta:
        verbose_name = _("notice of an imported correction")
        verbose_name_plural = _("notices of imported corrections")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(supplier__isnull=False, recipient__isnull=True)
                | Q(supplier__isnull=True, recipient__isnull=False),
                name="change_notice_has_one_receiver",
            ),
            models.CheckConstraint(
                condition=~Q(status="not_needed") | ~Q(note=""),
                name="change_notice_not_needed_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.receiver_name} – {self.get_status_display()}"
