"""Views of requests: check access through permissions.py, validate, call one service."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pupils import corrections
from pupils import items as pupil_items
from pupils import selectors as pupil_selectors
from pupils.models import DataCategory
from pupils.permissions import special_kinds
from schoolprivacy import audit, reauth
from schoolprivacy.authorization import hidden
from schoolprivacy.capabilities import Capability, require_capability
from schoolprivacy.forms import add_service_errors
from schoolprivacy.paging import page_of

from . import permissions, selectors, services, workflow
from . import steps as steps_
from .forms import (
    CorrectionForm,
    NoticeForm,
    PortalRequestForm,
    StaffRequestForm,
    grouped_items,
)
from .kinds import KINDS, portal_kinds
from .models import AccessCopy, DataRequest, RecipientNotice
from .permissions import RequestAction, RequestPolicy

policy = RequestPolicy()
Kind = DataRequest.Kind
Status = DataRequest.Status


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


# --- Parents and pupils of 16+: the portal ---------------------------------------------------


@login_required
def portal_index(request):
    pupils = list(permissions.requesters_pupils(request.user))
    rows = selectors.portal_requests(user=request.user)
    return render(
        request,
        "requests/portal/index.html",
        {
            "pupils": pupils,
            "rows": rows,
            "kinds": portal_kinds(as_pupil=False),
            "today": timezone.localdate(),
            "as_pupil": any(p.account_id == request.user.pk for p in pupils),
        },
    )


def _refuse_role(request, pupil):
    """The reason *request.user* may not ask for *pupil* now (a pupil of 16+), or None."""
    try:
        permissions.requester_role(pupil, request.user)
    except ValidationError as error:
        return _error_text(error)
    return None


@login_required
def portal_new(request, pk, kind):
    if kind not in portal_kinds(as_pupil=False):
        hidden()
    pupil = permissions.pupil_for_requester(request.user, pk)
    as_pupil = pupil.account_id == request.user.pk
    form = PortalRequestForm(
        request.POST or None,
        kind=kind,
        pupil_items=pupil_items.items_of(pupil) if KINDS[kind].items else (),
        initial={"submission": uuid.uuid4(), "items": request.GET.getlist("item")},
    )
    refusal = _refuse_role(request, pupil)
    if request.method == "POST" and refusal is None and form.is_valid():
        try:
            data_request = services.request_submit(
                pupil=pupil,
                kind=kind,
                requester=request.user,
                acting_user=request.user,
                explanation=form.cleaned_data["explanation"],
                categories=form.cleaned_data.get("categories", ()),
                item_keys=form.cleaned_data.get("items", ()),
                submission=form.cleaned_data["submission"],
            )
        except services.AlreadyOpen as error:
            messages.info(request, _error_text(error))
            return redirect("requests:portal_detail", error.data_request.pk)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Your request has been received. The school answers by %(due)s at the latest.")
                % {"due": date_format(data_request.due_on)},
            )
            return redirect("requests:portal_detail", data_request.pk)
    return render(
        request,
        "requests/portal/new.html",
        {
            "pupil": pupil,
            "form": form,
            "kind": kind,
            "kind_label": dict(Kind.choices)[kind],
            "meaning": portal_kinds(as_pupil=as_pupil)[kind],
            "as_pupil": as_pupil,
            "refusal": refusal,
        },
    )


@login_required
def portal_correct(request, pk, target, target_id):
    pupil = permissions.pupil_for_requester(request.user, pk)
    spec = corrections.TARGETS.get(target)
    if spec is None:
        hidden()
    field = request.GET.get("field") or request.POST.get("field") or spec.fields[0]
    obj = corrections.find(pupil, target, target_id, field)
    if obj is None:
        hidden()
    form = CorrectionForm(
        request.POST or None,
        target=target,
        field=field,
        initial={"submission": uuid.uuid4()},
    )
    refusal = _refuse_role(request, pupil)
    if request.method == "POST" and refusal is None and form.is_valid():
        item = services.ItemProposal(
            target=target,
            target_id=obj.pk,
            field=field,
            value=form.cleaned_data["value"],
            statement=form.cleaned_data["statement"],
        )
        try:
            data_request = services.request_submit(
                pupil=pupil,
                kind=Kind.RECTIFICATION,
                requester=request.user,
                acting_user=request.user,
                items=[item],
                submission=form.cleaned_data["submission"],
            )
        except services.AlreadyOpen as error:
            messages.info(request, _error_text(error))
            return redirect("requests:portal_detail", error.data_request.pk)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if getattr(data_request, "joined", False):
                messages.success(
                    request, _("Added to your open correction request; the due date stays.")
                )
            else:
                messages.success(
                    request,
                    _("Your correction request has been received. The school answers by %(due)s.")
                    % {"due": date_format(data_request.due_on)},
                )
            return redirect("requests:portal_detail", data_request.pk)
    return render(
        request,
        "requests/portal/correct.html",
        {
            "pupil": pupil,
            "form": form,
            "target": target,
            "target_id": obj.pk,
            "field": field,
            "fields": [(name, corrections.label(target, name)) for name in spec.fields],
            "label": corrections.label(target, field),
            "current": corrections.display(target, field, corrections.current_value(obj, field)),
            "refusal": refusal,
        },
    )


def correction_link(request, pupil, target, target_id, field="") -> str:
    """The correction link next to a field of the parent's dossier page (sections action)."""
    url = reverse("requests:portal_correct", args=[pupil.pk, target, target_id])
    return f"{url}?field={field}" if field else url


