"""Forms of consents."""

import uuid
from typing import cast

from django import forms
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from pupils.models import Group, Pupil
from schoolprivacy.forms import DATE_WIDGET, DateField
from schoolprivacy.models import School

from .models import PUPIL_WORDING, Decision, Publication, Purpose, PurposeVersion
from .selectors import channel_title


class DecisionForm(forms.Form):
    """One click in the portal: the text version read, the choice, and the submission id."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    choice = forms.ChoiceField(choices=Decision.Choice.choices)
    submission = forms.UUIDField(widget=forms.HiddenInput)


class PaperForm(forms.Form):
    """A paper consent form, recorded by staff."""

    purpose = forms.ModelChoiceField(queryset=Purpose.objects.none(), label=_("consent for"))
    choice = forms.ChoiceField(
        label=_("decision on the form"), choices=Decision.Choice.choices, widget=forms.RadioSelect
    )
    decided_by = forms.ChoiceField(label=_("signed by"))
    form_date = DateField(label=_("date on the form"), widget=DATE_WIDGET)
    scan = forms.FileField(
        label=_("Scan of the signed form (optional)"),
        required=False,
        help_text=_("PDF, JPEG or PNG, at most 10 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )
    submission = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, purposes, deciders: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["purpose"]).queryset = purposes
        cast(forms.ChoiceField, self.fields["decided_by"]).choices = deciders
        self.initial.setdefault("form_date", timezone.localdate())


def _label(model, field: str):
    """A model field's verbose name as a form label, as a ModelForm would show it."""
    return capfirst(model._meta.get_field(field).verbose_name)


class ChannelField(forms.ModelChoiceField):
    """A photo channel, named by the title of its current text."""

    def label_from_instance(self, obj: Purpose) -> str:
        return channel_title(obj)


class PupilCheckboxes(forms.CheckboxSelectMultiple):
    """The school's pupils as checkboxes, one fieldset per group."""

    template_name = "consents/widgets/pupil_checkboxes.html"


