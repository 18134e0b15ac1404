"""Model fields whose values are encrypted at rest and bound to their table, column and row.

``EncryptedTextField`` and ``EncryptedCharField`` store a token from
:mod:`schoolprivacy.encryption` in a ``text`` column. The associated data is
``<db_table>.<column>.<uid>``, where *uid* is the row's UUID field named by
``bind_to`` (default ``"uid"``; a system check makes sure it exists and is unique).

For the programmer the attribute holds plaintext:

- a value loaded from the database stays sealed until the attribute is read, and
  is then decrypted with the instance's own uid (a token copied from another row
  or column raises :class:`~schoolprivacy.encryption.EncryptionError` there);
- assigning text sets plaintext; ``Model.save()`` (and ``bulk_create()``)
  encrypts it in ``pre_save``. A value that did not change is written back as the
  same token, unless that token was sealed with a key that is no longer the
  current one, in which case it is sealed afresh;
- ``None`` is stored as NULL (with ``null=True``); ``""`` is encrypted like any text.

What does not hold plaintext: ``QuerySet.values()``/``values_list()`` return the
tokens (as :class:`Ciphertext`, a ``str``), and ordering or aggregating on these
columns works on tokens. Only the ``isnull`` lookup is allowed; exact and text
lookups raise ``FieldError`` (use a blind index). ``QuerySet.update()``,
``bulk_update()`` and raw saves (``loaddata``) cannot bind a value to its row and
are refused rather than writing plaintext. An encrypted field added to a table
that already has rows must be ``null=True`` (or filled by a data migration).
Django's serializers (``dumpdata``) see the plaintext, like any Python code does.
"""

from django import forms
from django.apps import apps
from django.core import checks, validators
from django.core.exceptions import FieldError
from django.db import models
from django.db.models.lookups import Exact, IsNull
from django.db.models.query_utils import DeferredAttribute

from . import checks as encryption_checks
from .encryption import current_key_id, decrypt, encrypt, token_key_id

# Per instance: attname -> (context, token, plaintext) of the last value read or written.
_CACHE = "_encrypted_field_cache"

NOT_SEARCHABLE = (
    "Encrypted fields cannot be searched; use a blind index "
    "(schoolprivacy.encryption.blind_index) for exact lookups. Only '{field}__isnull' works."
)


class Ciphertext(str):
    """A token as stored in the database, as opposed to plaintext assigned in Python."""

    __slots__ = ()


class _EncryptedAttribute(DeferredAttribute):
    """Holds plaintext for the programmer; a loaded token is decrypted on first read."""

    def __get__(self, instance, cls=None):
        if instance is None:
            return self
        field = self.field
        value = field.raw_value(instance)
        if isinstance(value, Ciphertext):
            value = field.open(instance, value)
        return value

    def __set__(self, instance, value):
        instance.__dict__[self.field.attname] = value


class _ExactNoneOnly(Exact):
    """``field=None`` (which Django turns into ``isnull``) and nothing else."""

    def __init__(self, lhs, rhs):
        if rhs is not None:
            raise FieldError(NOT_SEARCHABLE.format(field=lhs.output_field.name))
        super().__init__(lhs, rhs)


