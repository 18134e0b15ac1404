"""Views of the dossier: check access through permissions.py, validate, call one service."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from schoolprivacy import languages, sections
from schoolprivacy.authorization import STAFF_ROLES, grants_for, hidden, require_roles
from schoolprivacy.forms import add_service_errors
from schoolprivacy.models import Role, School
from schoolprivacy.paging import page_of

from . import ages, permissions, selectors, services
from .forms import (
    AcceptInvitationForm,
    AgreementForm,
    ChangeGroupForm,
    DeclarationForm,
    EmergencyForm,
    GuardianshipForm,
    NewPupilForm,
    NoteForm,
    ParentAccessForm,
    ParentForm,
    PupilForm,
    RestrictedLookForm,
    SpecialRecordForm,
    TestResultForm,
)
from .models import SpecialRecord
from .permissions import (
    PortalRight,
    PupilAction,
    PupilPolicy,
    SpecialRecordPolicy,
    special_kinds,
)

policy = PupilPolicy()


# --- Staff: the pupil list and page ------------------------------------------------------


@require_roles(*STAFF_ROLES)
def pupil_list(request):
    search = request.GET.get("q", "").strip()[:100]
    page = page_of(
        selectors.pupil_list(user=request.user, search=search), request.GET.get("page"), 50
    )
    can_add = bool(grants_for(request.user).schools_with(Role.DIRECTOR, Role.ADMINISTRATOR))
    context = {
        "page": page,
        "search": search,
        "can_add": can_add,
        "with_school": selectors.sees_several_schools(request.user),
    }
    return render(request, "pupils/list.html", context)


@login_required
def pupil_detail(request, pk):
    pupil = policy.get(request.user, pk, PupilAction.VIEW)
    holds = list(selectors.active_holds(pupil=pupil))
    restricted = selectors.restricted_categories(pupil=pupil, holds=holds)
    actions = policy.actions(request.user, pupil, restricted_data=restricted)
    guardians = selectors.guardians_of(pupil=pupil)
    selectors.contacts_shown(
        guardians=guardians,
        phones=PupilAction.VIEW_PHONES in actions,
        address=PupilAction.VIEW_ADDRESS in actions,
    )
    context = {
        "pupil": pupil,
        "actions": actions,
        "show_bsn": PupilAction.VIEW_BSN in actions,
        "special_kinds": special_kinds(request.user, pupil, restricted_data=restricted),
        "guardians": guardians,
        "placements": selectors.placements_of(pupil=pupil),
        "holds": holds,
        "restricted": restricted,
        "sections": sections.render("pupil", request, pupil),
    }
    if PupilAction.VIEW_DOSSIER in actions:
        held_items = selectors.restricted_items(pupil=pupil, holds=holds)
        context.update(
            selectors.dossier_entries(pupil=pupil, restricted=restricted, items=held_items)
        )
        services.dossier_viewed(pupil=pupil, acting_user=request.user, part="dossier")
    return render(request, "pupils/detail.html", context)


ENTRY_KINDS = {
    "agreement": (AgreementForm, services.agreement_record),
    "test-result": (TestResultForm, services.test_result_record),
    "note": (NoteForm, services.note_record),
}


@login_required
def entry_add(request, pk, kind):
    if kind not in ENTRY_KINDS:
        hidden()
    pupil = policy.get(request.user, pk, PupilAction.RECORD)
    form_class, record = ENTRY_KINDS[kind]
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            record(pupil=pupil, acting_user=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Saved in the dossier."))
            return redirect("pupils:detail", pupil.pk)
    return render(
        request,
        "pupils/entry_form.html",
        {"pupil": pupil, "form": form, "title": form_class.Meta.model._meta.verbose_name},
    )


# --- Special categories ------------------------------------------------------------------


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
    elif guarded and SpecialRecordPolicy().in_emergency(request.user, pupil):
        opened = True  # the reason was given when break-glass was opened
        services.dossier_viewed(pupil=pupil, acting_user=request.user, part="restricted:emergency")
    services.dossier_viewed(
        pupil=pupil, acting_user=request.user, part="special:" + ",".join(sorted(kinds))
    )
    return render(
        request,
        "pupils/special_list.html",
        {
            "pupil": pupil,
            "records": [r for r in records if opened or r not in guarded],
            "guarded": guarded,
            "guarded_kinds": sorted({str(r.get_kind_display()) for r in guarded}),
            "opened": opened,
            "form": form,
            "kinds": [label for value, label in SpecialRecord.Kind.choices if value in kinds],
            "can_record": bool(special_kinds(request.user, pupil, writable=True)),
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


@require_roles(*STAFF_ROLES)
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


# --- Director: history ---------------------------------------------------------------------


@login_required
def pupil_history(request, pk):
    pupil = policy.get(request.user, pk, PupilAction.VIEW_HISTORY)
    page = page_of(selectors.dossier_history(pupil=pupil), request.GET.get("page"), 100)
    return render(request, "pupils/history.html", {"pupil": pupil, "page": page})


# --- Administrator and director: personal data, groups, parents ------------------------------


@require_roles(Role.DIRECTOR, Role.ADMINISTRATOR)
def pupil_create(request):
    schools = School.objects.filter(
        pk__in=grants_for(request.user).schools_with(Role.DIRECTOR, Role.ADMINISTRATOR)
    )
    school = get_object_or_404(schools, pk=request.GET.get("school") or schools.first().pk)
    form = NewPupilForm(request.POST or None, school=school)
    if request.method == "POST" and form.is_valid():
        try:
            pupil = services.pupil_create(
                school=school, acting_user=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The pupil has been enrolled."))
            return redirect("pupils:detail", pupil.pk)
    return render(
        request, "pupils/pupil_form.html", {"form": form, "school": school, "schools": schools}
    )


@login_required
def pupil_edit(request, pk):
    pupil = policy.get(request.user, pk, PupilAction.EDIT)
    form = PupilForm(request.POST or None, instance=pupil)
    if request.method == "POST" and form.is_valid():
        try:
            services.pupil_update(pupil=pupil, acting_user=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The changes have been saved."))
            return redirect("pupils:detail", pupil.pk)
    return render(request, "pupils/pupil_form.html", {"form": form, "pupil": pupil})


@login_required
def pupil_change_group(request, pk):
    pupil = policy.get(request.user, pk, PupilAction.EDIT)
    form = ChangeGroupForm(request.POST or None, pupil=pupil)
    if request.method == "POST" and form.is_valid():
        try:
            services.pupil_change_group(pupil=pupil, acting_user=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The pupil has moved to the new group."))
            return redirect("pupils:detail", pupil.pk)
    return render(request, "pupils/change_group.html", {"form": form, "pupil": pupil})


@login_required
def parent_add(request, pk):
    pupil = policy.get(request.user, pk, PupilAction.MANAGE_PARENTS)
    form = ParentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            guardianship = services.parent_link(
                pupil=pupil, acting_user=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if guardianship.parent.has_usable_password():
                messages.success(request, _("The parent has been linked to the pupil."))
            else:
                messages.success(
                    request, _("The parent has been linked and gets an invitation by e-mail.")
                )
            return redirect("pupils:detail", pupil.pk)
    return render(request, "pupils/parent_form.html", {"form": form, "pupil": pupil})


@login_required
def declarations(request, pk):
    """The parents' declarations for the funding rules: the director and administrator record
    and read them; nobody else."""
    pupil = policy.get(request.user, pk, PupilAction.DECLARATIONS)
    parents = [
        (g.parent_id, f"{g.parent.full_name} ({g.get_relation_display()})")
        for g in selectors.guardians_of(pupil=pupil)
    ]
    form = DeclarationForm(request.POST or None, parents=parents)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.declaration_record(
                pupil=pupil,
                parent=selectors.guardians_parent(pupil=pupil, parent_id=data.pop("parent")),
                acting_user=request.user,
                **data,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The declaration has been recorded."))
            return redirect("pupils:declarations", pupil.pk)
    services.dossier_viewed(pupil=pupil, acting_user=request.user, part="declarations")
    return render(
        request,
        "pupils/declarations.html",
        {"pupil": pupil, "form": form, "declarations": selectors.declarations_of(pupil=pupil)},
    )


@login_required
def guardianship_edit(request, pk, guardianship_pk):
    pupil = policy.get(request.user, pk, PupilAction.MANAGE_PARENTS)
    guardianship = selectors.guardianship_of_pupil(pupil=pupil, pk=guardianship_pk)
    if guardianship is None:
        hidden()
    form = GuardianshipForm(request.POST or None, instance=guardianship)
    if request.method == "POST" and form.is_valid():
        services.guardianship_update(
            guardianship=guardianship, acting_user=request.user, **form.cleaned_data
        )
        messages.success(request, _("The change of custody has been recorded."))
        return redirect("pupils:detail", pupil.pk)
    return render(
        request,
        "pupils/guardianship_form.html",
        {"form": form, "pupil": pupil, "guardianship": guardianship},
    )


# --- Parents: the portal --------------------------------------------------------------------


@login_required
def portal_home(request):
    """A parent's children; a pupil of 16+ their own data (portal_right)."""
    children = selectors.children_of_parent(user=request.user)
    own = selectors.own_record(user=request.user)
    contact = selectors.own_contact(user=request.user) if children else None
    return render(
        request,
        "pupils/portal/home.html",
        {"children": children, "own": own, "contact": contact},
    )


