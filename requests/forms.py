"""Forms of requests. Validation that needs the database is the services' job."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from pupils import corrections
from pupils.models import DataCategory
from schoolprivacy.forms import DATE_WIDGET, DateField

from .kinds import KINDS
from .models import DataRequest, ErasureCategory, ErasureItem, SchoolRouting
from .retention import ORDER

REASONS_WIDGET = forms.Textarea(attrs={"rows": 3})


class _Categories(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple


class PortalRequestForm(forms.Form):
    explanation = forms.CharField(
        label=_("Anything you want to add (optional)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    submission = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, kind: str, pupil_items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = KINDS[kind]
        if self.kind.items:
            self.fields["items"] = _Categories(
                label=_("Which data should be deleted?"),
                help_text=_("Choose the entries or records. Only what you choose is asked."),
                choices=grouped_items(pupil_items),
                required=False,
            )
            self.fields["explanation"].label = _(
                "Anything else that should be deleted, or why (optional)"
            )
        if self.kind.categories:
            self.fields["categories"] = _Categories(
                label=_("Or everything of a kind of data")
                if self.kind.items
                else _("Which data is this about?"),
                choices=self.kind.categories,
                required=not self.kind.items,
            )
        self.order_fields(["items", "categories", "explanation"])

    def clean(self):
        cleaned = super().clean()
        if (
            self.kind.items
            and not cleaned.get("items")
            and not cleaned.get("categories")
            and not self.errors
        ):
            raise forms.ValidationError(_("Choose the data that should be deleted."))
        return cleaned


def grouped_items(pupil_items, visible_kinds=None) -> list:
    """The items as choices, grouped by their category, each named by kind, date and title
    (a special record that the reader may not read only as such, without its title)."""
    labels = dict(ErasureCategory.choices)
    groups: dict[str, list] = {}
    for found in pupil_items:
        label = found.label_for(visible_kinds)
        if found.title and found.ref.target != "special":
            label = f"{label} – {found.title}"
        groups.setdefault(found.category, []).append((found.key, label))
    return [(str(labels[c]).capitalize(), groups[c]) for c in ORDER if c in groups]


class CorrectionForm(forms.Form):
    """The correct value of one field, and an optional statement of the parent's own."""

    statement = forms.CharField(
        label=_("Your statement (optional)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Your own words about this data. The school adds them to the dossier, also when "
            "it does not change the data."
        ),
    )
    submission = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, target: str, field: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.model_field = corrections.model_field(target, field)
        value = corrections.form_field(target, field)
        value.label = _("What is right")
        value.required = False
        if isinstance(value, forms.DateField):
            value.widget = DATE_WIDGET
        self.fields = {"value": value, **self.fields}

    def clean_value(self):
        value = self.cleaned_data.get("value")
        if value not in (None, ""):
            self.model_field.run_validators(value)  # e.g. the eleven-test of a BSN
        return value

    def clean(self):
        cleaned = super().clean()
        value = cleaned.get("value")
        if "value" in self.errors:
            return cleaned
        if value in (None, "") and not (cleaned.get("statement") or "").strip():
            raise forms.ValidationError(
                _("Fill in what is right, or add a statement of your own.")
            )
        if hasattr(value, "isoformat"):
            cleaned["value"] = value.isoformat()
        elif value is None:
            cleaned["value"] = ""
        return cleaned


