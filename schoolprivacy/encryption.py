"""Authenticated encryption of single values, and the blind index for exact lookups.

Values are sealed with AES-256-GCM under the first key of
``settings.FIELD_ENCRYPTION_KEYS``; every key in that list can open them. A token
is text, ``v1.<key id>.<urlsafe base64 of nonce + ciphertext + tag>``, so that
:func:`decrypt` picks its key by id. The *context* (for model fields
``<table>.<column>.<row uid>``) is authenticated with the value but not stored: a
token opens only with the context it was sealed with, so a ciphertext copied to
another row or column, or altered in any way, raises :class:`EncryptionError`.
"""

import base64
import binascii
import functools
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

VERSION = "v1"
KEY_SIZE = 32  # AES-256
NONCE_SIZE = 12  # 96 bits, the size GCM is defined for
TAG_SIZE = 16
KEY_ID_LENGTH = 8  # hex characters


class EncryptionError(Exception):
    """A token that is malformed, altered, bound elsewhere or sealed with an unknown key."""


def key_id(key: bytes) -> str:
    """A short public fingerprint of *key*; it reveals nothing about the key itself."""
    digest = hashlib.sha256(b"schoolprivacy field key id\x00" + key).hexdigest()
    return digest[:KEY_ID_LENGTH]


def current_key_id() -> str:
    """The fingerprint of the key that encrypts now (the first of FIELD_ENCRYPTION_KEYS)."""
    return _keyring(tuple(settings.FIELD_ENCRYPTION_KEYS))[0]


def token_prefix(kid: str) -> str:
    """The text every token sealed with the key *kid* starts with."""
    return f"{VERSION}.{kid}."


def token_key_id(token: str) -> str:
    """The fingerprint of the key that sealed *token* (no decryption, no key needed)."""
    return _split(token)[0]


def encrypt(plaintext: str, *, context: str) -> str:
    """Seal *plaintext* with the current key; only decrypt() with the same context opens it."""
    if not isinstance(plaintext, str):
        raise TypeError(f"only text can be encrypted, not {type(plaintext).__name__}")
    kid, keys = _keyring(tuple(settings.FIELD_ENCRYPTION_KEYS))
    nonce = os.urandom(NONCE_SIZE)
    sealed = keys[kid].encrypt(nonce, plaintext.encode("utf-8"), _associated_data(kid, context))
    payload = base64.urlsafe_b64encode(nonce + sealed).decode("ascii")
    return f"{token_prefix(kid)}{payload}"


def decrypt(token: str, *, context: str) -> str:
    """The plaintext of *token*; EncryptionError if altered, bound elsewhere or its key is gone."""
    kid, blob = _split(token)
    _, keys = _keyring(tuple(settings.FIELD_ENCRYPTION_KEYS))
    try:
        aesgcm = keys[kid]
    except KeyError:
        raise EncryptionError(
            f"The value was encrypted with key {kid}, which is not in FIELD_ENCRYPTION_KEYS."
        ) from None
    try:
        plaintext = aesgcm.decrypt(
            blob[:NONCE_SIZE], blob[NONCE_SIZE:], _associated_data(kid, context)
        )
    except InvalidTag:
        raise EncryptionError(
            f"The value does not open for {context}: it was altered or belongs elsewhere."
        ) from None
    try:
        return plaintext.decode("utf-8")
    except UnicodeDecodeError:  # pragma: no cover - only possible with a forged valid tag
        raise EncryptionError("The decrypted value is not UTF-8 text.") from None


def new_data_key() -> str:
    """A fresh random key for one document (seal_bytes), as text to store encrypted."""
    return base64.urlsafe_b64encode(os.urandom(KEY_SIZE)).decode("ascii")


def seal_bytes(data: bytes, *, data_key: str, context: str) -> bytes:
    """*data* sealed with *data_key* (new_data_key): nonce + ciphertext + tag. Only
    open_bytes() with the same key and context opens it."""
    nonce = os.urandom(NONCE_SIZE)
    return nonce + AESGCM(_data_key(data_key)).encrypt(nonce, data, context.encode())


def open_bytes(sealed: bytes, *, data_key: str, context: str) -> bytes:
    """The bytes sealed by seal_bytes(); EncryptionError if altered or bound elsewhere."""
    sealed = bytes(sealed)
    if len(sealed) < NONCE_SIZE + TAG_SIZE:
        raise EncryptionError("The sealed document is too short.")
    try:
        return AESGCM(_data_key(data_key)).decrypt(
            sealed[:NONCE_SIZE], sealed[NONCE_SIZE:], context.encode()
        )
    except InvalidTag:
        raise EncryptionError(
            f"The document does not open for {context}: it was altered or belongs elsewhere."
        ) from None


def _data_key(text: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(text.encode("ascii"))
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raise EncryptionError("The document key is not valid base64.") from None
    if len(key) != KEY_SIZE:
        raise EncryptionError("The document key has the wrong length.")
    return key


def blind_index(value: str) -> str:
    """HMAC-SHA256 of *value* (surrounding whitespace removed) with BSN_HMAC_KEY, as hex.

    Equal values give equal indexes, so it serves exact lookups and uniqueness;
    without the key it cannot be recomputed from a guessed value.
    """
    normalised = value.strip()
    return hmac.new(settings.BSN_HMAC_KEY, normalised.encode("utf-8"), hashlib.sha256).hexdigest()


def _associated_data(kid: str, context: str) -> bytes:
    if not context:
        raise ValueError("encryption needs a context, e.g. '<table>.<column>.<row uid>'")
    return f"{VERSION}.{kid}.{context}".encode()


def _split(token: str) -> tuple[str, bytes]:
    """The key id and the raw nonce + ciphertext + tag of a well-formed token."""
    if not isinstance(token, str):
        raise EncryptionError(f"A token is text, not {type(token).__name__}.")
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != VERSION or len(parts[1]) != KEY_ID_LENGTH:
        raise EncryptionError("The value is not an encrypted token of a known format.")
    try:
        blob = base64.b64decode(parts[2].encode("ascii"), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raise EncryptionError("The encrypted token is not valid base64.") from None
    if len(blob) < NONCE_SIZE + TAG_SIZE:
        raise EncryptionError("The encrypted token is too short.")
    return parts[1], blob


@functools.lru_cache(maxsize=8)
def _keyring(keys: tuple[bytes, ...]) -> tuple[str, dict[str, AESGCM]]:
    """The id of the encrypting key and a cipher for every key, by id."""
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty; encrypted fields need a key.")
    ring: dict[str, AESGCM] = {}
    for key in keys:
        if not isinstance(key, bytes) or len(key) != KEY_SIZE:
            raise ImproperlyConfigured("Every FIELD_ENCRYPTION_KEYS entry must be 32 bytes.")
        kid = key_id(key)
        if kid in ring:
            raise ImproperlyConfigured(
                f"Two FIELD_ENCRYPTION_KEYS entries share the key id {kid}: "
                "remove the duplicate or generate a new key."
            )
        ring[kid] = AESGCM(key)
    return key_id(keys[0]), ring
