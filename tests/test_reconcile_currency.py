from odoo.tests import tagged

from .reconcile_common import PAID, ReconcileCommon


@tagged("post_install", "-at_install")
class TestReconcileCurrency(ReconcileCommon):
    """A PLN company paid in EUR: 1 EUR = 4 PLN when invoicing, 4.1667 PLN when paid."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.eur = cls.setup_other_currency(
            "EUR", rates=[("2026-11-01", 0.25), ("2026-11-20", 0.24)]
        )
        cls.eur_journal = cls.env["account.journal"].create(
            {"name": "Bank EUR", "type": "bank", "code": "BEUR", "currency_id": cls.eur.id}
        )

    def exchange_moves(self, invoice):
        partials = self.open_item(invoice).matched_credit_ids
        return partials.exchange_move_id

    def test_eur_transfer_pays_eur_invoice_and_books_the_exchange_gain(self):
        invoice = self.invoice(1000.0, currency=self.eur)
        self.assertAlmostEqual(invoice.amount_total_signed, 4000.0)
        line = self.bank_line(1000.0, invoice.name, journal=self.eur_journal)
        self.reconcile(line, invoice)
        self.assertTrue(line.is_reconciled)
        self.assertIn(invoice.payment_state, PAID)
        counterpart = self.counterparts(line)
        self.assertRecordValues(
            counterpart, [{"currency_id": self.eur.id, "amount_currency": -1000.0}]
        )
        self.assertAlmostEqual(counterpart.balance, -4166.67)
        exchange = self.exchange_moves(invoice)
        self.assertTrue(exchange, "the rate moved: Odoo books the difference")
        gain = exchange.line_ids.filtered(
            lambda item: item.account_id == self.company.income_currency_exchange_account_id
        )
        self.assertAlmostEqual(gain.balance, -166.67, msg="1000 EUR came in worth 166.67 more")
        self.assert_balanced()

    def test_pln_transfer_pays_eur_invoice_in_full(self):
        invoice = self.invoice(1000.0, currency=self.eur)
        line = self.bank_line(4166.67, invoice.name)
        self.reconcile(line, invoice)
        self.assertIn(invoice.payment_state, PAID)
        self.assertEqual(invoice.amount_residual, 0.0)
        counterpart = self.counterparts(line)
        self.assertRecordValues(
            counterpart,
            [{"currency_id": self.eur.id, "amount_currency": -1000.0, "balance": -4166.67}],
        )
        self.assert_balanced()

    def test_pln_transfer_pays_part_of_eur_invoice(self):
        invoice = self.invoice(1000.0, currency=self.eur)
        line = self.bank_line(2083.33, invoice.name)
        self.reconcile(line, invoice)
        self.assertTrue(line.is_reconciled)
        self.assertEqual(invoice.payment_state, "partial")
        self.assertAlmostEqual(invoice.amount_residual, 500.0)
        self.assert_balanced()

    def test_eur_transfer_pays_pln_invoice_with_the_rounding_as_exchange_difference(self):
        invoice = self.invoice(1000.01)
        line = self.bank_line(240.0, invoice.name, journal=self.eur_journal)
        self.reconcile(line, invoice)
        self.assertIn(invoice.payment_state, PAID)
        loss = self.counterparts(line).filtered(
            lambda item: item.account_id == self.company.expense_currency_exchange_account_id
        )
        self.assertAlmostEqual(loss.balance, 0.01, msg="240 EUR are worth 1000.00, not 1000.01")
        self.assert_balanced()

    def test_foreign_amount_on_a_pln_line_pays_eur_invoice(self):
        invoice = self.invoice(1000.0, currency=self.eur)
        line = self.bank_line(
            4150.0, invoice.name, foreign_currency_id=self.eur.id, amount_currency=1000.0
        )
        self.reconcile(line, invoice)
        self.assertIn(invoice.payment_state, PAID)
        self.assertAlmostEqual(self.counterparts(line).balance, -4150.0, msg="the bank's rate")
        self.assert_balanced()

    def test_writeoff_tolerance_is_converted_to_the_transaction_currency(self):
        self.enable_writeoff(tolerance=4.0)  # PLN: about 0.96 EUR
        invoice = self.invoice(1000.0, currency=self.eur)
        line = self.bank_line(1000.90, invoice.name, journal=self.eur_journal)
        self.reconcile(line, invoice)
        writeoff = self.counterparts(line).filtered(
            lambda item: item.account_id == self.writeoff_account
        )
        self.assertAlmostEqual(writeoff.amount_currency, -0.90)
        self.assertEqual(writeoff.currency_id, self.eur)
        self.assert_balanced()
