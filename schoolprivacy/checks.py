"""System checks for encryption at rest: fields bound to a row uid, and usable keys."""

from django.conf import settings
from django.core import checks
from django.core.exceptions import FieldDoesNotExist
from django.db import models

from .encryption import KEY_SIZE, key_id


def check_encrypted_field(field) -> list[checks.CheckMessage]:
    """Errors for an encrypted field that cannot be bound to its row or claims to be searchable."""
    errors: list[checks.CheckMessage] = []
    model = field.model
    label = f"{model._meta.label}.{field.name}"
    try:
        uid = model._meta.get_field(field.bind_to)
    except FieldDoesNotExist:
        errors.append(
            checks.Error(
                f"{label} is encrypted and bound to the row's '{field.bind_to}', "
                f"but {model._meta.label} has no such field.",
                hint=(
                    f"Add {field.bind_to} = models.UUIDField(default=uuid.uuid4, unique=True, "
                    "editable=False), or name the model's UUID field with bind_to=."
                ),
                obj=field,
                id="encryption.E001",
            )
        )
    else:
        if not isinstance(uid, models.UUIDField) or not uid.unique or uid.null:
            errors.append(
                checks.Error(
                    f"{label} is bound to {model._meta.label}.{field.bind_to}, "
                    "which is not a unique, non-null UUIDField.",
                    hint="Each row needs its own UUID, or ciphertexts could move between rows.",
                    obj=field,
                    id="encryption.E002",
                )
            )
    if field.primary_key or field.unique or field.db_index:
        errors.append(
            checks.Error(
                f"{label} is encrypted and cannot be unique, indexed or a primary key: "
                "every encryption gives a different ciphertext.",
                hint="Store a blind index (schoolprivacy.encryption.blind_index) next to it.",
                obj=field,
                id="encryption.E003",
            )
        )
    if field.has_db_default():
        errors.append(
            checks.Error(
                f"{label} is encrypted and cannot have a db_default: "
                "the database would hold plaintext.",
                hint="Use default= instead; it is encrypted when the row is saved.",
                obj=field,
                id="encryption.E004",
            )
        )
    return errors


@checks.register(checks.Tags.security)
def check_encryption_keys(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Errors when the field keys or the blind-index key are missing, malformed or shared."""
    errors: list[checks.CheckMessage] = []
    keys = getattr(settings, "FIELD_ENCRYPTION_KEYS", None) or []
    if not keys:
        errors.append(
            checks.Error(
                "FIELD_ENCRYPTION_KEYS is empty; encrypted fields cannot be read or written.",
                id="encryption.E010",
            )
        )
    if any(not isinstance(key, bytes) or len(key) != KEY_SIZE for key in keys):
        errors.append(
            checks.Error(
                "Every FIELD_ENCRYPTION_KEYS entry must be 32 bytes.", id="encryption.E011"
            )
        )
    elif len({key_id(key) for key in keys}) != len(keys):
        errors.append(
            checks.Error(
                "FIELD_ENCRYPTION_KEYS lists a key twice (or two keys share a key id).",
                hint="Remove the duplicate; if the keys differ, generate a new one.",
                id="encryption.E012",
            )
        )
    hmac_key = getattr(settings, "BSN_HMAC_KEY", None)
    if not isinstance(hmac_key, bytes) or len(hmac_key) != KEY_SIZE:
        errors.append(checks.Error("BSN_HMAC_KEY must be 32 bytes.", id="encryption.E013"))
    elif hmac_key in keys:
        errors.append(
            checks.Error(
                "BSN_HMAC_KEY is also an encryption key; the blind index needs a key of its own.",
                id="encryption.E014",
            )
        )
    return errors
