"""Holds on a pupil's data: restriction, objection and legal hold."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from schoolprivacy.validators import validate_one_line

from .common import DataCategory
from .pupils import Pupil


class ProcessingHold(models.Model):
    """A stop on a pupil's data: a restriction or objection (staff see and share nothing of the
    categories held, GDPR Art. 18 and 21), or a legal hold (nothing may be deleted).

    Placed and lifted through services, with reasons; the history stays.
    """

    class Kind(models.TextChoices):
        RESTRICTION = "restriction", _("restriction of processing (GDPR Art. 18)")
        OBJECTION = "objection", _("objection, processing stopped (GDPR Art. 21)")
        LEGAL_HOLD = "legal_hold", _("legal hold: nothing may be deleted")

    pupil = models.ForeignKey(
        Pupil, on_delete=models.CASCADE, related_name="holds", verbose_name=_("pupil")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    categories = ArrayField(
        models.CharField(max_length=16, choices=DataCategory.choices),
        verbose_name=_("data held"),
    )
    # Keys of pupils.items (``note:12``): the hold covers only these items, of the categories
    # named; empty, it covers all data of its categories.
    items = ArrayField(
        models.CharField(max_length=64),
        default=list,
        blank=True,
        verbose_name=_("items held"),
        help_text=_("Empty: all data of the categories. Otherwise only these items."),
    )
    reason = models.TextField(_("reason"), max_length=2000, validators=[MaxLengthValidator(2000)])
    reference = models.CharField(
        _("reference"),
        max_length=100,
        blank=True,
        help_text=_("For example the request."),
        validators=[validate_one_line],
    )
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("placed by"),
    )
    placed_at = models.DateTimeField(_("placed at"), auto_now_add=True)
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lifted by"),
    )
    lift_reason = models.TextField(_("why it was lifted"), max_length=2000, blank=True)

    class Meta:
        verbose_name = _("hold on a pupil's data")
        verbose_name_plural = _("holds on pupils' data")
        ordering = ["-placed_at", "-pk"]
        indexes = [
            models.Index(
                fields=["pupil", "kind"],
                condition=Q(lifted_at__isnull=True),
                name="hold_active_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(lifted_at__isnull=True) | Q(lifted_by__isnull=False),
                name="hold_lifted_by_someone",
            ),
            models.CheckConstraint(condition=~Q(categories=[]), name="hold_covers_some_data"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} – {self.pupil_id}"

    def get_additional_data(self):
        return {"pupil_id": self.pupil_id}

    @property
    def restricts(self) -> bool:
        """True for a restriction or objection: staff neither see nor share the data held."""
        return self.kind != self.Kind.LEGAL_HOLD

    @property
    def holds_whole_categories(self) -> bool:
        return not self.items

    @property
    def category_labels(self) -> list[str | Promise]:
        return [label for value, label in DataCategory.choices if value in self.categories]


#: The holds that stop staff from seeing and sharing the data they cover.
RESTRICTING_HOLDS = (ProcessingHold.Kind.RESTRICTION, ProcessingHold.Kind.OBJECTION)
