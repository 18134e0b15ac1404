"""Views of the supplier register: access through permissions.py, one service per change."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from pupils.permissions import PortalRight, portal_right
from schoolprivacy import reauth
from schoolprivacy.authorization import hidden
from schoolprivacy.capabilities import Capability, require_capability
from schoolprivacy.exports import csv_response
from schoolprivacy.forms import add_service_errors
from schoolprivacy.models import Board
from schoolprivacy.paging import page_of
from schoolprivacy.uploads import download_response, stored_kind, takes_upload

from . import permissions, selectors, services
from .forms import (
    ActivityForm,
    BreachFollowUpForm,
    BreachForm,
    DocumentForm,
    FieldSetForm,
    RecipientForm,
    SupplierForm,
)
from .models import Breach, PrivacyDocument, Recipient, Supplier


def _keeping(user, board_id: int) -> dict:
    """What a form offers *user* of the board's register: their schools, and whether the
    board's own part too (suppliers/permissions.py)."""
    return {
        "schools": permissions.schools_kept(user, board_id),
        "whole_board": permissions.keeps_board(user, board_id),
    }


@require_capability(Capability.KEEP_SCHOOL_REGISTER, Capability.KEEP_BOARD_REGISTER)
def supplier_list(request):
    boards = permissions.boards_to_manage(request.user)
    # A keeper of one school sees what the suppliers receive from that school.
    school = permissions.only_school(request.user)
    page = page_of(
        selectors.board_suppliers(boards=boards, school=school), request.GET.get("page"), 50
    )
    rows = [(s, selectors.current_field_set(s, school=school)) for s in page]
    for supplier, _field_set in rows:
        supplier.schools_more = supplier.school_count - len(supplier.school_names)
    recipients = Recipient.objects.filter(board__in=boards).prefetch_related("schools")
    return render(
        request,
        "suppliers/list.html",
        {
            "page": page,
            "rows": rows,
            "recipients": recipients,
            "school": school,
            "today": timezone.localdate(),
        },
    )


def _board(request) -> Board:
    """The board whose register the user keeps (require_roles let only such users in)."""
    board = permissions.boards_to_manage(request.user).order_by("name").first()
    if board is None:
        hidden()
    return board


