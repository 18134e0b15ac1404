"""Special categories: the records (a restricted one opens with a reason), recording one,
and break-glass access."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from schoolprivacy.capabilities import Capability, require_capability
from schoolprivacy.forms import add_service_errors

from .. import selectors, services
from ..forms import EmergencyForm, RestrictedLookForm, SpecialRecordForm
from ..models import SpecialRecord
from ..permissions import PupilAction, SpecialRecordPolicy, special_kinds
from .common import policy


@login_required
def special_list(request, pk):
    """The records the user may read. A restricted safety record is guarded: it opens for
    one look, after the user gave a reason (or within an open break-glass)."""
    pupil, kinds = SpecialRecordPolicy().pupil(request.user, pk)
    records, guarded = SpecialRecordPolicy().readable(request.user, pupil)
    form = RestrictedLookForm(request.POST or None)
    opened = False
    if guarded and request.method == "POST" and form.is_valid():
        try:
            services.restricted_access_record(
                pupil=pupil, reason=form.cleaned_data["reason"], acting_user=request.user
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            opened = True
    in_emergency = SpecialRecordPolicy().in_emergency(request.user, pupil)
    if guarded and not opened and in_emergency:
        opened = True  # the reason was given when break-glass was opened
        services.dossier_viewed(pupil=pupil, acting_user=request.user, part="restricted:emergency")
    services.dossier_viewed(
        pupil=pupil, acting_user=request.user, part="special:" + ",".join(sorted(kinds))
    )
    shown = [r for r in records if opened or r not in guarded]
    shown.sort(key=lambda r: r.ended)  # current records first, ended ones after
    selectors.attach_documents(shown, "special", selectors.attachments_by_item(pupil=pupil))
    # Break-glass shows whom to call next to the protocol; so do the phones' own roles.
    calls = in_emergency or PupilAction.VIEW_PHONES in policy.actions(request.user, pupil)
    return render(
        request,
        "pupils/special_list.html",
        {
            "pupil": pupil,
            "records": shown,
            "guarded": guarded,
            "guarded_kinds": sorted({str(r.get_kind_display()) for r in guarded}),
            "opened": opened,
            "form": form,
            "kinds": [label for value, label in SpecialRecord.Kind.choices if value in kinds],
            "writable": special_kinds(request.user, pupil, writable=True),
            "in_emergency": in_emergency,
            "contacts": selectors.emergency_contacts_of(pupil=pupil) if calls else None,
        },
    )


@login_required
def special_add(request, pk):
    pupil, kinds = SpecialRecordPolicy().pupil(request.user, pk, writable=True)
    form = SpecialRecordForm(request.POST or None, kinds=kinds)
    if request.method == "POST" and form.is_valid():
        try:
            services.special_record_add(pupil=pupil, acting_user=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Saved. This record is encrypted."))
            return redirect("pupils:special", pupil.pk)
    return render(request, "pupils/special_form.html", {"pupil": pupil, "form": form})


@require_capability(Capability.SEE_PUPILS)
def emergency_search(request):
    search = request.GET.get("q", "").strip()[:100]
    pupils = selectors.emergency_candidates(user=request.user, search=search)
    return render(request, "pupils/emergency_search.html", {"pupils": pupils, "search": search})


@login_required
def emergency_open(request, pk):
    pupil = policy.get(request.user, pk, PupilAction.EMERGENCY)
    form = EmergencyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.emergency_access_open(
            pupil=pupil, reason=form.cleaned_data["reason"], acting_user=request.user
        )
        return redirect("pupils:special", pupil.pk)
    return render(request, "pupils/emergency_form.html", {"pupil": pupil, "form": form})
