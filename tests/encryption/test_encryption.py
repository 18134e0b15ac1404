"""The encryption primitives: sealed values, key ids and the blind index."""

import base64

import pytest
from django.conf import settings
from django.test import override_settings

from schoolprivacy.encryption import (
    EncryptionError,
    blind_index,
    current_key_id,
    decrypt,
    encrypt,
    key_id,
    token_key_id,
)

from .helpers import NEW_KEY

CONTEXT = "pupils_specialrecord.content.0b6f3c1e-7d2a-4c55-9a51-2f1a8b7c6d5e"
MEDICAL = "Epilepsie: bij aanval > 5 min Buccolam 7,5 mg"


def test_a_sealed_value_opens_again_with_the_same_context():
    token = encrypt(MEDICAL, context=CONTEXT)
    assert decrypt(token, context=CONTEXT) == MEDICAL


def test_the_token_names_the_current_key_and_hides_the_text():
    token = encrypt(MEDICAL, context=CONTEXT)
    version, kid, payload = token.split(".")
    assert version == "v1"
    assert kid == current_key_id() == key_id(settings.FIELD_ENCRYPTION_KEYS[0])
    assert token_key_id(token) == kid
    assert MEDICAL not in token
    assert "Epilepsie" not in base64.urlsafe_b64decode(payload).decode("latin-1")


def test_the_same_text_gives_a_different_token_every_time():
    assert encrypt(MEDICAL, context=CONTEXT) != encrypt(MEDICAL, context=CONTEXT)


def test_empty_and_non_ascii_text_round_trip():
    for text in ("", "Zoë Çelik – ĳsallergie 🥜"):
        assert decrypt(encrypt(text, context=CONTEXT), context=CONTEXT) == text


def test_a_value_does_not_open_in_another_context():
    token = encrypt(MEDICAL, context=CONTEXT)
    for other in (
        CONTEXT.replace("content", "summary"),
        CONTEXT[:-1] + "f",
        "pupils_pupil.content." + CONTEXT.rsplit(".", 1)[1],
    ):
        with pytest.raises(EncryptionError):
            decrypt(token, context=other)


@pytest.mark.parametrize("position", [3, 12, 20, -5, -1])
def test_changing_any_character_of_a_token_is_detected(position):
    token = encrypt(MEDICAL, context=CONTEXT)
    index = position % len(token)
    replacement = "A" if token[index] != "A" else "B"
    tampered = token[:index] + replacement + token[index + 1 :]
    with pytest.raises(EncryptionError):
        decrypt(tampered, context=CONTEXT)


@pytest.mark.parametrize(
    "token",
    ["", "plaintext", "v1.abc", "v2.00000000.AAAA", "v1.00000000.!!!!", "v1.00000000.AAAA", None],
)
def test_malformed_tokens_are_refused(token):
    with pytest.raises(EncryptionError):
        decrypt(token, context=CONTEXT)


def test_every_listed_key_decrypts_but_only_the_first_encrypts():
    old, new = settings.FIELD_ENCRYPTION_KEYS[0], NEW_KEY
    with override_settings(FIELD_ENCRYPTION_KEYS=[old]):
        token = encrypt(MEDICAL, context=CONTEXT)
    with override_settings(FIELD_ENCRYPTION_KEYS=[new, old]):
        assert decrypt(token, context=CONTEXT) == MEDICAL
        assert token_key_id(encrypt(MEDICAL, context=CONTEXT)) == key_id(new)


def test_a_value_sealed_with_an_unknown_key_is_refused():
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW_KEY]):
        token = encrypt(MEDICAL, context=CONTEXT)
    with pytest.raises(EncryptionError, match=key_id(NEW_KEY)):
        decrypt(token, context=CONTEXT)


def test_key_ids_are_short_stable_and_differ_per_key():
    keys = [*settings.FIELD_ENCRYPTION_KEYS, NEW_KEY]
    ids = [key_id(key) for key in keys]
    assert len(set(ids)) == len(keys)
    assert all(len(kid) == 8 and kid == key_id(key) for kid, key in zip(ids, keys, strict=True))
    assert all(key.hex()[:8] not in kid for kid, key in zip(ids, keys, strict=True))


def test_the_blind_index_is_the_same_for_the_same_number():
    assert blind_index("123456782") == blind_index("123456782")
    assert blind_index("123456782") != blind_index("123456783")
    assert len(blind_index("123456782")) == 64
    assert "123456782" not in blind_index("123456782")


def test_the_blind_index_ignores_surrounding_spaces():
    assert blind_index("  123456782 \t") == blind_index("123456782")


def test_the_blind_index_depends_on_its_key():
    before = blind_index("123456782")
    with override_settings(BSN_HMAC_KEY=NEW_KEY):
        assert blind_index("123456782") != before


def test_the_blind_index_key_is_not_an_encryption_key():
    assert settings.BSN_HMAC_KEY not in settings.FIELD_ENCRYPTION_KEYS
