import logging

from odoo import _, api, models
from odoo.exceptions import UserError
from odoo.tools import config

from ..engine import crypto

_logger = logging.getLogger(__name__)

#: Every field that holds sealed secrets: (model, field). The rotation re-encrypts them all.
SEALED_FIELDS = (
    ("psd2.provider.setting", "secret_value"),
    ("psd2.provider.config", "runtime_secret"),
    ("psd2.bank.connection", "consent_secret"),
    ("psd2.bank.connection", "webhook_secret"),
)


class Psd2SecretVault(models.AbstractModel):
    """The one place where provider secrets are sealed before storage and opened after.

    Secrets (provider credentials, consent data, tokens, webhook secrets) are stored as
    AES-256-GCM tokens (:mod:`..engine.crypto`) bound to the record and field they belong to.
    The keys come from the Odoo configuration file (``account_bank_psd2_secret_keys``) or the
    ``ACCOUNT_BANK_PSD2_SECRET_KEYS`` environment variable, never from the database, so a
    database dump alone reveals no secret. Nothing here logs a secret or puts one in a message.
    """

    _name = "psd2.secret.vault"
    _description = "Bank Feed Secret Vault"

    @api.model
    def _psd2_box(self):
        try:
            return crypto.SecretBox.from_config(config.get(crypto.CONFIG_OPTION))
        except crypto.SecretError as error:
            raise UserError(
                _("The bank feed encryption keys are unreadable: %(error)s", error=error)
            ) from error

    @api.model
    def _psd2_context(self, record, field_name):
        return crypto.record_context(record._name, field_name, record.id)

    @api.model
    def _psd2_seal(self, record, field_name, value):
        """Return ``value`` (JSON-able) sealed for ``record.field_name``.

        :raise UserError: no key is configured, in a sentence saying where to put one.
        """
        try:
            return self._psd2_box().encrypt_json(
                value, context=self._psd2_context(record, field_name)
            )
        except crypto.SecretKeyMissing as error:
            raise UserError(
                _(
                    "Bank secrets are stored encrypted and no key is configured. Add a key to "
                    "the Odoo configuration file (option %(option)s; generate one with "
                    "'python3 -m engine.crypto <key id>' in the module's folder) or to the "
                    "environment variable %(variable)s, then restart Odoo.",
                    option=crypto.CONFIG_OPTION,
                    variable=crypto.ENV_VARIABLE,
                )
            ) from error

    @api.model
    def _psd2_open(self, record, field_name):
        """Return the value sealed in ``record.field_name`` (``None`` when empty).

        :raise UserError: the key that sealed it is gone, or the token was tampered with.
        """
        token = record.sudo()[field_name]
        if not token:
            return None
        try:
            return self._psd2_box().decrypt_json(
                token, context=self._psd2_context(record, field_name)
            )
        except crypto.SecretError as error:
            _logger.warning("Cannot open %s of %s: %s", field_name, record, error)
            raise UserError(
                _(
                    "A stored bank secret cannot be read (%(error)s). Restore the encryption key "
                    "it was made with, or enter the secret again.",
                    error=error,
                )
            ) from error

    @api.model
    def _psd2_rotate_all(self):
        """Re-encrypt every sealed secret with the current key; return how many changed.

        Run after putting a new key first in the key ring; the old key can be removed once
        this returns. Secrets that cannot be opened are reported, not overwritten.
        """
        box = self._psd2_box()
        if box.keyring.current_key_id is None:
            raise UserError(_("No encryption key is configured: nothing to rotate to."))
        rotated, failed = 0, []
        for model, field_name in SEALED_FIELDS:
            records = (
                self.env[model]
                .sudo()
                .with_context(active_test=False)
                .search([(field_name, "!=", False)])
            )
            for record in records:
                context = self._psd2_context(record, field_name)
                try:
                    token = box.rotate(record[field_name], context=context)
                except crypto.SecretError as error:
                    failed.append(f"{context}: {error}")
                    continue
                if token != record[field_name]:
                    record[field_name] = token
                    rotated += 1
        if failed:
            _logger.warning("Secrets left as they were during rotation: %s", "; ".join(failed))
        return rotated, failed