@login_required
def portal_child(request, pk):
    pupil = policy.own_child(request.user, pk)
    right = permissions.portal_right(request.user, pupil)
    full = right in permissions.WHOLE_DOSSIER
    context = {
        "pupil": pupil,
        "guardianship": permissions.guardianship(request.user, pupil),
        "right": right,
        "as_pupil": right == PortalRight.SELF,
        "full": full,
        # Who exercises the pupil's rights can ask for a correction of any field shown.
        "correct": permissions.acts_for(request.user, pupil),
        "adult_on": ages.birthday(pupil.date_of_birth, ages.ADULT_AGE),
        **selectors.dossier_entries(pupil=pupil),
    }
    if full:
        context["special_records"] = SpecialRecordPolicy().records(
            request.user, pupil, as_parent=True
        )
        context["placements"] = selectors.placements_of(pupil=pupil)
    guardianship = context["guardianship"]
    if guardianship is not None and guardianship.declared:
        context["declarations"] = selectors.declarations_of(pupil=pupil, parent=request.user)
    context["sections"] = sections.render("portal_child", request, pupil)
    services.dossier_viewed(pupil=pupil, acting_user=request.user, part="portal")
    return render(request, "pupils/portal/child.html", context)


@login_required
def portal_access_history(request, pk):
    pupil = policy.own_child(request.user, pk)
    if not permissions.sees_whole_dossier(request.user, pupil):
        hidden()
    history = selectors.access_history(pupil=pupil)
    return render(
        request,
        "pupils/portal/access.html",
        {
            "pupil": pupil,
            "history": history,
            "as_pupil": permissions.portal_right(request.user, pupil) == PortalRight.SELF,
        },
    )


