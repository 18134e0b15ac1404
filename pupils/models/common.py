"""What the models of the dossier share: where a piece of information came from, the
categories of a pupil's data, and the longest free text an entry takes."""

from django.db import models
from django.utils.translation import gettext_lazy as _

#: The longest free text a dossier entry takes (about two pages).
TEXT_MAX = 5000


class Source(models.TextChoices):
    """Where a piece of dossier information came from (GDPR Art. 14/15: the source)."""

    SCHOOL = "school", _("the school itself")
    PARENT = "parent", _("parent or guardian")
    PUPIL = "pupil", _("the pupil")
    CARE_PARTNER = "care_partner", _("care partner")
    PREVIOUS_SCHOOL = "previous_school", _("previous school")
    OTHER = "other", _("other")


class DataCategory(models.TextChoices):
    """The parts of a pupil's data that retention, erasure and restriction apply to."""

    ADMINISTRATION = (
        "administration",
        _("pupil administration: personal details, BSN, enrolment, parents and groups"),
    )
    DOSSIER = "dossier", _("pupil dossier: agreements, test results, reports and notes")
    SPECIAL = (
        "special",
        _("special categories: medical information, wellbeing, religion, custody arrangements"),
    )
    REFERRAL = "referral", _("referral to special education")
    DECLARATION = (
        "declaration",
        _("parents' declarations for the funding rules: education level, nationality"),
    )
