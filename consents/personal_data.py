"""What the consents app holds about whom (schoolprivacy/personal_data.py), in erasure order."""

from functools import partial

from django.core.files.storage import default_storage
from django.db import transaction

from schoolprivacy.personal_data import Erasure, Holding, Subject, delete_audited, kinds

from . import models as m


def _decisions_erase(pupil, rows, erased) -> None:
    """Decisions go with the scans of their paper forms, once the deletion is committed."""
    scans = list(rows.exclude(scan="").values_list("scan", flat=True))
    delete_audited(pupil, rows, erased)
    for name in scans:
        transaction.on_commit(partial(default_storage.delete, name), robust=True)


def _questions_erase(pupil, rows, erased) -> None:
    """A question asked is not followed by the audit log (ids and times only): deleted."""
    ids = list(rows.values_list("pk", flat=True))
    if ids:
        rows.delete()
        erased.setdefault(m.ConsentRequest._meta.label, []).extend(ids)


def _publications_leave(pupil, rows, erased) -> None:
    """The pupil leaves the publications it was in; the publications are the school's."""
    for publication in rows:
        publication.pupils.remove(pupil)


def holdings() -> list[Holding]:
    consents = "consents"
    return [
        Holding(
            m.Takedown,
            Subject.PUPIL,
            kinds("publication", "created_at", "done_at", "note"),
            copy=consents,
            erasure=Erasure.DELETE,
            retention=consents,
        ),
        Holding(
            m.Decision,
            Subject.PUPIL,
            kinds("choice", "decided_by", "decider_role", "decided_at", "channel", "scan"),
            copy=consents,
            erasure=Erasure.DELETE,
            retention=consents,
            eraser=_decisions_erase,
        ),
        Holding(
            m.PurposePick,
            Subject.PUPIL,
            kinds("purpose", "picked_by", "picked_at"),
            copy=consents,
            erasure=Erasure.DELETE,
            retention=consents,
        ),
        Holding(
            m.ConsentEvent,
            Subject.PUPIL,
            kinds("trigger", "started_on", "started_by"),
            copy=consents,
            erasure=Erasure.DELETE,
            retention=consents,
        ),
        Holding(
            m.ConsentRequest,
            Subject.PARENT,
            kinds("recipient", "sent_at", "reminded_at"),
            copy=consents,
            erasure=Erasure.DELETE,
            retention=consents,
            eraser=_questions_erase,
        ),
        Holding(
            m.Publication,
            Subject.PUPIL,
            kinds("pupils"),
            copy=consents,
            erasure=Erasure.DELETE,
            retention=consents,
            pupil="pupils",
            eraser=_publications_leave,
        ),
    ]


def not_personal() -> dict:
    return {
        m.Purpose: "a purpose the school asks consent for",
        m.PurposeVersion: "the text of a consent question",
        m.TextsRevision: "the revision of the standard texts",
    }
