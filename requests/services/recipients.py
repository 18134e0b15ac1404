"""Who received the data (GDPR Art. 15(1)(c), 19): the answer with the list."""

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from schoolprivacy.models import User
from suppliers import selectors as supplier_selectors

from .. import workflow
from ..models import DataRequest
from ._common import _complete, _lock, _require_handler, _say, _start


@transaction.atomic
def recipients_answer(*, data_request: DataRequest, acting_user: User) -> DataRequest:
    """Answer with the current list of who receives which data, kept with the request."""
    data_request = _lock(data_request)
    _require_handler(acting_user, data_request)
    workflow.require(data_request, "recipients")
    _start(data_request, acting_user)
    with translation.override(data_request.requester.language):
        receivers = supplier_selectors.pupil_receivers(pupil=data_request.pupil)
        data_request.answer_data = {
            "day": timezone.localdate().isoformat(),
            "receivers": [
                {
                    "name": r.name,
                    "kind": r.kind,
                    "fields": r.field_labels,
                    "periods": [
                        {
                            "field": p.label,
                            "since": p.since.isoformat(),
                            "until": p.until.isoformat() if p.until else "",
                        }
                        for p in r.field_periods
                    ],
                    "withheld": r.withheld_labels,
                    "since": r.since.isoformat() if r.since else "",
                    "leaflet": r.leaflet_url,
                    "legal_basis": r.legal_basis,
                }
                for r in receivers
            ],
        }
    data_request.save(update_fields=["answer_data"])
    _complete(
        data_request,
        acting_user,
        _say(
            data_request.requester,
            lambda: _("the list of who receives the data is in the portal."),
        ),
    )
    return data_request
