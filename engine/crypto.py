"""Authenticated encryption of the secrets a connection stores: credentials, keys, tokens.

A database dump must not reveal a provider's secret key or a session token, so the Odoo layer
stores them as *tokens* made here, and the keys that open them live outside the database: in
the Odoo configuration file (option :data:`CONFIG_OPTION`) or the environment
(:data:`ENV_VARIABLE`), never in a table.

Token format (one line of ASCII, safe in a ``Char`` or ``Text`` column)::

    psd2v1:<key id>:<base64url(nonce || ciphertext || tag)>

- **AES-256-GCM** (``cryptography``'s ``AESGCM``): confidentiality and integrity in one
  primitive; a 96-bit random nonce per token and a 128-bit tag. Random nonces are safe for
  far more than 2**32 encryptions per key (NIST SP 800-38D, 8.3); a connection has a handful
  of secrets and is re-encrypted only on change or rotation.
- **Associated data** binds a token to where it is stored: ``context`` (see
  :func:`record_context`, e.g. ``psd2.bank.connection:secret_data:42``) is authenticated, not
  encrypted, so a token copied into another record or field does not open there. The version
  and key id are authenticated too, so neither can be swapped.
- **Key ring with rotation**: the configuration lists ``id:base64key`` entries separated by
  commas, *current key first*. New tokens use the current key; older keys only open older
  tokens. Rotating is: put a new key first, run the rotation command (:meth:`SecretBox.rotate`
  on every token), then remove the old key.
- **Errors never quote a secret**: :class:`SecretKeyMissing` (no key, or not the key this token
  was made with), :class:`SecretDecryptionFailed` (damaged, forged or misplaced token) and
  :class:`SecretKeyInvalid` (unreadable configuration) name key ids and contexts, never keys,
  plaintexts or tokens.

>>> ring = Keyring.parse("k2026:" + "A" * 43 + "=")
>>> box = SecretBox(ring)
>>> token = box.encrypt("s3cr3t", context="psd2.bank.connection:secret_data:7")
>>> token.startswith("psd2v1:k2026:")
True
>>> box.decrypt(token, context="psd2.bank.connection:secret_data:7")
's3cr3t'
>>> box.decrypt(token, context="psd2.bank.connection:secret_data:8")
Traceback (most recent call last):
...
engine.crypto.SecretDecryptionFailed: The secret stored for psd2.bank.connection:secret_data:8 ...

Generate a key entry for the configuration with ``python3 -m engine.crypto <key id>``.
"""

import base64
import binascii
import json
import os
import re
import secrets
import sys

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

TOKEN_PREFIX = "psd2v1"
#: Odoo configuration file option holding the key ring (``[options]`` section).
CONFIG_OPTION = "account_bank_psd2_secret_keys"
#: Environment variable read when the configuration file has no key ring.
ENV_VARIABLE = "ACCOUNT_BANK_PSD2_SECRET_KEYS"
KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
_KEY_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_BASE64URL_RE = re.compile(r"^[A-Za-z0-9_-]+$")


class SecretError(Exception):
    """Base class of the errors of this module; messages never contain a secret."""


class SecretKeyMissing(SecretError):
    """No key is configured, or the token was made with a key that is no longer configured."""


class SecretKeyInvalid(SecretError, ValueError):
    """The key ring configuration cannot be read (the message never quotes a key)."""


class SecretDecryptionFailed(SecretError):
    """The token is damaged, forged, or belongs to another record or field."""


