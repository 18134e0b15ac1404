"""Audit helpers: which models the audit log follows, how their changes are written, and
ACCESS entries for reads.

Every personal-data model is registered here or in its app's ``apps.py`` with
:func:`register`, which masks encrypted fields completely and never logs password hashes.
Reads of dossiers and exports are logged with :func:`log_access`.

The project keeps its own django-auditlog registry (:data:`registry`), built with the
registry's options: auditlog's own receivers for create, update and delete are off and
this module's are given as its custom receivers. They differ from auditlog's in two ways
that matter here: an update is diffed against the row the UPDATE replaces, read by key
and locked inside the transaction (auditlog reads the whole row unlocked, decrypting every
encrypted field), and the fields each model logs are worked out once, from this registry
(auditlog's ``model_instance_diff`` only reads its global registry). Around each entry
they send auditlog's ``pre_log`` and ``post_log`` as auditlog's receivers do, and every
entry is written by ``AuditEntry.objects.log_create`` (schoolprivacy/audit_entry.py).
"""

import contextlib
import functools

from auditlog.context import disable_auditlog
from auditlog.diff import get_field_value, get_mask_function, is_primitive, track_field
from auditlog.receivers import check_disable
from auditlog.registry import AuditlogModelRegistry
from auditlog.signals import post_log, pre_log
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connections, models, router, transaction
from django.db.models import ForeignKey
from django.db.models.deletion import Collector
from django.db.models.signals import post_delete, post_save, pre_save
from django.utils.encoding import smart_str

from .audit_entry import AuditEntry

#: Field names that are never written to an audit diff, on any model.
NEVER_LOGGED = ("password", "last_login")

#: What a masked field shows in an audit diff, whatever its value.
MASK = "••••••••"

Action = AuditEntry.Action


@check_disable
def log_create(sender, instance, created, **kwargs):
    if created:
        _log(sender, instance, Action.CREATE, old=None, new=instance)


@check_disable
def log_update(sender, instance, update_fields=None, using=None, **kwargs):
    """The entry of an update, diffed against the row the UPDATE replaces.

    The fields the save can change (``update_fields``, else all) are read by key, and the
    row is locked when the save is in a transaction (as the services save): the diff is
    against exactly the row the UPDATE then replaces, in the same transaction.
    """
    if instance._state.adding or instance.pk is None:
        return
    _log(
        sender,
        instance,
        Action.UPDATE,
        old=lambda: _old_row(sender, instance, update_fields, using=using),
        new=instance,
        fields_to_check=update_fields,
    )


@check_disable
def log_delete(sender, instance, **kwargs):
    if instance.pk is not None:
        _log(sender, instance, Action.DELETE, old=instance, new=None)


#: The project's registry: auditlog's receivers for many-to-many changes, these for the rest.
registry = AuditlogModelRegistry(
    create=False,
    update=False,
    delete=False,
    access=False,
    custom={post_save: log_create, pre_save: log_update, post_delete: log_delete},
)


def _log(sender, instance, action, *, old, new, fields_to_check=None) -> None:
    """Write the entry of *action* on *instance* between auditlog's ``pre_log`` and
    ``post_log``, as auditlog's receivers do: a receiver of pre_log that answers False
    stops the entry; post_log hears of the entry or of the error. *old* may be a callable,
    called only when the entry goes ahead."""
    pre_log_results = pre_log.send(sender, instance=instance, action=action)
    if any(result is False for _, result in pre_log_results):
        return
    entry = error = changes = None
    try:
        if callable(old):
            old = old()
        changes = diff(sender, old, new, fields_to_check)
        if changes:
            entry = AuditEntry.objects.log_create(instance, action=action, changes=changes)
    except BaseException as exc:
        error = exc
    finally:
        if entry is not None or error is not None:
            post_log.send(
                sender,
                instance=instance,
                instance_old=old,
                action=action,
                error=error,
                pre_log_results=pre_log_results,
                changes=changes,
                log_entry=entry,
                log_created=entry is not None,
                use_json_for_changes=settings.AUDITLOG_STORE_JSON_CHANGES,
            )
    if error is not None:
        raise error


