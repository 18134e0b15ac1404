"""Suppliers that receive pupil data.

The start of the supplier register: processor agreements, leaflet versions,
shared field sets and the processing register come with the register itself.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from schoolprivacy.models import Board, School


class Supplier(models.Model):
    class Category(models.TextChoices):
        PUPIL_ADMINISTRATION = "pupil_administration", _("pupil administration")
        LEARNING_METHOD = "learning_method", _("learning method")
        ACCESS_BROKER = "access_broker", _("identity and access broker")
        ICT_MANAGEMENT = "ict_management", _("ICT management")
        SCHOOL_TRANSFER = "school_transfer", _("school transfer")
        COMMUNICATION = "communication", _("communication with parents")
        OTHER = "other", _("other")

    class ProcessingRole(models.TextChoices):
        PROCESSOR = "processor", _("processor")
        CONTROLLER = "controller", _("controller")

    board = models.ForeignKey(
        Board, on_delete=models.PROTECT, related_name="suppliers", verbose_name=_("school board")
    )
    name = models.CharField(_("name"), max_length=200)
    website = models.URLField(_("website"), blank=True)
    category = models.CharField(_("category"), max_length=32, choices=Category.choices)
    processing_role = models.CharField(
        _("role"),
        max_length=16,
        choices=ProcessingRole.choices,
        default=ProcessingRole.PROCESSOR,
    )
    privacy_leaflet_url = models.URLField(_("privacy leaflet"), blank=True)
    schools = models.ManyToManyField(
        School, related_name="suppliers", blank=True, verbose_name=_("used by schools")
    )

    class Meta:
        verbose_name = _("supplier")
        verbose_name_plural = _("suppliers")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["board", "name"], name="supplier_unique_per_board"),
        ]

    def __str__(self):
        return self.name
