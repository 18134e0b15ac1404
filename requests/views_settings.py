"""Views of the settings of requests: who handles a school's requests, a board's holidays."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from schoolprivacy.authorization import hidden
from schoolprivacy.capabilities import Capability, require_capability

from . import permissions, selectors, services
from .forms import HolidayForm, RoutingForm
from .views import _error_text


@require_capability(Capability.REQUEST_SETTINGS)
def settings_index(request):  # routing for directors and administrators; holidays for the FG
    schools = permissions.schools_for_settings(request.user).order_by("name")
    boards = permissions.boards_for_settings(request.user).order_by("name")
    return render(
        request,
        "requests/settings.html",
        {
            "routing": [
                (
                    school,
                    roles,
                    RoutingForm(initial={"roles": list(roles)}, prefix=f"s{school.pk}"),
                )
                for school, roles in selectors.routing_of(schools)
            ],
            "boards": [
                (board, selectors.holidays_of(board), HolidayForm(prefix=f"b{board.pk}"))
                for board in boards
            ],
        },
    )


@login_required
@require_POST
def routing_save(request, pk):
    school = permissions.school_for_settings(request.user, pk)
    form = RoutingForm(request.POST, prefix=f"s{school.pk}")
    if not form.is_valid():
        messages.error(request, _("Choose who handles the requests."))
    else:
        services.routing_save(
            school=school, roles=form.cleaned_data["roles"], acting_user=request.user
        )
        messages.success(
            request, _("Saved: new requests of %(school)s go to them.") % {"school": school.name}
        )
    return redirect("requests:settings")


@login_required
@require_POST
def holiday_add(request, pk):
    board = permissions.board_for_settings(request.user, pk)
    form = HolidayForm(request.POST, prefix=f"b{board.pk}")
    if not form.is_valid():
        messages.error(request, _("Fill in a day and its name."))
        return redirect("requests:settings")
    try:
        services.holiday_add(board=board, acting_user=request.user, **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request, _("The day has been added; deadlines counted from now on skip it.")
        )
    return redirect("requests:settings")


@login_required
@require_POST
def holiday_remove(request, pk, holiday_pk):
    board = permissions.board_for_settings(request.user, pk)
    holiday = selectors.holidays_of(board).filter(pk=permissions._int(holiday_pk)).first()
    if holiday is None:
        hidden()
    services.holiday_remove(holiday=holiday, acting_user=request.user)
    messages.success(request, _("The day has been removed; deadlines already set stay."))
    return redirect("requests:settings")
