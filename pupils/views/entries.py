"""The life of entries and records: corrections, ends, replacements and documents."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from schoolprivacy.authorization import hidden
from schoolprivacy.forms import add_service_errors
from schoolprivacy.uploads import takes_upload

from .. import selectors, services
from ..forms import AttachmentForm, SpecialEndForm, SpecialReplaceForm, correction_form
from ..permissions import EntryPolicy, PupilAction, SpecialRecordPolicy
from .common import _document_response, _form_page, _int, policy

#: The entry kinds in URLs, and the item kind (pupils.items) each is.
ENTRY_SLUGS = {"agreement": "agreement", "test-result": "test_result", "note": "note"}


SLUG_OF = {target: slug for slug, target in ENTRY_SLUGS.items()}


def _entry(request, pk, kind, entry_pk, *, correct=False):
    if kind not in ENTRY_SLUGS:
        hidden()
    return EntryPolicy().get(request.user, pk, ENTRY_SLUGS[kind], entry_pk, correct=correct)


@login_required
def entry_detail(request, pk, kind, entry_pk):
    """One entry with its earlier versions and its documents."""
    pupil, entry, actions = _entry(request, pk, kind, entry_pk)
    revisions = selectors.revisions_of(entry=entry)
    for revision in revisions:
        revision.fields = [
            (entry._meta.get_field(name).verbose_name, value)
            for name, value in services.revision_values(revision).items()
        ]
    selectors.attach_documents(
        [entry], ENTRY_SLUGS[kind], selectors.attachments_by_item(pupil=pupil)
    )
    services.dossier_viewed(pupil=pupil, acting_user=request.user, part="dossier")
    return render(
        request,
        "pupils/entry_detail.html",
        {
            "pupil": pupil,
            "entry": entry,
            "kind": kind,
            "title": entry._meta.verbose_name,
            "fields": [
                (entry._meta.get_field(n).verbose_name, getattr(entry, n))
                for n in entry.CORRECTABLE
            ],
            "revisions": revisions,
            "can_correct": EntryPolicy.may_correct(request.user, entry, actions),
        },
    )


@login_required
def entry_correct(request, pk, kind, entry_pk):
    pupil, entry, _actions = _entry(request, pk, kind, entry_pk, correct=True)
    form = correction_form(type(entry))(request.POST or None, instance=entry)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            services.entry_correct(
                entry=entry,
                acting_user=request.user,
                version=data.pop("version"),
                reason=data.pop("reason"),
                **data,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Corrected. The earlier version is kept."))
            return redirect("pupils:entry", pupil.pk, kind, entry.pk)
    return _form_page(
        request,
        pupil,
        form,
        _("Correct: %(kind)s") % {"kind": entry._meta.verbose_name},
        submit=_("Save the correction"),
    )


@takes_upload()
@login_required
def document_add(request, pk, kind, entry_pk):
    """Attach a document to an entry (who may correct it) or a special-category record (who
    may record its kind)."""
    if kind == "special":
        record = SpecialRecordPolicy().get(request.user, entry_pk, PupilAction.RECORD)
        if record.pupil_id != _int(pk):
            hidden()
        pupil, entry, back = (
            record.pupil,
            record,
            reverse("pupils:special", args=[record.pupil_id]),
        )
    else:
        pupil, entry, _actions = _entry(request, pk, kind, entry_pk, correct=True)
        back = reverse("pupils:entry", args=[pupil.pk, kind, entry.pk])
    form = AttachmentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.attachment_add(
                entry=entry,
                file=form.cleaned_data["file"],
                title=form.cleaned_data["title"],
                acting_user=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The document is attached and stored encrypted."))
            return redirect(back)
    return _form_page(request, pupil, form, _("Attach a document"), submit=_("Attach"))


@login_required
def document_download(request, pk, uid):
    """A document of an entry or record the user may see, as a download named by the app."""
    pupil = policy.get(request.user, pk, PupilAction.VIEW)
    attachment = selectors.attachment_of(pupil=pupil, uid=uid)
    if attachment is None:
        hidden()
    target, entry_pk = attachment.target
    if target == "special":
        records, guarded = SpecialRecordPolicy().readable(request.user, pupil)
        record = next((r for r in records if r.pk == entry_pk), None)
        if record is None or (
            record in guarded and not SpecialRecordPolicy().in_emergency(request.user, pupil)
        ):
            hidden()
    else:
        EntryPolicy().get(request.user, pupil.pk, target, entry_pk)
    content = services.attachment_content(attachment=attachment, acting_user=request.user)
    return _document_response(attachment, content)


@login_required
def special_end(request, pk, record_pk):
    record = SpecialRecordPolicy().get(request.user, record_pk, PupilAction.RECORD)
    if record.pupil_id != _int(pk) or record.ended_on is not None:
        hidden()
    form = SpecialEndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.special_record_end(
                record=record,
                ended_on=form.cleaned_data["ended_on"],
                reason=form.cleaned_data["end_reason"],
                acting_user=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The record is ended. It stays in the dossier."))
            return redirect("pupils:special", record.pupil_id)
    title = _("End: %(kind)s") % {"kind": record.get_kind_display()}
    return _form_page(request, record.pupil, form, title, submit=_("End the record"))


@login_required
def special_replace(request, pk, record_pk):
    record = SpecialRecordPolicy().get(request.user, record_pk, PupilAction.RECORD)
    if record.pupil_id != _int(pk) or record.ended_on is not None:
        hidden()
    form = SpecialReplaceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            services.special_record_replace(
                record=record, acting_user=request.user, reason=data.pop("reason"), **data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Saved. The earlier version is ended and kept."))
            return redirect("pupils:special", record.pupil_id)
    title = _("New version: %(kind)s") % {"kind": record.get_kind_display()}
    intro = _("The current version:") + " " + record.content
    return _form_page(request, record.pupil, form, title, submit=_("Save"), intro=intro)