#: Two markers that never compare equal, for a field one side has not read.
_UNREAD, _NOT_READ = object(), object()


def diff(model, old, new, fields_to_check=None) -> dict | None:
    """What changed between *old* and *new* (either may be None: a row made or deleted), as
    auditlog's ``model_instance_diff`` writes it: per field, (old, new) as text, masked
    where the model masks it; None when nothing did."""
    use_json = settings.AUDITLOG_STORE_JSON_CHANGES
    changes = {}
    both = old is not None and new is not None
    for field, mask in _logged_fields(model):
        if fields_to_check and not (
            field.name in fields_to_check
            or (isinstance(field, ForeignKey) and field.attname in fields_to_check)
        ):
            continue
        # The same value held on both sides is the same text: not worth converting.
        if both and old.__dict__.get(field.attname, _UNREAD) == new.__dict__.get(
            field.attname, _NOT_READ
        ):
            continue
        before = (
            _nothing(field, use_json) if old is None else get_field_value(old, field, use_json)
        )
        after = _nothing(field, use_json) if new is None else get_field_value(new, field, use_json)
        if before == after:
            continue
        if mask is not None:
            changes[field.name] = (mask(smart_str(before)), mask(smart_str(after)))
        elif use_json:
            changes[field.name] = tuple(
                v if is_primitive(v) else smart_str(v) for v in (before, after)
            )
        else:
            changes[field.name] = (smart_str(before), smart_str(after))
    return changes or None


@functools.cache
def _nothing(field, use_json: bool):
    """What auditlog's diff shows on the side of a row that is not there (made or deleted)."""
    return get_field_value(None, field, use_json)


