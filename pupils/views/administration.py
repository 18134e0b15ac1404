"""Administrator and director: a pupil's personal data and group, the parents and their
custody, and the parents' declarations."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from schoolprivacy.authorization import hidden
from schoolprivacy.capabilities import Capability, require_capability
from schoolprivacy.forms import add_service_errors

from .. import selectors, services, whom_to_ask
from ..forms import (
    ChangeGroupForm,
    DeclarationForm,
    GuardianshipForm,
    NewPupilForm,
    ParentForm,
    PupilForm,
    QuestionContactsForm,
)
from ..permissions import PupilAction
from .common import _int, policy


@require_capability(Capability.PUPIL_ADMINISTRATION)
def pupil_create(request):
    schools = selectors.administered_schools(request.user)
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


# --- Whom parents and pupils ask ---------------------------------------------------------


@require_capability(Capability.QUESTION_CONTACTS)
def question_contacts_index(request):
    schools = whom_to_ask.schools_for_question_contacts(user=request.user)
    if len(schools) == 1:
        return redirect("pupils:question_contacts", schools[0].pk)
    return render(request, "pupils/question_contacts_index.html", {"schools": schools})


@login_required
def question_contacts(request, school_pk):
    school = next(
        (
            s
            for s in whom_to_ask.schools_for_question_contacts(user=request.user)
            if s.pk == school_pk
        ),
        None,
    )
    if school is None:
        hidden()
    roles = whom_to_ask.question_roles(school_id=school.pk)
    form = QuestionContactsForm(request.POST or None, roles=roles)
    if request.method == "POST" and form.is_valid():
        try:
            services.question_contacts_set(
                school=school, roles=form.cleaned_data, acting_user=request.user
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Parents and pupils now see whom to ask."))
            return redirect("pupils:question_contacts", school.pk)
    return render(request, "pupils/question_contacts.html", {"school": school, "form": form})
