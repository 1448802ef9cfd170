import time

from odoo import fields
from odoo.tests import HttpCase, freeze_time, tagged
from odoo.tools import mute_logger

from odoo.addons.base.tests.test_ir_cron import CronMixinCase

from ..engine import webhooks
from .common import NOW, Psd2Common

LOGGER = "odoo.addons.account_bank_psd2.controllers.webhook"


@tagged("post_install", "-at_install")
class TestWebhook(Psd2Common, HttpCase, CronMixinCase):
    """The webhook queues a sync on a valid call and refuses everything else, changing nothing."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with freeze_time(NOW):
            cls.connection = cls.connect_sandbox()
            cls.connection._psd2_sync(trigger="cron")
        action = cls.connection.action_generate_webhook_secret()
        cls.secret = action["params"]["message"].split("Secret: ")[1].split()[0]
        cls.url = f"/account_bank_psd2/webhook/{cls.connection.id}"

    def post(self, body, header=None, url=None):
        headers = {"Content-Type": "application/json"}
        if header is not None:
            headers[webhooks.SIGNATURE_HEADER] = header
        return self.url_open(url or self.url, data=body, headers=headers)

    def refused(self, body, header=None, url=None):
        with self.assertLogs(LOGGER, level="WARNING") as logs:
            answer = self.post(body, header, url)
        self.assertIn("Refused webhook call", logs.output[0])
        self.assertEqual(self.connection.webhook_requested_at, False, "nothing queued")
        return answer

    def test_signed_call_queues_a_sync_without_calling_the_bank(self):
        body = b'{"event": "transactions_available"}'
        before = self.connection.sync_log_ids
        with self.capture_triggers("account_bank_psd2.ir_cron_psd2_sync") as triggers:
            answer = self.post(body, webhooks.sign(body, self.secret))
        self.assertEqual(answer.status_code, 202)
        self.assertEqual(self.connection.sync_log_ids, before, "no sync inside the request")
        self.assertTrue(triggers.records)
        self.assertLessEqual(self.connection.next_sync_at, fields.Datetime.now())
        self.env["psd2.bank.connection"]._cron_sync_due_connections()
        self.assertEqual(self.connection.sync_log_ids.sorted("id")[-1].trigger, "webhook")

    def test_bad_signature_is_refused(self):
        body = b"{}"
        header = webhooks.sign(body, "another secret entirely, not ours")
        self.assertEqual(self.refused(body, header).status_code, 401)

    def test_missing_signature_is_refused(self):
        self.assertEqual(self.refused(b"{}").status_code, 401)

    def test_old_timestamp_is_refused(self):
        body = b"{}"
        header = webhooks.sign(body, self.secret, timestamp=int(time.time()) - 3600)
        self.assertEqual(self.refused(body, header).status_code, 401)

    def test_replayed_call_is_refused(self):
        body = b'{"n": 1}'
        header = webhooks.sign(body, self.secret)
        self.assertEqual(self.post(body, header).status_code, 202)
        self.connection.sudo().webhook_requested_at = False
        self.assertEqual(self.refused(body, header).status_code, 401)

    def test_unknown_connection_is_not_found(self):
        body = b"{}"
        answer = self.refused(
            body, webhooks.sign(body, self.secret), url="/account_bank_psd2/webhook/999999"
        )
        self.assertEqual(answer.status_code, 404)

    def test_connection_without_webhook_secret_is_not_found(self):
        self.connection.sudo().webhook_secret = False
        body = b"{}"
        self.assertEqual(self.refused(body, webhooks.sign(body, self.secret)).status_code, 404)

    def test_oversized_body_is_refused(self):
        body = b"x" * (webhooks.DEFAULT_MAX_BODY + 1)
        self.assertEqual(self.refused(body, webhooks.sign(body, self.secret)).status_code, 413)

    def test_revoked_connection_takes_no_webhook(self):
        self.connection.sudo().state = "revoked"
        body = b"{}"
        with mute_logger(LOGGER):
            self.assertEqual(self.post(body, webhooks.sign(body, self.secret)).status_code, 404)
