from odoo.exceptions import UserError
from odoo.tests import Form, freeze_time, tagged

from .common import NOW, Psd2Common


@tagged("post_install", "-at_install")
class TestConnectWizard(Psd2Common):
    def open_wizard(self, journal=None):
        action = (journal or self.bank_journal).action_psd2_connect_bank()
        return self.env[action["res_model"]].browse(action["res_id"])

    def authorize(self, wizard, seed="wizard"):
        wizard.provider_settings = {"seed": seed}
        wizard.action_choose_provider()
        self.assertEqual(wizard.step, "institution")
        self.assertEqual(wizard.institution_line_id.name, "Sandbox Bank", "only bank: chosen")
        with freeze_time(NOW):
            wizard.action_authorize()
        self.assertEqual(wizard.step, "accounts", "the Sandbox Bank grants at once")

    def test_connect_maps_accounts_to_journals_and_runs_the_first_sync(self):
        wizard = self.open_wizard()
        self.assertEqual(wizard.provider, "sandbox")
        self.authorize(wizard)
        lines = wizard.account_line_ids
        self.assertEqual(lines.mapped("currency_name"), ["PLN", "PLN", "EUR"])
        self.assertEqual(lines[0].journal_id, self.bank_journal, "opened from this journal")
        self.assertTrue(lines[2].create_journal, "no EUR journal: a new one is proposed")
        with Form(wizard) as form:
            with form.account_line_ids.edit(1) as vat_line:
                vat_line.is_selected = False
            with form.account_line_ids.edit(2) as eur_line:
                eur_line.direction = "incoming"
        with freeze_time(NOW):
            action = wizard.action_confirm()
        self.assertEqual(action["params"]["type"], "success")
        connection = self.env["psd2.bank.connection"].search([("company_id", "=", self.company.id)])
        self.assertEqual(connection.state, "active")
        self.assertEqual(len(connection.account_ids), 2)
        main, eur = connection.account_ids
        self.assertEqual(main.journal_id, self.bank_journal)
        self.assertEqual(eur.journal_id.currency_id.name, "EUR")
        self.assertEqual(eur.direction, "incoming")
        self.assertTrue(self.statement_lines(), "first sync done")
        self.assertTrue(all(line.amount > 0 for line in self.statement_lines(eur.journal_id)))
        self.assertEqual(connection.sync_log_ids.mapped("trigger"), ["connect", "connect"])

    def test_consent_end_date_comes_from_the_provider(self):
        wizard = self.open_wizard()
        self.authorize(wizard)
        with freeze_time(NOW):
            wizard.action_confirm()
        connection = self.bank_journal.psd2_connection_id
        self.assertEqual((connection.consent_valid_until - NOW).days, 180)

    def test_stopping_before_confirming_leaves_no_connection(self):
        wizard = self.open_wizard()
        self.authorize(wizard)
        wizard.unlink()
        self.assertFalse(self.env["psd2.bank.connection"].search_count([]))
        self.assertFalse(self.bank_journal.psd2_account_id)

    def test_confirming_without_any_account_is_refused(self):
        wizard = self.open_wizard()
        self.authorize(wizard)
        wizard.account_line_ids.is_selected = False
        with self.assertRaises(UserError):
            wizard.action_confirm()
        self.assertFalse(self.env["psd2.bank.connection"].search_count([]))

    def test_account_without_journal_or_new_journal_is_refused(self):
        wizard = self.open_wizard()
        self.authorize(wizard)
        wizard.account_line_ids[2].create_journal = False
        with self.assertRaises(UserError):
            wizard.action_confirm()

    def test_renewing_the_consent_keeps_journals_and_sync_position(self):
        with freeze_time(NOW):
            connection = self.connect_sandbox(seed="wizard")
            connection._psd2_sync(trigger="manual")
        account = connection.account_ids
        synced_until, lines = account.synced_until, len(self.statement_lines())
        connection.sudo().state = "expiring"
        action = connection.action_renew_consent()
        wizard = self.env[action["res_model"]].browse(action["res_id"])
        self.assertEqual(wizard.institution_line_id.institution_id, connection.institution_id)
        later = NOW.replace(day=28)
        with freeze_time(later):
            wizard.action_authorize()
            wizard.action_confirm()
        self.assertEqual(connection.account_ids, account, "same account record")
        self.assertEqual(account.journal_id, self.bank_journal)
        self.assertGreaterEqual(account.synced_until, synced_until)
        self.assertEqual(connection.state, "active")
        self.assertEqual((connection.consent_valid_until - later).days, 180)
        self.assertGreaterEqual(len(self.statement_lines()), lines)
        keys = self.statement_lines().mapped("psd2_dedup_key")
        self.assertEqual(len(keys), len(set(keys)))

    def test_institution_search_filters_the_list(self):
        wizard = self.open_wizard()
        wizard.action_choose_provider()
        wizard.institution_search = "no such bank"
        wizard.action_search_institutions()
        self.assertFalse(wizard.institution_line_ids)
        wizard.institution_search = "sandbox"
        wizard.action_search_institutions()
        self.assertEqual(len(wizard.institution_line_ids), 1)
