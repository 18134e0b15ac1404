"""Forms of the sync: the upload of an export, and its confirmation."""

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from schoolprivacy.forms import DATE_WIDGET, DateField
from schoolprivacy.models import School

from .parents import FIELDS
from .year import LEAVE


class UploadForm(forms.Form):
    school = forms.ModelChoiceField(
        label=_("School"), queryset=School.objects.none(), empty_label=None
    )
    file = forms.FileField(
        label=_("The export of the pupil administration (EDEX.XML)"),
        help_text=_(
            "ParnasSys, ESIS and Magister export it as EDEXML. Nothing changes before you have "
            "seen what the import would do and confirmed it."
        ),
    )
    export_date = DateField(
        label=_("Date of the export"),
        required=False,
        widget=DATE_WIDGET,
        help_text=_("A pupil the export no longer names leaves on this date. Empty: today."),
    )

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools


class ParentsUploadForm(forms.Form):
    school = forms.ModelChoiceField(
        label=_("School"), queryset=School.objects.none(), empty_label=None
    )
    file = forms.FileField(
        label=_("The parents export of the pupil administration (CSV)"),
        help_text=_(
            "The export of the parents and guardians (verzorgers). The first time, you say "
            "which column holds what; that is kept for the next imports. New parents are not "
            "invited yet: you choose when the invitations go out."
        ),
    )

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools


class InviteForm(forms.Form):
    school = forms.ModelChoiceField(
        label=_("School"), queryset=School.objects.none(), empty_label=None
    )

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools


class MappingForm(forms.Form):
    """Which column of the parents export holds what."""

    def __init__(self, *args, header, initial_mapping, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "–"), *((column, column) for column in header)]
        for name, (label, required) in FIELDS.items():
            self.fields[name] = forms.ChoiceField(
                label=capfirst(label),
                choices=choices,
                required=required,
                initial=initial_mapping.get(name, ""),
            )


class ConfirmForm(forms.Form):
    leavers_confirmed = forms.BooleanField(
        label=_("Yes, this many pupils leave the school"), required=False
    )
    errors_confirmed = forms.BooleanField(
        label=_("Apply the valid lines; the lines that cannot be used are left out"),
        required=False,
    )

    def __init__(self, *args, run, **kwargs):
        super().__init__(*args, **kwargs)
        # Only what this run needs confirmed is asked.
        if not run.leavers_guarded:
            del self.fields["leavers_confirmed"]
        if not run.counts.get("errors"):
            del self.fields["errors_confirmed"]


class YearForm(forms.Form):
    """Where each group's pupils go in the new school year, and the leavers' date."""

    leave_on = DateField(
        label=_("Leave date of the pupils who leave"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The last day at school; it starts the retention periods of their data."),
    )

    def __init__(self, *args, moves, **kwargs):
        super().__init__(*args, **kwargs)
        names = sorted({move.group.name for move in moves})
        choices = [*((name, name) for name in names), (LEAVE, _("leaves the school"))]
        self.moves = moves
        for move in moves:
            self.fields[f"group_{move.group.pk}"] = forms.ChoiceField(
                label=_("%(group)s (%(count)s pupils) goes to")
                % {
                    "group": move.group.name,
                    "count": move.pupils,
                },
                choices=choices,
                initial=move.target,
            )
        self.order_fields([*(f"group_{move.group.pk}" for move in moves), "leave_on"])

    def targets(self) -> dict[int, str]:
        return {move.group.pk: self.cleaned_data[f"group_{move.group.pk}"] for move in self.moves}
