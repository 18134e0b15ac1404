"""Contact details and emergency contacts: a parent's, entered by staff; the pupil's emergency
contacts (also in the portal); and the class emergency sheets."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from schoolprivacy.authorization import hidden
from schoolprivacy.forms import add_service_errors

from .. import permissions, selectors, services
from ..forms import EmergencyContactForm, ParentContactForm
from ..permissions import GroupPolicy, PupilAction
from .common import _form_page, policy


@login_required
def parent_contact_edit(request, pk, guardianship_pk):
    """Staff who manage the parents enter or correct a parent's address and phone numbers."""
    pupil = policy.get(request.user, pk, PupilAction.MANAGE_PARENTS)
    guardianship = selectors.guardianship_of_pupil(pupil=pupil, pk=guardianship_pk)
    if guardianship is None:
        hidden()
    contact = selectors.own_contact(user=guardianship.parent)
    form = ParentContactForm(request.POST or None, instance=contact)
    if request.method == "POST" and form.is_valid():
        try:
            services.parent_contact_update(
                parent=guardianship.parent,
                pupil=pupil,
                acting_user=request.user,
                **form.cleaned_data,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The contact details are saved."))
            return redirect("pupils:detail", pupil.pk)
    title = _("Contact details of %(name)s") % {"name": guardianship.parent.full_name}
    return _form_page(request, pupil, form, title, submit=_("Save"))


def _contacts_pupil(request, pk, portal: bool):
    """The pupil whose emergency contacts the user sees, and whether they may change them."""
    if portal:
        pupil = policy.own_child(request.user, pk)
        # A holder of parental authority keeps the emergency contacts of a pupil of 16 or 17
        # up to date, also without seeing the whole dossier (permissions.portal_right).
        may_manage = permissions.holds_authority(request.user, pupil)
        if not (may_manage or permissions.sees_whole_dossier(request.user, pupil)):
            hidden()
        return pupil, may_manage
    pupil = policy.get(request.user, pk, PupilAction.VIEW)
    actions = policy.actions(request.user, pupil)
    if PupilAction.VIEW_PHONES not in actions:
        hidden()
    return pupil, PupilAction.MANAGE_PARENTS in actions


@login_required
def emergency_contacts(request, pk, portal=False):
    """The pupil's emergency contacts in order, the GP and the hospital; and a form to add."""
    pupil, can_manage = _contacts_pupil(request, pk, portal)
    guardians = selectors.guardians_of(pupil=pupil)
    form = EmergencyContactForm(request.POST or None, guardians=guardians)
    if request.method == "POST":
        if not can_manage:
            hidden()
        if form.is_valid() and _contact_save(request, pupil, form, None):
            return redirect(request.path)
    return render(
        request,
        "pupils/emergency_contacts.html",
        {
            "pupil": pupil,
            "contacts": selectors.emergency_contacts_of(
                pupil=pupil, for_parent=request.user if portal else None
            ),
            "form": form if can_manage else None,
            "portal": portal,
        },
    )


def _contact_save(request, pupil, form, contact) -> bool:
    data = dict(form.cleaned_data)
    data["parent_id"] = data.pop("parent")
    try:
        services.emergency_contact_save(
            pupil=pupil, acting_user=request.user, contact=contact, **data
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return False
    messages.success(request, _("The emergency contacts are saved."))
    return True


@login_required
def emergency_contact_edit(request, pk, contact_pk, portal=False):
    """Change one emergency contact, move it in the order, or take it off the list."""
    pupil, can_manage = _contacts_pupil(request, pk, portal)
    contact = selectors.emergency_contact_of(pupil=pupil, pk=contact_pk)
    if contact is None or not can_manage:
        hidden()
    if portal and contact.parent_id not in (None, request.user.pk):
        hidden()  # the other parent's line is the school's to change (their number)
    back = reverse(
        "portal:emergency_contacts" if portal else "pupils:emergency_contacts", args=[pupil.pk]
    )
    action = request.POST.get("action")
    if request.method == "POST" and action in ("up", "down", "remove"):
        if action == "remove":
            services.emergency_contact_remove(contact=contact, acting_user=request.user)
            messages.success(request, _("Taken off the list."))
        else:
            services.emergency_contact_move(
                contact=contact, up=action == "up", acting_user=request.user
            )
        return redirect(back)
    form = EmergencyContactForm(
        request.POST or None, instance=contact, guardians=selectors.guardians_of(pupil=pupil)
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and _contact_save(request, pupil, form, contact)
    ):
        return redirect(back)
    return render(
        request,
        "pupils/emergency_contact_form.html",
        {"pupil": pupil, "form": form, "contact": contact, "back": back},
    )


@login_required
def emergency_sheets(request):
    """The groups whose class emergency sheet the user may print."""
    groups = GroupPolicy().scope(request.user).order_by("school__name", "-school_year", "name")
    if not groups.exists():
        hidden()
    return render(request, "pupils/emergency_sheets.html", {"groups": groups})


@login_required
def emergency_sheet(request, group_pk):
    """The class emergency sheet: per pupil the emergency contacts and the current safety
    records, to print on A4 for the locked cupboard. Opening it is logged as an export."""
    group = GroupPolicy().get(request.user, group_pk)
    rows = selectors.emergency_sheet(group=group, user=request.user)
    services.emergency_sheet_printed(
        group=group, pupil_ids=[row["pupil"].pk for row in rows], acting_user=request.user
    )
    return render(
        request,
        "pupils/emergency_sheet.html",
        {"group": group, "rows": rows, "made_at": timezone.now(), "user": request.user},
    )
