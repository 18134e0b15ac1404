"""The groups (classes) of a school, and the teachers' grants on each."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from guardian.models import UserObjectPermissionBase

from schoolprivacy.models import School
from schoolprivacy.validators import validate_one_line


class Group(models.Model):
    """A group (groep, PO) or class (klas, VSO) of one school in one school year."""

    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="groups", verbose_name=_("school")
    )
    name = models.CharField(_("name"), max_length=64, validators=[validate_one_line])
    school_year = models.PositiveSmallIntegerField(
        _("school year"),
        help_text=_("The calendar year in which the school year starts (1 August)."),
    )
    year_group = models.PositiveSmallIntegerField(_("year group"), null=True, blank=True)
    # A special-needs centre's department (SO, VSO), or a school's location: consent
    # questions can be put to one department (consents/audience.py).
    department = models.CharField(
        _("department"), max_length=64, blank=True, validators=[validate_one_line]
    )
    # The group's key in the pupil administration (EDEXML groep/@key): what a sync matches on.
    external_key = models.CharField(  # noqa: DJ001 (NULL: not from the administration)
        _("key in the pupil administration"),
        max_length=100,
        null=True,
        blank=True,
        validators=[validate_one_line],
    )

    class Meta:
        verbose_name = _("group")
        verbose_name_plural = _("groups")
        ordering = ["school_year", "year_group", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "school_year", "name"], name="group_unique_name_per_year"
            ),
            models.UniqueConstraint(
                fields=["school", "school_year", "external_key"],
                name="group_unique_key_per_year",
            ),
        ]
        permissions = [
            ("teach_group", _("Teach the group: see and record the dossiers of its pupils")),
        ]

    def __str__(self):
        return f"{self.name} ({self.school_year}-{self.school_year + 1})"


class GroupUserObjectPermission(UserObjectPermissionBase):
    """django-guardian's direct foreign-key table for permissions on one group."""

    content_object = models.ForeignKey(Group, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("group permission")
        verbose_name_plural = _("group permissions")
