"""Views of the dossier: check access through permissions.py, validate, call one service."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from schoolprivacy import languages, sections
from schoolprivacy.authorization import STAFF_ROLES, grants_for, hidden, require_roles
from schoolprivacy.forms import add_service_errors
from schoolprivacy.models import Role, School
from schoolprivacy.paging import page_of
from schoolprivacy.uploads import download_response, takes_upload

from . import ages, permissions, selectors, services
from .forms import (
    AcceptInvitationForm,
    AgreementForm,
    AttachmentForm,
    ChangeGroupForm,
    DeclarationForm,
    EmergencyContactForm,
    EmergencyForm,
    GuardianshipForm,
    NewPupilForm,
    NoteForm,
    ParentAccessForm,
    ParentContactForm,
    ParentForm,
    PupilForm,
    RestrictedLookForm,
    SpecialEndForm,
    SpecialRecordForm,
    SpecialReplaceForm,
    TestResultForm,
    correction_form,
)
from .models import SpecialRecord
from .permissions import (
    EntryPolicy,
    GroupPolicy,
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
        "invitations": (
            selectors.invitations_of(pupil=pupil) if PupilAction.MANAGE_PARENTS in actions else []
        ),
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
            "contacts": selectors.emergency_contacts(pupils=[pupil.pk]).get(pupil.pk, [])
            if calls
            else None,
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
    # Break-glass openings with their reasons (encrypted, masked in the log): the
    # director's mail links here to check each one (pupils/services: emergency_access_report).
    emergencies = selectors.emergency_accesses_of(pupil=pupil)[:50]
    context = {"pupil": pupil, "page": page, "emergencies": emergencies}
    return render(request, "pupils/history.html", context)


# --- Administrator and director: personal data, groups, parents ------------------------------


@require_roles(Role.DIRECTOR, Role.ADMINISTRATOR)
def pupil_create(request):
    schools = School.objects.filter(
        pk__in=grants_for(request.user).schools_with(Role.DIRECTOR, Role.ADMINISTRATOR)
    )
    chosen = request.GET.get("school")
    # What is not a number is a school that does not exist (404), never a server error.
    school = get_object_or_404(schools, pk=_int(chosen) if chosen else schools.first().pk)
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
            invitation = services.parent_invite(
                pupil=pupil, acting_user=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            # The same answer whether or not the address has an account (parent_invite).
            messages.success(
                request,
                _(
                    "An invitation has been sent to %(email)s. The parent is linked to the "
                    "pupil once they accept it."
                )
                % {"email": invitation.parent.email},
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
    may_manage_contacts = permissions.holds_authority(request.user, pupil)
    context = {
        "pupil": pupil,
        "guardianship": permissions.guardianship(request.user, pupil),
        "right": right,
        "as_pupil": right == PortalRight.SELF,
        "full": full,
        # Who exercises the pupil's rights can ask for a correction of any field shown.
        "correct": permissions.acts_for(request.user, pupil),
        "adult_on": ages.birthday(pupil.date_of_birth, ages.ADULT_AGE),
        "adult": ages.age_on(pupil.date_of_birth, timezone.localdate()) >= ages.ADULT_AGE,
        "may_manage_contacts": may_manage_contacts,
        **selectors.dossier_entries(pupil=pupil),
    }
    context["portal"] = True  # documents open through the portal's own page
    if full:
        records = list(SpecialRecordPolicy().records(request.user, pupil, as_parent=True))
        selectors.attach_documents(records, "special", selectors.attachments_by_item(pupil=pupil))
        context["special_records"] = records
        context["placements"] = selectors.placements_of(pupil=pupil)
    if full or may_manage_contacts:
        context["emergency_contacts"] = selectors.emergency_contacts(
            pupils=[pupil.pk], for_parent=request.user
        ).get(pupil.pk, [])
    if context["guardianship"] is not None:
        context["shared_contacts"] = selectors.shared_contacts(pupil=pupil, user=request.user)
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
    """The pupil's own page, from 16: which parents see the whole dossier (read only)."""
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
    """The link of an invitation: an account without a password chooses one (and is linked to
    the pupil the invitation names, if any); an account with a password answers signed in."""
    invitation = services.invitation_for_token(token)
    if invitation is None:
        return render(request, "pupils/portal/invitation_invalid.html", status=404)
    if invitation.parent.has_usable_password():
        if invitation.pupil is None:  # an account invitation whose password was set since
            return render(request, "pupils/portal/invitation_invalid.html", status=404)
        return _answer_link(request, token, invitation)
    form = AcceptInvitationForm(invitation.parent, request.POST or None)
    if request.method == "POST" and request.POST.get("answer") == "decline":
        return _declined(request, token, user=None)
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
        {"form": form, "parent": invitation.parent, "invitation": invitation},
    )


def _answer_link(request, token, invitation):
    """An account with a password says yes or no to a proposed link, signed in as itself."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if request.user.pk != invitation.parent_id:
        return render(request, "pupils/portal/invitation_other_account.html", status=403)
    if request.method == "POST":
        answer = request.POST.get("answer")
        if answer == "decline":
            return _declined(request, token, user=request.user)
        if answer == "accept":
            try:
                services.invitation_link_accept(token=token, user=request.user)
            except ValidationError:
                return render(request, "pupils/portal/invitation_invalid.html", status=404)
            messages.success(
                request,
                _("You are now linked to %(name)s.") % {"name": invitation.pupil.first_name},
            )
            return redirect("portal:home")
        messages.error(request, _("Choose whether you accept the link."))
    return render(request, "pupils/portal/answer_invitation.html", {"invitation": invitation})


def _declined(request, token, *, user):
    try:
        services.invitation_decline(token=token, user=user)
    except (ValidationError, PermissionDenied):
        return render(request, "pupils/portal/invitation_invalid.html", status=404)
    return render(request, "pupils/portal/invitation_declined.html")


# --- The life of entries and records: corrections, ends, documents ----------------------------

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


def _form_page(request, pupil, form, title, *, submit=None, intro=""):
    return render(
        request,
        "pupils/entry_form.html",
        {"pupil": pupil, "form": form, "title": title, "submit": submit, "intro": intro},
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


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


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


def _document_response(attachment, content: bytes) -> HttpResponse:
    return download_response(
        content, kind=attachment.kind, stem=attachment.filename.rsplit(".", 1)[0]
    )


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


# --- Contact details and emergency contacts --------------------------------------------------


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
            "contacts": selectors.emergency_contacts(
                pupils=[pupil.pk], for_parent=request.user if portal else None
            ).get(pupil.pk, []),
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


# --- Parents: their own contact details and their child's documents ----------------------------


@login_required
def portal_contact(request):
    """A parent corrects their own address and phone numbers directly (audited)."""
    if not permissions.portal_standing(request.user).guardian:
        hidden()
    form = ParentContactForm(
        request.POST or None, instance=selectors.own_contact(user=request.user)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.parent_contact_update(
                parent=request.user, acting_user=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your contact details are saved."))
            return redirect("portal:home")
    return render(request, "pupils/portal/contact.html", {"form": form})


@login_required
def portal_document(request, pk, uid):
    """A document of the child's dossier, for a parent who sees what it belongs to."""
    pupil = policy.own_child(request.user, pk)
    attachment = selectors.attachment_of(pupil=pupil, uid=uid)
    if attachment is None:
        hidden()
    target, _entry_pk = attachment.target
    if target == "special" and not permissions.sees_whole_dossier(request.user, pupil):
        hidden()  # the information right covers the progress, not the special categories
    content = services.attachment_content(attachment=attachment, acting_user=request.user)
    return _document_response(attachment, content)
