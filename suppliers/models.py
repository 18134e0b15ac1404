"""The register of suppliers that receive pupil data, and of recipients on a legal basis.

What a supplier receives is dated (FieldSet): Basispoort stopped receiving
gender in school year 2018-19, so "what does it get" always means "on which day".
"""

from datetime import timedelta

from django.contrib.postgres.fields import ArrayField
from django.core.validators import FileExtensionValidator
from django.db import models
from django.db.models import ExpressionWrapper, F, Q, Value
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _

from schoolprivacy.models import Board, School
from schoolprivacy.validators import validate_one_line, validate_plausible_date


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
    name = models.CharField(_("name"), max_length=200, validators=[validate_one_line])
    website = models.URLField(_("website"), blank=True)
    category = models.CharField(_("category"), max_length=32, choices=Category.choices)
    processing_role = models.CharField(
        _("role"),
        max_length=16,
        choices=ProcessingRole.choices,
        default=ProcessingRole.PROCESSOR,
    )
    privacy_leaflet_url = models.URLField(_("privacy leaflet"), blank=True)
    leaflet_version = models.CharField(
        _("leaflet version"), max_length=50, blank=True, validators=[validate_one_line]
    )
    leaflet_date = models.DateField(
        _("leaflet date"), null=True, blank=True, validators=[validate_plausible_date]
    )
    leaflet_document = models.FileField(
        _("leaflet (PDF copy)"),
        upload_to="suppliers/leaflets/",
        blank=True,
        validators=[FileExtensionValidator(["pdf"])],
    )
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
        validators=[validate_one_line],
    )
    agreement_signed_on = models.DateField(
        _("signed on"), null=True, blank=True, validators=[validate_plausible_date]
    )
    agreement_expires_on = models.DateField(
        _("expires on"), null=True, blank=True, validators=[validate_plausible_date]
    )
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
    contact = models.CharField(
        _("contact"), max_length=300, blank=True, validators=[validate_one_line]
    )
    schools: "models.ManyToManyField[School, SupplierUse]" = models.ManyToManyField(
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
    since = models.DateField(_("since"), validators=[validate_plausible_date])

    class Meta:
        verbose_name = _("use by a school")
        verbose_name_plural = _("uses by schools")
        constraints = [
            models.UniqueConstraint(fields=["supplier", "school"], name="supplier_use_unique"),
        ]

    def __str__(self):
        return f"{self.school} – {self.supplier} ({self.since})"


class FieldSet(models.Model):
    """Which pupil fields a supplier receives from a date, and what it explicitly does not get.

    A field set of the board (no school) holds for every school of the board; one of a
    school only for that school. For a school, the newest field set by date holds, its
    own before the board's on the same day (selectors.field_sets_for).
    """

    supplier = models.ForeignKey(
        Supplier, on_delete=models.CASCADE, related_name="field_sets", verbose_name=_("supplier")
    )
    school = models.ForeignKey(
        School,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("school"),
        help_text=_("Empty: for every school of the school board."),
    )
    valid_from = models.DateField(_("valid from"), validators=[validate_plausible_date])
    fields = ArrayField(models.CharField(max_length=32), verbose_name=_("fields shared"))
    not_shared = models.CharField(
        _("explicitly not shared"),
        max_length=300,
        blank=True,
        help_text=_("For example: no learning or test results."),
        validators=[validate_one_line],
    )

    class Meta:
        verbose_name = _("field set")
        verbose_name_plural = _("field sets")
        ordering = ["supplier", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["supplier", "valid_from"],
                condition=Q(school__isnull=True),
                name="field_set_one_per_day",
                violation_error_message=_("There is already a field set from this date."),
            ),
            models.UniqueConstraint(
                fields=["supplier", "school", "valid_from"],
                condition=Q(school__isnull=False),
                name="field_set_one_per_day_per_school",
                violation_error_message=_("There is already a field set from this date."),
            ),
        ]

    def __str__(self):
        return f"{self.supplier} {self.valid_from}"