class StaffRequestForm(forms.Form):
    """A request that came on paper, by e-mail or in person, recorded by a handler."""

    requester = forms.TypedChoiceField(label=_("Who asked"), coerce=int)
    kind = forms.ChoiceField(label=_("What is asked"), choices=DataRequest.Kind.choices)
    received_on = DateField(label=_("Received on"), widget=DATE_WIDGET)
    channel = forms.ChoiceField(
        label=_("How it came in"),
        choices=[c for c in DataRequest.Channel.choices if c[0] != DataRequest.Channel.PORTAL],
    )
    identity_check = forms.ChoiceField(
        label=_("How you checked who asked"),
        choices=[
            c
            for c in DataRequest.IdentityCheck.choices
            if c[0] != DataRequest.IdentityCheck.PORTAL_LOGIN
        ],
    )
    identity_note = forms.CharField(label=_("Note on the check"), required=False, max_length=200)
    categories = _Categories(
        label=_("Which data (for deletion, restriction or objection)"),
        choices=[(c, dict(ErasureCategory.choices)[c]) for c in ORDER],
        required=False,
    )
    correction_field = forms.ChoiceField(
        label=_("Which data is not right (for a correction)"), required=False
    )
    correction_value = forms.CharField(
        label=_("What is right (for a correction)"), required=False, max_length=5000
    )
    explanation = forms.CharField(
        label=_("What the request says"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    submission = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, requesters, correctable, erasable=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["requester"].choices = requesters
        self.fields["correction_field"].choices = [("", "–"), *correctable]
        self.fields["items"] = _Categories(
            label=_("Which entries or records (for deletion)"),
            choices=erasable,
            required=False,
        )
        self.order_fields(
            [
                "requester",
                "kind",
                "received_on",
                "channel",
                "identity_check",
                "identity_note",
                "items",
                "categories",
            ]
        )
        self.initial.setdefault("received_on", timezone.localdate())

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == DataRequest.Kind.RECTIFICATION and not cleaned.get(
            "correction_field"
        ):
            self.add_error("correction_field", _("Say which data is not right."))
        return cleaned


class ReasonsForm(forms.Form):
    reasons = forms.CharField(
        label=_("Reasons (the parent reads them)"), max_length=2000, widget=REASONS_WIDGET
    )


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note (staff only)"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )


class RectificationDecisionForm(forms.Form):
    """Accept or refuse each field of a correction request."""

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = items
        for view in items:
            pk = view.item.pk
            self.fields[f"accept_{pk}"] = forms.ChoiceField(
                label=view.label,
                choices=[("yes", _("accept the correction")), ("no", _("refuse"))],
                widget=forms.RadioSelect,
            )
            self.fields[f"reason_{pk}"] = forms.CharField(
                label=_("Reason (needed when you refuse)"),
                required=False,
                max_length=2000,
                widget=REASONS_WIDGET,
            )
            # The value the handler sees, so a change made meanwhile is not overwritten.
            self.fields[f"seen_{pk}"] = forms.CharField(
                required=False, initial=view.seen, widget=forms.HiddenInput
            )

    def decisions(self):
        from .services import ItemDecision

        return {
            view.item.pk: ItemDecision(
                accept=self.cleaned_data[f"accept_{view.item.pk}"] == "yes",
                reason=self.cleaned_data[f"reason_{view.item.pk}"],
                seen=self.cleaned_data[f"seen_{view.item.pk}"] or None,
            )
            for view in self.items
        }


class ErasureDecisionForm(forms.Form):
    """Per thing the parent asked to delete (a category, or one item): delete, keep restricted,
    or keep, with the reason the parent reads. Deleting a whole category is a choice of its
    own that names how many items it removes; a category can also be decided item by item.
    """

    def __init__(self, *args, units, states, visible_kinds=None, **kwargs):
        from .services import erasure_choices

        super().__init__(*args, **kwargs)
        self.units = units
        self.sub_keys: list[str] = []
        Outcome = ErasureItem.Outcome
        for unit in units:
            unit.display_label = unit.label_for(visible_kinds)
            state = states[unit.category]
            choices = erasure_choices(unit, state)
            self._add(
                unit.key, unit.display_label, choices, state, required=True, count=state.items
            )
            if unit.is_category and Outcome.PER_ITEM in choices:
                for found in state.contents:
                    item = ErasureItem(key=found.key, category=found.category)
                    self._add(
                        found.key,
                        found.label_for(visible_kinds),
                        erasure_choices(item, state),
                        state,
                        required=False,
                        help_text=_("Only when the category above is decided item by item."),
                    )
                    self.sub_keys.append(found.key)

    def _add(self, key, label, choices, state, *, required, count=None, help_text=""):
        Outcome = ErasureItem.Outcome
        names = {
            Outcome.ERASE: ngettext_lazy(
                "delete all of it: %(count)d item", "delete all of it: %(count)d items", "count"
            )
            % {"count": count}
            if count is not None and key == state.category
            else Outcome.ERASE.label,
            Outcome.RESTRICT: Outcome.RESTRICT.label,
            Outcome.KEEP: Outcome.KEEP.label,
            Outcome.PER_ITEM: _("decide item by item (below)"),
        }
        self.fields[f"outcome_{key}"] = forms.ChoiceField(
            label=str(label)[:1].upper() + str(label)[1:],
            choices=[(c, names[c]) for c in choices],
            widget=forms.RadioSelect,
            required=required,
            help_text=help_text,
        )
        self.fields[f"reason_{key}"] = forms.CharField(
            label=_("Reason, when the data is kept (the parent reads it)"),
            required=False,
            max_length=2000,
            widget=REASONS_WIDGET,
            initial=str(state.rule.basis) if state.must_keep else "",
        )

    def decisions(self):
        from .services import CategoryDecision

        keys = [unit.key for unit in self.units] + self.sub_keys
        return {
            key: CategoryDecision(
                outcome=self.cleaned_data[f"outcome_{key}"],
                reason=self.cleaned_data[f"reason_{key}"],
            )
            for key in keys
            if self.cleaned_data.get(f"outcome_{key}")
        }


class GrantForm(forms.Form):
    """Grant or refuse a restriction or an objection."""

    grant = forms.ChoiceField(
        label=_("Decision"),
        choices=[("yes", _("grant")), ("no", _("refuse"))],
        widget=forms.RadioSelect,
    )
    categories = _Categories(label=_("Which data"), choices=DataCategory.choices, required=False)
    reason = forms.CharField(
        label=_("Reasons (the parent reads them)"), max_length=2000, widget=REASONS_WIDGET
    )


class NoticeForm(forms.Form):
    done = forms.ChoiceField(
        label=_("Told the recipient?"),
        choices=[("yes", _("yes, another way")), ("no", _("not needed or not possible"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("How, or why not"), required=False, max_length=2000, widget=REASONS_WIDGET
    )


class RoutingForm(forms.Form):
    roles = forms.MultipleChoiceField(
        label=_("Handled by"),
        choices=SchoolRouting.HANDLER_ROLES,
        widget=forms.CheckboxSelectMultiple,
    )


class HolidayForm(forms.Form):
    day = DateField(label=_("Day"), widget=DATE_WIDGET)
    name = forms.CharField(label=_("Name"), max_length=100)


class HoldForm(forms.Form):
    reason = forms.CharField(
        label=_("Why nothing may be deleted"), max_length=2000, widget=REASONS_WIDGET
    )


class LiftForm(forms.Form):
    reason = forms.CharField(label=_("Why the hold ends"), max_length=2000, widget=REASONS_WIDGET)
