"""Staff management in the pages: who works where, in which roles, teaching which groups."""

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pupils.models import Group, Pupil
from schoolprivacy.capabilities import Capability, require_capability
from schoolprivacy.forms import add_service_errors
from schoolprivacy.models import BoardRole, Role
from schoolprivacy.paging import page_of

from . import permissions, selectors, services
from .forms import BoardInviteForm, GroupForm, GroupsForm, InviteForm, PupilForm, RolesForm


@require_capability(Capability.MANAGE_STAFF)
def index(request):
    search = request.GET.get("q", "").strip()
    members = selectors.staff_list(user=request.user, search=search)
    page = page_of(members, request.GET.get("page"), 50)
    return render(
        request,
        "staff/index.html",
        {
            "page": page,
            "search": search,
            "board_manager": permissions.boards_managed(request.user).exists(),
        },
    )


def _invite_page(request, form, service, *, board: bool):
    """Give a person roles (made and invited when new); the form's fields are the service's."""
    if request.method == "POST" and form.is_valid():
        try:
            member = service(**form.cleaned_data, acting_user=request.user)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("%(name)s has the roles now.") % {"name": member.full_name}
            )
            return redirect("staff:member", member.pk)
    return render(request, "staff/invite.html", {"form": form, "board": board})


@require_capability(Capability.MANAGE_STAFF)
def invite(request):
    schools = permissions.schools_managed(request.user).order_by("name")
    form = InviteForm(request.POST or None, schools=schools)
    return _invite_page(request, form, services.staff_invite, board=False)


@require_capability(Capability.MANAGE_BOARD_STAFF)
def board_invite(request):
    boards = permissions.boards_managed(request.user).order_by("name")
    form = BoardInviteForm(request.POST or None, boards=boards)
    return _invite_page(request, form, services.board_member_invite, board=True)


@login_required
def member(request, pk):
    """One member of staff: the roles per school and board, groups taught, pupils followed."""
    member = permissions.member_for(request.user, pk)
    user = request.user
    parts = selectors.member_schools(member=member, user=user)
    schools = permissions.schools_managed(user)
    for part in parts:
        part.roles_form = RolesForm(
            initial={"place": part.school.pk, "roles": sorted(part.roles)},
            places=schools,
            choices=Role.choices,
            prefix=f"school-{part.school.pk}",
        )
        if part.groups:
            part.groups_form = GroupsForm(
                initial={"school": part.school.pk, "groups": sorted(part.taught)},
                schools=schools,
                groups=Group.objects.filter(pk__in=[g.pk for g in part.groups]),
            )
    boards = [
        (
            board,
            RolesForm(
                initial={"place": board.pk, "roles": sorted(roles)},
                places=permissions.boards_managed(user),
                choices=BoardRole.choices,
                prefix=f"board-{board.pk}",
            ),
        )
        for board, roles in selectors.member_boards(member=member, user=user)
    ]
    search = request.GET.get("pupil", "").strip()
    coordinator = selectors.is_care_coordinator(member=member)
    return render(
        request,
        "staff/member.html",
        {
            "member": member,
            "is_self": member.pk == user.pk,
            "invited": selectors.invitation_open(member=member),
            "parts": parts,
            "boards": boards,
            "coordinator": coordinator,
            "followed": selectors.pupils_followed(member=member, user=user) if coordinator else [],
            "search": search,
            "candidates": selectors.pupil_candidates(user=user, search=search)
            if coordinator
            else [],
        },
    )


def _back(member, anchor=""):
    return redirect(reverse("staff:member", args=[member.pk]) + anchor)


def _done(request, member, action, anchor=""):
    """Run *action*; a refusal from the service is shown as an error, in the user's language."""
    try:
        action()
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Saved."))
    return _back(member, anchor)


