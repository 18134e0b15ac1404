"""Forms of the sync: the upload of an export, and its confirmation."""

from django import forms
from django.utils.translation import gettext_lazy as _

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class UploadForm(forms.Form):
    school = forms.ModelChoiceField(label=_("School"), queryset=None, empty_label=None)
    file = forms.FileField(
        label=_("The export of the pupil administration (EDEX.XML)"),
        help_text=_(
            "ParnasSys, ESIS and Magister export it as EDEXML. Nothing changes before you have "
            "seen what the import would do and confirmed it."
        ),
    )
    export_date = forms.DateField(
        label=_("Date of the export"),
        required=False,
        widget=DATE_WIDGET,
        help_text=_("A pupil the export no longer names leaves on this date. Empty: today."),
    )

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools


class ConfirmForm(forms.Form):
    leavers_confirmed = forms.BooleanField(
        label=_("Yes, this many pupils leave the school"), required=False
    )
    errors_confirmed = forms.BooleanField(
        label=_("Apply the valid lines; the lines that cannot be used are left out"),
        required=False,
    )
