"""What the requests app holds about whom (schoolprivacy/personal_data.py).

A request is the school's proof that it answered in time: with the administration its
contents go (explanation, answer, notes, proposed values) and its facts stay (kind,
dates, status, who handled it): ``requests.services._erase_request_contents``.
"""

from schoolprivacy.personal_data import Erasure, Holding, Subject, kinds

from . import models as m

ADMINISTRATION = m.ErasureCategory.ADMINISTRATION
THROUGH_REQUEST = "request__pupil"


def holdings() -> list[Holding]:
    return [
        Holding(
            m.DataRequest,
            Subject.PARENT,
            kinds(
                "requester",
                "identity_note",
                "extension_reasons",
                "explanation",
                "answer",
                "answer_data",
                "categories",
            ),
            copy="requests",
            erasure=Erasure.FACTS,
            retention=ADMINISTRATION,
        ),
        Holding(
            m.RequestEvent,
            Subject.PARENT,
            kinds("note", "by"),
            copy=None,
            erasure=Erasure.FACTS,
            retention=ADMINISTRATION,
            pupil=THROUGH_REQUEST,
            why="the steps of handling a request; the copy gives each request and its status",
        ),
        Holding(
            m.RectificationItem,
            Subject.PARENT,
            kinds("proposed_value", "statement", "reason"),
            copy=None,
            erasure=Erasure.FACTS,
            retention=ADMINISTRATION,
            pupil=THROUGH_REQUEST,
            why="a correction the parent proposed; the copy holds the data as corrected",
        ),
        Holding(
            m.ErasureItem,
            Subject.PUPIL,
            kinds("key", "item_kind", "item_date", "reason"),
            copy=None,
            erasure=Erasure.FACTS,
            retention=ADMINISTRATION,
            pupil=THROUGH_REQUEST,
            why="which items an erasure request named, by key and kind, never their contents",
        ),
        Holding(
            m.AccessCopy,
            Subject.PUPIL,
            kinds("content"),
            copy=None,
            erasure=Erasure.FACTS,
            retention=ADMINISTRATION,
            pupil=THROUGH_REQUEST,
            why="a copy itself; withdrawn (its content emptied) when data in it is erased",
        ),
        Holding(
            m.RecipientNotice,
            Subject.PUPIL,
            kinds("fields", "items", "subject", "body", "note"),
            copy=None,
            erasure=Erasure.WITH_OWNER,
            pupil=THROUGH_REQUEST,
            why="the message telling a supplier of a correction or erasure (Art. 19); the "
            "copy lists who receives the data",
        ),
        Holding(
            m.Reminder,
            Subject.STAFF,
            kinds("recipients"),
            copy=None,
            erasure=Erasure.WITH_OWNER,
            pupil=THROUGH_REQUEST,
            why="which staff members were reminded of a deadline",
        ),
        Holding(
            m.ErasureRecord,
            Subject.PUPIL,
            kinds("erased", "categories"),
            copy=None,
            erasure=Erasure.FACTS,
            why="the proof of what was erased (row ids only), to erase it again after a "
            "restore (requests/ledger.py)",
        ),
    ]


def not_personal() -> dict:
    return {
        m.SchoolRouting: "which roles handle a school's requests",
        m.BoardHoliday: "a board's extra holidays",
        m.RetentionRun: "a day's counts of the retention sweep, never contents",
    }
