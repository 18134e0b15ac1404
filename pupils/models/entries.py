"""What the school records in the dossier: agreements, test results, reports and notes."""

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from schoolprivacy.validators import validate_one_line, validate_plausible_date

from .common import TEXT_MAX, Source
from .pupils import Pupil


class DossierEntry(models.Model):
    """What every dossier entry has: whose, by whom, when, and from which source."""

    pupil = models.ForeignKey(
        Pupil, on_delete=models.CASCADE, related_name="+", verbose_name=_("pupil")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    source = models.CharField(
        _("source"), max_length=32, choices=Source.choices, default=Source.SCHOOL
    )
    source_detail = models.CharField(
        _("source details"),
        max_length=200,
        blank=True,
        help_text=_("For example the name of the care partner."),
        validators=[validate_one_line],
    )
    # A correction keeps the earlier text as an EntryRevision and counts up the version: the
    # form carries the version it showed, so two corrections at once cannot overwrite each other.
    version = models.PositiveIntegerField(_("version"), default=1)
    revised_at = models.DateTimeField(_("last corrected at"), null=True, blank=True)
    revised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("last corrected by"),
    )

    #: The fields a correction may change (and an EntryRevision keeps), per kind.
    CORRECTABLE: tuple[str, ...] = ()

    class Meta:
        abstract = True

    def get_additional_data(self):
        return {"pupil_id": self.pupil_id}


class Agreement(DossierEntry):
    """An agreement (afspraak) made with the parents or the pupil."""

    agreed_on = models.DateField(_("date"), validators=[validate_plausible_date])
    participants = models.CharField(
        _("participants"),
        max_length=500,
        help_text=_("Who took part, for example the parents, the teacher and the pupil."),
        validators=[validate_one_line],
    )
    agreement = models.TextField(
        _("what was agreed"), max_length=TEXT_MAX, validators=[MaxLengthValidator(TEXT_MAX)]
    )
    follow_up = models.TextField(
        _("follow-up"),
        max_length=TEXT_MAX,
        blank=True,
        validators=[MaxLengthValidator(TEXT_MAX)],
    )
    follow_up_on = models.DateField(
        _("follow-up date"), null=True, blank=True, validators=[validate_plausible_date]
    )

    CORRECTABLE = ("agreed_on", "participants", "agreement", "follow_up", "follow_up_on")

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        ordering = ["-agreed_on", "-pk"]
        indexes = [models.Index(fields=["pupil", "-agreed_on"], name="agreement_pupil_idx")]

    def __str__(self):
        return f"{self.agreed_on}: {self.agreement[:40]}"


class TestResult(DossierEntry):
    """A test result (toetsresultaat)."""

    test_name = models.CharField(_("test"), max_length=200, validators=[validate_one_line])
    taken_on = models.DateField(_("date"), validators=[validate_plausible_date])
    score = models.CharField(_("score"), max_length=50, blank=True, validators=[validate_one_line])
    level = models.CharField(
        _("level"),
        max_length=50,
        blank=True,
        help_text=_("For example A–E, I–V or 1F."),
        validators=[validate_one_line],
    )
    remark = models.TextField(
        _("remark"), max_length=TEXT_MAX, blank=True, validators=[MaxLengthValidator(TEXT_MAX)]
    )

    CORRECTABLE = ("test_name", "taken_on", "score", "level", "remark")

    class Meta:
        verbose_name = _("test result")
        verbose_name_plural = _("test results")
        ordering = ["-taken_on", "-pk"]
        indexes = [models.Index(fields=["pupil", "-taken_on"], name="testresult_pupil_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(score="") | ~Q(level=""), name="testresult_has_score_or_level"
            ),
        ]

    def __str__(self):
        return f"{self.test_name} {self.taken_on}"


class Note(DossierEntry):
    """A report (verslag) or a note (notitie)."""

    class Kind(models.TextChoices):
        REPORT = "report", _("report")
        NOTE = "note", _("note")
        REFERRAL = "referral", pgettext_lazy("dossier entry", "referral report")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.NOTE)
    written_on = models.DateField(_("date"), validators=[validate_plausible_date])
    title = models.CharField(_("title"), max_length=200, validators=[validate_one_line])
    body = models.TextField(
        _("text"), max_length=TEXT_MAX, validators=[MaxLengthValidator(TEXT_MAX)]
    )

    CORRECTABLE = ("written_on", "title", "body")

    class Meta:
        verbose_name = _("report or note")
        verbose_name_plural = _("reports and notes")
        ordering = ["-written_on", "-pk"]
        indexes = [models.Index(fields=["pupil", "-written_on"], name="note_pupil_idx")]

    def __str__(self):
        return self.title
