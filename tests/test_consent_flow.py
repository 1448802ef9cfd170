import datetime
from urllib.parse import urlsplit

import requests

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from ..engine.protocol_sandbox import start_sandbox_server
from .common import Psd2Common


class ConsentFlowCommon(Psd2Common, HttpCase):
    """Bank round trips against the local protocol sandbox, over real HTTP on 127.0.0.1.

    The bank's login page answers with a redirect to our callback; the test follows it as a
    browser would, through Odoo's HTTP stack, logged in as the user who started the wizard.
    """

    provider_code = ""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sandbox, _base_url = start_sandbox_server(port=0)
        cls.addClassCleanup(cls.sandbox.stop)
        settings = cls.sandbox.settings_for(cls.provider_code)
        config = cls.env["psd2.provider.config"].create(
            {"provider": cls.provider_code, "base_url": settings["base_url"]}
        )
        for line in config.setting_ids:
            if line.key in settings:
                line.write({"secret_input" if line.is_secret else "value": settings[line.key]})
        cls.connection_settings = {
            key: value for key, value in settings.items() if key == "poll_interval"
        }

    def setUp(self):
        super().setUp()
        self.sandbox.clear_faults()
        self.authenticate("accountman", "accountman")

    def start_wizard(self):
        wizard = self.env["psd2.connect.wizard"].create(
            {
                "provider": self.provider_code,
                "company_id": self.company.id,
                "journal_id": self.bank_journal.id,
                "provider_settings": self.connection_settings,
            }
        )
        wizard.action_choose_provider()
        wizard.institution_line_id = wizard.institution_line_ids[:1]
        action = wizard.action_authorize()
        self.assertEqual(action["type"], "ir.actions.act_url")
        return wizard, action["url"]

    def visit_bank(self, bank_url):
        """The user logs in at the bank, which sends the browser back to our callback."""
        answer = requests.get(bank_url, allow_redirects=False, timeout=10)
        self.assertEqual(answer.status_code, 302)
        callback = urlsplit(answer.headers["Location"])
        return f"{callback.path}?{callback.query}"

    def come_back(self, callback):
        return self.url_open(callback, allow_redirects=False)

    def come_back_refused(self, callback):
        """A callback the controller must refuse (and log, which the test keeps quiet)."""
        with mute_logger("odoo.addons.account_bank_psd2.controllers.main"):
            return self.come_back(callback)

    def connections(self):
        return self.env["psd2.bank.connection"].search([("company_id", "=", self.company.id)])


@tagged("post_install", "-at_install")
class TestEnableBankingConsentFlow(ConsentFlowCommon):
    provider_code = "enablebanking"

    def test_bank_round_trip_lists_accounts_and_confirm_connects_and_syncs(self):
        wizard, bank_url = self.start_wizard()
        self.assertEqual(wizard.step, "institution", "waiting for the bank")
        answer = self.come_back(self.visit_bank(bank_url))
        self.assertEqual(answer.status_code, 303)
        self.assertIn(f"active_id={wizard.id}", answer.headers["Location"])
        self.assertEqual(wizard.step, "accounts")
        self.assertEqual(wizard.account_line_ids[0].journal_id, self.bank_journal)
        for line in wizard.account_line_ids[1:]:
            line.is_selected = False
        wizard.action_confirm()
        connection = self.connections()
        self.assertEqual(connection.provider, "enablebanking")
        self.assertEqual(connection.state, "active")
        self.assertTrue(connection.consent_valid_until, "end date from the provider")
        self.assertEqual(connection.sync_log_ids.status, "success")
        self.assertTrue(self.statement_lines())
        self.assertTrue(connection.call_history, "metered bank calls are counted")

    def test_callback_used_twice_is_refused(self):
        _wizard, bank_url = self.start_wizard()
        callback = self.visit_bank(bank_url)
        self.assertEqual(self.come_back(callback).status_code, 303)
        self.assertEqual(self.come_back_refused(callback).status_code, 400)

    def test_forged_state_is_refused_and_changes_nothing(self):
        wizard, bank_url = self.start_wizard()
        callback = self.visit_bank(bank_url)
        forged = callback.replace(f"state={wizard.id}.", f"state={wizard.id}.x")
        self.assertEqual(self.come_back_refused(forged).status_code, 400)
        self.assertEqual(wizard.step, "institution")
        self.assertEqual(self.come_back(callback).status_code, 303, "the real one still works")

    def test_callback_finished_by_another_user_is_refused(self):
        _wizard, bank_url = self.start_wizard()
        callback = self.visit_bank(bank_url)
        new_test_user(
            self.env,
            login="intruder",
            password="intruder-password",
            groups="account_bank_psd2.group_psd2_manager",
            company_id=self.company.id,
            company_ids=[self.company.id],
        )
        self.authenticate("intruder", "intruder-password")
        self.assertEqual(self.come_back_refused(callback).status_code, 400)

    def test_user_who_cancels_at_the_bank_gets_a_message_and_no_connection(self):
        self.sandbox.arm_fault("enablebanking", "user_cancelled")
        wizard, bank_url = self.start_wizard()
        self.assertEqual(self.come_back(self.visit_bank(bank_url)).status_code, 303)
        self.assertEqual(wizard.step, "institution")
        self.assertIn("did not grant access", wizard.error_message)
        self.assertFalse(self.connections())

    def test_callback_for_an_unknown_provider_is_not_found(self):
        self.assertEqual(
            self.url_open("/account_bank_psd2/callback/nope?state=1.a.b").status_code, 404
        )


