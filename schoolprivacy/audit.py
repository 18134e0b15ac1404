"""Audit helpers: which models django-auditlog follows, and ACCESS entries for reads.

Every personal-data model is registered here or in its app's ``apps.py`` with
:func:`register`, which masks encrypted fields completely and never logs
password hashes. Reads of dossiers and exports are logged with :func:`log_access`.
"""

import functools

from auditlog.cid import get_cid
from auditlog.diff import (
    get_field_value,
    get_mask_function,
    is_primitive,
    model_instance_diff,
    track_field,
)
from auditlog.models import DEFAULT_OBJECT_REPR, LogEntry
from auditlog.receivers import check_disable
from auditlog.registry import auditlog
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist
from django.db import connections, models, router
from django.db.models.signals import pre_save
from django.utils.encoding import smart_str
from psycopg.types.json import Jsonb

#: Field names that are never written to an audit diff, on any model.
NEVER_LOGGED = ("password", "last_login")

#: What a masked field shows in an audit diff, whatever its value.
MASK = "••••••••"


@check_disable
def log_update(sender, instance, **kwargs):
    """django-auditlog's receiver for updates, diffing against the row the UPDATE replaces.

    auditlog reads the whole old row through the ORM, unlocked, so a change committed
    between its read and the save could go unlogged. This reads the fields the save can
    change (``update_fields``, else all), by key, and locks the row when the save is in a
    transaction (as the services save): the diff is against exactly the row the UPDATE
    then replaces, in the same transaction. The entry is written by write_entry.
    """
    if instance._state.adding or instance.pk is None:
        return
    update_fields = kwargs.get("update_fields")
    changes = model_instance_diff(
        _old_row(sender, instance, update_fields, using=kwargs.get("using")),
        instance,
        fields_to_check=update_fields,
        use_json_for_changes=settings.AUDITLOG_STORE_JSON_CHANGES,
    )
    if changes:
        write_entry(instance, action=LogEntry.Action.UPDATE, changes=changes)


