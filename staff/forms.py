from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from pupils.models import Group, Pupil
from schoolprivacy.models import Board, BoardRole, Role, School
from schoolprivacy.validators import validate_one_line


class _Person(forms.Form):
    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    full_name = forms.CharField(label=_("Full name"), max_length=150)


class InviteForm(_Person):
    school = forms.ModelChoiceField(
        label=_("School"), queryset=School.objects.none(), empty_label=None
    )
    roles = forms.MultipleChoiceField(
        label=_("Roles"),
        choices=Role.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Someone without an account gets an e-mail with a link to choose a password. "
            "Someone who already has an account (a parent, or staff of another school) keeps it "
            "and gets these roles added."
        ),
    )

    field_order = ["school", "email", "full_name", "roles"]

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools


class BoardInviteForm(_Person):
    board = forms.ModelChoiceField(
        label=_("School board"), queryset=Board.objects.none(), empty_label=None
    )
    roles = forms.MultipleChoiceField(
        label=_("Roles"), choices=BoardRole.choices, widget=forms.CheckboxSelectMultiple
    )

    field_order = ["board", "email", "full_name", "roles"]

    def __init__(self, *args, boards, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["board"].queryset = boards


class RolesForm(forms.Form):
    """The roles held at one school (or on one board): ticked is held."""

    # A school or a board: the queryset comes with the form.
    place: forms.ModelChoiceField[School | Board] = forms.ModelChoiceField(
        queryset=None, widget=forms.HiddenInput
    )
    roles = forms.MultipleChoiceField(
        label=_("Roles"), choices=(), widget=forms.CheckboxSelectMultiple, required=False
    )

    def __init__(self, *args, places, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = places
        self.fields["roles"].choices = choices


class GroupsForm(forms.Form):
    school = forms.ModelChoiceField(queryset=School.objects.none(), widget=forms.HiddenInput)
    groups = forms.ModelMultipleChoiceField(
        label=_("Groups taught"),
        queryset=Group.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args, schools, groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools
        self.fields["groups"].queryset = groups


class PupilForm(forms.Form):
    pupil = forms.ModelChoiceField(queryset=Pupil.objects.none(), widget=forms.HiddenInput)

    def __init__(self, *args, pupils, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pupil"].queryset = pupils


class GroupForm(forms.Form):
    school = forms.ModelChoiceField(
        label=_("School"), queryset=School.objects.none(), empty_label=None
    )
    name = forms.CharField(label=_("Name"), max_length=64)
    school_year = forms.IntegerField(
        label=_("School year (the year it starts)"), min_value=2000, max_value=2100
    )
    year_group = forms.IntegerField(
        label=_("Year group"), min_value=0, max_value=20, required=False
    )
    department = forms.CharField(
        label=_("Department"),
        max_length=64,
        required=False,
        help_text=_("For example SO or VSO: a consent question can be put to one department."),
        validators=[validate_one_line],
    )

    def __init__(self, *args, schools=None, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["school"]
            del self.fields["school_year"]
        else:
            self.fields["school"].queryset = schools
