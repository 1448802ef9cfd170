import datetime

from odoo import api, fields, models

from ..engine import webhooks

#: Expired nonces kept for this long after expiry before the daily clean-up removes them.
GRACE = datetime.timedelta(hours=1)


class Psd2WebhookNonce(models.Model):
    """Webhook calls already received, so that a captured call cannot be played again.

    Backs the engine's replay cache with the database: every Odoo worker sees the same
    calls, and a unique constraint settles two workers racing on one call.
    """

    _name = "psd2.webhook.nonce"
    _description = "Bank Webhook Call Received"
    _log_access = False

    key = fields.Char(required=True, index=True)
    expires_at = fields.Datetime(required=True, index=True)

    _sql_constraints = [("key_unique", "UNIQUE(key)", "This webhook call was already received.")]

    @api.model
    def _psd2_replay_cache(self):
        return _DatabaseReplayCache(self.sudo())

    @api.autovacuum
    def _gc_expired_nonces(self):
        self.sudo().search([("expires_at", "<", fields.Datetime.now() - GRACE)]).unlink()


class _DatabaseReplayCache(webhooks.ReplayCache):
    def __init__(self, model):
        self.model = model

    def remember(self, key, expires_at):
        cr = self.model.env.cr
        cr.execute(
            "INSERT INTO psd2_webhook_nonce (key, expires_at) VALUES (%s, to_timestamp(%s) "
            "AT TIME ZONE 'UTC') ON CONFLICT (key) DO NOTHING RETURNING id",
            (key, expires_at),
        )
        return cr.fetchone() is not None
