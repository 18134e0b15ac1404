"""Uploads: how much a request may carry, what a file is, and how it is stored and served.

Every upload of the project comes through here:

- a consent form's scan (consents/services.py decision_record), a dossier document
  (pupils/services/dossier.py attachment_add) and a supplier's leaflet and agreement
  (suppliers/services.py supplier_save) are checked by verified_upload: the whole file by
  its structure (pypdf parses the PDF and each page; Pillow verifies the image and decodes
  it whole, within its decompression-bomb limit), never by its name, its first bytes or
  the type the browser claims. The app then names it from what it verified
  (Upload.as_file, random_name) and serves it as that type only (download_response).
- the exports of the pupil administration (sync/views.py, up to their own limit) are
  text the sync app reads and checks itself (sync/edexml.py; sync/parents.py, which also
  refuses markup, looks_like_markup). They are never stored as a file nor served back:
  a parents export waiting for its columns is kept encrypted in its run.

Size: a view takes files only when it says so (takes_upload). UploadLimitMiddleware
refuses a request whose announced length is more than its view may receive, before a
byte of it is read, and LimitedUploadHandler stops reading at the byte that passes a
file's limit. Either way the user gets a page that says so, and nothing is stored.
"""

import io
import uuid
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadhandler import FileUploadHandler
from django.http import FileResponse, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from PIL import Image
from pypdf import PdfReader

#: The largest document taken (a scan, a dossier document, a supplier's PDF).
MAX_UPLOAD = 10 * 1024 * 1024
#: Room in a request for the multipart boundaries and part headers, beyond its files and
#: its other fields (those count against DATA_UPLOAD_MAX_MEMORY_SIZE).
FORM_ROOM = 64 * 1024


@dataclass(frozen=True)
class Kind:
    extension: str
    content_type: str


#: What the app stores and serves, by the kind it verified. The kind is the extension.
KINDS = {
    "pdf": Kind("pdf", "application/pdf"),
    "png": Kind("png", "image/png"),
    "jpg": Kind("jpg", "image/jpeg"),
    "webp": Kind("webp", "image/webp"),
}
#: The documents a dossier takes: kind → content type.
DOCUMENT_KINDS = {kind: KINDS[kind].content_type for kind in ("pdf", "png", "jpg", "webp")}
#: Pillow's names of the image formats taken (a JPEG with more pictures in it is an MPO).
IMAGE_FORMATS = {"PNG": "png", "JPEG": "jpg", "MPO": "jpg", "WEBP": "webp"}


# --- Size: what a view may receive, refused while it streams in --------------------------


@dataclass(frozen=True)
class Limit:
    """What one request to a view may carry: at most *files* files of *file_bytes* each
    (None: MAX_UPLOAD, read when a request comes in)."""

    files: int = 0
    file_bytes: int | None = None

    @property
    def per_file(self) -> int:
        return (self.file_bytes or MAX_UPLOAD) if self.files else 0

    @property
    def request_bytes(self) -> int | float:
        """The longest body the view can take: its files at their limit, its other fields at
        theirs (DATA_UPLOAD_MAX_MEMORY_SIZE; None: Django limits them not, nor does this),
        and the multipart framing around them."""
        fields = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if fields is None:
            return float("inf")
        return self.files * self.per_file + fields + FORM_ROOM


#: A view that does not say it takes files takes none.
NO_FILES = Limit()


def takes_upload(*, files: int = 1, max_bytes: int | None = None):
    """Marks a view that takes *files* uploaded files of at most *max_bytes* each (None:
    MAX_UPLOAD). A view without it takes no file at all."""

    def decorate(view):
        view.upload_limit = Limit(files=files, file_bytes=max_bytes)
        return view

    return decorate


def limit_for(path_info: str) -> Limit:
    """The upload limit of the view that answers *path_info*."""
    try:
        view = resolve(path_info).func
    except Resolver404:
        return NO_FILES
    return getattr(view, "upload_limit", NO_FILES)


class UploadRefused(RequestDataTooBig):
    """A request carries more than its view may receive: refused before it is all read.
    UploadLimitMiddleware answers it; should it reach Django's handler, that answers 400."""

    def __init__(self, limit: Limit):
        super().__init__(f"more than the view takes ({limit})")
        self.limit = limit


