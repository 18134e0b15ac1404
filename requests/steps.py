"""The handler's steps on a request, each once: its form on the page, and its service.

``requests/workflow.py`` decides when a step is possible; this table says how a step
is taken: which form the page shows for it (under which key), which service a posted
form goes to, the message after it, and whether the password is asked again first.
The request page (views.detail) and the posted step (views.act) both read it, so a
form shown, a form posted and a form shown again with the service's errors are the
same form.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from django import forms as django_forms
from django.http import HttpRequest
from django.utils.translation import gettext as _

from pupils.permissions import special_kinds

from . import selectors, services
from .forms import (
    ErasureDecisionForm,
    GrantForm,
    NoteForm,
    ReasonsForm,
    RectificationDecisionForm,
)
from .models import DataRequest

Kind = DataRequest.Kind


@dataclass
class Page:
    """What the forms of one request page are built from, each read once."""

    request: HttpRequest
    data_request: DataRequest

    @cached_property
    def items(self) -> list:
        """The corrections asked, for a rectification request."""
        if self.data_request.kind != Kind.RECTIFICATION:
            return []
        return selectors.items_of(self.data_request)

    @cached_property
    def states(self) -> list:
        """Per category, what may be erased, for an erasure request."""
        if self.data_request.kind != Kind.ERASURE:
            return []
        return selectors.category_states(self.data_request)

    @cached_property
    def visible_kinds(self):
        """The kinds of special record the handler may read, by name."""
        return special_kinds(self.request.user, self.data_request.pupil)


Form = django_forms.Form
#: (page, posted data or None) -> the step's form.
FormOf = Callable[[Page, dict | None], Form]
#: (page, the valid form or None) -> what the handler is told; calls the step's service.
Take = Callable[[Page, Form | None], str]


@dataclass(frozen=True)
class Step:
    take: Take
    form: FormOf | None = None
    #: The key of the form in the page's ``forms``.
    key: str = ""
    #: The password is asked again first (the step deletes data, or exports all of it).
    confirm: bool = False


def _pending_items(page: Page, data) -> RectificationDecisionForm:
    pending = [v for v in page.items if v.item.decision == "pending"]
    return RectificationDecisionForm(data, items=pending)


def _erasure_units(page: Page, data) -> ErasureDecisionForm:
    """The decision form on what the parent asked to delete that is still to decide."""
    return ErasureDecisionForm(
        data,
        units=list(page.data_request.erasure_items.filter(outcome="pending")),
        states={state.category: state for state in page.states},
        visible_kinds=page.visible_kinds,
    )


def _grant_form(page: Page, data) -> GrantForm:
    return GrantForm(data, initial={"categories": page.data_request.categories})


def _by(page: Page) -> dict:
    return {"data_request": page.data_request, "acting_user": page.request.user}


def _start(page: Page, form) -> str:
    services.request_start(**_by(page))
    return _("You handle this request now.")


def _note(page: Page, form) -> str:
    services.request_note(note=form.cleaned_data["note"], **_by(page))
    return _("The note has been added.")


def _extend(page: Page, form) -> str:
    services.request_extend(reasons=form.cleaned_data["reasons"], **_by(page))
    return _("The deadline has been extended; the parent has been told why.")


def _refuse(page: Page, form) -> str:
    services.request_refuse(reasons=form.cleaned_data["reasons"], **_by(page))
    return _("The request has been refused; the parent has been told why.")


def _rectification(page: Page, form) -> str:
    services.rectification_decide(decisions=form.decisions(), **_by(page))
    return _("The decision has been saved and the parent has been told.")


def _erasure(page: Page, form) -> str:
    services.erasure_decide(decisions=form.decisions(), **_by(page))
    return _("The decision has been carried out and the parent has been told.")


def _decide(page: Page, form) -> str:
    grant, reason = form.cleaned_data["grant"] == "yes", form.cleaned_data["reason"]
    if page.data_request.kind == Kind.RESTRICTION:
        categories = form.cleaned_data["categories"]
        services.restriction_decide(grant=grant, categories=categories, reason=reason, **_by(page))
    else:
        services.objection_decide(uphold=grant, reason=reason, **_by(page))
    return _("The decision has been saved and the parent has been told.")


def _copy(page: Page, form) -> str:
    services.copy_prepare(**_by(page))
    return _("The copy is being made; the parent is told when it is ready.")


def _recipients(page: Page, form) -> str:
    services.recipients_answer(**_by(page))
    return _("The list has been sent to the parent's portal.")


STEPS: dict[str, Step] = {
    "start": Step(_start),
    "note": Step(_note, lambda page, data: NoteForm(data), "note"),
    "extend": Step(_extend, lambda page, data: ReasonsForm(data, prefix="extend"), "extend"),
    "refuse": Step(_refuse, lambda page, data: ReasonsForm(data, prefix="refuse"), "refuse"),
    "rectification": Step(_rectification, _pending_items, "rectification"),
    "erasure": Step(_erasure, _erasure_units, "erasure", confirm=True),
    "decide": Step(_decide, _grant_form, "grant"),
    "copy": Step(_copy, confirm=True),
    "recipients": Step(_recipients),
}


def forms_for(page: Page, possible) -> dict[str, Form]:
    """The empty form of every *possible* step that has one, by its key."""
    return {
        step.key: step.form(page, None)
        for name, step in STEPS.items()
        if name in possible and step.form is not None
    }
