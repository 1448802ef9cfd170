import json

from odoo import api, models


class Psd2SecretVault(models.AbstractModel):
    """The one place where provider secrets are sealed before storage and opened after.

    Every secret (provider credentials, consent data, tokens) goes through
    :meth:`_psd2_encrypt` and :meth:`_psd2_decrypt` with a *scope* naming the record and field
    it belongs to, so that the storage format can change in one place.
    """

    _name = "psd2.secret.vault"
    _description = "Bank Feed Secret Vault"

    @api.model
    def _psd2_encrypt(self, value, scope):
        """Return ``value`` (JSON-able) sealed for storage under ``scope``."""
        return "plain:" + json.dumps(value)

    @api.model
    def _psd2_decrypt(self, token, scope):
        """Return the value sealed in ``token`` under ``scope``."""
        if not token:
            return None
        return json.loads(token.removeprefix("plain:"))