def erasure_link(request, pupil, target, target_id, field="") -> str:
    """The link to ask for the deletion of one entry or record, from the parent's page."""
    ref = pupil_items.ItemRef(target, target_id, field)
    url = reverse("requests:portal_new", args=[pupil.pk, Kind.ERASURE])
    return f"{url}?item={ref.key}"


@login_required
def portal_detail(request, pk):
    data_request = policy.own(request.user, pk)
    entitled = selectors.still_entitled(data_request)
    return render(
        request,
        "requests/portal/detail.html",
        {
            "r": data_request,
            "entitled": entitled,
            "events": selectors.history(data_request, for_requester=True),
            "items": selectors.items_of(data_request, with_current=entitled)
            if data_request.kind == Kind.RECTIFICATION
            else [],
            "erasure_items": data_request.erasure_items.all(),
            "copies": selectors.copies_of(data_request).filter(
                status=AccessCopy.Status.READY, expires_at__gt=timezone.now()
            )
            if entitled
            else [],
            "days_left": selectors.days_left(data_request),
            "refused_part": selectors.has_refusal(data_request),
            "may_withdraw": workflow.may(data_request, "withdraw"),
        },
    )


@login_required
@require_POST
def portal_withdraw(request, pk):
    data_request = policy.own(request.user, pk)
    try:
        services.request_withdraw(data_request=data_request, acting_user=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("Your request has been withdrawn."))
    return redirect("requests:portal_detail", data_request.pk)


def _unavailable(request, reason: str):
    status = {"not_yours": 404, "not_ready": 409, "expired": 410, "no_longer": 403}[reason]
    return render(
        request, "requests/portal/copy_unavailable.html", {"reason": reason}, status=status
    )


@login_required
def copy_download(request, uid):
    """The copy, for the person who asked for it, after logging in again, until it expires."""
    try:
        copy = services.copy_for_download(uid=uid, user=request.user)
    except services.CopyUnavailable as error:
        return _unavailable(request, error.reason)
    return _download(request, copy)


