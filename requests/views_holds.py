"""Views of the holds on a pupil's data (a legal hold placed or lifted; a restriction or an
objection stop lifted) and of the privacy officer's retention report."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pupils.models import ProcessingHold
from schoolprivacy.authorization import hidden
from schoolprivacy.capabilities import Capability, require_capability
from schoolprivacy.forms import add_service_errors

from . import permissions, selectors, services
from .forms import HoldForm, LiftForm
from .models import ErasureCategory
from .views import _error_text


@login_required
def legal_hold(request, pk):
    pupil = permissions.pupil_for_hold(request.user, pk)
    form = HoldForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.legal_hold_place(
                pupil=pupil, reason=form.cleaned_data["reason"], acting_user=request.user
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("The legal hold is in place: nothing of this pupil is deleted.")
            )
            return redirect("pupils:detail", pupil.pk)
    return render(
        request,
        "requests/legal_hold.html",
        {
            "pupil": pupil,
            "form": form,
            "lift_form": LiftForm(),
            "holds": selectors.active_holds(pupil=pupil),
            "legal_hold": selectors.legal_holds(pupil=pupil).exists(),
        },
    )


@login_required
@require_POST
def hold_lift(request, pk, hold_pk):
    """End a legal hold, a restriction or an objection stop, with the reason."""
    pupil = permissions.pupil_for_hold(request.user, pk)
    hold = selectors.active_holds(pupil=pupil).filter(pk=permissions._int(hold_pk)).first()
    if hold is None:
        hidden()
    form = LiftForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the hold ends."))
        return redirect("requests:legal_hold", pupil.pk)
    lift = (
        services.legal_hold_lift
        if hold.kind == ProcessingHold.Kind.LEGAL_HOLD
        else services.restriction_lift
    )
    try:
        lift(hold=hold, reason=form.cleaned_data["reason"], acting_user=request.user)
    except (ValidationError, PermissionDenied) as error:
        messages.error(
            request,
            _error_text(error)
            if isinstance(error, ValidationError)
            else _("You cannot lift this hold."),
        )
        return redirect("requests:legal_hold", pupil.pk)
    messages.success(request, _("The hold has been lifted."))
    return redirect("pupils:detail", pupil.pk)


# --- The privacy officer: the retention report and the legal holds of the boards --------------


@require_capability(Capability.RETENTION_REPORT)
def retention_report(request):
    boards = permissions.officer_boards(request.user)
    return render(
        request,
        "requests/retention.html",
        {
            "runs": selectors.retention_runs(boards=boards)[:90],
            "holds": selectors.legal_holds_of_boards(boards=boards),
            "labels": dict(ErasureCategory.choices),
        },
    )
