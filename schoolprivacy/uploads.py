"""Uploaded documents: what is accepted, and under which name they are stored.

A file is accepted by its first bytes, not by its name or the type the browser
claims, and up to MAX_UPLOAD. Files are stored under MEDIA_ROOT (outside the static
files) with a random name, so no pupil's name ends up in a path, and are served only
by views that check permission first.
"""

import uuid
from pathlib import PurePosixPath

from django.core.exceptions import ValidationError
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


def check_upload(field: str, file, *, kinds=("pdf",)) -> None:
    """Refuse a new upload that is too large or not of one of *kinds*; a stored file passes."""
    if not file or getattr(file, "_committed", False):
        return  # already stored: it was checked when it came in
    if file.size > MAX_UPLOAD:
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
