"""Who of the school looked at a pupil's data, and when: the reads behind the portal's
"Who looked at the dossier" (a page at a time, with the total) and the Art. 15 copy (every
look, however many: requests/copies.py).

A look is an ACCESS entry of the audit log about the pupil (services.dossier_viewed). The
looks of the pupil's own parents and of the pupil itself are left out: they are not the
school's, and a parent never sees the other parent's personal data. Everyone else who
looked is named, with the roles they hold at the school or its board (and "technical
administrator" for one, who holds no school role), also when they have since left ("no
longer at the school"): they still saw the data.
"""

from collections.abc import Iterable, Iterator

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from schoolprivacy.audit_entry import AuditEntry
from schoolprivacy.models import BoardMembership, Membership

from . import history
from .models import Guardianship, Pupil
from .selectors import viewed_part

#: How many looks the copy describes at a time (two queries for their roles each).
CHUNK = 2000


def looks_at(*, pupil: Pupil) -> QuerySet[AuditEntry]:
    """Every look at *pupil*'s data by someone of the school, newest first."""
    looks = (
        AuditEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Pupil),
            object_id=pupil.pk,
            action=AuditEntry.Action.ACCESS,
            actor__isnull=False,
        )
        .exclude(actor_id__in=Guardianship.objects.filter(pupil=pupil).values("parent_id"))
        .select_related("actor")
        .order_by("-timestamp", "-pk")
    )
    if pupil.account_id:
        looks = looks.exclude(actor_id=pupil.account_id)
    return looks


def described(entries: Iterable[AuditEntry], *, pupil: Pupil) -> list[dict]:
    """*entries* (looks_at) as people read them: when, who with their roles, what, and the
    sentence the history shows. Two queries for the roles, however many entries."""
    entries = list(entries)
    actor_ids = {entry.actor_id for entry in entries}
    roles: dict[int, list[str]] = {}
    for membership in Membership.objects.filter(user_id__in=actor_ids, school_id=pupil.school_id):
        roles.setdefault(membership.user_id, []).append(str(membership.get_role_display()))
    for board_membership in BoardMembership.objects.filter(
        user_id__in=actor_ids, board_id=pupil.board_id
    ):
        roles.setdefault(board_membership.user_id, []).append(
            str(board_membership.get_role_display())
        )
    looks = []
    for entry in entries:
        held = list(roles.get(entry.actor_id, []))
        if entry.actor.is_superuser or entry.actor.is_staff:
            held.append(_("technical administrator"))
        held = held or [_("no longer at the school")]
        who = f"{entry.actor.full_name} ({', '.join(held)})"
        event = history.event_of(entry, what_was_viewed=viewed_part, who=who)
        looks.append(
            {
                "when": entry.timestamp,
                "day": event.day,
                "who": entry.actor.full_name,
                "roles": held,
                "what": viewed_part(entry),
                "sentence": event.sentence,
            }
        )
    return looks


def every_look(*, pupil: Pupil) -> Iterator[dict]:
    """Every look at *pupil*'s data, described, newest first: read CHUNK at a time, so that
    a pupil with years of looks costs memory for one chunk, not for all."""
    chunk: list[AuditEntry] = []
    for entry in looks_at(pupil=pupil).iterator(chunk_size=CHUNK):
        chunk.append(entry)
        if len(chunk) == CHUNK:
            yield from described(chunk, pupil=pupil)
            chunk = []
    yield from described(chunk, pupil=pupil)
