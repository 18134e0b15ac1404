"""The kinds of data-subject request, each described once (GDPR Art. 15-21).

What a kind asks of the requester (data categories, single items, corrections), the
step that answers it (``requests/workflow.py``, taken through ``requests/steps.py``),
the hold it places while it is decided, and how it is explained in the portal, to a
parent and to a pupil of 16 or older. Intake, the portal form and the workflow read
it instead of asking ``kind ==`` each for themselves.
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from pupils.models import DataCategory, ProcessingHold

from .models import DataRequest, ErasureCategory
from .retention import ORDER

Kind = DataRequest.Kind


@dataclass(frozen=True)
class RequestKind:
    #: The step of requests/workflow.py that answers it.
    decision: str
    #: The categories of data the requester chooses from (code, label); () for none.
    categories: tuple = ()
    #: The requester may name single items of the dossier (erasure of single entries).
    items: bool = False
    #: The requester names fields with their correct value; a second request of this
    #: kind joins the open one (Art. 16).
    corrections: bool = False
    #: The hold placed on the chosen categories while the school decides ("" for none).
    hold: str = ""
    #: What it means, to a parent and to a pupil asking for themselves; None: it is not
    #: asked in the portal this way (a correction is asked next to the data itself).
    to_parent: Promise | None = None
    to_pupil: Promise | None = None


_DELETE = _(
    "Have data deleted that the school no longer needs. Some data the school must keep "
    "by law; you will hear which and why."
)
_RESTRICT = _(
    "The school stops using data (it only keeps it), for example while a correction is checked."
)
_OBJECT = _("You object to how the school uses data. The school stops at once until it decides.")
_FILE = _("The data in a file a computer can read (JSON).")

KINDS: dict[str, RequestKind] = {
    Kind.ACCESS: RequestKind(
        "copy",
        to_parent=_("A complete copy of everything the school holds on your child, to download."),
        to_pupil=_("A complete copy of everything the school holds on you, to download."),
    ),
    Kind.RECTIFICATION: RequestKind("rectification", corrections=True),
    Kind.ERASURE: RequestKind(
        "erasure",
        categories=tuple((c, dict(ErasureCategory.choices)[c]) for c in ORDER),
        items=True,
        to_parent=_DELETE,
        to_pupil=_DELETE,
    ),
    Kind.RESTRICTION: RequestKind(
        "decide",
        categories=tuple(DataCategory.choices),
        hold=ProcessingHold.Kind.RESTRICTION,
        to_parent=_RESTRICT,
        to_pupil=_RESTRICT,
    ),
    Kind.OBJECTION: RequestKind(
        "decide",
        categories=tuple(DataCategory.choices),
        hold=ProcessingHold.Kind.OBJECTION,
        to_parent=_OBJECT,
        to_pupil=_OBJECT,
    ),
    Kind.PORTABILITY: RequestKind("copy", to_parent=_FILE, to_pupil=_FILE),
    Kind.RECIPIENTS: RequestKind(
        "recipients",
        to_parent=_("A list of who received data about your child, and what."),
        to_pupil=_("A list of who received data about you, and what."),
    ),
}


def portal_kinds(*, as_pupil: bool) -> dict:
    """What can be asked in the portal, in the words of the one who asks."""
    return {
        kind: spec.to_pupil if as_pupil else spec.to_parent
        for kind, spec in KINDS.items()
        if spec.to_parent is not None
    }
