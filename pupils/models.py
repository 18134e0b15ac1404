"""Pupils, their groups and who holds parental authority over them.

This is the start of the pupil dossier; the dossier entries, special-category
records, BSN and group history come with the dossier itself.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from schoolprivacy.models import School


class Group(models.Model):
    """A group (groep, PO) or class (klas, VSO) of one school in one school year."""

    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="groups", verbose_name=_("school")
    )
    name = models.CharField(_("name"), max_length=64)
    school_year = models.PositiveSmallIntegerField(
        _("school year"),
        help_text=_("The calendar year in which the school year starts (1 August)."),
    )
    year_group = models.PositiveSmallIntegerField(_("year group"), null=True, blank=True)

    class Meta:
        verbose_name = _("group")
        verbose_name_plural = _("groups")
        ordering = ["school_year", "year_group", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "school_year", "name"], name="group_unique_name_per_year"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.school_year}-{self.school_year + 1})"


class Pupil(models.Model):
    class Gender(models.TextChoices):
        FEMALE = "f", _("female")
        MALE = "m", _("male")
        OTHER = "x", _("other or not stated")

    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="pupils", verbose_name=_("school")
    )
    group = models.ForeignKey(
        Group,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="pupils",
        verbose_name=_("group"),
    )
    first_name = models.CharField(_("first name"), max_length=100)
    name_prefix = models.CharField(_("prefix"), max_length=20, blank=True)
    last_name = models.CharField(_("last name"), max_length=100)
    date_of_birth = models.DateField(_("date of birth"))
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True)
    enrolled_on = models.DateField(_("enrolment date"))
    left_on = models.DateField(_("leave date"), null=True, blank=True)

    class Meta:
        verbose_name = _("pupil")
        verbose_name_plural = _("pupils")
        ordering = ["last_name", "first_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=F("enrolled_on")),
                name="pupil_leaves_after_enrolment",
            ),
        ]
        indexes = [models.Index(fields=["school", "last_name"], name="pupil_school_name_idx")]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.name_prefix, self.last_name) if p)


class Guardianship(models.Model):
    """A parent or guardian of a pupil, with or without parental authority (gezag)."""

    class Relation(models.TextChoices):
        MOTHER = "mother", _("mother")
        FATHER = "father", _("father")
        GUARDIAN = "guardian", _("guardian")
        FOSTER_PARENT = "foster_parent", _("foster parent")
        OTHER = "other", _("other")

    parent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="guardianships",
        verbose_name=_("parent"),
    )
    pupil = models.ForeignKey(
        Pupil, on_delete=models.CASCADE, related_name="guardianships", verbose_name=_("pupil")
    )
    relation = models.CharField(_("relation"), max_length=16, choices=Relation.choices)
    has_parental_authority = models.BooleanField(_("holds parental authority"), default=True)
    has_information_right = models.BooleanField(
        _("information right"),
        default=False,
        help_text=_(
            "Only for a parent without parental authority: may receive information "
            "about the child (Civil Code 1:377c)."
        ),
    )

    class Meta:
        verbose_name = _("guardianship")
        verbose_name_plural = _("guardianships")
        constraints = [
            models.UniqueConstraint(fields=["parent", "pupil"], name="guardianship_unique"),
            models.CheckConstraint(
                condition=Q(has_parental_authority=False) | Q(has_information_right=False),
                name="guardianship_information_right_only_without_authority",
            ),
        ]

    def __str__(self):
        return f"{self.parent} – {self.get_relation_display()} – {self.pupil}"