def _save_supplier(request, supplier: Supplier, template: str):
    form = SupplierForm(
        request.POST or None,
        request.FILES or None,
        instance=supplier,
        **_keeping(request.user, supplier.board_id),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.supplier_save(
                supplier=form.instance,
                schools=list(form.cleaned_data["schools"]),
                since=form.cleaned_data["since"],
                acting_user=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The supplier has been saved."))
            return redirect("suppliers:list")
    return render(request, template, {"form": form, "supplier": supplier})


@takes_upload(files=2)  # the leaflet and the agreement
@require_capability(Capability.KEEP_SCHOOL_REGISTER, Capability.KEEP_BOARD_REGISTER)
def supplier_create(request):
    return _save_supplier(request, Supplier(board=_board(request)), "suppliers/form.html")


@takes_upload(files=2)
@login_required
def supplier_edit(request, pk):
    supplier = permissions.supplier_to_manage(request.user, pk)
    return _save_supplier(request, supplier, "suppliers/form.html")


@login_required
def field_set_create(request, pk):
    supplier = permissions.supplier_to_manage(request.user, pk)
    school = permissions.only_school(request.user)
    current = selectors.current_field_set(supplier, school=school)
    form = FieldSetForm(
        request.POST or None,
        initial={
            "valid_from": timezone.localdate(),
            "shared": list(current.fields) if current else [],
            "not_shared": current.not_shared if current else "",
        },
        **_keeping(request.user, supplier.board_id),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.field_set_add(
                supplier=supplier,
                school=data["school"],
                valid_from=data["valid_from"],
                fields=data["shared"],
                not_shared=data["not_shared"],
                acting_user=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The field set has been saved."))
            return redirect("suppliers:list")
    return render(request, "suppliers/field_set_form.html", {"form": form, "supplier": supplier})


def _save_recipient(request, recipient: Recipient):
    form = RecipientForm(
        # Bound also when nothing is posted: unticking one's only school sends no field.
        request.POST if request.method == "POST" else None,
        instance=recipient,
        **_keeping(request.user, recipient.board_id),
    )
    if request.method == "POST" and form.is_valid():
        if "shared" in form.cleaned_data:
            form.instance.fields = form.cleaned_data["shared"]
        try:
            services.recipient_save(
                recipient=form.instance,
                schools=list(form.cleaned_data["schools"]),
                acting_user=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The recipient has been saved."))
            return redirect("suppliers:list")
    return render(request, "suppliers/recipient_form.html", {"form": form, "recipient": recipient})


@require_capability(Capability.KEEP_SCHOOL_REGISTER, Capability.KEEP_BOARD_REGISTER)
def recipient_create(request):
    return _save_recipient(request, Recipient(board=_board(request), fields=[]))


@login_required
def recipient_edit(request, pk):
    return _save_recipient(request, permissions.recipient_to_manage(request.user, pk))


def public_school(request, brin):
    """The page a school guide links to: who receives pupil data, with the leaflets. No login."""
    school = permissions.public_school(brin)
    receivers = selectors.school_receivers(school=school)
    return render(
        request,
        "suppliers/public_school.html",
        {
            "school": school,
            "receivers": receivers,
            "documents": selectors.current_documents(school=school),
            "today": timezone.localdate(),
        },
    )


@login_required
def portal_child(request, pk):
    pupil = permissions.child_for_portal(request.user, pk)
    receivers = selectors.pupil_receivers(pupil=pupil)
    as_pupil = portal_right(request.user, pupil) == PortalRight.SELF
    return render(
        request,
        "suppliers/portal_child.html",
        {"pupil": pupil, "receivers": receivers, "as_pupil": as_pupil},
    )


def portal_section(request, pupil) -> str | None:
    """A link on the parent's child page (schoolprivacy.sections)."""
    if not permissions.sees_whole_dossier(request.user, pupil):
        return None
    return render_to_string("suppliers/portal_section.html", {"pupil": pupil}, request=request)


# --- The privacy officer: the breach register (Art. 33) ----------------------------------


@require_capability(Capability.OVERSEE)
def breach_list(request):
    breaches = permissions.breaches_for(request.user).prefetch_related("schools")
    return render(
        request, "suppliers/breach_list.html", {"breaches": breaches, "now": timezone.now()}
    )


@require_capability(Capability.OVERSEE)
def breach_create(request):
    boards = permissions.privacy_officer_boards(request.user)
    form = BreachForm(request.POST or None, boards=boards)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            breach = services.breach_record(board=boards.first(), acting_user=request.user, **data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The breach has been registered. The clock is running."))
            return redirect("suppliers:breach", breach.pk)
    return render(request, "suppliers/breach_form.html", {"form": form})


@login_required
def breach_detail(request, pk):
    breach = permissions.breach_for(request.user, pk)
    form = BreachFollowUpForm(request.POST or None, instance=breach)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in BreachFollowUpForm.Meta.fields}
        try:
            services.breach_follow_up(
                breach=Breach.objects.get(pk=breach.pk), acting_user=request.user, **data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("suppliers:breach", breach.pk)
    return render(
        request,
        "suppliers/breach_detail.html",
        {"breach": breach, "form": form, "now": timezone.now()},
    )


# --- The privacy officer: the register of processing activities (Art. 30) -----------------


def _register_rows(lines):
    for line in lines:
        a = line.activity
        yield [
            a.name,
            a.purpose,
            a.legal_basis,
            a.data_subjects,
            a.data_categories,
            "; ".join(s.name for s in line.suppliers),
            "; ".join(r.name for r in line.recipients),
            "; ".join(s.name for s in line.outside_eu) or _("none"),
            a.retention,
            a.security_measures,
        ]


@require_capability(Capability.OVERSEE)
def processing_register(request):
    lines = selectors.processing_register(boards=permissions.privacy_officer_boards(request.user))
    if request.GET.get("format") == "csv":
        # An export leaves the system: the password once more first.
        confirm = reauth.confirm_first(request)
        if confirm is not None:
            return confirm
        return csv_response("verwerkingsregister.csv", REGISTER_HEADER, _register_rows(lines))
    return render(
        request,
        "suppliers/register.html",
        {"lines": lines, "held": selectors.held_data(), "now": timezone.localtime()},
    )


REGISTER_HEADER = [
    "processing",
    "purpose",
    "legal basis",
    "data subjects",
    "personal data",
    "processors",
    "legal recipients",
    "transfers outside the EU",
    "retention",
    "security measures",
]


@login_required
def activity_edit(request, pk):
    activity = permissions.activity_to_manage(request.user, pk)
    form = ActivityForm(request.POST or None, instance=activity)
    if request.method == "POST" and form.is_valid():
        services.activity_save(activity=form.instance, acting_user=request.user)
        messages.success(request, _("Saved."))
        return redirect("suppliers:register")
    return render(request, "suppliers/activity_form.html", {"form": form, "activity": activity})


# --- Privacy documents -------------------------------------------------------------------


@require_capability(Capability.KEEP_SCHOOL_REGISTER, Capability.KEEP_BOARD_REGISTER)
def document_create(request):
    board = _board(request)
    form = DocumentForm(
        request.POST or None,
        instance=PrivacyDocument(board=board),
        **_keeping(request.user, board.pk),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.document_publish(document=form.instance, acting_user=request.user)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The document has been published."))
            return redirect("suppliers:list")
    return render(request, "suppliers/document_form.html", {"form": form})


def public_document(request, brin, pk):
    school = permissions.public_school(brin)
    document = permissions.public_document(school, pk)
    return render(
        request, "suppliers/public_document.html", {"school": school, "document": document}
    )


#: The uploads of a supplier, and the name they download under.
DOCUMENTS = {
    "agreement": ("agreement_document", "verwerkersovereenkomst"),
    "leaflet": ("leaflet_document", "privacybijsluiter"),
}


@login_required
def supplier_document(request, pk, kind):
    """An uploaded PDF of a supplier, only for those who keep the register."""
    supplier = permissions.supplier_to_manage(request.user, pk)
    if kind not in DOCUMENTS:
        raise Http404
    field, name = DOCUMENTS[kind]
    document = getattr(supplier, field)
    if not document:
        raise Http404
    return download_response(
        document.open("rb"), kind=stored_kind(document.name), stem=f"{name}-{supplier.pk}"
    )
