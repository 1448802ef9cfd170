from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .reconcile_common import PAID, ReconcileCommon


@tagged("post_install", "-at_install")
class TestReconcileService(ReconcileCommon):
    def test_full_payment_closes_the_invoice_and_the_line(self):
        invoice = self.invoice(1230.0)
        line = self.bank_line(1230.0, f"Zapłata za fakturę {invoice.name}")
        self.reconcile(line, invoice)
        self.assertTrue(line.is_reconciled)
        self.assertIn(invoice.payment_state, PAID)
        self.assertEqual(invoice.amount_residual, 0.0)
        counterpart = self.counterparts(line)
        self.assertEqual(counterpart.account_id, self.open_item(invoice).account_id)
        self.assertEqual(counterpart.partner_id, self.nowak)
        self.assertTrue(counterpart.full_reconcile_id)
        self.assertEqual(line.partner_id, self.nowak, "the partner is set on the line")
        liquidity, _suspense, _other = line._seek_for_lines()
        self.assertEqual(liquidity.partner_id, self.nowak, "and on its entry, as Community does")
        self.assertEqual(line.move_id.partner_id, self.nowak)
        self.assertEqual(line.psd2_reconcile_mode, "manual")
        self.assert_balanced(line.move_id | invoice)

    def test_partial_payment_leaves_the_rest_of_the_invoice_open(self):
        invoice = self.invoice(1000.0)
        line = self.bank_line(400.0, invoice.name)
        self.reconcile(line, invoice)
        self.assertTrue(line.is_reconciled)
        self.assertEqual(invoice.payment_state, "partial")
        self.assertAlmostEqual(invoice.amount_residual, 600.0)
        self.assert_balanced()

    def test_overpayment_stays_open_on_the_partner(self):
        invoice = self.invoice(1000.0)
        line = self.bank_line(1070.0, invoice.name)
        self.reconcile(line, invoice)
        self.assertTrue(line.is_reconciled)
        self.assertIn(invoice.payment_state, PAID)
        receivable = self.open_item(invoice).account_id
        credit = self.counterparts(line).filtered(lambda item: not item.reconciled)
        self.assertRecordValues(
            credit,
            [{"account_id": receivable.id, "partner_id": self.nowak.id, "balance": -70.0}],
        )
        self.assertAlmostEqual(self.nowak.credit, -70.0, msg="the customer has a credit of 70")
        self.assert_balanced()

    def test_overpayment_within_tolerance_is_written_off(self):
        self.enable_writeoff(tolerance=1.0)
        invoice = self.invoice(1000.0)
        line = self.bank_line(1000.40, invoice.name)
        self.reconcile(line, invoice)
        self.assertIn(invoice.payment_state, PAID)
        writeoff = self.counterparts(line).filtered(
            lambda item: item.account_id == self.writeoff_account
        )
        self.assertAlmostEqual(writeoff.balance, -0.40)
        self.assertAlmostEqual(self.nowak.credit, 0.0, msg="nothing left on the partner")
        self.assertIn("written off", line.move_id.message_ids[:1].body)
        self.assert_balanced()

    def test_overpayment_above_tolerance_is_not_written_off(self):
        self.enable_writeoff(tolerance=1.0)
        invoice = self.invoice(1000.0)
        line = self.bank_line(1005.0, invoice.name)
        self.reconcile(line, invoice)
        self.assertFalse(
            self.counterparts(line).filtered(lambda item: item.account_id == self.writeoff_account)
        )
        self.assertAlmostEqual(self.nowak.credit, -5.0)
        self.assert_balanced()

    def test_underpayment_within_tolerance_closes_the_invoice(self):
        self.enable_writeoff(tolerance=1.0)
        invoice = self.invoice(1000.0)
        line = self.bank_line(999.50, invoice.name)
        self.reconcile(line, invoice)
        self.assertIn(invoice.payment_state, PAID)
        writeoff = self.counterparts(line).filtered(
            lambda item: item.account_id == self.writeoff_account
        )
        self.assertAlmostEqual(writeoff.balance, 0.50, msg="the missing 0.50 is an expense")
        self.assert_balanced()

    def test_one_transfer_pays_several_invoices(self):
        first, second = self.invoice(300.0), self.invoice(450.0)
        line = self.bank_line(750.0, f"{first.name} {second.name}")
        self.reconcile(line, first | second)
        self.assertTrue(line.is_reconciled)
        self.assertIn(first.payment_state, PAID)
        self.assertIn(second.payment_state, PAID)
        self.assertEqual(len(self.counterparts(line)), 2)
        self.assert_balanced()

    def test_money_short_of_several_invoices_settles_them_in_order(self):
        first, second = self.invoice(300.0), self.invoice(450.0)
        line = self.bank_line(500.0, "faktury")
        self.reconcile(line, first | second)
        self.assertIn(first.payment_state, PAID)
        self.assertEqual(second.payment_state, "partial")
        self.assertAlmostEqual(second.amount_residual, 250.0)
        self.assert_balanced()

    def test_outgoing_transfer_pays_a_vendor_bill(self):
        bill = self.invoice(2460.0, self.vendor, "in_invoice", ref="FS 118/11/2026")
        line = self.bank_line(-2460.0, "FS 118/11/2026")
        self.reconcile(line, bill)
        self.assertTrue(line.is_reconciled)
        self.assertIn(bill.payment_state, PAID)
        self.assertEqual(self.counterparts(line).account_id.account_type, "liability_payable")
        self.assertEqual(line.partner_id, self.vendor)
        self.assert_balanced()

    def test_outgoing_transfer_pays_a_customer_refund(self):
        refund = self.invoice(150.0, move_type="out_refund")
        line = self.bank_line(-150.0, f"Zwrot {refund.name}")
        self.reconcile(line, refund)
        self.assertTrue(line.is_reconciled)
        self.assertIn(refund.payment_state, PAID)
        self.assert_balanced()

    def test_credit_note_is_netted_against_the_invoice(self):
        invoice = self.invoice(1000.0)
        credit_note = self.invoice(300.0, move_type="out_refund")
        line = self.bank_line(700.0, f"{invoice.name} minus {credit_note.name}")
        self.reconcile(line, invoice | credit_note)
        self.assertIn(invoice.payment_state, PAID)
        self.assertIn(credit_note.payment_state, PAID)
        self.assert_balanced()

    def test_undo_restores_the_suspense_line_and_reopens_the_invoices(self):
        invoice = self.invoice(1230.0)
        line = self.bank_line(1230.0, invoice.name)
        self.reconcile(line, invoice)
        line.action_undo_reconciliation()
        self.assertFalse(line.is_reconciled)
        _liquidity, suspense, other = line._seek_for_lines()
        self.assertAlmostEqual(suspense.balance, -1230.0)
        self.assertFalse(other)
        self.assertEqual(invoice.payment_state, "not_paid")
        self.assert_balanced()

    def test_undone_line_can_be_reconciled_again(self):
        invoice = self.invoice(1230.0)
        line = self.bank_line(1230.0, invoice.name)
        self.reconcile(line, invoice)
        line.action_undo_reconciliation()
        self.reconcile(line, invoice)
        self.assertTrue(line.is_reconciled)
        self.assertIn(invoice.payment_state, PAID)

    def test_reconciliation_is_logged_in_the_chatter(self):
        invoice = self.invoice(1230.0)
        line = self.bank_line(1230.0, "<b>FV</b>")
        self.env["psd2.reconcile.service"]._psd2_reconcile(
            [(line, invoice)], "auto", {line.id: "Confidence 97 %: <script>x</script>."}
        )
        body = line.move_id.message_ids[:1].body
        self.assertIn(f"Reconciled automatically with {invoice.name}", body)
        self.assertIn("&lt;script&gt;", body, "the note is escaped, never HTML")
        self.assertNotIn("<script>", body)

    def test_several_lines_in_one_batch(self):
        invoices = [self.invoice(100.0 + index) for index in range(3)]
        lines = [self.bank_line(100.0 + index, invoices[index].name) for index in range(3)]
        self.env["psd2.reconcile.service"]._psd2_reconcile(
            list(zip(lines, invoices, strict=True)), "auto"
        )
        for line, invoice in zip(lines, invoices, strict=True):
            self.assertTrue(line.is_reconciled)
            self.assertIn(invoice.payment_state, PAID)
            self.assertEqual(line.psd2_reconcile_mode, "auto")
        self.assert_balanced()

    def test_two_transfers_choosing_one_invoice_in_a_batch_are_booked_one_by_one(self):
        invoice = self.invoice(1000.0)
        first, second = self.bank_line(600.0, invoice.name), self.bank_line(600.0, invoice.name)
        service = self.env["psd2.reconcile.service"]
        with self.assertRaisesRegex(UserError, "twice in one batch"):
            service._psd2_reconcile([(first, invoice), (second, invoice)], "manual")
        done, failures = service._psd2_reconcile_isolated(
            [(first, invoice), (second, invoice)], "manual"
        )
        self.assertEqual(done, first | second)
        self.assertFalse(failures)
        self.assertIn(invoice.payment_state, PAID)
        self.assertAlmostEqual(self.nowak.credit, -200.0, msg="the second overpaid by 200")
        self.assert_balanced()

    def test_a_reconciled_line_is_refused(self):
        invoice, other = self.invoice(100.0), self.invoice(100.0)
        line = self.bank_line(100.0, invoice.name)
        self.reconcile(line, invoice)
        with self.assertRaisesRegex(UserError, "already reconciled"):
            self.reconcile(line, other)

    def test_a_paid_invoice_is_refused(self):
        invoice = self.invoice(100.0)
        self.reconcile(self.bank_line(100.0, invoice.name), invoice)
        with self.assertRaisesRegex(UserError, "Nothing is left to pay"):
            self.reconcile(self.bank_line(100.0, invoice.name), invoice)

    def test_money_in_cannot_pay_a_vendor_bill(self):
        bill = self.invoice(100.0, self.vendor, "in_invoice")
        with self.assertRaisesRegex(UserError, "are not paid by the bank transaction"):
            self.reconcile(self.bank_line(100.0, "zwrot"), bill)

    def test_invoice_of_another_company_is_refused(self):
        other = self.setup_other_company()["company"]
        foreign = self.init_invoice(
            "out_invoice", self.nowak, amounts=[100.0], taxes=[], company=other, post=True
        )
        line = self.bank_line(100.0, foreign.name)
        with self.assertRaisesRegex(UserError, "another company"):
            self.reconcile(line, foreign)

    def test_an_invoicing_user_may_reconcile(self):
        """Community lets only accountants write statement lines; the service books for
        billing users, who may already register payments."""
        user = new_test_user(
            self.env,
            login="billing",
            groups="account.group_account_invoice",
            company_id=self.company.id,
        )
        invoice = self.invoice(500.0)
        line = self.bank_line(500.0, invoice.name)
        line_as_user = line.with_user(user)
        line_as_user._psd2_reconcile_with(invoice.with_user(user))
        self.assertTrue(line.is_reconciled)
        self.assertIn(f"Reconciled by {user.name}", line.move_id.message_ids[:1].body)

    def test_a_user_without_accounting_rights_may_not_reconcile(self):
        user = new_test_user(self.env, login="clerk", groups="base.group_user")
        invoice = self.invoice(500.0)
        line = self.bank_line(500.0, invoice.name)
        with self.assertRaises(AccessError):
            self.env["psd2.reconcile.service"].with_user(user)._psd2_reconcile(
                [(line, invoice)], "manual"
            )
        self.assertFalse(line.is_reconciled)
