"""Audit helpers: which models django-auditlog follows, and ACCESS entries for reads.

Every personal-data model is registered here or in its app's ``apps.py`` with
:func:`register`, which masks encrypted fields completely and never logs
password hashes. Reads of dossiers and exports are logged with :func:`log_access`.
"""

from auditlog.models import LogEntry, _get_manager_from_settings
from auditlog.receivers import _create_log_entry, check_disable
from auditlog.registry import auditlog
from django.conf import settings
from django.db import models
from django.db.models.signals import pre_save

#: Field names that are never written to an audit diff, on any model.
NEVER_LOGGED = ("password", "last_login")

#: What a masked field shows in an audit diff, whatever its value.
MASK = "••••••••"


@check_disable
def log_update(sender, instance, **kwargs):
    """django-auditlog's receiver for updates, reading only what the save can change.

    auditlog reads the whole old row to compare it with the new one. A save with
    ``update_fields`` can change only those fields, so only they are read: a one-field
    save of a pupil then does not fetch and decrypt every encrypted field of the row.
    The diff is still against the row as the database holds it, in the same transaction.
    """
    if instance._state.adding or instance.pk is None:
        return
    update_fields = kwargs.get("update_fields")
    old = _get_manager_from_settings(sender).filter(pk=instance.pk).order_by()
    if update_fields:
        old = old.only(*update_fields)
    old = next(iter(old[:1]), None)  # one row by its key: no ordering to compile
    _create_log_entry(
        action=LogEntry.Action.UPDATE,
        instance=instance,
        sender=sender,
        diff_old=old,
        diff_new=instance,
        fields_to_check=update_fields,
        use_json_for_changes=settings.AUDITLOG_STORE_JSON_CHANGES,
    )


# The registry connects its receiver for pre_save to every model registered after this;
# every model is registered through register() below, which imports this module first.
auditlog._signals[pre_save] = log_update


def register(
    model: type[models.Model],
    *,
    exclude: tuple[str, ...] = (),
    masked: tuple[str, ...] = (),
    m2m: tuple[str, ...] = (),
) -> None:
    """Follow *model* in the audit log; *masked* fields appear as changed, never with values.

    Every encrypted field of the model is masked whether it is named or not.
    """
    from .fields import encrypted_fields

    if auditlog.contains(model):
        return
    always = [f.name for f in encrypted_fields(model) if f.name not in exclude]
    auditlog.register(
        model,
        exclude_fields=[*NEVER_LOGGED, *exclude],
        mask_fields=sorted({*masked, *always}),
        m2m_fields=set(m2m),
    )


def mask_completely(value) -> str:
    """The same fixed mask for every value, so no part of a masked field reaches the log."""
    return MASK


def log_access(*, actor, obj: models.Model, what: str = "", details: dict | None = None):
    """Record that *actor* looked at *obj* (a dossier, a special-category record, an export).

    *details* adds facts without personal data, such as what a copy left out.
    """
    changes = {"viewed": [what, ""]} if what else {}
    for key, value in (details or {}).items():
        changes[key] = [str(value), ""]
    return LogEntry.objects.log_create(
        obj,
        force_log=True,
        action=LogEntry.Action.ACCESS,
        changes=changes,
        actor=actor,
    )


#: What an erased object's audit entries show instead of its name.
ERASED = "[erased]"

_SCRUB = """
UPDATE auditlog_logentry
   SET changes = CASE
           WHEN jsonb_typeof(changes) = 'object'
           THEN (SELECT coalesce(jsonb_object_agg(key, jsonb_build_array(%(mask)s, %(mask)s)),
                                 '{}'::jsonb)
                   FROM jsonb_each(changes))
           ELSE changes
       END,
       changes_text = '',
       object_repr = %(erased)s,
       serialized_data = NULL
 WHERE content_type_id = %(content_type)s
   AND object_id = ANY(%(ids)s)
   AND action <> %(access)s
   AND object_repr <> %(erased)s
"""


def scrub(model: type[models.Model], ids) -> int:
    """Keep the fact, not the data: mask every value in the audit entries of erased objects.

    Who did what to which field, and when, stays; what the values were goes.
    ACCESS entries (who looked) hold no values and stay as they are. PostgreSQL
    allows this one change to its append-only log only inside a transaction that
    says so (``schoolprivacy.audit_scrub``; see migration 0005). Returns the
    number of entries masked.
    """
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction

    ids = sorted({int(i) for i in ids})
    if not ids:
        return 0
    content_type = ContentType.objects.get_for_model(model, for_concrete_model=False)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL schoolprivacy.audit_scrub = 'on'")
        cursor.execute(
            _SCRUB,
            {
                "mask": MASK,
                "erased": ERASED,
                "content_type": content_type.pk,
                "ids": ids,
                "access": LogEntry.Action.ACCESS,
            },
        )
        masked = cursor.rowcount
        cursor.execute("SET LOCAL schoolprivacy.audit_scrub = 'off'")
    return masked


def register_core_models() -> None:
    from .models import Board, BoardMembership, Membership, School, User

    register(User)
    register(Board)
    register(School)
    register(Membership)
    register(BoardMembership)
