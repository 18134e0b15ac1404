"""The parent portal (and a pupil's own, from 16): the children, their dossier, who looked,
who of the parents sees it, the parent's own contact details, and documents."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from schoolprivacy import sections
from schoolprivacy.authorization import hidden
from schoolprivacy.forms import add_service_errors
from schoolprivacy.paging import page_of

from .. import ages, looks, permissions, selectors, services, whom_to_ask
from ..forms import ParentAccessForm, ParentContactForm
from ..permissions import PortalRight, SpecialRecordPolicy
from .common import _document_response, policy


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
        **selectors.dossier_entries(pupil=pupil, latest=selectors.LATEST_ENTRIES),
    }
    context["portal"] = True  # documents open through the portal's own page
    if full:
        records = list(SpecialRecordPolicy().records(request.user, pupil, as_parent=True))
        selectors.attach_documents(records, "special", selectors.attachments_by_item(pupil=pupil))
        context["special_records"] = records
        context["placements"] = selectors.placements_of(pupil=pupil)
    if full or may_manage_contacts:
        context["emergency_contacts"] = selectors.emergency_contacts_of(
            pupil=pupil, for_parent=request.user
        )
    if context["guardianship"] is not None:
        context["shared_contacts"] = selectors.shared_contacts(pupil=pupil, user=request.user)
    guardianship = context["guardianship"]
    if guardianship is not None and guardianship.declared:
        context["declarations"] = selectors.declarations_of(pupil=pupil, parent=request.user)
    context["sections"] = sections.render("portal_child", request, pupil)
    services.dossier_viewed(pupil=pupil, acting_user=request.user, part="portal")
    return render(request, "pupils/portal/child.html", context)


@login_required
def portal_entries(request, pk, kind):
    """Every entry of one kind of the child's dossier, a page at a time (the child's page
    shows the newest: selectors.LATEST_ENTRIES)."""
    key = selectors.ENTRY_LISTS.get(kind) or hidden()
    pupil = policy.own_child(request.user, pk)
    querysets = selectors.dossier_entry_querysets(pupil=pupil)
    page = page_of(querysets[key], request.GET.get("page"), 25)
    entries = {key: list(page)}
    selectors.entries_complete(pupil=pupil, entries=entries)
    services.dossier_viewed(pupil=pupil, acting_user=request.user, part="portal")
    return render(
        request,
        "pupils/entries.html",
        {
            "pupil": pupil,
            "page": page,
            "only": key,
            "portal": True,
            "as_pupil": permissions.portal_right(request.user, pupil) == PortalRight.SELF,
            "correct": permissions.acts_for(request.user, pupil),
            **entries,
        },
    )


@login_required
def portal_access_history(request, pk):
    pupil = policy.own_child(request.user, pk)
    if not permissions.sees_whole_dossier(request.user, pupil):
        hidden()
    page = page_of(looks.looks_at(pupil=pupil), request.GET.get("page"), 50)
    return render(
        request,
        "pupils/portal/access.html",
        {
            "pupil": pupil,
            "page": page,
            "history": looks.described(page, pupil=pupil),
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


def ask_section(request, pupil) -> str | None:
    """Whom to ask about *pupil*, on every page about it a parent or the pupil sees
    (registered with schoolprivacy.sections as "ask"; staff never get it)."""
    standing = permissions.portal_standing(request.user)
    if not (standing.guardian or standing.own_account):
        return None
    right = permissions.portal_right(request.user, pupil)
    if right is None:
        return None
    return render_to_string(
        "pupils/includes/ask.html",
        {
            "pupil": pupil,
            "own": right == PortalRight.SELF,
            "ask": whom_to_ask.whom_to_ask(pupil=pupil),
        },
        request=request,
    )