def generate_key():
    """Return a new random AES-256 key as base64 text (what a key ring entry holds)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii")


def new_keyring_entry(key_id):
    """Return ``"<key_id>:<new key>"``, ready to put first in the key ring configuration."""
    _check_key_id(key_id)
    return f"{key_id}:{generate_key()}"


def record_context(model, field, record_id):
    """Return the associated data binding a token to one field of one record.

    ``record_id`` must be the database id of a saved record: the Odoo layer encrypts after
    the record exists (create, then write the secret), so that the context never changes.
    """
    if not model or not field or not isinstance(record_id, int) or record_id <= 0:
        raise ValueError("A secret context needs a model, a field and a saved record id.")
    return f"{model}:{field}:{record_id}"


def is_token(value):
    """Tell whether ``value`` looks like a token of this module (not whether it opens)."""
    return isinstance(value, str) and value.startswith(TOKEN_PREFIX + ":")


def key_id_of(token):
    """Return the id of the key ``token`` was made with; raise SecretDecryptionFailed if none."""
    return _split(token, context=None)[0]


class Keyring:
    """Named AES-256 keys; the first is the *current* one, used for every new token.

    Build it with :meth:`parse` (the configuration text) or :meth:`from_config`. Its ``repr``
    names the key ids only.
    """

    def __init__(self, keys=()):
        self._keys = {}
        self._order = []
        for key_id, key in keys:
            _check_key_id(key_id)
            if key_id in self._keys:
                raise SecretKeyInvalid(f"Key id {key_id!r} appears twice in the key ring.")
            if not isinstance(key, bytes) or len(key) != KEY_BYTES:
                raise SecretKeyInvalid(f"Key {key_id!r} is not {KEY_BYTES} bytes long.")
            self._keys[key_id] = AESGCM(key)
            self._order.append(key_id)

    @classmethod
    def parse(cls, text):
        """Read ``"id1:base64key,id2:base64key"`` (current key first; spaces and newlines
        ignored, standard or URL-safe base64, padding optional). Empty text: an empty ring.

        :raise SecretKeyInvalid: an entry without id, a key that is not 32 bytes of base64, a
            key id used twice. The message names the entry's position or id, never the key.
        """
        entries = []
        for position, raw in enumerate((text or "").split(","), start=1):
            entry = "".join(raw.split())
            if not entry:
                continue
            key_id, sep, encoded = entry.partition(":")
            if not sep or not key_id or not encoded:
                raise SecretKeyInvalid(
                    f"Key ring entry {position} is not written as '<key id>:<base64 key>'."
                )
            _check_key_id(key_id)
            entries.append((key_id, _decode_key(key_id, encoded)))
        return cls(entries)

    @classmethod
    def from_config(cls, config_value=None, environ=None):
        """Return the key ring from the Odoo option value, else from :data:`ENV_VARIABLE`.

        :param config_value: ``odoo.tools.config.get(CONFIG_OPTION)`` (the Odoo layer reads it;
            this module does not import Odoo).
        :param environ: the environment mapping (default ``os.environ``).
        """
        if config_value and str(config_value).strip():
            return cls.parse(str(config_value))
        environ = os.environ if environ is None else environ
        return cls.parse(environ.get(ENV_VARIABLE, ""))

    @property
    def current_key_id(self):
        """Id of the key new tokens are made with; ``None`` for an empty ring."""
        return self._order[0] if self._order else None

    @property
    def key_ids(self):
        return tuple(self._order)

    def __bool__(self):
        return bool(self._order)

    def __repr__(self):
        return f"<Keyring current={self.current_key_id!r} keys={list(self._order)!r}>"

    def _cipher(self, key_id, *, context):
        cipher = self._keys.get(key_id)
        if cipher is None:
            where = f" for {context}" if context else ""
            raise SecretKeyMissing(
                f"The secret stored{where} was encrypted with key {key_id!r}, which is not in "
                f"the key ring; add it back to the {CONFIG_OPTION} option or the "
                f"{ENV_VARIABLE} variable."
            )
        return cipher


class SecretBox:
    """Encrypt and decrypt secrets with a :class:`Keyring` (see the module docstring)."""

    def __init__(self, keyring):
        if not isinstance(keyring, Keyring):
            raise TypeError("SecretBox needs a Keyring.")
        self.keyring = keyring

    @classmethod
    def from_config(cls, config_value=None, environ=None):
        """Shortcut for ``SecretBox(Keyring.from_config(config_value, environ))``."""
        return cls(Keyring.from_config(config_value, environ))

    def __repr__(self):
        return f"<SecretBox {self.keyring!r}>"

    def encrypt(self, plaintext, *, context):
        """Return the token of ``plaintext`` (text) bound to ``context``.

        :raise SecretKeyMissing: the key ring is empty (no configuration).
        """
        if not isinstance(plaintext, str):
            raise TypeError("Only text is encrypted; use encrypt_json for other values.")
        _check_context(context)
        key_id = self.keyring.current_key_id
        if key_id is None:
            raise SecretKeyMissing(
                f"No encryption key is configured: set the {CONFIG_OPTION} option in the Odoo "
                f"configuration file or the {ENV_VARIABLE} environment variable."
            )
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = self.keyring._cipher(key_id, context=context).encrypt(
            nonce, plaintext.encode("utf-8"), _associated_data(key_id, context)
        )
        body = base64.urlsafe_b64encode(nonce + sealed).decode("ascii").rstrip("=")
        return f"{TOKEN_PREFIX}:{key_id}:{body}"

    def decrypt(self, token, *, context):
        """Return the text sealed in ``token``.

        :raise SecretKeyMissing: the token's key is not in the key ring.
        :raise SecretDecryptionFailed: not a token, damaged, forged, or made for another
            ``context``.
        """
        _check_context(context)
        key_id, blob = _split(token, context=context)
        cipher = self.keyring._cipher(key_id, context=context)
        try:
            plaintext = cipher.decrypt(
                blob[:NONCE_BYTES], blob[NONCE_BYTES:], _associated_data(key_id, context)
            )
            return plaintext.decode("utf-8")
        except (InvalidTag, UnicodeDecodeError):
            raise _failed(context) from None

    def encrypt_json(self, value, *, context):
        """Return the token of a JSON-able ``value`` (a dict of tokens, a list...)."""
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        return self.encrypt(text, context=context)

    def decrypt_json(self, token, *, context):
        """Inverse of :meth:`encrypt_json`; raise SecretDecryptionFailed if it holds no JSON."""
        text = self.decrypt(token, context=context)
        try:
            return json.loads(text)
        except ValueError:
            raise SecretDecryptionFailed(
                f"The secret stored for {context} does not hold JSON."
            ) from None

    def needs_rotation(self, token):
        """Tell whether ``token`` was made with another key than the current one."""
        return key_id_of(token) != self.keyring.current_key_id

    def rotate(self, token, *, context):
        """Return ``token`` re-encrypted with the current key (the same token if it already
        is: the rotation command then skips the write).

        :raise SecretKeyMissing: the token's old key was already removed from the ring.
        :raise SecretDecryptionFailed: as :meth:`decrypt`.
        """
        plaintext = self.decrypt(token, context=context)
        if not self.needs_rotation(token):
            return token
        return self.encrypt(plaintext, context=context)


def _associated_data(key_id, context):
    return f"{TOKEN_PREFIX}:{key_id}\x1f{context}".encode()


def _split(token, *, context):
    """``token`` → ``(key id, nonce + sealed bytes)``; raise SecretDecryptionFailed."""
    if not is_token(token):
        raise _failed(context, "is not an encrypted token")
    parts = token.split(":")
    if len(parts) != 3 or not _KEY_ID_RE.match(parts[1]) or not _BASE64URL_RE.match(parts[2]):
        raise _failed(context, "is not an encrypted token")
    try:
        blob = base64.urlsafe_b64decode(parts[2] + "=" * (-len(parts[2]) % 4))
    except (binascii.Error, ValueError):
        raise _failed(context, "is not an encrypted token") from None
    if len(blob) < NONCE_BYTES + TAG_BYTES:
        raise _failed(context, "is too short to be an encrypted token")
    return parts[1], blob


def _failed(context, what="cannot be decrypted: it was damaged, forged or copied from elsewhere"):
    where = f"for {context} " if context else ""
    return SecretDecryptionFailed(f"The secret stored {where}{what}.")


def _decode_key(key_id, encoded):
    try:
        padded = encoded + "=" * (-len(encoded) % 4)
        key = base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError):
        raise SecretKeyInvalid(f"Key {key_id!r} is not valid base64.") from None
    if len(key) != KEY_BYTES:
        raise SecretKeyInvalid(f"Key {key_id!r} is not {KEY_BYTES} bytes of base64.")
    return key


def _check_key_id(key_id):
    if not isinstance(key_id, str) or not _KEY_ID_RE.match(key_id):
        raise SecretKeyInvalid(
            "Key ids are 1 to 32 letters, digits, '-' or '_' (they are stored in every token)."
        )


def _check_context(context):
    if not isinstance(context, str) or not context:
        raise ValueError("Every secret is bound to a context: pass record_context(...).")


if __name__ == "__main__":  # pragma: no cover - operator convenience
    print(new_keyring_entry(sys.argv[1] if len(sys.argv) > 1 else "k1"))  # pylint: disable=print-used