class UploadLimitMiddleware:
    """Answers 413, a page in the user's language, to a request that carries more than its
    view may receive: on its announced length before any of it is read, or, for a form with
    files, at the byte that passes a file's limit (LimitedUploadHandler). The form is read
    here, before any other middleware or view, so that a refused one reaches neither."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = request.upload_limit = limit_for(request.path_info)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django reads no body then
        if length > limit.request_bytes:
            return refused_response(request, limit)
        if request.method == "POST" and request.content_type == "multipart/form-data":
            try:
                request.POST  # noqa: B018 (reads the form, through the upload handlers)
            except UploadRefused:
                return refused_response(request, limit)
        return self.get_response(request)


def refused_response(request, limit: Limit) -> HttpResponse:
    request._mark_post_parse_error()  # the page (its forms) sees an empty form, never reads it
    response = render(
        request,
        "413.html",
        {"limit_mb": limit.per_file // (1024 * 1024), "takes_files": bool(limit.files)},
        status=413,
    )
    patch_cache_control(response, no_store=True, private=True)
    return response


class LimitedUploadHandler(FileUploadHandler):
    """First of the upload handlers: counts each file as its chunks stream in, and stops
    reading the request at the chunk that passes the file's limit, or at a file the view
    does not take; the handlers after it (which keep the file in memory or in a temporary
    file) never get more."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.limit = getattr(self.request, "upload_limit", None)
        if self.limit is None:
            self.limit = limit_for(self.request.path_info)
        self.files = 0
        if content_length > self.limit.request_bytes:
            raise UploadRefused(self.limit)  # where UploadLimitMiddleware did not run
        return None

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.files += 1
        if self.files > self.limit.files:
            raise UploadRefused(self.limit)

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.limit.per_file:
            raise UploadRefused(self.limit)
        return raw_data

    def file_complete(self, file_size):
        return None  # within the limit: the next handler hands over the file


# --- What a file is: checked whole, by its structure ---------------------------------------


class _Refused(Exception):
    """Why a file is not taken, in words for the user."""


def _pdf_ok(data: bytes) -> bool:
    """The file is a whole PDF: it parses (pypdf, strict), its pages are pages, and their
    contents decode. A PDF with a password that opens it is refused in words."""
    try:
        reader = PdfReader(io.BytesIO(data), strict=True)
        if reader.is_encrypted and not reader.decrypt(""):
            raise _Refused(
                _(
                    "The PDF is protected with a password. Upload a copy without a password. "
                    "Nothing was stored."
                )
            )
        pages = reader.pages
        if len(pages) == 0:
            return False
        for page in pages:
            page.mediabox  # noqa: B018 (a page has its size)
            page.get_contents()
    except _Refused:
        raise
    except Exception:  # anything pypdf cannot read of an untrusted file is not a PDF
        return False
    return True


