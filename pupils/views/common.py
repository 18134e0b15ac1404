"""What the views of the dossier share: the pupil policy, and small helpers."""

from django.http.response import HttpResponseBase
from django.shortcuts import render

from schoolprivacy.uploads import download_response

from ..permissions import PupilPolicy

policy = PupilPolicy()


def _form_page(request, pupil, form, title, *, submit=None, intro=""):
    return render(
        request,
        "pupils/entry_form.html",
        {"pupil": pupil, "form": form, "title": title, "submit": submit, "intro": intro},
    )


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _document_response(attachment, content: bytes) -> HttpResponseBase:
    return download_response(
        content, kind=attachment.kind, stem=attachment.filename.rsplit(".", 1)[0]
    )