@login_required
@require_POST
def roles(request, pk):
    member = permissions.member_for(request.user, pk)
    board = request.POST.get("kind") == "board"
    prefix = f"{'board' if board else 'school'}-{request.POST.get('place_id', '')}"
    form = RolesForm(
        request.POST,
        places=permissions.boards_managed(request.user)
        if board
        else permissions.schools_managed(request.user),
        choices=BoardRole.choices if board else Role.choices,
        prefix=prefix,
    )
    if not form.is_valid():
        messages.error(request, _("Choose roles from the list."))
        return _back(member)
    place, chosen = form.cleaned_data["place"], form.cleaned_data["roles"]
    if board:
        action = partial(services.board_roles_set, user=member, board=place, roles=chosen)
    else:
        action = partial(services.school_roles_set, user=member, school=place, roles=chosen)
    return _done(request, member, partial(action, acting_user=request.user), "#roles")


@login_required
@require_POST
def groups(request, pk):
    member = permissions.member_for(request.user, pk)
    schools = permissions.schools_managed(request.user)
    form = GroupsForm(
        request.POST, schools=schools, groups=Group.objects.filter(school__in=schools)
    )
    if not form.is_valid():
        messages.error(request, _("Choose groups from the list."))
        return _back(member)
    data = form.cleaned_data
    action = partial(
        services.teacher_groups_set,
        teacher=member,
        school=data["school"],
        groups=data["groups"],
        acting_user=request.user,
    )
    return _done(request, member, action, "#groups")


@login_required
@require_POST
def follow(request, pk):
    member = permissions.member_for(request.user, pk)
    pupils = Pupil.objects.filter(school__in=permissions.schools_managed(request.user))
    form = PupilForm(request.POST, pupils=pupils)
    if not form.is_valid():
        messages.error(request, _("Choose a pupil from the list."))
        return _back(member)
    pupil = form.cleaned_data["pupil"]
    stop = "stop" in request.POST
    service = services.care_pupil_unfollow if stop else services.care_pupil_follow
    action = partial(service, coordinator=member, pupil=pupil, acting_user=request.user)
    return _done(request, member, action, "#pupils")


@login_required
@require_POST
def switch(request, pk):
    member = permissions.member_for(request.user, pk)
    off = request.POST.get("active") == "off"
    service = services.account_switch_off if off else services.account_switch_on
    action = partial(service, user=member, acting_user=request.user)
    return _done(request, member, action, "#account")


@login_required
@require_POST
def send_invitation(request, pk):
    member = permissions.member_for(request.user, pk)
    action = partial(services.staff_invitation_send, user=member, acting_user=request.user)
    return _done(request, member, action, "#account")


@require_capability(Capability.MANAGE_STAFF)
def groups_index(request):
    try:
        school_year = int(request.GET.get("year", ""))
    except ValueError:
        school_year = None
    years, groups = selectors.groups_list(user=request.user, school_year=school_year)
    return render(
        request,
        "staff/groups.html",
        {"years": years, "groups": groups, "year": groups[0].school_year if groups else None},
    )


@require_capability(Capability.MANAGE_STAFF)
def group_create(request):
    schools = permissions.schools_managed(request.user).order_by("name")
    initial = {"school_year": timezone.localdate().year - (timezone.localdate().month < 8)}
    form = GroupForm(request.POST or None, schools=schools, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.group_create(**form.cleaned_data, acting_user=request.user)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect(
                f"{reverse('staff:groups_index')}?year={form.cleaned_data['school_year']}"
            )
    return render(request, "staff/group_form.html", {"form": form, "group": None})


@login_required
def group_edit(request, pk):
    group = permissions.group_for(request.user, pk)
    form = GroupForm(
        request.POST or None,
        editing=True,
        initial={
            "name": group.name,
            "year_group": group.year_group,
            "department": group.department,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.group_update(group=group, **form.cleaned_data, acting_user=request.user)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect(f"{reverse('staff:groups_index')}?year={group.school_year}")
    return render(request, "staff/group_form.html", {"form": form, "group": group})
