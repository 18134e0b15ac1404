"""Forms of the dossier. Validation messages come from the models' validators."""

from typing import cast

from django import forms
from django.contrib.auth.forms import SetPasswordForm
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from schoolprivacy.forms import DATE_WIDGET, DateField
from schoolprivacy.models import Role
from schoolprivacy.validators import validate_one_line

from . import history
from .models import (
    Agreement,
    EmergencyContact,
    Group,
    Guardianship,
    Note,
    ParentContact,
    ParentDeclaration,
    Pupil,
    QuestionContact,
    Source,
    SpecialRecord,
    TestResult,
)

#: The ordinary dossier is not encrypted: where its free text is, say where health and
#: other special-category facts go instead (tests/core/test_column_classes.py: HANDLING).
SPECIAL_ELSEWHERE = _(
    "Medical information, a diagnosis, medication or religion: record it as a special "
    "record (encrypted, seen only by those who need it), not here."
)
FREE_TEXT = ("agreement", "body", "remark")


class EntryForm(forms.ModelForm):
    """Base for dossier entries: the source fields come last."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if isinstance(field, forms.DateField):
                field.widget = DATE_WIDGET
            if name in FREE_TEXT and not field.help_text:
                field.help_text = SPECIAL_ELSEWHERE


class AgreementForm(EntryForm):
    class Meta:
        model = Agreement
        fields = [
            "agreed_on",
            "participants",
            "agreement",
            "follow_up",
            "follow_up_on",
            "source",
            "source_detail",
        ]
        widgets = {"agreement": forms.Textarea(attrs={"rows": 5})}


class TestResultForm(EntryForm):
    class Meta:
        model = TestResult
        fields = ["test_name", "taken_on", "score", "level", "remark", "source", "source_detail"]
        widgets = {"remark": forms.Textarea(attrs={"rows": 3})}

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("score") and not cleaned.get("level"):
            raise forms.ValidationError(_("Fill in a score, a level, or both."))
        return cleaned


class NoteForm(EntryForm):
    class Meta:
        model = Note
        fields = ["kind", "written_on", "title", "body", "source", "source_detail"]
        widgets = {"body": forms.Textarea(attrs={"rows": 8})}


class SpecialRecordForm(forms.ModelForm):
    class Meta:
        model = SpecialRecord
        fields = ["kind", "content", "source", "source_detail"]
        widgets = {"content": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args, kinds: frozenset[str], **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["kind"]).choices = [
            (value, label) for value, label in SpecialRecord.Kind.choices if value in kinds
        ]
        self.fields["kind"].help_text = _(
            "Religion is always optional: record it only when the parents want the school to know."
        )


REASON_WIDGET = forms.Textarea(attrs={"rows": 2})


def correction_form(model):
    """The form that corrects an entry of *model*: its correctable fields, the reason, and
    the version the user saw (the service refuses it if someone corrected it meanwhile)."""
    base = {Agreement: AgreementForm, TestResult: TestResultForm, Note: NoteForm}[model]

    class CorrectionForm(base):
        version = forms.IntegerField(widget=forms.HiddenInput)
        reason = forms.CharField(
            label=_("Why are you correcting it?"),
            max_length=1000,
            widget=REASON_WIDGET,
            help_text=_("The earlier version is kept; the parents see that the entry changed."),
        )

        class Meta(base.Meta):
            fields = list(model.CORRECTABLE)

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.initial.setdefault("version", self.instance.version)

    return CorrectionForm


class SpecialEndForm(forms.Form):
    ended_on = DateField(label=_("Ended on"), widget=DATE_WIDGET)
    end_reason = forms.CharField(
        label=_("Why does it end?"),
        max_length=1000,
        widget=REASON_WIDGET,
        help_text=_("For example: the medication was stopped by the doctor."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("ended_on", timezone.localdate())


class SpecialReplaceForm(forms.ModelForm):
    reason = forms.CharField(
        label=_("Why is it replaced?"),
        max_length=1000,
        widget=REASON_WIDGET,
        help_text=_("The current record ends today and stays in the dossier, marked ended."),
    )

    class Meta:
        model = SpecialRecord
        fields = ["content", "source", "source_detail"]
        widgets = {"content": forms.Textarea(attrs={"rows": 6})}
        labels = {"content": _("The new version")}


class AttachmentForm(forms.Form):
    title = forms.CharField(
        label=_("What is this document?"),
        max_length=200,
        help_text=_("For example: individual protocol, or the specialist's report."),
    )
    file = forms.FileField(
        label=_("File"),
        help_text=_("A PDF or an image (JPEG, PNG or WebP), at most 10 MB."),
        widget=forms.ClearableFileInput(
            attrs={"accept": "application/pdf,image/jpeg,image/png,image/webp"}
        ),
    )


class ParentContactForm(forms.ModelForm):
    class Meta:
        model = ParentContact
        fields = list(ParentContact.FIELDS)
        widgets = {
            name: forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"})
            for name in ParentContact.PHONES
        }


class EmergencyContactForm(forms.ModelForm):
    """A person to call (a parent, or someone else with a number), the GP or the hospital."""

    parent = forms.TypedChoiceField(
        label=_("Parent"), coerce=int, required=False, empty_value=None
    )

    class Meta:
        model = EmergencyContact
        fields = ["kind", "parent", "name", "relation", "phone"]
        widgets = {"phone": forms.TextInput(attrs={"type": "tel"})}
        help_texts = {"phone": _("For a parent: leave empty to use the parent's own numbers.")}

    def __init__(self, *args, guardians, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].choices = [("", _("someone else (fill in the name)"))] + [
            (g.parent_id, f"{g.parent.full_name} ({g.get_relation_display()})") for g in guardians
        ]
        if self.instance.pk:
            self.initial["parent"] = self.instance.parent_id

    def _post_clean(self):
        pass  # the service validates the contact as a whole


class EmergencyForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you need the medical protocol now?"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Your name, the time and this reason are recorded (the reason encrypted); the "
            "director is told and reads it in the dossier history."
        ),
    )


class RestrictedLookForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you need this restricted record now?"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "The parent restricted this data. It stays available for the child's safety; "
            "your name, the time and this reason are recorded."
        ),
    )


class PupilForm(forms.ModelForm):
    """Personal data of a pupil, for the administrator and the director."""

    class Meta:
        model = Pupil
        fields = [
            "first_name",
            "name_prefix",
            "last_name",
            "date_of_birth",
            "gender",
            "bsn",
            "enrolled_on",
            "left_on",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("date_of_birth", "enrolled_on", "left_on"):
            self.fields[name].widget = DATE_WIDGET
        self.fields["bsn"].widget = forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "maxlength": 9}
        )

    def clean_bsn(self):
        return (self.cleaned_data.get("bsn") or "").replace(" ", "").replace(".", "") or None


class NewPupilForm(PupilForm):
    group = forms.ModelChoiceField(queryset=Group.objects.none(), label=_("group"), required=False)

    class Meta(PupilForm.Meta):
        fields = [*PupilForm.Meta.fields, "group"]

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = Group.objects.filter(school=school).order_by(
            "-school_year", "year_group", "name"
        )
        self.fields.pop("left_on")


class ChangeGroupForm(forms.Form):
    group = forms.ModelChoiceField(queryset=Group.objects.none(), label=_("new group"))
    on = DateField(label=_("from"), widget=DATE_WIDGET)

    def __init__(self, *args, pupil: Pupil, **kwargs):
        super().__init__(*args, **kwargs)
        groups = Group.objects.filter(school_id=pupil.school_id)
        if pupil.group_id is not None:
            groups = groups.exclude(pk=pupil.group_id)
        cast(forms.ModelChoiceField, self.fields["group"]).queryset = groups.order_by(
            "-school_year", "year_group", "name"
        )
        self.initial.setdefault("on", timezone.localdate())


class ParentForm(forms.Form):
    full_name = forms.CharField(
        label=_("full name"), max_length=150, validators=[validate_one_line]
    )
    email = forms.EmailField(label=_("e-mail address"))
    relation = forms.ChoiceField(label=_("relation"), choices=Guardianship.Relation.choices)
    has_parental_authority = forms.BooleanField(
        label=_("holds parental authority"), required=False, initial=True
    )
    has_information_right = forms.BooleanField(
        label=_("information right (only without parental authority)"), required=False
    )


class DeclarationForm(forms.Form):
    """What a parent declared for the funding rules (ouderverklaring)."""

    parent = forms.TypedChoiceField(label=_("Parent who declared"), coerce=int)
    education_level = forms.ChoiceField(
        label=_("Highest completed education of this parent"),
        choices=ParentDeclaration.EducationLevel.choices,
        widget=forms.RadioSelect,
    )
    nationality = forms.CharField(
        label=_("Nationality (only where the school asks for it)"),
        required=False,
        max_length=100,
    )
    declared_on = DateField(label=_("Date of the declaration"), widget=DATE_WIDGET)

    def __init__(self, *args, parents, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].choices = parents


class ParentAccessForm(forms.Form):
    """The pupil lets a parent keep seeing the dossier from 18, or not."""

    guardianship = forms.TypedChoiceField(coerce=int)
    grant = forms.ChoiceField(choices=[("yes", _("yes")), ("no", _("no"))])

    def __init__(self, *args, guardians, **kwargs):
        super().__init__(*args, **kwargs)
        self.by_pk = {g.pk: g for g in guardians}
        self.fields["guardianship"].choices = [(pk, pk) for pk in self.by_pk]

    def clean_guardianship(self):
        return self.by_pk[self.cleaned_data["guardianship"]]


class GuardianshipForm(forms.ModelForm):
    class Meta:
        model = Guardianship
        fields = ["has_parental_authority", "has_information_right", "contact_shared"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("has_parental_authority") and cleaned.get("has_information_right"):
            self.add_error(
                "has_information_right",
                _("The information right is only for a parent without parental authority."),
            )
        return cleaned


class AcceptInvitationForm(SetPasswordForm):
    """The parent chooses a password on the invitation link."""


__all__ = [
    "AcceptInvitationForm",
    "AgreementForm",
    "ChangeGroupForm",
    "EmergencyForm",
    "GuardianshipForm",
    "NewPupilForm",
    "NoteForm",
    "ParentForm",
    "PupilForm",
    "Source",
    "SpecialRecordForm",
    "TestResultForm",
]


class HistoryFilterForm(forms.Form):
    """Which of a dossier's history to show: of one person, of one kind (read from GET)."""

    who = forms.TypedChoiceField(label=_("Person"), required=False, coerce=int, empty_value=None)
    kind = forms.ChoiceField(label=_("What happened"), required=False)

    def __init__(self, data=None, *, people: list[tuple[int, str]]):
        super().__init__(data)
        cast(forms.ChoiceField, self.fields["who"]).choices = [("", _("Everyone")), *people]
        cast(forms.ChoiceField, self.fields["kind"]).choices = [
            ("", _("Everything")),
            *((name, label) for name, label, _action in history.KINDS),
        ]

    def filters(self) -> dict:
        """The filters chosen, or none where the choice is not valid (its error is shown)."""
        if not self.is_bound or not self.is_valid():
            return {"actor_id": None, "kind": ""}
        return {"actor_id": self.cleaned_data["who"], "kind": self.cleaned_data["kind"]}