@login_required
def portal_parents_access(request, pk):
    """The pupil's own page: whether the parents see the dossier once the pupil is 18."""
    pupil = policy.own_child(request.user, pk)
    if permissions.portal_right(request.user, pupil) != PortalRight.SELF:
        hidden()
    guardians = selectors.guardians_of(pupil=pupil)
    if request.method == "POST":
        form = ParentAccessForm(request.POST, guardians=guardians)
        if form.is_valid():
            try:
                services.parent_access_set(
                    pupil=pupil,
                    guardianship=form.cleaned_data["guardianship"],
                    grant=form.cleaned_data["grant"] == "yes",
                    acting_user=request.user,
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _("Saved."))
                return redirect("portal:parents_access", pupil.pk)
        else:
            messages.error(request, _("Choose a parent and whether they may see your data."))
    return render(
        request,
        "pupils/portal/parents_access.html",
        {
            "pupil": pupil,
            "guardians": guardians,
            "adult_on": ages.birthday(pupil.date_of_birth, ages.ADULT_AGE),
            "adult": ages.age_on(pupil.date_of_birth, timezone.localdate()) >= ages.ADULT_AGE,
        },
    )


@never_cache
@sensitive_post_parameters("new_password1", "new_password2")
def accept_invitation(request, token):
    invitation = services.invitation_for_token(token)
    if invitation is None:
        return render(request, "pupils/portal/invitation_invalid.html", status=404)
    form = AcceptInvitationForm(invitation.parent, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            parent = services.invitation_accept(
                token=token, password=form.cleaned_data["new_password1"]
            )
        except ValidationError:
            return render(request, "pupils/portal/invitation_invalid.html", status=404)
        login(request, parent, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Welcome! Your password has been saved."))
        staff = grants_for(parent).is_staff_member  # invited by staff/services.py
        return languages.after_login(request, redirect("home" if staff else "portal:home"))
    return render(
        request,
        "pupils/portal/accept_invitation.html",
        {"form": form, "parent": invitation.parent},
    )