@reauth.require_recent_login
def _download(request, copy):
    try:
        filename, payload = services.copy_download(copy=copy, user=request.user)
    except services.CopyUnavailable as error:
        return _unavailable(request, error.reason)
    response = HttpResponse(payload, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def portal_section(request, pupil) -> str | None:
    """On the parent's child page: what the parent can ask the school (schoolprivacy.sections)."""
    if not permissions.may_ask_about(request.user, pupil):
        return None
    return render_to_string(
        "requests/portal_section.html",
        {"pupil": pupil, "kinds": portal_kinds(as_pupil=pupil.account_id == request.user.pk)},
        request=request,
    )


# --- Staff: the dashboard and one request ---------------------------------------------------


@require_capability(Capability.HANDLE_REQUESTS)
def dashboard(request):
    page = page_of(selectors.dashboard(user=request.user), request.GET.get("page"), 50)
    page.object_list = selectors.with_days_left(page.object_list)
    return render(
        request,
        "requests/dashboard.html",
        {"page": page, "rows": page.object_list, "overdue": selectors.overdue(user=request.user)},
    )


@require_capability(Capability.HANDLE_REQUESTS)
def closed(request):
    page = page_of(
        selectors.dashboard(user=request.user, open_only=False), request.GET.get("page"), 50
    )
    page.object_list = selectors.with_lateness(page.object_list)
    return render(request, "requests/closed.html", {"page": page})


def _detail_context(request, data_request: DataRequest, bound: dict | None = None) -> dict:
    actions = policy.actions(request.user, data_request)
    handles = RequestAction.HANDLE in actions
    steps = workflow.steps(data_request) if handles else frozenset()
    page = steps_.Page(request, data_request)
    # Special records are named by their kind only where the handler may read that kind.
    visible = page.visible_kinds if handles else None
    units = list(data_request.erasure_items.all()) if handles else []
    for unit in units:
        unit.display_label = unit.label_for(visible)
    context = {
        "r": data_request,
        "handles": handles,
        "days_left": selectors.days_left(data_request),
        "events": selectors.history(data_request),
        "linked": selectors.linked_of(data_request) if handles else [],
        "notices": selectors.notices_of(data_request, visible_kinds=visible),
        "legal_pending": selectors.pending_legal_notices(data_request) if handles else [],
        "copies": selectors.copies_of(data_request),
        "erasure_items": units,
        "refused_part": selectors.has_refusal(data_request),
        "steps": steps,
        "forms": {},
    }
    if not handles:
        return context  # the privacy officer: no contents
    items = page.items
    sensitive = [v for v in items if v.item.target == "special" or v.item.field == "bsn"]
    if sensitive:
        # Handling the parent's correction, the handler reads the record concerned: logged.
        audit.log_access(
            actor=request.user,
            obj=data_request.pupil,
            what="request",
            details={"request": data_request.reference},
        )
    context.update({"items": items, "states": page.states})
    forms = {"notice": NoticeForm(), **steps_.forms_for(page, steps)}
    forms.update(bound or {})
    context["forms"] = forms
    return context


@login_required
def detail(request, pk):
    data_request = selectors.request_for_staff(user=request.user, pk=pk)
    return render(request, "requests/detail.html", _detail_context(request, data_request))


@login_required
@require_POST
def act(request, pk, action):
    """One step on a request, by a handler: the form of *action* and its service
    (requests/steps.py); the form again with what is wrong, or the step's message."""
    step = steps_.STEPS.get(action)
    if step is None:
        hidden()
    data_request = policy.get(request.user, pk, RequestAction.HANDLE)
    if step.confirm:
        # Deleting data, or making the complete copy: the password once more first.
        confirm = reauth.confirm_first(request, reverse("requests:detail", args=[data_request.pk]))
        if confirm is not None:
            messages.info(request, _("Confirm with your password, then take the step again."))
            return confirm
    page = steps_.Page(request, data_request)
    form = step.form(page, request.POST) if step.form else None
    if form is not None and not form.is_valid():
        return _step_again(request, data_request, step, form)
    try:
        message = step.take(page, form)
    except PermissionDenied:
        messages.error(request, _("You cannot take this step for this request."))
        return redirect("requests:detail", data_request.pk)
    except ValidationError as error:
        if form is None:
            messages.error(request, _error_text(error))
            return redirect("requests:detail", data_request.pk)
        # The service refused what the form allowed: its reasons go next to the fields.
        if error.__class__ is not ValidationError or not hasattr(error, "error_dict"):
            form.add_error(None, error)
        else:
            add_service_errors(form, error)
        return _step_again(request, data_request, step, form)
    messages.success(request, message)
    return redirect("requests:detail", data_request.pk)


def _step_again(request, data_request, step, form):
    """The request page with the step's form as posted, and what is wrong with it."""
    messages.error(request, _("Check the form: something is missing or wrong."))
    context = _detail_context(request, data_request, bound={step.key: form})
    return render(request, "requests/detail.html", context, status=200)


@login_required
@require_POST
def notice_settle(request, pk):
    notice = (
        RecipientNotice.objects.filter(
            pk=permissions._int(pk),
            request__in=policy.scope(request.user, RequestAction.HANDLE),
        )
        .select_related("request")
        .first()
    )
    if notice is None:
        hidden()
    form = NoticeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say whether the recipient was told, and how or why not."))
        return redirect("requests:detail", notice.request_id)
    try:
        services.notice_settle(
            notice=notice,
            done=form.cleaned_data["done"] == "yes",
            note=form.cleaned_data["note"],
            acting_user=request.user,
        )
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("Saved."))
    return redirect("requests:detail", notice.request_id)


