"""The audit log's entry: django-auditlog's log entry, with the one way entries are written.

``AUDITLOG_LOGENTRY_MODEL`` names :class:`AuditEntry`, so everything django-auditlog does
(its receivers for many-to-many changes, its request context, its admin) and everything
this project does (schoolprivacy/audit.py) writes through ``AuditEntry.objects.log_create``
and reads the same table, ``auditlog_logentry``, which django-auditlog's migrations made
and migration 0012 takes over in the project's state without touching it.

Why not the ORM's INSERT: every audited save and every look at a dossier writes an entry,
and building that INSERT cost more than the save it logs (``make bench``, M4). The manager
puts an entry in with one prepared statement, and the rows of a ``bulk_create`` with one
COPY. Each entry is still made as an AuditEntry and announced with ``pre_save``, so that
django-auditlog's request context (auditlog.context, set by its middleware or
``set_actor``) adds the actor, the actor's e-mail and the address as it does for a save.
tests/core/test_audit.py holds the ORM's row and this one side by side.
"""

import functools

from auditlog.cid import get_cid
from auditlog.models import DEFAULT_OBJECT_REPR, AbstractLogEntry, LogEntryManager
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist
from django.db import connections, models, router
from django.db.models.signals import pre_save
from django.utils import timezone
from django.utils.encoding import smart_str
from django.utils.translation import gettext_lazy as _
from psycopg.types.json import Jsonb

#: The columns an entry is written with: the object's own first, then those of the call.
COLUMNS = (
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


class AuditEntryManager(LogEntryManager):
    def log_create(self, instance, force_log: bool = False, **kwargs):
        """Write one entry about *instance*, as django-auditlog's ``log_create`` does (the
        same defaults, the same None when there is nothing to log), with one INSERT."""
        if kwargs.get("changes") is None and not force_log:
            return None
        pk = self._get_pk_value(instance)
        kwargs.setdefault("content_type", ContentType.objects.get_for_model(instance))
        kwargs.setdefault("object_pk", pk)
        kwargs.setdefault("object_repr", _name_of(instance))
        if isinstance(pk, int):
            kwargs.setdefault("object_id", pk)
        kwargs.setdefault("additional_data", _additional_data(instance))
        kwargs.setdefault("cid", get_cid())
        entry = self.model(**kwargs)
        connection = self._announce(entry)
        values = [
            field.get_db_prep_save(getattr(entry, field.attname), connection)
            for field in _fields(self.model)
        ]
        with connection.cursor() as cursor:
            cursor.execute(_insert_sql(self.model, connection.alias), values)
            entry.pk = cursor.fetchone()[0]
        entry._state.adding = False
        entry._state.db = connection.alias
        return entry

    def log_create_many(self, instances, *, action: int, changes_of) -> int:
        """Write one entry for each of *instances* whose ``changes_of(instance)`` is not empty,
        with one COPY: for rows made with ``bulk_create``, which sends no signals. The request
        context is asked once, for all (it is the same for every row of a call). Returns how
        many were written."""
        context = self.model(action=action, cid=get_cid())
        connection = self._announce(context)
        shared = (
            action,
            "",  # changes_text
            context.actor_id,
            context.actor_email,
            context.cid,
            context.remote_addr or None,  # an empty address is NULL, as the ORM stores it
            context.remote_port,
            context.timestamp,
        )
        rows = []
        for instance in instances:  # before the COPY: a name (__str__) may ask the database
            changes = changes_of(instance)
            if not changes:
                continue
            pk = instance.pk
            additional = _additional_data(instance)
            rows.append(
                (
                    ContentType.objects.get_for_model(instance).pk,  # cached by Django
                    str(pk),
                    pk if isinstance(pk, int) else None,
                    _name_of(instance),
                    Jsonb(changes),
                    None if additional is None else Jsonb(additional),
                    *shared,
                )
            )
        if rows:
            quote = connection.ops.quote_name
            columns = ", ".join(quote(field.column) for field in _fields(self.model))
            copy = f"COPY {quote(self.model._meta.db_table)} ({columns}) FROM STDIN"
            with connection.cursor() as cursor, cursor.cursor.copy(copy) as stream:
                for row in rows:
                    stream.write_row(row)
        return len(rows)

    def _announce(self, entry):
        """Send ``pre_save`` for *entry* as a save would, so that the request context fills
        in who and from where; the connection the entry is written to."""
        connection = connections[router.db_for_write(self.model)]
        pre_save.send(
            sender=self.model,
            instance=entry,
            raw=False,
            using=connection.alias,
            update_fields=None,
        )
        return connection


class AuditEntry(AbstractLogEntry):
    """One audit log entry; the fields are django-auditlog's (auditlog.models).

    Its indexes are the ones the queries use: every entry is written once and most are
    never read, so each index is paid for on every insert. django-auditlog indexes six
    columns nobody here searches by (action, cid, object_pk, timestamp, and content type
    and object id apart); the fields below are django-auditlog's without those indexes,
    and one composite index serves "this object's history, newest first" (the portal's
    who looked, the dossier's history, the masking of an erased object's entries).
    The actor's index (the history's filter by person) and the pupil's (entries about
    a pupil's dossier items: pupils migration 0002) stay.
    """

    content_type: "models.ForeignKey[ContentType, ContentType]" = models.ForeignKey(
        to="contenttypes.ContentType",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("content type"),
        db_index=False,
    )
    object_pk: models.CharField = models.CharField(max_length=255, verbose_name=_("object pk"))
    object_id: models.BigIntegerField = models.BigIntegerField(
        blank=True, null=True, verbose_name=_("object id")
    )
    action: models.PositiveSmallIntegerField = models.PositiveSmallIntegerField(
        choices=AbstractLogEntry.Action.choices, verbose_name=_("action")
    )
    cid: models.CharField = models.CharField(  # noqa: DJ001 (django-auditlog's column)
        max_length=255,
        blank=True,
        null=True,
        verbose_name=_("Correlation ID"),
    )
    timestamp: models.DateTimeField = models.DateTimeField(
        default=timezone.now, verbose_name=_("timestamp")
    )

    objects = AuditEntryManager()

    class Meta(AbstractLogEntry.Meta):
        db_table = "auditlog_logentry"
        indexes = [
            models.Index(
                fields=["content_type", "object_id", "-timestamp"], name="audit_object_history_idx"
            )
        ]


def _name_of(instance) -> str:
    try:
        return smart_str(instance)
    except ObjectDoesNotExist:
        return DEFAULT_OBJECT_REPR


def _additional_data(instance):
    additional = getattr(instance, "get_additional_data", None)
    return additional() if callable(additional) else None


@functools.cache
def _fields(model) -> tuple:
    return tuple(model._meta.get_field(name) for name in COLUMNS)


@functools.cache
def _insert_sql(model, alias: str) -> str:
    quote = connections[alias].ops.quote_name
    columns = ", ".join(quote(field.column) for field in _fields(model))
    placeholders = ", ".join("%s" for _ in COLUMNS)
    table, key = quote(model._meta.db_table), quote(model._meta.pk.column)
    return f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) RETURNING {key}"  # noqa: S608 (names of the model)
