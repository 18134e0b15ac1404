"""Views of consents: check access through permissions.py, validate, call one service."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from pupils.models import Pupil
from schoolprivacy import reauth
from schoolprivacy.capabilities import Capability, require_capability
from schoolprivacy.exports import csv_response
from schoolprivacy.forms import add_service_errors
from schoolprivacy.models import User
from schoolprivacy.paging import page_of
from schoolprivacy.uploads import download_response, stored_kind, takes_upload

from . import permissions, selectors, services
from .forms import (
    AudienceForm,
    DecisionForm,
    EventForm,
    PaperForm,
    PickForm,
    PublicationForm,
    PurposeForm,
    TakedownDoneForm,
    VersionForm,
)
from .models import PUPIL_WORDING, Purpose
from .selectors import STATE_LABELS


def _rows(pupil: Pupil, purposes, *, holders=None, to_pupil: bool = False) -> list[dict]:
    """The questions shown for *pupil* (selectors.shown_purposes), with their state and the
    wording for whoever reads them."""
    purposes = list(purposes)
    states = selectors.consent_states(pupils=[pupil], purposes=purposes, holders=holders)
    rows = []
    for purpose in selectors.shown_purposes(pupil, purposes, states):
        view = states[(pupil.pk, purpose.pk)]
        title, text = view.version.wording(to_pupil=to_pupil) if view.version else ("", "")
        rows.append(
            {
                "purpose": purpose,
                "view": view,
                "title": title or purpose.untitled,
                "text": text,
                "label": STATE_LABELS[view.outcome.state],
                "submission": uuid.uuid4(),
            }
        )
    return rows


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


# --- Parents and pupils of 16+: the portal -----------------------------------------------


@login_required
def portal_consents(request, pk):
    pupil = permissions.pupil_for_portal(request.user, pk)
    purposes = selectors.school_purposes(school_id=pupil.school_id)
    reason = None
    try:
        services.decider_role(pupil, request.user, timezone.localdate())
    except ValidationError as error:
        reason = _error_text(error)
    history = selectors.decision_history(pupil=pupil)
    asked = selectors.open_questions_for(user=request.user, pupils=[pupil]).get(pupil.pk, set())
    to_pupil = pupil.account_id == request.user.pk
    return render(
        request,
        "consents/portal.html",
        {
            "pupil": pupil,
            "to_pupil": to_pupil,
            "rows": _rows(pupil, purposes, to_pupil=to_pupil),
            "may_decide": reason is None,
            "reason": reason,
            "history": history,
            "open_purposes": asked,
            "open_count": len(asked),
        },
    )


@login_required
@require_POST
def portal_decide(request, pk, purpose_pk):
    pupil = permissions.pupil_for_portal(request.user, pk)
    purpose = permissions.purpose_of_school(pupil.school_id, purpose_pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Something went wrong with the form. Please try again."))
        return redirect("consents:portal", pupil.pk)
    try:
        services.decision_record(
            pupil=pupil,
            purpose=purpose,
            version_id=form.cleaned_data["version"],
            choice=form.cleaned_data["choice"],
            submission=form.cleaned_data["submission"],
            acting_user=request.user,
        )
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("Your choice has been saved. You can change it at any time."))
    return redirect(f"{reverse('consents:portal', args=[pupil.pk])}#purpose-{purpose.pk}")


@login_required
def portal_index(request):
    pupils = list(permissions.portal_pupils(request.user))
    asked = selectors.open_questions_for(user=request.user, pupils=pupils)
    for pupil in pupils:
        pupil.open_questions = len(asked.get(pupil.pk, ()))
    return render(
        request,
        "consents/portal_index.html",
        {"pupils": pupils, "open_count": sum(len(p) for p in asked.values())},
    )


def portal_section(request, pupil) -> str | None:
    """A link to the consents on the portal page of a child, or of the pupil of 16+ themselves
    (schoolprivacy.sections)."""
    if not permissions.sees_consents(request.user, pupil):
        return None
    return render_to_string("consents/portal_section.html", {"pupil": pupil}, request=request)


# --- Teachers: the class overview ----------------------------------------------------------


@require_capability(Capability.CLASS_CONSENTS)
def class_overview_index(request):
    groups = permissions.groups_for_overview(request.user).order_by(
        "school__name", "-school_year", "year_group", "name"
    )
    return render(request, "consents/class_index.html", {"groups": groups})


@login_required
def class_overview(request, group_pk):
    group = permissions.group_for_overview(request.user, group_pk)
    pupils = list(selectors.class_pupils(group=group))
    purposes = selectors.school_purposes(
        school_id=group.school_id, category=Purpose.Category.IMAGES
    )
    states = selectors.consent_states(pupils=pupils, purposes=purposes)
    table = [
        (pupil, [states[(pupil.pk, purpose.pk)].outcome.consent for purpose in purposes])
        for pupil in pupils
    ]
    response = render(
        request,
        "consents/class_overview.html",
        {
            "group": group,
            "purposes": purposes,
            "table": table,
            "titles": [selectors.current_version(p) for p in purposes],
            "now": timezone.localtime(),
        },
    )
    response["Cache-Control"] = "no-store"
    return response


# --- The campaign: who has not answered yet, per group ----------------------------------------


@require_capability(Capability.CLASS_CONSENTS)
def campaign_index(request):
    year = selectors.school_year_of(timezone.localdate())
    groups = list(
        permissions.groups_for_overview(request.user)
        .filter(school_year=year)
        .order_by("school__name", "year_group", "name")
    )
    return render(
        request,
        "consents/campaign_index.html",
        {"status": selectors.campaign_status(groups=groups), "with_school": _several(groups)},
    )


def _several(groups) -> bool:
    return len({group.school_id for group in groups}) > 1


@login_required
def campaign_group(request, group_pk):
    group = permissions.group_for_overview(request.user, group_pk)
    if request.method == "POST":
        report = services.campaign_group_remind(group=group, acting_user=request.user)
        if report.emails:
            messages.success(
                request,
                ngettext(
                    "A reminder has been sent to %(count)s person.",
                    "A reminder has been sent to %(count)s people.",
                    report.emails,
                )
                % {"count": report.emails},
            )
        else:
            messages.info(
                request,
                _(
                    "Nobody was reminded: everyone still to answer was asked or reminded "
                    "in the last %(days)s days."
                )
                % {"days": services.MANUAL_REMINDER_GAP_DAYS},
            )
        return redirect("consents:campaign_group", group.pk)
    (status,) = selectors.campaign_status(groups=[group])
    response = render(
        request,
        "consents/campaign_group.html",
        {"group": group, "status": status, "gap": services.MANUAL_REMINDER_GAP_DAYS},
    )
    response["Cache-Control"] = "no-store"
    return response


def class_overview_link(request, group) -> str | None:
    """The class overview of *group*, to print, where *request*'s user may open it (the
    sections action "class_consents": the pupil list links to it for the chosen group)."""
    if not permissions.may_see_overview(request.user, group):
        return None
    return reverse("consents:class_overview", args=[group.pk])


# --- Staff: a pupil's consents and paper forms ------------------------------------------------


def pupil_section(request, pupil) -> str | None:
    """The consent summary on the pupil page (registered with schoolprivacy.sections)."""
    purposes = selectors.school_purposes(school_id=pupil.school_id)
    can_start = permissions.can_start_events(request.user, pupil)
    triggers = _event_triggers(purposes)
    picks = list(selectors.picks_of(pupil=pupil)) if can_start else []
    pickable = _pickable(purposes, picks) if can_start else []
    return render_to_string(
        "consents/pupil_section.html",
        {
            "pupil": pupil,
            "asks_any": bool(purposes),
            "rows": _rows(pupil, purposes, holders=selectors.holders_of_pupil(pupil)),
            "can_record": permissions.can_record_paper(request.user, pupil),
            "event_form": EventForm(triggers=triggers) if can_start and triggers else None,
            "picks": [(pick, selectors.channel_title(pick.purpose)) for pick in picks],
            "pick_form": PickForm(purposes=pickable) if pickable else None,
        },
        request=request,
    )


def _pickable(purposes, picks) -> list[Purpose]:
    """The questions the care coordinator can put to one pupil: those not for everyone."""
    picked = {pick.purpose_id for pick in picks}
    return [p for p in purposes if not p.audience.everyone and p.pk not in picked]


@login_required
@require_POST
def purpose_pick(request, pk):
    pupil = permissions.pupil_for_event(request.user, pk)
    purposes = selectors.school_purposes(school_id=pupil.school_id)
    form = PickForm(request.POST, purposes=_pickable(purposes, selectors.picks_of(pupil=pupil)))
    if not form.is_valid():
        messages.error(request, _("Choose one of the questions in the list."))
    else:
        services.purpose_pick(
            pupil=pupil, purpose=form.cleaned_data["purpose"], acting_user=request.user
        )
        messages.success(
            request, _("The question is put to this pupil; whoever decides is asked now.")
        )
    return redirect(f"{reverse('pupils:detail', args=[pupil.pk])}#consents")


@login_required
@require_POST
def purpose_unpick(request, pk, pick_pk):
    pupil = permissions.pupil_for_event(request.user, pk)
    pick = selectors.picks_of(pupil=pupil).filter(pk=pick_pk).first()
    if pick is None:
        messages.info(request, _("This question was no longer put to this pupil."))
    else:
        services.purpose_unpick(pick=pick, acting_user=request.user)
        messages.success(
            request,
            _("The question is no longer put to this pupil. Decisions made on it still count."),
        )
    return redirect(f"{reverse('pupils:detail', args=[pupil.pk])}#consents")


def _event_triggers(purposes) -> list[tuple[str, str | Promise]]:
    """The events that bring questions at this school (purposes not asked of everyone)."""
    used = {p.trigger for p in purposes}
    return [(v, label) for v, label in Purpose.Trigger.choices if v in used and v != "all"]


@login_required
@require_POST
def event_start(request, pk):
    pupil = permissions.pupil_for_event(request.user, pk)
    purposes = selectors.purposes_of_school(school_id=pupil.school_id)
    form = EventForm(request.POST, triggers=_event_triggers(purposes))
    if not form.is_valid():
        messages.error(request, _("Choose an event and a valid date."))
    else:
        services.consent_event_start(pupil=pupil, acting_user=request.user, **form.cleaned_data)
        messages.success(request, _("The event has been recorded; the parents are asked now."))
    return redirect("pupils:detail", pupil.pk)


def _deciders(pupil: Pupil) -> list[tuple[int, str]]:
    choices = [
        (g.parent_id, f"{g.parent.full_name} ({g.get_relation_display()})")
        for g in selectors.holders_with_names(pupil=pupil)
    ]
    if pupil.account_id:
        choices.append((pupil.account_id, _("%(name)s (the pupil)") % {"name": pupil.full_name}))
    return choices


@takes_upload()
@login_required
def paper_form(request, pk):
    pupil = permissions.pupil_for_staff(request.user, pk, record=True)
    purposes = selectors.purposes_of_school(school_id=pupil.school_id)
    every = list(purposes)
    states = selectors.consent_states(pupils=[pupil], purposes=every)
    shown = selectors.shown_purposes(pupil, every, states)
    purposes = purposes.filter(pk__in=[purpose.pk for purpose in shown])
    form = PaperForm(
        request.POST or None,
        request.FILES or None,
        purposes=purposes,
        deciders=_deciders(pupil),
        initial={"submission": uuid.uuid4()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        purpose = data["purpose"]
        try:
            version = selectors.current_version(purpose, data["form_date"])
            services.decision_record(
                pupil=pupil,
                purpose=purpose,
                version_id=version.pk if version else 0,
                choice=data["choice"],
                acting_user=request.user,
                decided_by=User.objects.get(pk=data["decided_by"]),
                form_date=data["form_date"],
                submission=data["submission"],
                scan=data["scan"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The paper form has been recorded."))
            return redirect("pupils:detail", pupil.pk)
    return render(request, "consents/paper_form.html", {"pupil": pupil, "form": form})


@login_required
def paper_scan(request, pk):
    """The scan of a signed consent form, for those who keep the proof; anyone else 404."""
    decision = permissions.decision_with_scan(request.user, pk)
    return download_response(
        decision.scan.open("rb"),
        kind=stored_kind(decision.scan.name),
        stem=f"toestemmingsformulier-{decision.pk}",
    )


# --- Proof: exports for the director and the privacy officer ---------------------------------


def _proof_rows(decisions):
    for d in decisions:
        yield [
            d.pupil.full_name,
            d.purpose.code,
            f"v{d.version.number}",
            d.version.title,
            d.get_choice_display(),
            d.decided_by.full_name,
            d.get_decider_role_display(),
            timezone.localtime(d.decided_at).strftime("%Y-%m-%d %H:%M"),
            d.get_channel_display(),
            d.recorded_by.full_name,
            timezone.localtime(d.recorded_at).strftime("%Y-%m-%d %H:%M"),
        ]


PROOF_HEADER = [
    "pupil",
    "purpose",
    "version",
    "text",
    "decision",
    "decided by",
    "as",
    "decided at",
    "how",
    "recorded by",
    "recorded at",
]


def _proof_response(request, title: str, decisions, filename: str):
    if request.GET.get("format") == "csv":
        # An export leaves the system: the password once more first.
        confirm = reauth.confirm_first(request)
        if confirm is not None:
            return confirm
        return csv_response(f"{filename}.csv", PROOF_HEADER, _proof_rows(decisions))
    return render(
        request,
        "consents/proof.html",
        {"title": title, "decisions": decisions, "now": timezone.localtime()},
    )


@require_capability(Capability.CONSENT_RECORDS)
def proof_index(request):
    schools = permissions.schools_for_proof(request.user).order_by("name")
    return render(request, "consents/proof_index.html", {"schools": schools})


@login_required
def school_proof(request, school_pk):
    school = permissions.school_for_proof(request.user, school_pk)
    decisions = selectors.school_decisions(school_id=school.pk)
    return _proof_response(
        request,
        _("Consent history of %(school)s") % {"school": school.name},
        decisions,
        f"consents-{school.brin}",
    )


@login_required
def pupil_proof(request, pk):
    pupil = permissions.pupil_for_proof(request.user, pk)
    decisions = selectors.decision_history(pupil=pupil).select_related("pupil")
    return _proof_response(
        request,
        _("Consent history of %(pupil)s") % {"pupil": pupil.full_name},
        decisions,
        f"consents-pupil-{pupil.pk}",
    )


# --- Staff: the publication log and takedown tasks -------------------------------------------

#: Rows per page of the publication log and the takedown tasks.
PAGE_SIZE = 50
#: Open takedown tasks shown on the publication log (all of them on their own page).
OPEN_TAKEDOWNS_SHOWN = 10


def _with_channels(takedowns):
    takedowns = list(takedowns)
    for takedown in takedowns:
        takedown.channel = selectors.channel_title(takedown.publication.purpose)
    return takedowns


@require_capability(Capability.PUBLICATIONS)
def publication_index(request):
    schools = list(selectors.publication_schools(request.user))
    if len(schools) == 1:
        return redirect("consents:publication_list", schools[0].pk)
    return render(request, "consents/publication_index.html", {"schools": schools})


@login_required
def publication_list(request, school_pk):
    school = permissions.school_for_publications(request.user, school_pk)
    page = page_of(
        selectors.school_publications(school_id=school.pk), request.GET.get("page"), PAGE_SIZE
    )
    for publication in page.object_list:
        publication.channel = selectors.channel_title(publication.purpose)
    open_takedowns = selectors.school_takedowns(school_id=school.pk, open_only=True)
    return render(
        request,
        "consents/publication_list.html",
        {
            "school": school,
            "page": page,
            "open_takedowns": _with_channels(open_takedowns[:OPEN_TAKEDOWNS_SHOWN]),
            "open_count": open_takedowns.count(),
        },
    )


@login_required
def publication_create(request, school_pk):
    school = permissions.school_for_publications(request.user, school_pk)
    form = PublicationForm(
        request.POST or None,
        purposes=selectors.purposes_of_school(
            school_id=school.pk, category=Purpose.Category.IMAGES
        ),
        pupils=selectors.publication_pupils(
            school_id=school.pk, visible=permissions.publication_pupils_for(request.user)
        ),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.publication_record(
                school=school, acting_user=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The publication has been recorded."))
            return redirect("consents:publication_list", school.pk)
    return render(request, "consents/publication_form.html", {"school": school, "form": form})


@login_required
def takedown_list(request, school_pk):
    school = permissions.school_for_publications(request.user, school_pk)
    takedowns = selectors.school_takedowns(school_id=school.pk)
    page = page_of(takedowns, request.GET.get("page"), PAGE_SIZE)
    page.object_list = _with_channels(page.object_list)
    return render(
        request,
        "consents/takedown_list.html",
        {
            "school": school,
            "page": page,
            "open_count": selectors.school_takedowns(school_id=school.pk, open_only=True).count(),
            "done_form": TakedownDoneForm(),
        },
    )


@login_required
@require_POST
def takedown_done(request, school_pk, pk):
    school = permissions.school_for_publications(request.user, school_pk)
    takedown = permissions.takedown_of_school(request.user, school, pk)
    form = TakedownDoneForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The note can be at most 500 characters long."))
    elif takedown.done_at is not None:
        messages.info(request, _("This task had already been marked done."))
    else:
        services.takedown_complete(
            takedown=takedown, acting_user=request.user, note=form.cleaned_data["note"]
        )
        messages.success(request, _("The takedown task has been marked done."))
    return redirect("consents:takedown_list", school.pk)


# --- Directors, administrators, the privacy officer: the questions and their texts ---------


@require_capability(Capability.MANAGE_PURPOSES)
def purpose_list(request):
    purposes = (
        permissions.purposes_to_manage(request.user)
        .prefetch_related("schools", "versions", "groups")
        .order_by("order", "code")
    )
    rows = [
        (purpose, selectors.current_version(purpose), _audience_summary(purpose))
        for purpose in purposes
    ]
    return render(request, "consents/purpose_list.html", {"rows": rows})


def _audience_summary(purpose: Purpose) -> str:
    """Whom a question is for, in a few words (consents/audience.py)."""
    parts = []
    if purpose.picked_only:
        parts.append(_("pupils the care coordinator picks"))
    if purpose.departments:
        parts.append(_("department %(names)s") % {"names": ", ".join(purpose.departments)})
    if purpose.groups.all():
        names = ", ".join(group.name for group in purpose.groups.all())
        parts.append(_("groups %(names)s") % {"names": names})
    if purpose.year_groups:
        numbers = ", ".join(str(n) for n in sorted(purpose.year_groups))
        parts.append(_("year groups %(numbers)s") % {"numbers": numbers})
    low, high = purpose.min_age, purpose.max_age
    if low is not None and high is not None:
        parts.append(_("aged %(low)s to %(high)s") % {"low": low, "high": high})
    elif low is not None:
        parts.append(_("aged %(low)s or older") % {"low": low})
    elif high is not None:
        parts.append(_("aged %(high)s or younger") % {"high": high})
    return capfirst("; ".join(str(part) for part in parts)) if parts else _("Every pupil")


@require_capability(Capability.MANAGE_PURPOSES)
def purpose_create(request):
    schools = permissions.schools_for_purposes(request.user)
    form = PurposeForm(request.POST or None, schools=schools, prefix="purpose")
    audience_form = AudienceForm(
        request.POST or None,
        groups=selectors.audience_groups(school_ids=schools.values("pk")),
        prefix="audience",
    )
    version_form = VersionForm(request.POST or None, prefix="text")
    forms = (form, audience_form, version_form)
    if request.method == "POST" and all([f.is_valid() for f in forms]):  # every form's errors
        data = form.cleaned_data
        try:
            services.purpose_create(
                school=data.pop("school"),
                acting_user=request.user,
                first_version=version_form.cleaned_data,
                audience=_audience(audience_form),
                **data,
            )
        except ValidationError as error:
            add_service_errors(version_form, error, form, audience_form)
        else:
            messages.success(request, _("The question has been added. Parents see it at once."))
            return redirect("consents:purpose_list")
    return render(
        request,
        "consents/purpose_form.html",
        {"form": form, "audience_form": audience_form, "version_form": version_form},
    )


def _audience(form: AudienceForm) -> dict:
    """The audience fields of a valid form, every kind present (an empty one widens)."""
    data = form.cleaned_data
    return {
        "departments": list(data.get("departments", [])),
        "groups": list(data.get("groups", [])),
        "year_groups": list(data.get("year_groups", [])),
        "min_age": data.get("min_age"),
        "max_age": data.get("max_age"),
        "picked_only": data.get("picked_only", False),
    }


@login_required
def purpose_audience(request, pk):
    purpose = permissions.purpose_to_manage(request.user, pk)
    form = AudienceForm(
        request.POST or None,
        instance=purpose,
        groups=selectors.audience_groups(school_ids=purpose.schools.values("pk"), purpose=purpose),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.purpose_audience_set(
                purpose=purpose, acting_user=request.user, **_audience(form)
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Whom the question is for has been saved."))
            return redirect("consents:purpose_list")
    current = purpose.versions.order_by("-number").first()
    return render(
        request,
        "consents/audience_form.html",
        {"form": form, "purpose": purpose, "current": current},
    )


@login_required
def version_create(request, pk):
    purpose = permissions.purpose_to_manage(request.user, pk)
    current = purpose.versions.order_by("-number").first()
    wording = ("title_nl", "text_nl", "title_en", "text_en", *PUPIL_WORDING)
    initial = {field: getattr(current, field) for field in wording}
    form = VersionForm(
        request.POST or None, initial={**initial, "valid_from": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.purpose_version_publish(
                purpose=purpose, acting_user=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The new text has been published."))
            return redirect("consents:purpose_list")
    return render(
        request,
        "consents/version_form.html",
        {"version_form": form, "purpose": purpose, "current": current},
    )
