"""The register of suppliers that receive pupil data, and of recipients on a legal basis.

What a supplier receives is dated (FieldSet): Basispoort stopped receiving
gender in school year 2018-19, so "what does it get" always means "on which day".
"""

from django.contrib.postgres.fields import ArrayField
from django.core.validators import FileExtensionValidator
from django.db import models
from django.db.models import F, Q
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

    class AgreementStatus(models.TextChoices):
        NONE = "none", _("no agreement yet")
        DRAFT = "draft", _("being negotiated")
        SIGNED = "signed", _("signed")
        ENDED = "ended", _("ended")

    class Location(models.TextChoices):
        EU = "eu", _("inside the EU/EEA")
        OUTSIDE_EU = "outside_eu", _("(also) outside the EU/EEA")

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
    leaflet_version = models.CharField(_("leaflet version"), max_length=50, blank=True)
    leaflet_date = models.DateField(_("leaflet date"), null=True, blank=True)
    agreement_status = models.CharField(
        _("processor agreement"),
        max_length=16,
        choices=AgreementStatus.choices,
        default=AgreementStatus.NONE,
    )
    agreement_model = models.CharField(
        _("model used"),
        max_length=200,
        blank=True,
        help_text=_("For example the model processor agreement of the Privacyconvenant."),
    )
    agreement_signed_on = models.DateField(_("signed on"), null=True, blank=True)
    agreement_expires_on = models.DateField(_("expires on"), null=True, blank=True)
    agreement_document = models.FileField(
        _("agreement (PDF)"),
        upload_to="suppliers/agreements/",
        blank=True,
        validators=[FileExtensionValidator(["pdf"])],
    )
    storage_location = models.CharField(
        _("where the data is stored"), max_length=16, choices=Location.choices, default=Location.EU
    )
    sub_processors = models.TextField(_("sub-processors"), blank=True, max_length=2000)
    security_measures = models.TextField(_("security measures"), blank=True, max_length=2000)
    contact = models.CharField(_("contact"), max_length=300, blank=True)
    schools = models.ManyToManyField(
        School, through="SupplierUse", related_name="suppliers", verbose_name=_("used by schools")
    )

    class Meta:
        verbose_name = _("supplier")
        verbose_name_plural = _("suppliers")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["board", "name"], name="supplier_unique_per_board"),
            models.CheckConstraint(
                condition=Q(agreement_expires_on__isnull=True)
                | Q(agreement_signed_on__isnull=True)
                | Q(agreement_expires_on__gte=F("agreement_signed_on")),
                name="supplier_agreement_expires_after_signing",
            ),
        ]

    def __str__(self):
        return self.name


class SupplierUse(models.Model):
    """That a school uses a supplier, since when."""

    supplier = models.ForeignKey(
        Supplier, on_delete=models.CASCADE, related_name="uses", verbose_name=_("supplier")
    )
    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="supplier_uses", verbose_name=_("school")
    )
    since = models.DateField(_("since"))

    class Meta:
        verbose_name = _("use by a school")
        verbose_name_plural = _("uses by schools")
        constraints = [
            models.UniqueConstraint(fields=["supplier", "school"], name="supplier_use_unique"),
        ]

    def __str__(self):
        return f"{self.school} – {self.supplier} ({self.since})"


class FieldSet(models.Model):
    """Which pupil fields a supplier receives from a date, and what it explicitly does not get."""

    supplier = models.ForeignKey(
        Supplier, on_delete=models.CASCADE, related_name="field_sets", verbose_name=_("supplier")
    )
    valid_from = models.DateField(_("valid from"))
    fields = ArrayField(models.CharField(max_length=32), verbose_name=_("fields shared"))
    not_shared = models.CharField(
        _("explicitly not shared"),
        max_length=300,
        blank=True,
        help_text=_("For example: no learning or test results."),
    )

    class Meta:
        verbose_name = _("field set")
        verbose_name_plural = _("field sets")
        ordering = ["supplier", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["supplier", "valid_from"], name="field_set_one_per_day"
            ),
        ]

    def __str__(self):
        return f"{self.supplier} {self.valid_from}"


class Recipient(models.Model):
    """Receives pupil data on a legal basis, never by consent: DUO/BRON, the inspectorate…"""

    board = models.ForeignKey(
        Board, on_delete=models.PROTECT, related_name="recipients", verbose_name=_("school board")
    )
    name = models.CharField(_("name"), max_length=200)
    legal_basis = models.CharField(_("legal basis"), max_length=300)
    fields = ArrayField(models.CharField(max_length=32), verbose_name=_("fields shared"))
    schools = models.ManyToManyField(School, related_name="recipients", verbose_name=_("schools"))

    class Meta:
        verbose_name = _("legal recipient")
        verbose_name_plural = _("legal recipients")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["board", "name"], name="recipient_unique_per_board"),
        ]

    def __str__(self):
        return self.name
