"""What belongs to a dossier entry or record and goes with it: the earlier versions a
correction keeps, and the documents attached."""

import uuid

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from schoolprivacy.fields import EncryptedCharField, EncryptedTextField
from schoolprivacy.validators import validate_one_line

from .entries import Agreement, Note, TestResult
from .pupils import Pupil
from .special import SpecialRecord


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
