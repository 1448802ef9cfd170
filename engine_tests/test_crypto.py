"""Secrets at rest: AES-256-GCM tokens bound to their record and field, with key rotation."""

import base64
import re

import pytest

from engine.crypto import (
    ENV_VARIABLE,
    Keyring,
    SecretBox,
    SecretDecryptionFailed,
    SecretKeyInvalid,
    SecretKeyMissing,
    generate_key,
    is_token,
    key_id_of,
    new_keyring_entry,
    record_context,
)

KEY_2025 = generate_key()
KEY_2026 = generate_key()
CONTEXT = record_context("psd2.bank.connection", "secret_data", 7)
SECRET_KEY = "gc-secret-key-7f3a9e2b41d04c55"
PEM = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC…\n-----END PRIVATE KEY-----\n"


def box(text=f"k2025:{KEY_2025}"):
    return SecretBox(Keyring.parse(text))


def test_secret_comes_back_from_its_token():
    assert box().decrypt(box().encrypt(PEM, context=CONTEXT), context=CONTEXT) == PEM


def test_token_names_version_and_key_and_hides_the_secret():
    token = box().encrypt(SECRET_KEY, context=CONTEXT)
    assert re.fullmatch(r"psd2v1:k2025:[A-Za-z0-9_-]+", token)
    assert SECRET_KEY not in token
    assert SECRET_KEY.encode() not in base64.urlsafe_b64decode(token.split(":")[2] + "==")
    assert is_token(token) and key_id_of(token) == "k2025"


def test_same_secret_encrypts_differently_each_time():
    tokens = {box().encrypt(SECRET_KEY, context=CONTEXT) for _ in range(50)}
    assert len(tokens) == 50


def test_dict_of_tokens_round_trips_as_json():
    value = {"access_token": "eyJhbGciOi", "refresh_token": "r-1", "expires": 86400}
    token = box().encrypt_json(value, context=CONTEXT)
    assert box().decrypt_json(token, context=CONTEXT) == value


def test_token_copied_to_another_record_does_not_open():
    token = box().encrypt(SECRET_KEY, context=CONTEXT)
    other_record = record_context("psd2.bank.connection", "secret_data", 8)
    with pytest.raises(SecretDecryptionFailed):
        box().decrypt(token, context=other_record)


def test_token_copied_to_another_field_does_not_open():
    token = box().encrypt(SECRET_KEY, context=CONTEXT)
    with pytest.raises(SecretDecryptionFailed):
        box().decrypt(token, context=record_context("psd2.bank.connection", "webhook", 7))