class QuestionContactsForm(forms.Form):
    """Per topic, the role that answers parents' and pupils' questions at a school."""

    def __init__(self, *args, roles: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        for topic, label in QuestionContact.Topic.choices:
            self.fields[topic] = forms.ChoiceField(
                label=label, choices=Role.choices, initial=roles[topic]
            )


#: A filter's value that is not among its choices: said, and the list shown without it.
NOT_A_CHOICE = _("This choice is not available: the list is shown without it.")


class PupilListForm(forms.Form):
    """Which pupils the list shows (read from GET): of a group, of a year group, and what
    the filters other apps registered for the list keep (schoolprivacy.list_filters).

    Every choice is one of the user's own (the groups of the pupils they may see, …);
    another value is refused with NOT_A_CHOICE and left out of the filters.
    """

    def __init__(self, data=None, *, groups, with_school: bool, offered=()):
        super().__init__(data)
        groups = list(groups)
        group_choices = [
            (g.pk, f"{g.name} ({g.school_name})" if with_school else g.name) for g in groups
        ]
        years = sorted({g.year_group for g in groups if g.year_group is not None})
        self.fields["group"] = self._choice(
            _("Group"), [("", _("All groups")), *group_choices], coerce=int
        )
        self.fields["year_group"] = self._choice(
            _("Year group"),
            [("", _("All year groups")), *((y, str(y)) for y in years)],
            coerce=int,
        )
        #: The names of the fields of other apps' filters (list_filters.ListFilter.name).
        self.registered = []
        for list_filter, choices in offered:
            self.fields[list_filter.name] = self._choice(
                list_filter.label, [("", _("All pupils")), *choices]
            )
            self.registered.append(list_filter.name)

    @staticmethod
    def _choice(label, choices, coerce=str) -> forms.TypedChoiceField:
        return forms.TypedChoiceField(
            label=label,
            choices=choices,
            coerce=coerce,
            empty_value=None,
            required=False,
            error_messages={"invalid_choice": NOT_A_CHOICE},
            widget=forms.Select(attrs={"class": "sp-input"}),
        )

    def filters(self) -> dict:
        """The valid choices: ``group_id``, ``year_group`` and ``chosen`` (the registered
        filters' values by name); a field whose value is not a choice is left out."""
        self.is_valid()  # an unbound form: no choices
        cleaned = getattr(self, "cleaned_data", {})
        return {
            "group_id": cleaned.get("group"),
            "year_group": cleaned.get("year_group"),
            "chosen": {name: cleaned[name] for name in self.registered if cleaned.get(name)},
        }

    def chosen_query(self) -> dict[str, str]:
        """The valid choices as query parameters, for the pages and the column headers."""
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        return {name: str(value) for name, value in cleaned.items() if value not in (None, "")}
