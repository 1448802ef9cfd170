import json

from odoo.exceptions import UserError
from odoo.tests import Form, new_test_user, tagged

from .reconcile_common import PAID, ReconcileCommon

NOWAK_IBAN = "PL61109010140000071219812874"


@tagged("post_install", "-at_install")
class TestReconcileWizard(ReconcileCommon):
    """The reconciliation wizard, driven as a person would."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.psd2_reconcile_threshold = 1.0  # nothing is applied without a person
        cls.invoice_sure = cls.invoice(1230.0)
        cls.invoice_kowalska = cls.invoice(615.0, cls.kowalska)
        cls.invoice_other = cls.invoice(1845.0, cls.kowalska)
        cls.line_sure = cls.bank_line(
            1230.0,
            f"Zapłata za fakturę {cls.invoice_sure.name}",
            partner_name="NOWAK BUDOWNICTWO SP Z O O",
            account_number=NOWAK_IBAN,
        )
        cls.line_vague = cls.bank_line(1845.0, "Przelew", partner_name="Jan Wiśniewski")

    def open_wizard(self, journal=None):
        journal = journal or self.bank_journal
        action = journal.action_psd2_open_reconcile_wizard()
        self.assertEqual(action["res_model"], "psd2.reconcile.wizard")
        self.assertEqual(action["target"], "new")
        return journal.env["psd2.reconcile.wizard"].browse(action["res_id"])

    def row(self, wizard, st_line):
        return wizard.line_ids.filtered(lambda row: row.statement_line_id == st_line)

    def test_the_dashboard_card_counts_what_is_left_to_reconcile(self):
        self.line_sure._psd2_suggest()
        data = json.loads(self.bank_journal.kanban_dashboard)
        self.assertEqual(data["psd2_reconcile"], {"count": 2, "suggested": 1})

    def test_rows_show_the_suggestion_its_confidence_and_reasons(self):
        wizard = self.open_wizard()
        self.assertEqual(wizard.line_ids.statement_line_id, self.line_sure | self.line_vague)
        row = self.row(wizard, self.line_sure)
        self.assertEqual(row.move_ids, self.invoice_sure)
        self.assertEqual(row.suggested_move_ids, self.invoice_sure)
        self.assertGreater(row.confidence, 0.9)
        self.assertIn(self.invoice_sure.name, row.reasons)
        self.assertEqual(row.difference, 0.0)

    def test_accept_one_row(self):
        wizard = self.open_wizard()
        action = self.row(wizard, self.line_sure).action_accept()
        self.assertEqual(action["res_id"], wizard.id, "the wizard stays open on the rest")
        self.assertTrue(self.line_sure.is_reconciled)
        self.assertEqual(self.line_sure.psd2_reconcile_mode, "manual")
        self.assertIn(self.invoice_sure.payment_state, PAID)
        self.assertEqual(wizard.line_ids.statement_line_id, self.line_vague)
        self.assert_balanced()

    def test_accept_all_from_a_chosen_confidence(self):
        wizard = self.open_wizard()
        with Form(wizard) as form:
            form.min_confidence = 1.0
            self.assertEqual(form.ready_count, 0)
            form.min_confidence = 0.9
            self.assertEqual(form.ready_count, 1, "the vague row is below 90 %")
        wizard.action_accept_above()
        self.assertTrue(self.line_sure.is_reconciled)
        self.assertFalse(self.line_vague.is_reconciled)
        self.assertEqual(wizard.line_ids.statement_line_id, self.line_vague)
        self.assertIn("1 transactions reconciled", wizard.result_message)

    def test_pick_other_invoices_found_by_number_partner_or_amount(self):
        wizard = self.open_wizard()
        with Form(wizard) as form, form.line_ids.edit(1) as row:
            self.assertEqual(row.statement_line_id, self.line_vague)
            row.search_text = self.invoice_kowalska.name
            self.assertEqual(row.found_move_ids[:], self.invoice_kowalska)
            row.search_text = "kowalska 1 845,00"
            self.assertEqual(row.found_move_ids[:], self.invoice_other)
            row.search_text = "615"
            self.assertEqual(row.found_move_ids[:], self.invoice_kowalska)
            row.move_ids.clear()
            row.move_ids.add(self.invoice_other)
            self.assertEqual(row.difference, 0.0)
        self.row(wizard, self.line_vague).action_accept()
        self.assertTrue(self.line_vague.is_reconciled)
        self.assertIn(self.invoice_other.payment_state, PAID)
        self.assertEqual(self.line_vague.partner_id, self.kowalska)

    def test_add_found_documents_and_pay_two_invoices_at_once(self):
        line = self.bank_line(1845.0, "Kowalska faktury")
        self.invoice_other.button_draft()
        self.invoice_other.button_cancel()
        second = self.invoice(1230.0, self.kowalska)
        wizard = self.env["psd2.reconcile.wizard"].browse(
            line.action_psd2_open_reconcile_wizard()["res_id"]
        )
        with Form(wizard) as form, form.line_ids.edit(0) as row:
            row.search_text = "Kowalska"
        row = wizard.line_ids
        self.assertEqual(row.found_move_ids, self.invoice_kowalska | second)
        row.action_add_found()
        self.assertEqual(row.move_ids, self.invoice_kowalska | second)
        self.assertEqual(row.difference, 0.0)
        row.action_accept()
        self.assertIn(self.invoice_kowalska.payment_state, PAID)
        self.assertIn(second.payment_state, PAID)
        self.assert_balanced()

    def test_leave_for_later(self):
        wizard = self.open_wizard()
        self.row(wizard, self.line_sure).action_later()
        self.assertEqual(wizard.line_ids.statement_line_id, self.line_vague)
        self.assertFalse(self.line_sure.is_reconciled)
        self.assertEqual(self.line_sure.psd2_match_move_ids, self.invoice_sure, "kept for later")

    def test_match_again_finds_an_invoice_posted_since(self):
        wizard = self.open_wizard()
        self.assertFalse(self.row(wizard, self.line_vague).move_ids.filtered("partner_id"))
        late = self.invoice(1845.0, self.kowalska, ref="Przelew")  # noqa: F841
        self.line_vague.partner_name = "Anna Kowalska"
        wizard.action_refresh()
        row = self.row(wizard, self.line_vague)
        self.assertTrue(row.move_ids, "the matcher suggests Kowalska's invoice of that amount")
        self.assertEqual(row.move_ids.partner_id, self.kowalska)
        self.assertEqual(wizard.result_message, "Suggestions refreshed.")

    def test_a_row_that_cannot_be_reconciled_says_why(self):
        bill = self.invoice(1845.0, self.vendor, "in_invoice")
        wizard = self.open_wizard()
        row = self.row(wizard, self.line_vague)
        row.move_ids = bill
        with self.assertRaisesRegex(UserError, "are not paid by the bank transaction"):
            row.action_accept()
        wizard.min_confidence = 0.0
        wizard.action_accept_above()
        self.assertIn("are not paid by", row.error)
        self.assertTrue(self.line_sure.is_reconciled, "the other row went through")
        self.assertIn("1 could not be", wizard.result_message)

    def test_only_open_transactions_are_offered(self):
        self.reconcile(self.line_sure, self.invoice_sure)
        wizard = self.open_wizard()
        self.assertEqual(wizard.line_ids.statement_line_id, self.line_vague)
        with self.assertRaisesRegex(UserError, "already reconciled"):
            self.line_sure.action_psd2_open_reconcile_wizard()

    def test_an_invoicing_user_works_the_wizard(self):
        user = new_test_user(
            self.env,
            login="billing_wizard",
            groups="account.group_account_invoice",
            company_id=self.company.id,
        )
        journal = self.bank_journal.with_user(user)
        wizard = self.open_wizard(journal)
        self.assertEqual(wizard.env.user, user)
        with Form(wizard) as form:
            form.min_confidence = 0.9
        wizard.action_accept_above()
        self.assertTrue(self.line_sure.is_reconciled)
