"""Reading settings from the environment, with clear messages when they are wrong."""

import base64
import binascii
import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_MISSING = object()


def load_env_file(path: Path) -> None:
    """Load KEY=VALUE lines from *path* into os.environ, never overriding what is already set."""
    if not path.is_file():
        return
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        os.environ.setdefault(key.strip(), value.strip().strip("'\""))


def env_str(name: str, default: object = _MISSING) -> str:
    value = os.environ.get(name, "").strip()
    if value:
        return value
    if default is _MISSING:
        raise ImproperlyConfigured(
            f"The environment variable {name} is required but not set. "
            f"See .env.example for what it means and how to make one."
        )
    return default  # type: ignore[return-value]


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None


def env_list(name: str, default: object = _MISSING) -> list[str]:
    value = env_str(name, default="" if default is not _MISSING else _MISSING)
    items = [item.strip() for item in value.split(",") if item.strip()]
    if not items and default is not _MISSING:
        return list(default)  # type: ignore[call-overload]
    return items


def decode_key(name: str, value: str) -> bytes:
    """Decode one urlsafe-base64 key of exactly 32 bytes (256 bits)."""
    try:
        key = base64.urlsafe_b64decode(value.encode("ascii"))
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raise ImproperlyConfigured(f"{name} holds a value that is not urlsafe base64.") from None
    if len(key) != 32:
        raise ImproperlyConfigured(
            f"{name} must hold keys of 32 bytes (44 base64 characters); one has {len(key)}."
        )
    return key


def env_keys(name: str) -> list[bytes]:
    """A comma-separated list of 32-byte keys: the first encrypts, all decrypt."""
    return [decode_key(name, item) for item in env_list(name)]
