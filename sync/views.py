"""Views of the sync: check access through permissions.py, validate, call one service."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from pupils.services import invitations_send_pending
from schoolprivacy.capabilities import Capability, require_capability
from schoolprivacy.forms import add_service_errors
from schoolprivacy.paging import page_of
from schoolprivacy.uploads import takes_upload

from . import notices, permissions, selectors, services
from .forms import ConfirmForm, InviteForm, MappingForm, ParentsUploadForm, UploadForm, YearForm
from .models import ImportLine, ImportRun


@takes_upload(max_bytes=services.MAX_BYTES)  # a board's export is larger than a document
@require_capability(Capability.IMPORT)
def index(request):
    """Upload an export; the recent imports of the user's schools."""
    schools = permissions.schools_for_import(request.user).order_by("name")
    form = UploadForm(request.POST or None, request.FILES or None, schools=schools)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        run = services.edexml_preview(
            school=form.cleaned_data["school"],
            stream=upload,
            size=upload.size,
            acting_user=request.user,
            export_date=form.cleaned_data["export_date"],
        )
        return redirect("sync:run", run.pk)
    return render(
        request,
        "sync/index.html",
        {"form": form, "runs": selectors.recent_runs(user=request.user)},
    )


@login_required
def run(request, pk):
    """What an import would change (the preview), or what it did, line by line, paged."""
    run = permissions.run_for(request.user, pk)
    if run.status == ImportRun.Status.MAPPING:
        return redirect("sync:columns", run.pk)
    kind = request.GET.get("kind", "")
    if kind not in ImportLine.Kind.values:
        kind = ""
    page = page_of(
        selectors.lines_of(run, kind or None),
        request.GET.get("page"),
        50,
        count=run.lines_written(kind),
    )
    page.object_list = selectors.readable(page.object_list)
    return render(
        request,
        "sync/run.html",
        {
            "run": run,
            "page": page,
            "kind": kind,
            "kinds": ImportLine.Kind.choices,
            "form": ConfirmForm(run=run),
            "notices": run.notices.select_related("pupil").order_by("status", "pk"),
            "busy": run.status in (ImportRun.Status.QUEUED, ImportRun.Status.RUNNING),
            "extra": f"kind={kind}" if kind else "",
        },
    )


@login_required
@require_POST
def confirm(request, pk):
    run = permissions.run_for(request.user, pk)
    form = ConfirmForm(request.POST, run=run)
    form.is_valid()
    try:
        services.import_confirm(
            run=run,
            acting_user=request.user,
            leavers_confirmed=form.cleaned_data.get("leavers_confirmed", False),
            errors_confirmed=form.cleaned_data.get("errors_confirmed", False),
        )
    except ValidationError as error:
        add_service_errors(form, error)
        messages.error(request, _("Nothing has changed: confirm what the page asks first."))
        page = page_of(selectors.lines_of(run), 1, 50, count=run.lines_written())
        page.object_list = selectors.readable(page.object_list)
        return render(
            request,
            "sync/run.html",
            {
                "run": run,
                "page": page,
                "kind": "",
                "kinds": ImportLine.Kind.choices,
                "form": form,
                "busy": False,
                "extra": "",
            },
        )
    messages.success(request, _("Confirmed: the import is being applied."))
    return redirect("sync:run", run.pk)


@takes_upload(max_bytes=services.MAX_BYTES)
@require_capability(Capability.IMPORT)
def parents(request):
    """Upload the parents export; invite the parents an import linked, when the school wants."""
    schools = permissions.schools_for_import(request.user).order_by("name")
    form = ParentsUploadForm(request.POST or None, request.FILES or None, schools=schools)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        run = services.parents_upload(
            school=form.cleaned_data["school"],
            stream=upload,
            size=upload.size,
            acting_user=request.user,
        )
        return redirect("sync:run", run.pk)
    return render(
        request,
        "sync/parents.html",
        {
            "form": form,
            "invite_form": InviteForm(schools=schools),
            "waiting": selectors.uninvited_parents(schools),
        },
    )


@require_capability(Capability.IMPORT)
@require_POST
def invite(request):
    schools = permissions.schools_for_import(request.user)
    form = InviteForm(request.POST, schools=schools)
    if form.is_valid():
        count = invitations_send_pending(
            school=form.cleaned_data["school"], acting_user=request.user
        )
        messages.success(
            request,
            ngettext(
                "%(count)s parent has been invited.",
                "%(count)s parents have been invited.",
                count,
            )
            % {"count": count},
        )
    else:
        messages.error(request, _("Choose a school."))
    return redirect("sync:parents")


@login_required
def columns(request, pk):
    """Say which column of the parents export holds what; kept for the school's next imports."""
    run = permissions.run_for(request.user, pk)
    if run.status != ImportRun.Status.MAPPING:
        return redirect("sync:run", run.pk)
    header = services.pending_header(run)
    form = MappingForm(
        request.POST or None,
        header=header,
        initial_mapping=selectors.proposed_mapping(run, header),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.column_mapping_save(
                run=run, mapping=form.cleaned_data, acting_user=request.user
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("sync:run", run.pk)
    return render(request, "sync/columns.html", {"run": run, "form": form, "header": header})


@require_capability(Capability.IMPORT)
def year(request):
    """A new school year made here: where each group goes, seen line by line before it is
    confirmed (the run page). A school that imports its year from the administration does not
    need this page."""
    schools = permissions.schools_for_import(request.user).order_by("name")
    school = (
        permissions.school_for_import(request.user, request.GET.get("school"))
        if (request.GET.get("school"))
        else schools.first()
    )
    current, moves = selectors.year_proposal(school) if school is not None else (None, [])
    form = YearForm(request.POST or None, moves=moves, initial={"leave_on": timezone.localdate()})
    if request.method == "POST" and current is not None and form.is_valid():
        try:
            run = services.year_preview(
                school=school,
                targets=form.targets(),
                leave_on=form.cleaned_data["leave_on"],
                acting_user=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("sync:run", run.pk)
    return render(
        request,
        "sync/year.html",
        {"form": form, "school": school, "schools": schools, "current": current},
    )


@login_required
@require_POST
def notice_settle(request, pk):
    """Art. 19: the school told a receiver of an imported correction another way, or why not."""
    notice = permissions.notice_for(request.user, pk)
    try:
        notices.notice_settle(
            notice=notice,
            done=request.POST.get("done") == "1",
            note=request.POST.get("note", "")[:2000],
            acting_user=request.user,
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Saved."))
    return redirect(reverse("sync:run", args=[notice.run_id]) + "#notices")