class PublicationForm(forms.Form):
    """A photo or video the school published, and the pupils who can be seen in it."""

    purpose = ChannelField(
        queryset=Purpose.objects.none(), label=_label(Publication, "purpose"), empty_label=None
    )
    title = forms.CharField(
        label=_label(Publication, "title"),
        max_length=200,
        help_text=_("For example: photo of the sports day, group 5."),
    )
    location = forms.CharField(
        label=_label(Publication, "location"),
        max_length=500,
        required=False,
        help_text=_(
            "The web address, or where else it can be found (for example: March newsletter)."
        ),
    )
    published_on = DateField(label=_label(Publication, "published_on"), widget=DATE_WIDGET)
    submission = forms.UUIDField(widget=forms.HiddenInput, required=False)
    pupils = forms.TypedMultipleChoiceField(
        label=_("Pupils who can be seen in it"),
        coerce=int,
        widget=PupilCheckboxes,
        error_messages={"required": _("Choose the pupils who can be seen in it.")},
    )

    def __init__(self, *args, purposes, pupils, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["purpose"].queryset = purposes
        self._pupils: dict[int, Pupil] = {}
        groups: dict[object, tuple[str, list[tuple[int, str]]]] = {}
        for pupil in pupils:
            self._pupils[pupil.pk] = pupil
            label = str(pupil.group) if pupil.group_id else gettext("No group")
            groups.setdefault(pupil.group_id, (label, []))[1].append((pupil.pk, pupil.full_name))
        self.fields["pupils"].choices = list(groups.values())
        self.initial.setdefault("published_on", timezone.localdate())
        self.initial.setdefault("submission", uuid.uuid4())

    def clean_pupils(self) -> list[Pupil]:
        return [self._pupils[pk] for pk in self.cleaned_data["pupils"]]


class TakedownDoneForm(forms.Form):
    """Marking a takedown task done, with an optional note."""

    note = forms.CharField(
        label=_("Note (optional)"),
        max_length=500,
        required=False,
        help_text=_("For example: photo removed from the website, or pupil cropped out."),
    )


class VersionForm(forms.ModelForm):
    """The wording of a consent question, in Dutch and in English, from a date."""

    class Meta:
        model = PurposeVersion
        fields = [
            "valid_from",
            "material_change",
            "title_nl",
            "text_nl",
            "title_en",
            "text_en",
            *PUPIL_WORDING,
        ]
        widgets = {
            "valid_from": DATE_WIDGET,
            "text_nl": forms.Textarea(attrs={"rows": 6}),
            "text_en": forms.Textarea(attrs={"rows": 6}),
            "pupil_text_nl": forms.Textarea(attrs={"rows": 6}),
            "pupil_text_en": forms.Textarea(attrs={"rows": 6}),
        }
        help_texts = {
            "text_nl": _("Plain language: what it means for the child, and that no answer is no."),
            "pupil_title_nl": _(
                "A pupil of 16 or older decides alone and reads the question in their own "
                "words (“je”, not “uw kind”). Needed where the question is put to such pupils."
            ),
        }

    def parent_fields(self):
        return [self[name] for name in self.Meta.fields if name not in PUPIL_WORDING]

    def pupil_fields(self):
        return [self[name] for name in PUPIL_WORDING]


class PurposeForm(forms.ModelForm):
    """A new consent question of a school, with its first text."""

    school = forms.ModelChoiceField(queryset=School.objects.none(), label=_("school"))

    class Meta:
        model = Purpose
        fields = ["category", "trigger", "requires_all_holders"]

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools


class EventForm(forms.Form):
    """An event in the pupil's school life whose consent questions are asked now."""

    trigger = forms.ChoiceField(label=_("event"))
    started_on = DateField(label=_("starts on"), widget=DATE_WIDGET)

    def __init__(self, *args, triggers: list[tuple[str, str | Promise]], **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["trigger"]).choices = triggers
        self.initial.setdefault("started_on", timezone.localdate())


class AudienceForm(forms.ModelForm):
    """Whom a question is for (consents/audience.py): each kind filled in narrows it."""

    departments = forms.MultipleChoiceField(
        label=_("departments"), required=False, widget=forms.CheckboxSelectMultiple
    )
    year_groups = forms.TypedMultipleChoiceField(
        label=_("year groups"),
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Purpose
        fields = ["departments", "groups", "year_groups", "min_age", "max_age", "picked_only"]
        widgets = {"groups": forms.CheckboxSelectMultiple}
        help_texts = {
            "max_age": _("The age on the day the question is asked."),
        }

    def __init__(self, *args, groups, **kwargs):
        super().__init__(*args, **kwargs)
        groups = list(groups)
        cast(
            forms.ModelMultipleChoiceField, self.fields["groups"]
        ).queryset = Group.objects.filter(pk__in=[group.pk for group in groups])
        departments = sorted({group.department for group in groups if group.department})
        cast(forms.MultipleChoiceField, self.fields["departments"]).choices = [
            (name, name) for name in sorted({*departments, *self.instance.departments})
        ]
        year_groups = sorted({g.year_group for g in groups if g.year_group is not None})
        cast(forms.MultipleChoiceField, self.fields["year_groups"]).choices = [
            (number, str(number)) for number in sorted({*year_groups, *self.instance.year_groups})
        ]
        for name in ("min_age", "max_age"):
            self.fields[name].widget.attrs.update({"min": 0, "max": 25})
        for name in ("departments", "year_groups"):
            if not self.fields[name].choices:
                del self.fields[name]

    def clean(self):
        data = super().clean()
        low, high = data.get("min_age"), data.get("max_age")
        if low is not None and high is not None and low > high:
            self.add_error("max_age", _("The highest age is lower than the lowest."))
        return data


class PickForm(forms.Form):
    """The care coordinator puts a question to one pupil."""

    purpose = forms.ModelChoiceField(queryset=Purpose.objects.none(), label=_("question"))

    def __init__(self, *args, purposes, **kwargs):
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["purpose"])
        field.queryset = Purpose.objects.filter(pk__in=[p.pk for p in purposes])
        titles = {p.pk: channel_title(p) for p in purposes}
        field.label_from_instance = lambda obj: titles.get(obj.pk, obj.untitled)
