"""Forms of the supplier register."""

from django import forms
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from schoolprivacy.models import School

from . import catalogue
from .models import Recipient, Supplier

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
FIELD_CHOICES = [(code, label) for code, label in catalogue.FIELDS.items()]


def _https_urls(field, **kwargs):
    """Addresses typed without a scheme are taken as https (leaflets live on secure sites)."""
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return field.formfield(**kwargs)


class SupplierForm(forms.ModelForm):
    schools = forms.ModelMultipleChoiceField(
        queryset=School.objects.none(),
        label=_("used by schools"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    since = forms.DateField(
        label=_("in use since"),
        widget=DATE_WIDGET,
        help_text=_("For schools that start using the supplier now."),
    )

    class Meta:
        model = Supplier
        formfield_callback = _https_urls
        fields = [
            "name",
            "website",
            "category",
            "processing_role",
            "privacy_leaflet_url",
            "leaflet_version",
            "leaflet_date",
            "agreement_status",
            "agreement_model",
            "agreement_signed_on",
            "agreement_expires_on",
            "agreement_document",
            "storage_location",
            "sub_processors",
            "security_measures",
            "contact",
        ]
        widgets = {
            "leaflet_date": DATE_WIDGET,
            "agreement_signed_on": DATE_WIDGET,
            "agreement_expires_on": DATE_WIDGET,
            "sub_processors": forms.Textarea(attrs={"rows": 3}),
            "security_measures": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, board, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["schools"].queryset = School.objects.filter(board=board)
        if self.instance.pk:
            self.initial.setdefault("schools", list(self.instance.schools.all()))
        self.initial.setdefault("since", timezone.localdate())

    def clean(self):
        cleaned = super().clean()
        signed, expires = cleaned.get("agreement_signed_on"), cleaned.get("agreement_expires_on")
        if signed and expires and expires < signed:
            self.add_error(
                "agreement_expires_on", _("The agreement cannot expire before it was signed.")
            )
        return cleaned


class FieldSetForm(forms.Form):
    valid_from = forms.DateField(label=_("valid from"), widget=DATE_WIDGET)
    shared = forms.MultipleChoiceField(
        label=_("fields shared"), choices=FIELD_CHOICES, widget=forms.CheckboxSelectMultiple
    )
    not_shared = forms.CharField(
        label=_("explicitly not shared"),
        max_length=300,
        required=False,
        help_text=_("For example: no learning or test results."),
    )


class RecipientForm(forms.ModelForm):
    shared = forms.MultipleChoiceField(
        label=_("fields shared"), choices=FIELD_CHOICES, widget=forms.CheckboxSelectMultiple
    )
    schools = forms.ModelMultipleChoiceField(
        queryset=School.objects.none(), label=_("schools"), widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Recipient
        fields = ["name", "legal_basis"]

    def __init__(self, *args, board, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["schools"].queryset = School.objects.filter(board=board)
        if self.instance.pk:
            self.initial.setdefault("schools", list(self.instance.schools.all()))
            self.initial.setdefault("shared", list(self.instance.fields))