@tagged("post_install", "-at_install")
class TestGoCardlessConsentFlow(ConsentFlowCommon):
    provider_code = "gocardless"

    def connect(self):
        wizard, bank_url = self.start_wizard()
        self.come_back(self.visit_bank(bank_url))
        wizard.account_line_ids[1:].is_selected = False
        wizard.action_confirm()
        return self.connections()

    def test_sync_now_with_no_call_left_today_says_when_the_next_one_is(self):
        connection = self.connect()
        account = connection.account_ids
        spent = [fields.Datetime.now().isoformat()] * 4
        connection.sudo().call_history = {f"transactions|{account.remote_id}": spent}
        action = connection.action_sync_now()
        self.assertEqual(action["params"]["type"], "warning")
        self.assertIn("next is possible", action["params"]["message"])
        self.assertEqual(connection.sync_log_ids.sorted("id")[-1].status, "skipped")
        self.assertGreater(connection.next_sync_at, fields.Datetime.now())

    def test_a_429_wait_is_honoured_instead_of_retried(self):
        connection = self.connect()
        self.sandbox.arm_fault("gocardless", "rate_limited", retry_after=7200, path="/transactions")
        log = connection._psd2_sync(trigger="manual")
        self.assertEqual(log.error_kind, "rate_limited")
        self.assertGreaterEqual(
            connection.blocked_until, fields.Datetime.now() + datetime.timedelta(seconds=7000)
        )
        self.assertGreaterEqual(connection.next_sync_at, connection.blocked_until)
        self.sandbox.clear_faults()
        retry = connection._psd2_sync(trigger="manual")
        self.assertEqual(retry.status, "skipped", "no call before the provider's wait is over")

    def test_state_travels_as_the_requisition_reference(self):
        wizard, bank_url = self.start_wizard()
        callback = self.visit_bank(bank_url)
        self.assertIn("ref=", callback)
        self.assertEqual(self.come_back(callback).status_code, 303)
        self.assertEqual(wizard.step, "accounts")
        wizard.account_line_ids[1:].is_selected = False
        wizard.action_confirm()
        self.assertEqual(self.connections().state, "active")
        self.assertTrue(self.statement_lines())


@tagged("post_install", "-at_install")
class TestKontomatikConsentFlow(ConsentFlowCommon):
    provider_code = "kontomatik"

    def test_sign_in_redirection_then_import_connects_the_accounts(self):
        wizard, bank_url = self.start_wizard()
        self.assertEqual(self.come_back(self.visit_bank(bank_url)).status_code, 303)
        self.assertEqual(wizard.step, "accounts")
        wizard.account_line_ids[1:].is_selected = False
        wizard.action_confirm()
        connection = self.connections()
        self.assertEqual(connection.state, "active")
        keys = self.statement_lines().mapped("psd2_dedup_key")
        self.assertTrue(keys and all(key.startswith("fp:") for key in keys), "no ids: fingerprints")
