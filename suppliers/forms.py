"""Forms of the supplier register."""

from django import forms
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from schoolprivacy.forms import DATE_WIDGET, DateField
from schoolprivacy.models import School

from . import catalogue
from .models import Breach, PrivacyDocument, ProcessingActivity, Recipient, Supplier

FIELD_CHOICES = [(code, label) for code, label in catalogue.FIELDS.items()]


def _https_urls(field, **kwargs):
    """Addresses typed without a scheme are taken as https (leaflets live on secure sites)."""
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return field.formfield(**kwargs)


#: A supplier's processor agreement: recorded by a board role, also for a new supplier.
AGREEMENT_FIELDS = (
    "agreement_status",
    "agreement_model",
    "agreement_signed_on",
    "agreement_expires_on",
    "agreement_document",
)


def _own_schools(field, schools, whole_board: bool) -> None:
    """Offer only the schools whose part the user keeps; say so to a school's keeper."""
    field.queryset = schools
    if not whole_board:
        field.help_text = _("The other schools of the school board decide this themselves.")
        field.error_messages["invalid_choice"] = _("You can only choose your own school.")


def _shown(instance, name: str) -> tuple[str, object]:
    """A field of *instance* as it is shown read-only: its label and its value."""
    model_field = instance._meta.get_field(name)
    value = getattr(instance, name)
    if model_field.choices:
        value = getattr(instance, f"get_{name}_display")()
    return model_field.verbose_name, value


def _school_choice(form, schools, whole_board: bool) -> None:
    """The school a field set or document is for: one of the user's own, or (a board role)
    every school of the board (empty)."""
    field = form.fields["school"]
    field.queryset = schools
    field.required = not whole_board
    field.empty_label = _("every school of the school board") if whole_board else None
    field.error_messages["invalid_choice"] = _("You can only choose your own school.")
    field.help_text = ""
    if not whole_board and len(schools) == 1:
        form.initial.setdefault("school", schools[0].pk)
    form.whole_board = whole_board


class SupplierForm(forms.ModelForm):
    schools = forms.ModelMultipleChoiceField(
        queryset=School.objects.none(),
        label=_("used by schools"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    since = DateField(
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
            "leaflet_document",
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

    def __init__(self, *args, schools, whole_board: bool, **kwargs):
        """*schools*: those whose use the user decides (permissions.schools_kept); without
        *whole_board*, the supplier's own data is shown, not changed (a new supplier's
        processor agreement is left to the board roles)."""
        super().__init__(*args, **kwargs)
        _own_schools(self.fields["schools"], schools, whole_board)
        self.shared_data = []
        if not whole_board:
            for name in (self._meta.fields or ()) if self.instance.pk else AGREEMENT_FIELDS:
                if self.instance.pk and not name.endswith("_document"):
                    self.shared_data.append(_shown(self.instance, name))
                del self.fields[name]
        if self.instance.pk:
            self.initial.setdefault("schools", list(self.instance.schools.filter(pk__in=schools)))
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
    school = forms.ModelChoiceField(queryset=School.objects.none(), label=_("for which school"))
    valid_from = DateField(label=_("valid from"), widget=DATE_WIDGET)
    shared = forms.MultipleChoiceField(
        label=_("fields shared"), choices=FIELD_CHOICES, widget=forms.CheckboxSelectMultiple
    )
    not_shared = forms.CharField(
        label=_("explicitly not shared"),
        max_length=300,
        required=False,
        help_text=_("For example: no learning or test results."),
    )

    def __init__(self, *args, schools, whole_board: bool, **kwargs):
        super().__init__(*args, **kwargs)
        _school_choice(self, schools, whole_board)


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

    def __init__(self, *args, schools, whole_board: bool, **kwargs):
        """As SupplierForm: the user's own schools; the recipient's own data (name, legal
        basis, fields) changed only by a board role."""
        super().__init__(*args, **kwargs)
        _own_schools(self.fields["schools"], schools, whole_board)
        self.shared_data = []
        if self.instance.pk:
            self.initial.setdefault("schools", list(self.instance.schools.filter(pk__in=schools)))
            self.initial.setdefault("shared", list(self.instance.fields))
            if not whole_board:
                self.shared_data = [
                    _shown(self.instance, "name"),
                    _shown(self.instance, "legal_basis"),
                    (
                        _("fields shared"),
                        ", ".join(catalogue.label(c) for c in self.instance.fields),
                    ),
                ]
                for name in ("name", "legal_basis", "shared"):
                    del self.fields[name]
                self.fields["schools"].required = False


DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class BreachForm(forms.Form):
    title = forms.CharField(label=_("what happened, in short"), max_length=200)
    description = forms.CharField(
        label=_("what happened"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5})
    )
    aware_at = forms.DateTimeField(
        label=_("became aware at"),
        widget=DATETIME_WIDGET,
        help_text=_("The moment the school knew a breach had happened: the clock starts here."),
    )
    schools = forms.ModelMultipleChoiceField(
        queryset=School.objects.none(),
        label=_("schools affected"),
        widget=forms.CheckboxSelectMultiple,
    )
    affected_pupils = forms.IntegerField(label=_("number of pupils affected"), min_value=0)

    def __init__(self, *args, boards, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["schools"].queryset = School.objects.filter(board__in=boards)


class BreachFollowUpForm(forms.ModelForm):
    class Meta:
        model = Breach
        fields = [
            "authority_notified_at",
            "authority_reference",
            "not_notified_reason",
            "parents_informed_at",
            "parents_not_informed_reason",
        ]
        widgets = {
            "authority_notified_at": DATETIME_WIDGET,
            "parents_informed_at": DATETIME_WIDGET,
            "not_notified_reason": forms.Textarea(attrs={"rows": 3}),
            "parents_not_informed_reason": forms.Textarea(attrs={"rows": 3}),
        }


class ActivityForm(forms.ModelForm):
    supplier_categories = forms.MultipleChoiceField(
        label=_("suppliers involved (by category)"),
        choices=Supplier.Category.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = ProcessingActivity
        fields = [
            "name",
            "purpose",
            "legal_basis",
            "data_subjects",
            "data_categories",
            "supplier_categories",
            "includes_legal_recipients",
            "retention",
            "security_measures",
        ]
        widgets = {
            "purpose": forms.Textarea(attrs={"rows": 3}),
            "data_categories": forms.Textarea(attrs={"rows": 3}),
            "security_measures": forms.Textarea(attrs={"rows": 3}),
        }


class DocumentForm(forms.ModelForm):
    class Meta:
        model = PrivacyDocument
        fields = ["school", "kind", "version", "valid_from", "approved_by_council_on", "text"]
        labels = {"school": _("for which school")}
        widgets = {
            "valid_from": DATE_WIDGET,
            "approved_by_council_on": DATE_WIDGET,
            "text": forms.Textarea(attrs={"rows": 14}),
        }

    def __init__(self, *args, schools, whole_board: bool, **kwargs):
        """A document of one of the user's schools, or (a board role) of the whole board."""
        super().__init__(*args, **kwargs)
        _school_choice(self, schools, whole_board)
