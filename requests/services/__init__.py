"""Writes of data-subject requests: intake, the workflow, the answers, and the sweeps.

One module per use case; this package re-exports them all, so that callers say
``from requests import services`` and ``services.request_submit(...)``. Test doubles
patch the module that uses a name (``requests.services.access_copy.enqueue_on_commit``),
not this package.

- ``_common``: the row lock, the handler check, events, moves, telling people
- ``intake``: a request taken in (``request_submit``)
- ``handling``: take up, note, extend, refuse, withdraw
- ``rectification``: Art. 16, decided per field
- ``notices``: Art. 19, telling the recipients
- ``erasure``: Art. 17, what may be decided and the decision
- ``erasing``: the erasing itself (requests, retention, restore)
- ``holds``: Art. 18 and 21 decisions, restrictions lifted, legal holds
- ``recipients``: Art. 15(1)(c), who received the data
- ``access_copy``: Art. 15 and 20, the copy
- ``stale_work``: copies and notices whose task never ran
- ``reminders``: the deadline sweep
- ``retention_runs``: the daily retention sweep
- ``erasure_ledger``: the ledger of erasures, and erasing again after a restore
- ``board_settings``: routing and extra holidays
"""

from ._common import MIN_REASON, TRANSITIONS, Kind, Status, extra_holidays
from .access_copy import (
    COPY_DAYS,
    CopyUnavailable,
    copies_expire,
    copy_build,
    copy_download,
    copy_for_download,
    copy_prepare,
)
from .board_settings import holiday_add, holiday_remove, routing_save
from .erasure import (
    CategoryDecision,
    Outcome,
    erasure_choices,
    erasure_decide,
)
from .erasure_ledger import (
    ReapplyReport,
    erasure_of_voluntary_data,
    erasures_reapply,
    ledger_catch_up,
    ledger_write,
)
from .handling import request_extend, request_note, request_refuse, request_start, request_withdraw
from .holds import (
    legal_hold_lift,
    legal_hold_place,
    objection_decide,
    request_of_hold,
    restriction_decide,
    restriction_lift,
)
from .intake import CATEGORY_KINDS, AlreadyOpen, ItemProposal, request_submit
from .notices import Change, notice_settle, notices_settle, recipient_notice_send
from .recipients import recipients_answer
from .rectification import ItemDecision, rectification_decide
from .reminders import (
    EXTENSION_WARNING_DAYS,
    NOTICES_DAYS,
    SWEEP_BATCH,
    SweepReport,
    deadline_sweep,
)
from .retention_runs import retention_sweep
from .stale_work import STALE_AFTER, stale_work_resume

__all__ = [
    "CATEGORY_KINDS",
    "COPY_DAYS",
    "EXTENSION_WARNING_DAYS",
    "MIN_REASON",
    "NOTICES_DAYS",
    "STALE_AFTER",
    "SWEEP_BATCH",
    "TRANSITIONS",
    "AlreadyOpen",
    "CategoryDecision",
    "Change",
    "CopyUnavailable",
    "ItemDecision",
    "ItemProposal",
    "Kind",
    "Outcome",
    "ReapplyReport",
    "Status",
    "SweepReport",
    "copies_expire",
    "copy_build",
    "copy_download",
    "copy_for_download",
    "copy_prepare",
    "deadline_sweep",
    "erasure_choices",
    "erasure_decide",
    "erasure_of_voluntary_data",
    "erasures_reapply",
    "extra_holidays",
    "holiday_add",
    "holiday_remove",
    "ledger_catch_up",
    "ledger_write",
    "legal_hold_lift",
    "legal_hold_place",
    "notice_settle",
    "notices_settle",
    "objection_decide",
    "recipient_notice_send",
    "recipients_answer",
    "rectification_decide",
    "request_extend",
    "request_note",
    "request_of_hold",
    "request_refuse",
    "request_start",
    "request_submit",
    "request_withdraw",
    "restriction_decide",
    "restriction_lift",
    "retention_sweep",
    "routing_save",
    "stale_work_resume",
]
