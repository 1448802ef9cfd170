import json
import logging

from odoo import http
from odoo.http import request

from ..engine import webhooks
from ..models.psd2_bank_connection import WEBHOOK_PATH

_logger = logging.getLogger(__name__)


class Psd2WebhookController(http.Controller):
    """Providers (or a bank-side relay) tell us that new transactions wait.

    A valid call only *queues* a sync (the connection becomes due and the sync cron is
    woken); the request itself never talks to the bank. Every refusal (bad signature, old
    timestamp, replay, unknown connection, oversized body) answers 401/404/413, changes
    nothing, and is logged without the body.
    """

    @http.route(
        f"{WEBHOOK_PATH}/<int:connection_id>",
        type="http",
        auth="none",
        methods=["POST"],
        csrf=False,
        save_session=False,
        readonly=False,
    )
    def psd2_webhook(self, connection_id, **_params):
        httprequest = request.httprequest
        try:
            webhooks.check_content_length(httprequest.content_length, webhooks.DEFAULT_MAX_BODY)
            # The declared length was checked; the verifier checks what was actually sent.
            body = httprequest.get_data()
            env = request.env(su=True)
            connection = env["psd2.bank.connection"].browse(connection_id).exists()
            secret = connection and connection._psd2_webhook_secret()
            if not secret:
                raise webhooks.UnknownConnection("No connection takes webhooks at this address.")
            verifier = webhooks.WebhookVerifier(env["psd2.webhook.nonce"]._psd2_replay_cache())
            verifier.verify(body, httprequest.headers.get(webhooks.SIGNATURE_HEADER), secret)
        except webhooks.WebhookRejected as error:
            _logger.warning(
                "Refused webhook call for bank connection %s from %s: %s",
                connection_id,
                httprequest.remote_addr,
                error.reason,
            )
            return _answer(error.http_status, {"error": error.reason})
        connection._psd2_queue_webhook_sync()
        return _answer(202, {"status": "queued"})


def _answer(status, payload):
    return request.make_response(
        json.dumps(payload), headers=[("Content-Type", "application/json")], status=status
    )