def _image_kind(data: bytes) -> str | None:
    """The kind of a whole image: Pillow knows its format, verifies it (Image.verify) and
    decodes every pixel of it (Image.load), within Pillow's decompression-bomb limit."""
    formats = ("PNG", "JPEG", "WEBP")  # no other decoder of Pillow's sees the file
    try:
        with Image.open(io.BytesIO(data), formats=formats) as image:
            kind = IMAGE_FORMATS.get(image.format or "")
            width, height = image.size
            if Image.MAX_IMAGE_PIXELS and width * height > Image.MAX_IMAGE_PIXELS:
                raise Image.DecompressionBombError
            image.verify()
        with Image.open(io.BytesIO(data), formats=formats) as image:
            image.load()
    except Image.DecompressionBombError:
        raise _Refused(
            _("The image has more than %(limit)s million pixels. Nothing was stored.")
            % {"limit": (Image.MAX_IMAGE_PIXELS or 0) // 1_000_000}
        ) from None
    except Exception:  # anything Pillow cannot decode of an untrusted file is no image
        return None
    return kind


def kind_of(data: bytes) -> str | None:
    """The kind of a whole document by its structure, or None. A name, an extension, the
    first bytes alone or a claimed type do not count."""
    if data.startswith(b"%PDF-"):
        return "pdf" if _pdf_ok(data) else None
    return _image_kind(data)


def _not_taken(kinds) -> str:
    """Which kinds a place takes, as the refusal says it."""
    kinds = set(kinds)
    if kinds == {"pdf"}:
        return _("The file is not a PDF, or the PDF is damaged. Nothing was stored.")
    if kinds == {"pdf", "png", "jpg"}:
        return _("The file is not a PDF, JPEG or PNG, or it is damaged. Nothing was stored.")
    return _(
        "The file is not a PDF or an image (JPEG, PNG or WebP), or it is damaged. "
        "Nothing was stored."
    )


@dataclass(frozen=True)
class Upload:
    """A file checked whole: the kind the app verified, and its content."""

    kind: str
    content: bytes

    @property
    def content_type(self) -> str:
        return KINDS[self.kind].content_type

    def as_file(self) -> ContentFile:
        """The content for a FileField, under a name the app chose: random, with the
        extension of the verified kind."""
        return ContentFile(self.content, name=f"{uuid.uuid4().hex}.{KINDS[self.kind].extension}")


def verified_upload(field: str, file, *, kinds=tuple(DOCUMENT_KINDS)) -> Upload:
    """The upload in *file* checked whole, as one of *kinds*; or a ValidationError on *field*
    in the user's language: no file, over MAX_UPLOAD, or not a whole document of *kinds*."""
    if not file:
        raise ValidationError({field: _("Choose a file.")})
    too_large = ValidationError(
        {
            field: _("The file is larger than %(limit)s MB. Nothing was stored.")
            % {"limit": MAX_UPLOAD // (1024 * 1024)}
        }
    )
    if (file.size or 0) > MAX_UPLOAD:
        raise too_large
    file.seek(0)
    data = file.read(MAX_UPLOAD + 1)
    file.seek(0)
    if len(data) > MAX_UPLOAD:
        raise too_large
    try:
        kind = kind_of(data)
    except _Refused as refused:
        raise ValidationError({field: str(refused)}) from None
    if kind is None or kind not in kinds:
        raise ValidationError({field: _not_taken(kinds)})
    return Upload(kind=kind, content=data)


def looks_like_markup(head: bytes) -> bool:
    """The file starts as a web page, an SVG image or XML: a CSV export never does."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return text.startswith((b"<!doctype", b"<html", b"<svg", b"<script", b"<?xml", b"<head"))


# --- Stored and served as the app named it --------------------------------------------------


def random_name(folder: str, filename: str) -> str:
    """*folder*/<random>.<extension>: the stored name says nothing about whom it is about.
    *filename* is the one Upload.as_file gave: its extension is a verified kind's."""
    extension = PurePosixPath(filename).suffix.lower().lstrip(".")
    if extension not in KINDS:
        raise ValueError("only a verified upload is stored (schoolprivacy/uploads.py)")
    return f"{folder}/{uuid.uuid4().hex}.{extension}"


def stored_kind(name: str) -> str | None:
    """The kind of a stored upload, by the extension the app gave it; None for a file stored
    before uploads were checked whole under a name of another kind."""
    extension = PurePosixPath(name).suffix.lower().lstrip(".")
    return "jpg" if extension == "jpeg" else extension if extension in KINDS else None


def download_response(content, *, kind: str | None, stem: str) -> HttpResponseBase:
    """An upload as a download: its verified *kind* gives the content type and the
    extension of the name (*stem*.<extension>); never shown inline, sniffed or cached.
    A file of no known kind goes as bytes (.bin)."""
    if kind in KINDS:
        content_type, extension = KINDS[kind].content_type, KINDS[kind].extension
    else:
        content_type, extension = "application/octet-stream", "bin"
    filename = f"{stem}.{extension}"
    response: HttpResponseBase
    if isinstance(content, bytes):
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    else:
        response = FileResponse(
            content, as_attachment=True, filename=filename, content_type=content_type
        )
    response["Cache-Control"] = "no-store, private"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["X-Content-Type-Options"] = "nosniff"
    return response