@functools.cache
def _logged_fields(model) -> tuple:
    """The fields an entry of *model* holds, (field, its mask function or None): the row's
    own columns that auditlog tracks, less those the registration excludes."""
    options = registry.get_model_fields(model)
    fields = [f for f in model._meta.get_fields() if f.concrete and track_field(f)]
    if options["include_fields"]:
        fields = [f for f in fields if f.name in options["include_fields"]]
    fields = [f for f in fields if f.name not in options["exclude_fields"]]
    mask = get_mask_function(options.get("mask_callable"))
    return tuple((f, mask if f.name in options["mask_fields"] else None) for f in fields)


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

    if registry.contains(model):
        return
    always = [f.name for f in encrypted_fields(model) if f.name not in exclude]
    registry.register(
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
    AuditEntry.objects.log_create(
        obj, action=Action.ACCESS, changes=changes, actor=actor, force_log=True
    )


def write_created(instances) -> int:
    """The CREATE entries for rows made with ``bulk_create`` (which sends no signals), as a
    save writes them: the diff from nothing, masked where the model masks, the actor and
    address from the request context. tests/core/test_audit.py holds the entry of a save
    and of this side by side. Returns how many."""
    return AuditEntry.objects.log_create_many(
        instances, action=Action.CREATE, changes_of=created_changes
    )


def created_changes(instance: models.Model) -> dict:
    """The changes of the CREATE entry of *instance*: each logged field that holds a value."""
    return diff(type(instance), None, instance) or {}


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
 WHERE (content_type_id, object_id) IN (
           SELECT * FROM unnest(%(types)s::integer[], %(ids)s::bigint[])
       )
   AND action <> %(access)s
   AND object_repr <> %(erased)s
"""

#: Where scrubbing() keeps, on the connection, what its block is to mask at its end.
_PENDING = "schoolprivacy_scrub_pending"


def scrub(model: type[models.Model], ids) -> int:
    """Keep the fact, not the data: mask every value in the audit entries of erased objects.

    Who did what to which field, and when, stays; what the values were goes.
    ACCESS entries (who looked) hold no values and stay as they are. PostgreSQL
    allows this one change to its append-only log only inside a transaction that
    says so (``schoolprivacy.audit_scrub``; see migration 0005). Returns the
    number of entries masked; inside :func:`scrubbing`, 0: its end masks them.
    """
    ids = {int(i) for i in ids}
    if not ids:
        return 0
    content_type = ContentType.objects.get_for_model(model, for_concrete_model=False)
    pending = getattr(connections[router.db_for_write(AuditEntry)], _PENDING, None)
    if pending is not None:
        pending.setdefault(content_type.pk, set()).update(ids)
        return 0
    return _mask({content_type.pk: ids})


@contextlib.contextmanager
def scrubbing():
    """Mask once, at the end: inside this block scrub() notes what to mask, and the end of
    the outermost block masks it all with one UPDATE (an erasure touches a dozen models:
    one statement for all, where each took three). Entries written inside the block
    about those objects are masked too. Nothing is masked when the block fails: its
    transaction is rolled back with what it erased."""
    connection = connections[router.db_for_write(AuditEntry)]
    if getattr(connection, _PENDING, None) is not None:
        yield
        return
    if not connection.in_atomic_block:
        # Outside a transaction each erasure inside would commit on its own, and a failure
        # later in the block would leave erased rows whose entries were never masked.
        raise RuntimeError("audit.scrubbing() must run inside a transaction")
    setattr(connection, _PENDING, {})
    try:
        yield
        pending = getattr(connection, _PENDING)
    finally:
        setattr(connection, _PENDING, None)
    _mask(pending)


def _mask(objects: dict[int, set[int]]) -> int:
    """Mask the audit entries of *objects* (ids by content type) with one UPDATE."""
    pairs = sorted((ct, pk) for ct, ids in objects.items() for pk in ids)
    if not pairs:
        return 0
    connection = connections[router.db_for_write(AuditEntry)]
    # Inside the caller's transaction where there is one: a savepoint would only cost a
    # round trip (the erasure that calls this stands or falls as a whole).
    with (
        transaction.atomic(using=connection.alias, savepoint=False),
        connection.cursor() as cursor,
    ):
        cursor.execute("SET LOCAL schoolprivacy.audit_scrub = 'on'")
        cursor.execute(
            _SCRUB,
            {
                "mask": MASK,
                "erased": ERASED,
                "types": [ct for ct, _pk in pairs],
                "ids": [pk for _ct, pk in pairs],
                "access": Action.ACCESS,
            },
        )
        masked = cursor.rowcount
        cursor.execute("SET LOCAL schoolprivacy.audit_scrub = 'off'")
    return masked


def write_deleted(instances) -> int:
    """The DELETE entries of *instances*, as deleting each would write them (the diff to
    nothing, masked where the model masks), with one COPY. Returns how many."""
    return AuditEntry.objects.log_create_many(
        instances, action=Action.DELETE, changes_of=lambda row: diff(type(row), row, None)
    )


def delete_rows(queryset, erased: dict[str, list[int]]) -> None:
    """Erase the rows of *queryset*, and every row that goes with them, each deletion
    audited; mask the values in their audit entries (scrub); add their ids to *erased*
    under the model's label.

    As a set, not row by row: Django's collector finds what goes (the cascades too), the
    DELETE entries of every audited model are written with one COPY each, and the rows go
    with one DELETE per model: at board scale the retention sweep erases thousands of
    pupils' dossiers a night, and a DELETE and an INSERT per row was most of its time.
    """
    rows = list(queryset)
    if not rows:
        return
    model = type(rows[0])
    ids = [row.pk for row in rows]
    using = router.db_for_write(model)
    with transaction.atomic(using=using, savepoint=False):
        collector = Collector(using=using)
        collector.collect(rows)
        for collected_model, instances in collector.data.items():
            if registry.contains(collected_model):
                write_deleted(instances)
        with disable_auditlog():  # written above, for all at once
            collector.delete()
    erased.setdefault(model._meta.label, []).extend(ids)
    scrub(model, ids)


def register_core_models() -> None:
    from .models import Board, BoardMembership, Membership, School, User

    register(User)
    register(Board)
    register(School)
    register(Membership)
    register(BoardMembership)
