"""Reads of the supplier register. What a supplier receives is always asked for a day."""

from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from pupils.models import Pupil
from schoolprivacy.models import School

from . import catalogue
from .models import FieldSet, Recipient, Supplier, SupplierUse


@dataclass
class Receiver:
    """A supplier or legal recipient, and the pupil fields it receives."""

    name: str
    kind: str  # "supplier" or "recipient"
    fields: list[str]
    since: object = None
    leaflet_url: str = ""
    not_shared: str = ""
    legal_basis: str = ""
    obj: object = field(default=None, repr=False)
    withheld: list[str] = field(default_factory=list)  # not shared now: restricted

    @property
    def field_labels(self) -> list[str]:
        """The fields in the catalogue's order (name parts together), in the user's language."""
        return [catalogue.label(code) for code in catalogue.in_order(self.fields)]

    @property
    def withheld_labels(self) -> list[str]:
        return [catalogue.label(code) for code in catalogue.in_order(self.withheld)]

    @property
    def contact_email(self) -> str:
        """The supplier's contact address, where the register holds one (for Art. 19 notices)."""
        return contact_email(getattr(self.obj, "contact", "") or "")


def contact_email(contact: str) -> str:
    """The first e-mail address in a free-text contact field, or ""."""
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    for word in contact.replace(",", " ").replace(";", " ").replace("<", " ").split():
        candidate = word.strip(">().")
        try:
            validate_email(candidate)
        except ValidationError:
            continue
        return candidate
    return ""


def current_field_set(supplier: Supplier, day=None) -> FieldSet | None:
    """The field set valid on *day*, from the prefetched field sets (newest first)."""
    day = day or timezone.localdate()
    return next((fs for fs in supplier.field_sets.all() if fs.valid_from <= day), None)


def _with_field_sets(suppliers: QuerySet[Supplier]) -> QuerySet[Supplier]:
    return suppliers.prefetch_related(
        Prefetch("field_sets", queryset=FieldSet.objects.order_by("-valid_from"))
    )


def board_suppliers(*, boards) -> QuerySet[Supplier]:
    """The suppliers of these boards, with their schools and field sets, for maintenance."""
    return _with_field_sets(
        Supplier.objects.filter(board__in=boards).prefetch_related("schools")
    ).order_by("name")


def school_receivers(*, school: School, day=None) -> list[Receiver]:
    """Everyone who receives pupil data of *school* on *day*: suppliers, then legal recipients."""
    day = day or timezone.localdate()
    uses = (
        SupplierUse.objects.filter(school=school, since__lte=day)
        .select_related("supplier")
        .prefetch_related(
            Prefetch("supplier__field_sets", queryset=FieldSet.objects.order_by("-valid_from"))
        )
        .order_by("supplier__name")
    )
    receivers = []
    for use in uses:
        field_set = current_field_set(use.supplier, day)
        receivers.append(
            Receiver(
                name=use.supplier.name,
                kind="supplier",
                fields=list(field_set.fields) if field_set else [],
                since=use.since,
                leaflet_url=use.supplier.privacy_leaflet_url,
                not_shared=field_set.not_shared if field_set else "",
                obj=use.supplier,
            )
        )
    for recipient in Recipient.objects.filter(schools=school).order_by("name"):
        receivers.append(
            Receiver(
                name=recipient.name,
                kind="recipient",
                fields=list(recipient.fields),
                legal_basis=recipient.legal_basis,
                obj=recipient,
            )
        )
    return receivers


def pupil_receivers(*, pupil: Pupil, day=None) -> list[Receiver]:
    """Who receives the pupil's data, with what a restriction or objection holds back.

    A field of a category under a restriction or objection is not shared while it
    holds (GDPR Art. 18 and 21): it moves from *fields* to *withheld*.
    """
    from pupils.selectors import restricted_categories

    held = catalogue.codes_for_categories(restricted_categories(pupil=pupil))
    receivers = school_receivers(school=pupil.school, day=day)
    for receiver in receivers:
        receiver.withheld = [code for code in receiver.fields if code in held]
        receiver.fields = [code for code in receiver.fields if code not in held]
    return receivers


def receivers_of(*, pupil: Pupil, fields: set[str], day=None) -> list[Receiver]:
    """GDPR Art. 19: the suppliers and recipients that receive any of *fields* of *pupil*.

    The requests app calls this for a correction, erasure or restriction; each
    receiver comes with the affected fields it receives.
    """
    matches = []
    for receiver in school_receivers(school=pupil.school, day=day):
        affected = [code for code in receiver.fields if code in fields]
        if affected:
            receiver.fields = affected
            matches.append(receiver)
    return matches


@dataclass
class RegisterLine:
    """One activity of the Art. 30 register, with what the system knows filled in."""

    activity: object
    suppliers: list = field(default_factory=list)
    recipients: list = field(default_factory=list)
    outside_eu: list = field(default_factory=list)


def processing_register(*, boards) -> list[RegisterLine]:
    """The Art. 30 register: each activity with its recipients and transfers outside the EU."""
    from .models import ProcessingActivity

    suppliers = list(Supplier.objects.filter(board__in=boards).order_by("name"))
    recipients = list(Recipient.objects.filter(board__in=boards).order_by("name"))
    lines = []
    for activity in ProcessingActivity.objects.filter(board__in=boards).order_by("order", "name"):
        involved = [
            s
            for s in suppliers
            if s.board_id == activity.board_id and s.category in activity.supplier_categories
        ]
        lines.append(
            RegisterLine(
                activity=activity,
                suppliers=involved,
                recipients=[r for r in recipients if r.board_id == activity.board_id]
                if activity.includes_legal_recipients
                else [],
                outside_eu=[
                    s for s in involved if s.storage_location == Supplier.Location.OUTSIDE_EU
                ],
            )
        )
    return lines


def current_documents(*, board_id: int, day=None) -> list:
    """The document of each kind that applies on *day* (the newest valid one)."""
    from .models import PrivacyDocument

    day = day or timezone.localdate()
    current = {}
    for document in PrivacyDocument.objects.filter(
        board_id=board_id, valid_from__lte=day
    ).order_by("kind", "-valid_from"):
        current.setdefault(document.kind, document)
    return list(current.values())