class Recipient(models.Model):
    """Receives pupil data on a legal basis, never by consent: DUO/BRON, the inspectorate…"""

    board = models.ForeignKey(
        Board, on_delete=models.PROTECT, related_name="recipients", verbose_name=_("school board")
    )
    name = models.CharField(_("name"), max_length=200, validators=[validate_one_line])
    legal_basis = models.CharField(
        _("legal basis"), max_length=300, validators=[validate_one_line]
    )
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


#: The Autoriteit Persoonsgegevens must be told within 72 hours of awareness (Art. 33),
#: counted in real hours: through weekends and holidays, and across a clock change.
BREACH_NOTIFY_WITHIN = timedelta(hours=72)


class Breach(models.Model):
    """A personal-data breach (datalek), with the 72-hour clock of GDPR Art. 33."""

    board = models.ForeignKey(
        Board, on_delete=models.PROTECT, related_name="breaches", verbose_name=_("school board")
    )
    title = models.CharField(
        _("what happened, in short"), max_length=200, validators=[validate_one_line]
    )
    description = models.TextField(_("what happened"), max_length=5000)
    aware_at = models.DateTimeField(
        _("became aware at"),
        help_text=_("The moment the school knew a breach had happened: the clock starts here."),
    )
    # Stored for an indexed sweep; the check constraint below keeps it exactly 72 hours on.
    deadline_at = models.DateTimeField(
        _("notify the Autoriteit Persoonsgegevens before"), editable=False
    )
    schools = models.ManyToManyField(School, related_name="+", verbose_name=_("schools affected"))
    affected_pupils = models.PositiveIntegerField(_("number of pupils affected"), default=0)
    authority_notified_at = models.DateTimeField(
        _("Autoriteit Persoonsgegevens notified at"), null=True, blank=True
    )
    authority_reference = models.CharField(
        _("reference of the notification"),
        max_length=100,
        blank=True,
        validators=[validate_one_line],
    )
    not_notified_reason = models.TextField(
        _("why the Autoriteit Persoonsgegevens was not notified"), max_length=2000, blank=True
    )
    parents_informed_at = models.DateTimeField(_("parents informed at"), null=True, blank=True)
    parents_not_informed_reason = models.TextField(
        _("why the parents were not informed"), max_length=2000, blank=True
    )
    recorded_by = models.ForeignKey(
        "schoolprivacy.User",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("data breach")
        verbose_name_plural = _("data breaches")
        ordering = ["-aware_at"]
        indexes = [models.Index(fields=["deadline_at"], name="breach_deadline_idx")]
        constraints = [
            # Elapsed time, not wall-clock arithmetic: exact across clock changes.
            models.CheckConstraint(
                condition=Exact(
                    ExpressionWrapper(
                        F("deadline_at") - F("aware_at"), output_field=models.DurationField()
                    ),
                    Value(BREACH_NOTIFY_WITHIN),
                ),
                name="breach_deadline_is_72_hours_after_awareness",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def decided(self) -> bool:
        """Notified, or recorded why not: the 72-hour duty is met."""
        return self.authority_notified_at is not None or bool(self.not_notified_reason)


class BreachWarning(models.Model):
    """A warning to the privacy officer about a breach's deadline; each kind is sent once."""

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", _("24 hours left")
        PASSED = "passed", _("deadline passed")

    breach = models.ForeignKey(
        Breach, on_delete=models.CASCADE, related_name="warnings", verbose_name=_("data breach")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("breach warning")
        verbose_name_plural = _("breach warnings")
        constraints = [
            models.UniqueConstraint(fields=["breach", "kind"], name="breach_warning_once"),
        ]

    def __str__(self):
        return f"{self.breach_id} {self.kind}"


class SupplierReminder(models.Model):
    """A reminder about a supplier's agreement or leaflet; each one is sent once."""

    class Kind(models.TextChoices):
        AGREEMENT_EXPIRES = "agreement_expires", _("processor agreement expires")
        LEAFLET_OLD = "leaflet_old", _("privacy leaflet older than a year")

    supplier = models.ForeignKey(
        Supplier, on_delete=models.CASCADE, related_name="reminders", verbose_name=_("supplier")
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    # The date the reminder is about (the expiry date, or the leaflet's date), so that
    # a renewed agreement or a new leaflet is reminded again when it is due.
    about = models.DateField(_("about"), validators=[validate_plausible_date])
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("supplier reminder")
        verbose_name_plural = _("supplier reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["supplier", "kind", "about"], name="supplier_reminder_once"
            ),
        ]

    def __str__(self):
        return f"{self.supplier_id} {self.kind} {self.about}"


class ProcessingActivity(models.Model):
    """One line of the register of processing activities (GDPR Art. 30).

    Recipients and transfers outside the EU are not typed in: they are read from the
    supplier register (by supplier category) and the legal recipients when shown.
    """

    board = models.ForeignKey(
        Board, on_delete=models.PROTECT, related_name="activities", verbose_name=_("school board")
    )
    name = models.CharField(_("processing"), max_length=200, validators=[validate_one_line])
    purpose = models.TextField(_("purpose"), max_length=2000)
    legal_basis = models.CharField(
        _("legal basis"), max_length=300, validators=[validate_one_line]
    )
    data_subjects = models.CharField(
        _("categories of data subjects"), max_length=300, validators=[validate_one_line]
    )
    data_categories = models.TextField(_("categories of personal data"), max_length=2000)
    supplier_categories = ArrayField(
        models.CharField(max_length=32, choices=Supplier.Category.choices),
        blank=True,
        default=list,
        verbose_name=_("suppliers involved (by category)"),
    )
    includes_legal_recipients = models.BooleanField(
        _("legal recipients receive data from it"), default=False
    )
    retention = models.CharField(
        _("retention period"), max_length=300, validators=[validate_one_line]
    )
    security_measures = models.TextField(_("security measures"), max_length=2000)
    order = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        verbose_name = _("processing activity")
        verbose_name_plural = _("processing activities")
        ordering = ["order", "name"]

    def __str__(self):
        return self.name


class PrivacyDocument(models.Model):
    """The school's privacy regulation, staff code of conduct and social-media protocol.

    A document of the board (no school) applies to every school of the board; one of a
    school only to that school. For a school, the newest valid version of each kind
    applies, its own before the board's on the same day (selectors.current_documents).
    """

    class Kind(models.TextChoices):
        REGULATION = "regulation", _("privacy regulation")
        CODE_OF_CONDUCT = "code_of_conduct", _("code of conduct for pupil data")
        SOCIAL_MEDIA = "social_media", _("social-media protocol")

    board = models.ForeignKey(
        Board, on_delete=models.PROTECT, related_name="documents", verbose_name=_("school board")
    )
    school = models.ForeignKey(
        School,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("school"),
        help_text=_("Empty: for every school of the school board."),
    )
    kind = models.CharField(_("document"), max_length=32, choices=Kind.choices)
    version = models.CharField(_("version"), max_length=20, validators=[validate_one_line])
    valid_from = models.DateField(_("valid from"), validators=[validate_plausible_date])
    approved_by_council_on = models.DateField(
        _("approved by the participation council (GMR) on"),
        null=True,
        blank=True,
        validators=[validate_plausible_date],
    )
    text = models.TextField(_("text"), max_length=50000)

    class Meta:
        verbose_name = _("privacy document")
        verbose_name_plural = _("privacy documents")
        ordering = ["kind", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["board", "kind", "version"],
                condition=Q(school__isnull=True),
                name="privacy_document_version_unique",
                violation_error_message=_(
                    "This version of the document has been published before."
                ),
            ),
            models.UniqueConstraint(
                fields=["school", "kind", "version"],
                condition=Q(school__isnull=False),
                name="privacy_document_version_unique_per_school",
                violation_error_message=_(
                    "This version of the document has been published before."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(kind="regulation") | Q(approved_by_council_on__isnull=False),
                name="privacy_regulation_needs_council_approval",
                violation_error_message=_(
                    "The privacy regulation needs the date the participation council approved it."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.version}"
