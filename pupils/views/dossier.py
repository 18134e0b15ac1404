"""Staff: the pupil list, the pupil's page, recording an entry, and the director's history."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from schoolprivacy import sections
from schoolprivacy.authorization import grants_for, hidden
from schoolprivacy.capabilities import Capability, can, require_capability
from schoolprivacy.forms import add_service_errors
from schoolprivacy.paging import page_of

from .. import history, selectors, services
from ..forms import AgreementForm, HistoryFilterForm, NoteForm, PupilListForm, TestResultForm
from ..permissions import PupilAction, special_kinds
from .common import policy


@require_capability(Capability.SEE_PUPILS)
def pupil_list(request):
    search = request.GET.get("q", "").strip()[:100]
    with_school = selectors.sees_several_schools(request.user)
    groups = list(selectors.list_groups(user=request.user))
    form = PupilListForm(
        request.GET,
        groups=groups,
        with_school=with_school,
        offered=selectors.list_filter_choices(user=request.user),
    )
    filters = form.filters()
    sort = selectors.list_sort(request.GET.get("sort", ""), with_school=with_school)
    pupils = selectors.pupil_list(user=request.user, search=search, sort=sort, **filters)
    page = page_of(pupils, request.GET.get("page"), 50)
    chosen = form.chosen_query()
    # The column headers keep the search and the filters; the pages keep the order too.
    unsorted = urlencode({"q": search, **chosen} if search else chosen)
    group = next((g for g in groups if g.pk == filters["group_id"]), None)
    context = {
        "page": page,
        "search": search,
        "form": form,
        "filtered": bool(search or chosen),
        "sort": sort,
        "extra": urlencode({**chosen, "sort": sort}),
        "columns": _sort_columns(sort, unsorted, with_school=with_school),
        "group": group,
        "can_add": can(grants_for(request.user), Capability.PUPIL_ADMINISTRATION),
        "with_school": with_school,
    }
    return render(request, "pupils/list.html", context)


def _sort_columns(sort: str, query: str, *, with_school: bool) -> list[dict]:
    """The list's column headers: each sorts by its key (again: reversed), and says
    ``aria_sort`` where the list is sorted by it."""
    columns = [
        ("name", _("Name")),
        ("group", _("Group")),
        ("year_group", _("Year group")),
    ]
    if with_school:
        columns.append(("school", _("School")))
    headers = []
    for key, label in columns:
        current = sort.removeprefix("-") == key
        descending = sort.startswith("-")
        next_sort = f"-{key}" if current and not descending else key
        headers.append(
            {
                "label": label,
                "query": f"{query}&sort={next_sort}" if query else f"sort={next_sort}",
                "aria_sort": ("descending" if descending else "ascending") if current else "",
            }
        )
    return headers


@login_required
def pupil_detail(request, pk):
    pupil = policy.get(request.user, pk, PupilAction.VIEW)
    holds = list(selectors.active_holds(pupil=pupil))
    restricted = selectors.restricted_categories(pupil=pupil, holds=holds)
    actions = policy.actions(request.user, pupil, restricted_data=restricted)
    guardians = selectors.contacts_shown(
        pupil=pupil,
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
            selectors.dossier_entries(
                pupil=pupil,
                restricted=restricted,
                items=held_items,
                latest=selectors.LATEST_ENTRIES,
            )
        )
        services.dossier_viewed(pupil=pupil, acting_user=request.user, part="dossier")
    return render(request, "pupils/detail.html", context)


@login_required
def pupil_entries(request, pk, kind):
    """Every entry of one kind (agreements, test results, notes), a page at a time: the
    pupil's page shows the newest (selectors.LATEST_ENTRIES)."""
    key = selectors.ENTRY_LISTS.get(kind) or hidden()
    pupil = policy.get(request.user, pk, PupilAction.VIEW)
    holds = list(selectors.active_holds(pupil=pupil))
    restricted = selectors.restricted_categories(pupil=pupil, holds=holds)
    actions = policy.actions(request.user, pupil, restricted_data=restricted)
    if PupilAction.VIEW_DOSSIER not in actions:
        hidden()
    held_items = selectors.restricted_items(pupil=pupil, holds=holds)
    querysets = selectors.dossier_entry_querysets(
        pupil=pupil, restricted=restricted, items=held_items
    )
    page = page_of(querysets[key], request.GET.get("page"), 25)
    entries = {key: list(page)}
    selectors.entries_complete(pupil=pupil, entries=entries)
    services.dossier_viewed(pupil=pupil, acting_user=request.user, part="dossier")
    return render(
        request,
        "pupils/entries.html",
        {"pupil": pupil, "actions": actions, "page": page, "only": key, **entries},
    )


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


@login_required
def pupil_history(request, pk):
    pupil = policy.get(request.user, pk, PupilAction.VIEW_HISTORY)
    form = HistoryFilterForm(
        request.GET if {"who", "kind"} & set(request.GET) else None,
        people=selectors.history_people(pupil=pupil),
    )
    filters = form.filters()
    page = page_of(selectors.dossier_history(pupil=pupil, **filters), request.GET.get("page"), 50)
    events = [history.event_of(e, what_was_viewed=selectors.viewed_part) for e in page]
    # Break-glass openings with their reasons (encrypted, masked in the log): the
    # director's mail links here to check each one (services/access.py: emergency_access_report).
    emergencies = list(selectors.emergency_accesses_of(pupil=pupil)[:51])
    emergencies_total = (
        selectors.emergency_accesses_of(pupil=pupil).count()
        if len(emergencies) > 50
        else len(emergencies)
    )
    del emergencies[50:]
    chosen = {"who": filters["actor_id"], "kind": filters["kind"]}
    extra = urlencode({name: value for name, value in chosen.items() if value})
    context = {
        "pupil": pupil,
        "page": page,
        "events": events,
        "form": form,
        "extra": extra,
        "emergencies": emergencies,
        "emergencies_total": emergencies_total,
    }
    return render(request, "pupils/history.html", context)