class EncryptedTextField(models.TextField):
    """Text encrypted with AES-256-GCM, bound to its table, column and row (see module docs)."""

    descriptor_class = _EncryptedAttribute

    def __init__(self, *args, bind_to: str = "uid", **kwargs):
        self.bind_to = bind_to
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.bind_to != "uid":
            kwargs["bind_to"] = self.bind_to
        return name, path, args, kwargs

    def check(self, **kwargs):
        return [*super().check(**kwargs), *encryption_checks.check_encrypted_field(self)]

    # --- Reading and writing --------------------------------------------

    def context_for(self, instance: models.Model) -> str:
        """The associated data that binds this field's value on *instance* to its row."""
        uid = getattr(instance, self.bind_to)
        if uid is None or uid == "":
            raise ValueError(
                f"{self.model._meta.label}.{self.bind_to} is empty; "
                f"{self.name} cannot be encrypted or decrypted without it."
            )
        field = declared_field(self.model, self.bind_to)
        return f"{self.model._meta.db_table}.{self.column}.{field.to_python(uid)}"

    def raw_value(self, instance: models.Model):
        """What the instance holds: None, plaintext, or a still sealed :class:`Ciphertext`."""
        data = instance.__dict__
        if self.attname not in data:  # deferred: fetch the token only
            manager = type(instance)._base_manager.db_manager(
                instance._state.db, hints={"instance": instance}
            )
            data[self.attname] = (
                manager.filter(pk=instance.pk).values_list(self.attname, flat=True).get()
            )
        return data[self.attname]

    def open(self, instance: models.Model, token: Ciphertext) -> str:
        """Decrypt *token* for *instance*, keep the plaintext and remember the token."""
        context = self.context_for(instance)
        plaintext = decrypt(token, context=context)
        instance.__dict__[self.attname] = plaintext
        instance.__dict__.setdefault(_CACHE, {})[self.attname] = (context, token, plaintext)
        return plaintext

    def from_db_value(self, value, expression, connection):
        return None if value is None else Ciphertext(value)

    def pre_save(self, model_instance, add):
        """The token to store: the loaded one if the value and key are current, else a new one."""
        value = self.raw_value(model_instance)
        if value is None:
            return None
        if isinstance(value, Ciphertext):
            value = self.open(model_instance, value)  # also proves it belongs to this row
        value = self.to_python(value)
        context = self.context_for(model_instance)
        cached = model_instance.__dict__.get(_CACHE, {}).get(self.attname)
        if (
            cached is not None
            and cached[0] == context
            and cached[2] == value
            and token_key_id(cached[1]) == current_key_id()
        ):
            return cached[1]
        token = Ciphertext(encrypt(value, context=context))
        model_instance.__dict__.setdefault(_CACHE, {})[self.attname] = (context, token, value)
        return token

    def get_db_prep_value(self, value, connection, prepared=False):
        if value is None or isinstance(value, Ciphertext):
            return None if value is None else str(value)
        raise FieldError(
            f"{self.model._meta.label}.{self.name} is encrypted per row: write it with "
            "Model.save() or bulk_create(), not with update(), bulk_update() or a raw save."
        )

    # --- Searching: only IS NULL ----------------------------------------

    def get_lookup(self, lookup_name):
        if lookup_name == "isnull":
            return IsNull
        if lookup_name == "exact":
            return _ExactNoneOnly
        raise FieldError(NOT_SEARCHABLE.format(field=self.name))

    def get_transform(self, lookup_name):
        raise FieldError(NOT_SEARCHABLE.format(field=self.name))


class EncryptedCharField(EncryptedTextField):
    """An encrypted single line: ``max_length`` limits the plaintext, the column is ``text``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if isinstance(self.max_length, int) and self.max_length > 0:
            self.validators.append(validators.MaxLengthValidator(self.max_length))

    def check(self, **kwargs):
        errors = super().check(**kwargs)
        if not isinstance(self.max_length, int) or self.max_length <= 0:
            errors.append(
                checks.Error(
                    "EncryptedCharField needs a positive integer max_length (of the plaintext).",
                    obj=self,
                    id="encryption.E005",
                )
            )
        return errors

    def formfield(self, **kwargs):
        from django.contrib.admin import widgets as admin_widgets

        # The admin picks widgets by field class and would give this TextField a textarea.
        if kwargs.get("widget") is admin_widgets.AdminTextareaWidget:
            kwargs["widget"] = admin_widgets.AdminTextInputWidget
        defaults = {"max_length": self.max_length, "form_class": forms.CharField}
        if self.null:
            defaults["empty_value"] = None
        defaults.update(kwargs)
        # Skip TextField.formfield: a single-line input, not a textarea.
        return models.Field.formfield(self, **defaults)


def encrypted_fields(model: type[models.Model]) -> list[EncryptedTextField]:
    """The encrypted fields whose column lives in *model*'s own table."""
    return [f for f in model._meta.local_concrete_fields if isinstance(f, EncryptedTextField)]


def models_with_encrypted_fields() -> list[type[models.Model]]:
    """Every installed, non-proxy model that has an encrypted column of its own."""
    return [
        model for model in apps.get_models() if not model._meta.proxy and encrypted_fields(model)
    ]


def declared_field(model: type[models.Model] | models.Model, name: str) -> models.Field:
    """The field *name* of *model* that holds a value: what ``_meta.get_field`` gives for
    a name the code declares, never a reverse relation or a generic foreign key."""
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field):
        raise FieldError(f"{model._meta.label}.{name} is a relation, not a field")
    return field
