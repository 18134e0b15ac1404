"""Uploaded documents: what is accepted, and under which name they are stored.

A file is accepted by its first bytes, not by its name or the type the browser
claims, and up to MAX_UPLOAD. Files are stored under MEDIA_ROOT (outside the static
files) with a random name, so no pupil's name ends up in a path, and are served only
by views that check permission first.
"""

import io
import uuid
from pathlib import PurePosixPath

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.utils.translation import gettext as _

MAX_UPLOAD = 10 * 1024 * 1024

#: kind: (first bytes, content type)
KINDS = {
    "pdf": (b"%PDF-", "application/pdf"),
    "png": (b"\x89PNG\r\n\x1a\n", "image/png"),
    "jpeg": (b"\xff\xd8\xff", "image/jpeg"),
}


def kind_of(file) -> str | None:
    """The kind of *file* by its first bytes, or None."""
    head = file.read(8)
    file.seek(0)
    return next((kind for kind, (magic, _) in KINDS.items() if head.startswith(magic)), None)


class TooLarge(UploadedFile):
    """What is left of an upload over the limit: its size as far as it was counted, and no
    content. A form refuses it as too large (check_upload)."""

    def __init__(self, name: str, size: int):
        super().__init__(
            io.BytesIO(), name=name, content_type="application/octet-stream", size=size
        )


class LimitedUploadHandler(FileUploadHandler):
    """First of the upload handlers: counts each file as its chunks stream in, and from the
    chunk that passes MAX_UPLOAD on passes nothing more to the handlers that store it (in
    memory or in a temporary file). The file then arrives as TooLarge."""

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received = start + len(raw_data)
        if self.received > MAX_UPLOAD:
            return None  # dropped: the handlers after this one never see it
        return raw_data

    def file_complete(self, file_size):
        if self.received > MAX_UPLOAD:
            return TooLarge(self.file_name, self.received)
        return None  # within the limit: the next handler hands over the file


def check_upload(field: str, file, *, kinds=("pdf",)) -> None:
    """Refuse a new upload that is too large or not of one of *kinds*; a stored file passes."""
    if not file or getattr(file, "_committed", False):
        return  # already stored: it was checked when it came in
    if isinstance(file, TooLarge) or file.size > MAX_UPLOAD:
        raise ValidationError({field: _("The file is larger than 10 MB.")})
    if kind_of(file) not in kinds:
        if tuple(kinds) == ("pdf",):
            raise ValidationError({field: _("The file is not a PDF.")})
        raise ValidationError({field: _("The file is not a PDF, JPEG or PNG.")})


def content_type(opened) -> str:
    """The content type of an open file, by its first bytes (the file stays open)."""
    kind = kind_of(opened)
    return KINDS[kind][1] if kind else "application/octet-stream"


def random_name(folder: str, filename: str) -> str:
    """*folder*/<random>.<extension>: the stored name says nothing about whom it is about."""
    extension = PurePosixPath(filename).suffix.lower()[:8]
    return f"{folder}/{uuid.uuid4().hex}{extension}"


#: The documents a dossier takes: kind → content type.
DOCUMENT_KINDS = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "webp": "image/webp",
}


def document_kind(data: bytes) -> str | None:
    """The kind of a whole document by its structure, or None: a PDF from its header to its
    end-of-file marker, a PNG from its signature and header chunk to its end chunk, a JPEG
    from its start to its end marker, a WebP by its RIFF header and length. A name, an
    extension or a claimed type does not count."""
    tail = data[-1024:]
    if data.startswith((b"%PDF-1.", b"%PDF-2.")) and b"%%EOF" in tail:
        return "pdf"
    if (
        data.startswith(b"\x89PNG\r\n\x1a\n")
        and data[12:16] == b"IHDR"
        and data.rstrip(b"\x00")[-8:-4] == b"IEND"
    ):
        return "png"
    if data.startswith(b"\xff\xd8\xff") and b"\xff\xd9" in data[-32:]:
        return "jpg"
    if (
        data[:4] == b"RIFF"
        and data[8:12] == b"WEBP"
        and int.from_bytes(data[4:8], "little") + 8 == len(data)
    ):
        return "webp"
    return None


def read_document(field: str, file) -> tuple[str, bytes]:
    """(kind, content) of an uploaded document, or a ValidationError on *field*: over the
    limit (counted while it streamed in, LimitedUploadHandler), or not a PDF or image."""
    if file is None:
        raise ValidationError({field: _("Choose a file.")})
    if isinstance(file, TooLarge) or file.size > MAX_UPLOAD:
        raise ValidationError({field: _("The file is larger than 10 MB.")})
    file.seek(0)
    data = file.read(MAX_UPLOAD + 1)
    kind = document_kind(data) if len(data) <= MAX_UPLOAD else None
    if kind is None:
        raise ValidationError(
            {
                field: _(
                    "The file is not a PDF or an image (JPEG, PNG or WebP). Nothing was stored."
                )
            }
        )
    return kind, data