def _old_row(sender, instance, update_fields, *, using=None) -> models.Model | None:
    """The row of *instance* as the database holds it, for the fields a save can change."""
    connection = connections[using or instance._state.db or router.db_for_write(sender)]
    if sender._meta.parents:  # multi-table inheritance: the fields live in several tables
        old = sender._base_manager.using(connection.alias).filter(pk=instance.pk)
        old = old.only(*update_fields) if update_fields else old
        return (old.select_for_update() if connection.in_atomic_block else old).first()
    fields = _fields_read(sender, None if update_fields is None else frozenset(update_fields))
    with connection.cursor() as cursor:
        cursor.execute(
            _old_row_sql(sender, fields, connection.alias, lock=connection.in_atomic_block),
            [sender._meta.pk.get_db_prep_value(instance.pk, connection)],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    values = [
        field.from_db_value(value, None, connection) if hasattr(field, "from_db_value") else value
        for field, value in zip(fields, row, strict=True)
    ]
    return sender.from_db(connection.alias, [f.attname for f in fields], values)


@functools.cache
def _fields_read(sender, update_fields: frozenset | None) -> tuple:
    """The key, the fields *update_fields* name (all if None), and what encrypted ones need."""
    from .fields import EncryptedTextField

    meta = sender._meta
    if update_fields is None:
        return tuple(meta.concrete_fields)
    wanted = {meta.pk.attname}
    for field in meta.concrete_fields:
        if field.name in update_fields or field.attname in update_fields:
            wanted.add(field.attname)
            if isinstance(field, EncryptedTextField):
                wanted.add(meta.get_field(field.bind_to).attname)  # it decrypts with its row
    return tuple(f for f in meta.concrete_fields if f.attname in wanted)


@functools.cache
def _old_row_sql(sender, fields: tuple, alias: str, *, lock: bool) -> str:
    quote = connections[alias].ops.quote_name
    meta = sender._meta
    columns = ", ".join(quote(f.column) for f in fields)
    table, key = quote(meta.db_table), quote(meta.pk.column)
    sql = f"SELECT {columns} FROM {table} WHERE {key} = %s"  # noqa: S608 (names of the model)
    return f"{sql} FOR UPDATE" if lock else sql


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
    write_entry(obj, action=LogEntry.Action.ACCESS, changes=changes, actor=actor)


#: The columns write_entry fills, as LogEntry.objects.log_create fills them.
ENTRY_FIELDS = (
    "content_type",
    "object_pk",
    "object_id",
    "object_repr",
    "action",
    "changes_text",
    "changes",
    "actor",
    "actor_email",
    "cid",
    "remote_addr",
    "remote_port",
    "timestamp",
    "additional_data",
)


def write_entry(instance: models.Model, *, action: int, changes: dict, actor=None) -> None:
    """One audit entry for *instance*, as ``LogEntry.objects.log_create`` writes it.

    log_create saves a LogEntry through the ORM. Every audited save and every look at
    a dossier writes one, and building that INSERT cost more than the save it logs, so
    the entry is put in here with one prepared INSERT. It is still made as a LogEntry
    and announced with pre_save, so that auditlog's request context (while one is
    active) adds the actor, the actor's e-mail and the address as it always does. No
    model here is registered to serialize its data. tests/core/test_audit.py holds
    both ways to the same row.
    """
    try:
        object_repr = smart_str(instance)
    except ObjectDoesNotExist:
        object_repr = DEFAULT_OBJECT_REPR
    additional = getattr(instance, "get_additional_data", None)
    pk = instance.pk
    entry = LogEntry(
        content_type=ContentType.objects.get_for_model(instance),
        object_pk=str(pk),
        object_id=pk if isinstance(pk, int) else None,
        object_repr=object_repr,
        action=action,
        changes=changes,
        actor=actor,
        cid=get_cid(),
        additional_data=additional() if callable(additional) else None,
    )
    connection = connections[router.db_for_write(LogEntry)]
    pre_save.send(
        sender=LogEntry, instance=entry, raw=False, using=connection.alias, update_fields=None
    )
    # Each value as the ORM would store it (an empty address is NULL, JSON is JSON).
    fields = [LogEntry._meta.get_field(name) for name in ENTRY_FIELDS]
    values = [f.get_db_prep_save(getattr(entry, f.attname), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(_entry_sql(connection.alias), values)


def write_created(instances) -> int:
    """The CREATE entries for rows made with ``bulk_create`` (which sends no signals), as
    auditlog writes them for a save: the diff from nothing, with the model's masked fields
    masked, the actor and address from the request context. Written together with one
    COPY; the context is asked once, for all (it is the same for every row of a call).
    tests/core/test_audit.py holds the entry of a save and of this side by side. Returns
    how many."""
    connection = connections[router.db_for_write(LogEntry)]
    context = LogEntry(action=LogEntry.Action.CREATE, cid=get_cid())
    pre_save.send(
        sender=LogEntry, instance=context, raw=False, using=connection.alias, update_fields=None
    )
    shared = (
        LogEntry.Action.CREATE,
        "",  # changes_text
        context.actor_id,
        context.actor_email,
        context.cid,
        context.remote_addr or None,  # an empty address is NULL, as the ORM stores it
        context.remote_port,
        context.timestamp,
    )
    quote = connection.ops.quote_name
    columns = ", ".join(quote(LogEntry._meta.get_field(name).column) for name in COPIED_FIELDS)
    rows = []
    for instance in instances:  # before the COPY: a name (__str__) may ask the database
        changes = created_changes(instance)
        if not changes:
            continue
        content_type = ContentType.objects.get_for_model(instance)  # cached by Django
        pk = instance.pk
        additional = getattr(instance, "get_additional_data", None)
        additional = additional() if callable(additional) else None
        rows.append(
            (
                content_type.pk,
                str(pk),
                pk if isinstance(pk, int) else None,
                smart_str(instance),
                Jsonb(changes),
                None if additional is None else Jsonb(additional),
                *shared,
            )
        )
    if rows:
        with connection.cursor() as cursor:
            copy = f"COPY {quote(LogEntry._meta.db_table)} ({columns}) FROM STDIN"
            with cursor.cursor.copy(copy) as stream:
                for row in rows:
                    stream.write_row(row)
    return len(rows)


#: The columns write_created fills: the row's own first, then those shared by the call.
COPIED_FIELDS = (
    "content_type",
    "object_pk",
    "object_id",
    "object_repr",
    "changes",
    "additional_data",
    "action",
    "changes_text",
    "actor",
    "actor_email",
    "cid",
    "remote_addr",
    "remote_port",
    "timestamp",
)
assert set(COPIED_FIELDS) == set(ENTRY_FIELDS)  # noqa: S101 (the same entry as write_entry)


def created_changes(instance: models.Model) -> dict:
    """What model_instance_diff makes of a new row, saved from nothing: each field that holds
    a value, masked where the model masks it. The fields are worked out once per model."""
    use_json = settings.AUDITLOG_STORE_JSON_CHANGES
    changes = {}
    for field, old, mask in _created_fields(type(instance)):
        new = get_field_value(instance, field, use_json)
        if new == old:
            continue
        if mask is not None:
            changes[field.name] = (mask(smart_str(old)), mask(smart_str(new)))
        elif use_json:
            changes[field.name] = tuple(v if is_primitive(v) else smart_str(v) for v in (old, new))
        else:
            changes[field.name] = (smart_str(old), smart_str(new))
    return changes


@functools.cache
def _created_fields(model) -> tuple:
    """The fields a CREATE entry of *model* holds: (field, the value "before" it (nothing),
    the mask function or None), as model_instance_diff picks them for the row's own
    columns. (Not the content type: its row is made anew when a test flushes the tables.)"""
    settings_of = auditlog.get_model_fields(model)
    columns = {f.name for f in model._meta.concrete_fields}
    fields = [f for f in model._meta.get_fields() if track_field(f) and f.name in columns]
    if settings_of["include_fields"]:
        fields = [f for f in fields if f.name in settings_of["include_fields"]]
    fields = [f for f in fields if f.name not in settings_of["exclude_fields"]]
    mask = get_mask_function(settings_of.get("mask_callable"))
    use_json = settings.AUDITLOG_STORE_JSON_CHANGES
    return tuple(
        (
            field,
            get_field_value(None, field, use_json),
            mask if field.name in settings_of["mask_fields"] else None,
        )
        for field in fields
    )


@functools.cache
def _entry_sql(alias: str) -> str:
    quote = connections[alias].ops.quote_name
    meta = LogEntry._meta
    columns = ", ".join(quote(meta.get_field(name).column) for name in ENTRY_FIELDS)
    placeholders = ", ".join("%s" for _ in ENTRY_FIELDS)
    table = quote(meta.db_table)
    return f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608 (names of the model)


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


def delete_rows(queryset, erased: dict[str, list[int]]) -> None:
    """Erase the rows of *queryset* one by one (so each deletion is audited), mask the values
    in their audit entries (scrub), and add their ids to *erased* under the model's label."""
    rows = list(queryset)
    if not rows:
        return
    model = type(rows[0])
    ids = [row.pk for row in rows]
    for row in rows:
        row.delete()
    erased.setdefault(model._meta.label, []).extend(ids)
    scrub(model, ids)


def register_core_models() -> None:
    from .models import Board, BoardMembership, Membership, School, User

    register(User)
    register(Board)
    register(School)
    register(Membership)
    register(BoardMembership)