@login_required
@require_POST
def notices_settle_legal(request, pk):
    """Every recipient on a legal basis still to be told, settled in one step with one note."""
    data_request = policy.get(request.user, pk, RequestAction.HANDLE)
    pending = selectors.pending_legal_notices(data_request)
    form = NoticeForm(request.POST)
    if not pending:
        messages.error(request, _("There is nothing left to record for them."))
    elif not form.is_valid():
        messages.error(request, _("Say whether the recipients were told, and how or why not."))
    else:
        try:
            services.notices_settle(
                data_request=data_request,
                notice_ids=[notice.pk for notice in pending],
                done=form.cleaned_data["done"] == "yes",
                note=form.cleaned_data["note"],
                acting_user=request.user,
            )
        except ValidationError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(request, _("Saved for every organisation on a legal basis."))
    return redirect("requests:detail", data_request.pk)


# --- Staff: a request that came on paper, by e-mail or in person -------------------------------


def _correctable(pupil) -> list[tuple[str, str]]:
    """The fields that can be corrected, as choices 'target:id:field', named by date and kind
    only (never their contents); a restricted dossier offers only the personal details.
    """
    choices = [
        (f"pupil:{pupil.pk}:{name}", corrections.label("pupil", name))
        for name in corrections.TARGETS["pupil"].fields
    ]
    if DataCategory.DOSSIER in pupil_selectors.restricted_categories(pupil=pupil):
        return choices
    entries = pupil_selectors.dossier_entry_querysets(pupil=pupil)
    dated = (
        ("agreement", "agreements", "agreed_on"),
        ("test_result", "test_results", "taken_on"),
        ("note", "notes", "written_on"),
    )
    for target, key, date_field in dated:
        for entry in entries[key].only("pk", date_field):
            day = date_format(getattr(entry, date_field))
            for name in corrections.TARGETS[target].fields:
                choices.append(
                    (f"{target}:{entry.pk}:{name}", f"{corrections.label(target, name)} ({day})")
                )
    return choices


@login_required
def staff_new(request, pk):
    pupil = permissions.pupil_for_intake(request.user, pk)
    people = {
        g.parent_id: (g.parent, f"{g.parent.full_name} ({g.get_relation_display()})")
        for g in pupil_selectors.guardians_of(pupil=pupil)
        if g.has_parental_authority
    }
    if pupil.account_id:
        people[pupil.account_id] = (
            pupil.account,
            _("%(name)s (the pupil)") % {"name": pupil.full_name},
        )
    requesters = [(pk, label) for pk, (_person, label) in people.items()]
    form = StaffRequestForm(
        request.POST or None,
        requesters=requesters,
        correctable=_correctable(pupil),
        erasable=grouped_items(pupil_items.items_of(pupil), special_kinds(request.user, pupil)),
        initial={"submission": uuid.uuid4()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        items = []
        if data["kind"] == Kind.RECTIFICATION:
            target, target_id, field = data["correction_field"].split(":")
            items = [
                services.ItemProposal(target, int(target_id), field, data["correction_value"])
            ]
        requester = people[data["requester"]][0]
        try:
            data_request = services.request_submit(
                pupil=pupil,
                kind=data["kind"],
                requester=requester,
                acting_user=request.user,
                channel=data["channel"],
                received_on=data["received_on"],
                identity_check=data["identity_check"],
                identity_note=data["identity_note"],
                explanation=data["explanation"],
                categories=data["categories"],
                items=items,
                item_keys=data["items"] if data["kind"] == Kind.ERASURE else (),
                submission=data["submission"],
            )
        except services.AlreadyOpen as error:
            messages.info(request, _error_text(error))
            return redirect("requests:detail", error.data_request.pk)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The request has been recorded; it must be answered by %(due)s.")
                % {"due": date_format(data_request.due_on)},
            )
            return redirect("requests:detail", data_request.pk)
    return render(request, "requests/staff_new.html", {"pupil": pupil, "form": form})


def pupil_section(request, pupil) -> str | None:
    """On the staff pupil page: its requests, recording one, and a legal hold."""
    can_record = permissions.can_record(request.user, pupil)
    can_hold = permissions.can_hold(request.user, pupil)
    if not (can_record or can_hold):
        return None
    return render_to_string(
        "requests/pupil_section.html",
        {
            "pupil": pupil,
            "requests": selectors.requests_of_pupil(pupil=pupil, user=request.user)[:10],
            "holds": selectors.legal_holds(pupil=pupil),
            "can_record": can_record,
            "can_hold": can_hold,
        },
        request=request,
    )