@pytest.mark.parametrize(
    "position", [0, 11, 12, -17, -1], ids=["nonce", "nonce-end", "data", "data-end", "tag"]
)
def test_altered_token_is_refused(position):
    token = box().encrypt(SECRET_KEY, context=CONTEXT)
    prefix, body = token.rsplit(":", 1)
    blob = bytearray(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    blob[position] ^= 0x01
    altered = prefix + ":" + base64.urlsafe_b64encode(bytes(blob)).decode().rstrip("=")
    with pytest.raises(SecretDecryptionFailed):
        box().decrypt(altered, context=CONTEXT)


def test_token_relabelled_with_another_key_id_is_refused():
    ring = box(f"k2026:{KEY_2026},k2025:{KEY_2025}")
    token = box().encrypt(SECRET_KEY, context=CONTEXT)
    with pytest.raises(SecretDecryptionFailed):
        ring.decrypt(token.replace(":k2025:", ":k2026:"), context=CONTEXT)


def test_same_key_id_with_another_key_does_not_open():
    token = box().encrypt(SECRET_KEY, context=CONTEXT)
    with pytest.raises(SecretDecryptionFailed):
        box(f"k2025:{KEY_2026}").decrypt(token, context=CONTEXT)


@pytest.mark.parametrize("value", ["plain text", "psd2v1:k1", "psd2v1:k1:!!", "psd2v1:k1:AAAA", ""])
def test_text_that_is_not_a_token_is_refused(value):
    with pytest.raises(SecretDecryptionFailed):
        box().decrypt(value, context=CONTEXT)


def test_token_of_a_removed_key_names_the_missing_key():
    token = box().encrypt(SECRET_KEY, context=CONTEXT)
    with pytest.raises(SecretKeyMissing, match="'k2025'"):
        box(f"k2026:{KEY_2026}").decrypt(token, context=CONTEXT)


def test_nothing_is_encrypted_without_a_configured_key():
    with pytest.raises(SecretKeyMissing, match=ENV_VARIABLE):
        SecretBox(Keyring.parse("")).encrypt(SECRET_KEY, context=CONTEXT)


def test_new_tokens_use_the_first_key_and_older_keys_still_open():
    old_token = box().encrypt(SECRET_KEY, context=CONTEXT)
    ring = box(f"k2026:{KEY_2026}, k2025:{KEY_2025}")
    assert key_id_of(ring.encrypt(SECRET_KEY, context=CONTEXT)) == "k2026"
    assert ring.decrypt(old_token, context=CONTEXT) == SECRET_KEY


def test_rotation_reencrypts_under_the_current_key_so_the_old_key_can_go():
    old_token = box().encrypt(SECRET_KEY, context=CONTEXT)
    during = box(f"k2026:{KEY_2026},k2025:{KEY_2025}")
    assert during.needs_rotation(old_token)
    rotated = during.rotate(old_token, context=CONTEXT)
    assert key_id_of(rotated) == "k2026" and not during.needs_rotation(rotated)
    after = box(f"k2026:{KEY_2026}")
    assert after.decrypt(rotated, context=CONTEXT) == SECRET_KEY
    with pytest.raises(SecretKeyMissing):
        after.decrypt(old_token, context=CONTEXT)


def test_rotating_a_current_token_returns_it_unchanged():
    token = box().encrypt(SECRET_KEY, context=CONTEXT)
    assert box().rotate(token, context=CONTEXT) == token


def test_rotation_keeps_the_binding_to_the_record():
    old_token = box().encrypt(SECRET_KEY, context=CONTEXT)
    with pytest.raises(SecretDecryptionFailed):
        box(f"k2026:{KEY_2026},k2025:{KEY_2025}").rotate(
            old_token, context=record_context("psd2.bank.connection", "secret_data", 9)
        )


def test_errors_never_quote_the_secret_the_key_or_the_token():
    token = box().encrypt(SECRET_KEY, context=CONTEXT)
    messages = []
    for action in (
        lambda: box().decrypt(token[:-2] + "xx", context=CONTEXT),
        lambda: box(f"k2025:{KEY_2026}").decrypt(token, context=CONTEXT),
        lambda: box(f"k9:{KEY_2026}").decrypt(token, context=CONTEXT),
        lambda: Keyring.parse(f"k1:{KEY_2025[:-4]}"),
        lambda: Keyring.parse(f"{KEY_2025}"),
    ):
        with pytest.raises(Exception) as caught:
            action()
        messages.append(str(caught.value))
    for message in messages:
        for secret in (SECRET_KEY, KEY_2025, KEY_2026, token, token.split(":")[2]):
            assert secret not in message


def test_keyring_and_box_do_not_show_keys_in_their_repr():
    text = f"k2026:{KEY_2026},k2025:{KEY_2025}"
    for shown in (repr(Keyring.parse(text)), repr(box(text))):
        assert KEY_2026 not in shown and KEY_2025 not in shown
        assert "k2026" in shown


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("k1", "entry 1"),
        (f"k1:{KEY_2025},:{KEY_2026}", "entry 2"),
        ("k1:not*base64", "not valid base64"),
        (f"k1:{base64.b64encode(b'x' * 16).decode()}", "not 32 bytes"),
        (f"k1:{KEY_2025},k1:{KEY_2026}", "twice"),
        (f"bad id!:{KEY_2025}", "Key ids"),
    ],
)
def test_unreadable_key_ring_says_which_entry(text, message):
    with pytest.raises(SecretKeyInvalid, match=message):
        Keyring.parse(text)


def test_key_ring_accepts_standard_base64_newlines_and_missing_padding():
    standard = base64.b64encode(base64.urlsafe_b64decode(KEY_2025)).decode().rstrip("=")
    token = box().encrypt(SECRET_KEY, context=CONTEXT)
    assert box(f"\n  k2025 : {standard} ,\n").decrypt(token, context=CONTEXT) == SECRET_KEY


def test_configuration_file_wins_over_the_environment():
    environ = {ENV_VARIABLE: f"env:{KEY_2025}"}
    assert Keyring.from_config(f"cfg:{KEY_2026}", environ).current_key_id == "cfg"
    assert Keyring.from_config("", environ).current_key_id == "env"
    assert Keyring.from_config(None, {}).current_key_id is None


def test_generated_keys_are_32_random_bytes_and_entries_parse():
    keys = {generate_key() for _ in range(20)}
    assert len(keys) == 20
    assert all(len(base64.urlsafe_b64decode(key)) == 32 for key in keys)
    assert Keyring.parse(new_keyring_entry("k2027")).key_ids == ("k2027",)


def test_context_must_name_a_saved_record():
    with pytest.raises(ValueError):
        record_context("psd2.bank.connection", "secret_data", 0)
    with pytest.raises(ValueError):
        box().encrypt(SECRET_KEY, context="")


def test_json_token_of_plain_text_is_refused_as_json():
    token = box().encrypt("not json", context=CONTEXT)
    with pytest.raises(SecretDecryptionFailed, match="JSON"):
        box().decrypt_json(token, context=CONTEXT)
