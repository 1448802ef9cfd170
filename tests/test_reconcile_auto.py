import base64
from unittest.mock import patch

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import freeze_time, tagged
from odoo.tools import file_open, mute_logger

from .common import NOW
from .reconcile_common import PAID, ReconcileCommon

NOWAK_IBAN = "PL61109010140000071219812874"
VOLT_IBAN = "PL27114020040000300201355387"


@tagged("post_install", "-at_install")
class TestAutoReconcile(ReconcileCommon):
    """The matcher's suggestions, stored on the lines and applied above the threshold."""

    def nowak_pays(self, amount, title):
        return self.bank_line(
            amount,
            title,
            partner_name="NOWAK BUDOWNICTWO SPOLKA Z OGRANICZONA ODPOWIEDZIALNOSCIA",
            account_number=NOWAK_IBAN,
        )

    def test_invoice_number_and_amount_reconcile_automatically(self):
        invoice = self.invoice(1230.0)
        line = self.nowak_pays(1230.0, f"Zapłata za fakturę {invoice.name}")
        reconciled = line._psd2_auto_reconcile()
        self.assertEqual(reconciled, line)
        self.assertIn(invoice.payment_state, PAID)
        self.assertEqual(line.psd2_reconcile_mode, "auto")
        self.assertEqual(line.psd2_match_move_ids, invoice)
        self.assertGreaterEqual(line.psd2_match_confidence, 0.9)
        self.assertIn(invoice.name, line.psd2_match_reasons)
        self.assertEqual(line.partner_id, self.nowak)
        body = line.move_id.message_ids[:1].body
        self.assertIn("Reconciled automatically", body)
        self.assertIn("Confidence", body)
        self.assert_balanced()

    def test_an_open_credit_note_deducted_by_the_customer_is_netted_automatically(self):
        # 1230.00 less the open credit note's 230.00; the title names the invoice only (and
        # INV/… must not be read as the credit note RINV/… with the same digits).
        invoice = self.invoice(1230.0)
        credit_note = self.invoice(230.0, move_type="out_refund")
        line = self.nowak_pays(1000.0, f"Zapłata za fakturę {invoice.name}")
        self.assertEqual(line._psd2_auto_reconcile(), line)
        self.assertEqual(line.psd2_match_move_ids, invoice | credit_note)
        self.assertIn(invoice.payment_state, PAID)
        self.assertIn(credit_note.payment_state, PAID)
        self.assertTrue(line.is_reconciled)
        self.assert_balanced()

    def test_below_the_threshold_the_suggestion_waits_for_a_person(self):
        self.company.psd2_reconcile_threshold = 1.0
        invoice = self.invoice(1230.0)
        line = self.nowak_pays(1230.0, f"Zapłata za fakturę {invoice.name}")
        self.assertFalse(line._psd2_auto_reconcile())
        self.assertFalse(line.is_reconciled)
        self.assertEqual(invoice.payment_state, "not_paid")
        self.assertEqual(line.psd2_match_move_ids, invoice)
        self.assertLess(line.psd2_match_confidence, 1.0)
        self.assertGreater(line.psd2_match_confidence, 0.9)
        self.assertFalse(line.psd2_match_auto)

    def test_a_stranger_paying_an_open_amount_with_a_generic_title_is_never_reconciled(self):
        invoice = self.invoice(1230.0)
        line = self.bank_line(1230.0, "Przelew", partner_name="Jan Wiśniewski")
        self.company.psd2_allow_payment_differences = True
        self.assertFalse(line._psd2_auto_reconcile())
        self.assertFalse(line.is_reconciled)
        self.assertEqual(invoice.payment_state, "not_paid")
        self.assertLess(line.psd2_match_confidence, 0.9)
        self.assertFalse(line.partner_id, "an amount alone does not tell who paid")
        self.assertFalse(line.psd2_match_partner_id)

    def test_a_recognised_partner_is_set_even_without_a_match(self):
        line = self.nowak_pays(500.0, "zaliczka na materiały")
        line._psd2_suggest()
        self.assertFalse(line.psd2_match_move_ids)
        self.assertEqual(line.psd2_match_partner_id, self.nowak)
        self.assertEqual(line.partner_id, self.nowak)
        self.assertEqual(line.move_id.line_ids.partner_id, self.nowak)
        self.assertEqual(line.move_id.partner_id, self.nowak)
        self.assertFalse(line.is_reconciled)
        _liquidity, suspense, _other = line._seek_for_lines()
        self.assertAlmostEqual(suspense.balance, -500.0, msg="the same amounts, to the cent")
        self.assert_balanced(line.move_id)

    def test_a_known_bank_account_names_the_partner_when_the_line_is_created(self):
        line = self.bank_line(500.0, "zaliczka", account_number="61 1090 1014 0000 0712 1981 2874")
        self.assertEqual(line.partner_id, self.nowak, "the bare NRB, spaced, is Nowak's IBAN")
        self.assertEqual(line.move_id.partner_id, self.nowak)
        self.assertEqual(line.move_id.line_ids.partner_id, self.nowak)

    def test_an_account_known_for_two_partners_names_nobody(self):
        self.env["res.partner.bank"].create(
            {"acc_number": "61109010140000071219812874", "partner_id": self.kowalska.id}
        )
        line = self.bank_line(500.0, "zaliczka", account_number=NOWAK_IBAN)
        self.assertFalse(line.partner_id)

    def test_a_partial_payment_waits_unless_differences_are_allowed(self):
        invoice = self.invoice(1000.0)
        line = self.nowak_pays(400.0, f"{invoice.name} pierwsza rata")
        self.assertFalse(line._psd2_auto_reconcile())
        self.assertEqual(line.psd2_match_move_ids, invoice, "still suggested")
        self.company.psd2_allow_payment_differences = True
        self.assertEqual(line._psd2_auto_reconcile(), line)
        self.assertEqual(invoice.payment_state, "partial")
        self.assertAlmostEqual(invoice.amount_residual, 600.0)

    def test_an_overpayment_with_differences_allowed_leaves_a_credit(self):
        self.company.psd2_allow_payment_differences = True
        invoice = self.invoice(1000.0)
        line = self.nowak_pays(1050.0, f"Faktura {invoice.name}")
        self.assertEqual(line._psd2_auto_reconcile(), line)
        self.assertIn(invoice.payment_state, PAID)
        self.assertAlmostEqual(self.nowak.credit, -50.0)
        self.assert_balanced()

    def test_a_vendor_bill_is_paid_by_an_outgoing_transfer(self):
        bill = self.invoice(2460.0, self.vendor, "in_invoice", ref="FS 118/11/2026")
        line = self.bank_line(
            -2460.0, "FS 118/11/2026", partner_name="Volt S.A.", account_number=VOLT_IBAN
        )
        self.assertEqual(line._psd2_auto_reconcile(), line)
        self.assertIn(bill.payment_state, PAID)
        self.assertEqual(line.partner_id, self.vendor)

    def test_one_transfer_naming_two_invoices_pays_both(self):
        first, second = self.invoice(300.0), self.invoice(450.0)
        line = self.nowak_pays(750.0, f"{first.name}, {second.name}")
        self.assertEqual(line._psd2_auto_reconcile(), line)
        self.assertIn(first.payment_state, PAID)
        self.assertIn(second.payment_state, PAID)

    def test_a_line_undone_by_a_person_is_not_reconciled_automatically_again(self):
        invoice = self.invoice(1230.0)
        line = self.nowak_pays(1230.0, invoice.name)
        line._psd2_auto_reconcile()
        line.action_undo_reconciliation()
        self.assertFalse(line._psd2_auto_reconcile())
        self.assertFalse(line.is_reconciled)
        self.assertEqual(line.psd2_match_move_ids, invoice, "the suggestion stays for a person")

    def test_automatic_reconciliation_can_be_switched_off(self):
        self.company.psd2_auto_reconcile = False
        invoice = self.invoice(1230.0)
        line = self.nowak_pays(1230.0, invoice.name)
        self.assertFalse(line._psd2_auto_reconcile())
        self.assertTrue(line.psd2_match_auto, "it would have been: the suggestion says so")

    def test_two_transfers_never_pay_the_same_invoice_automatically(self):
        invoice = self.invoice(1230.0)
        first = self.nowak_pays(1230.0, invoice.name)
        second = self.nowak_pays(1230.0, invoice.name)
        reconciled = (first | second)._psd2_auto_reconcile()
        self.assertEqual(len(reconciled), 1)
        self.assertIn(invoice.payment_state, PAID)
        self.assert_balanced()

    def test_a_line_that_cannot_be_booked_does_not_stop_the_others(self):
        first, second = self.invoice(100.0), self.invoice(200.0)
        failing, passing = self.nowak_pays(100.0, first.name), self.nowak_pays(200.0, second.name)
        service_class = type(self.env["psd2.reconcile.service"])
        plan = service_class._psd2_plan

        def paid_meanwhile(service, st_line, documents):
            if st_line == failing:
                raise UserError(service.env._("Someone registered the payment by hand meanwhile."))
            return plan(service, st_line, documents)

        with patch.object(service_class, "_psd2_plan", paid_meanwhile):
            reconciled = (failing | passing)._psd2_auto_reconcile()
        self.assertEqual(reconciled, passing)
        self.assertIn(second.payment_state, PAID)
        self.assertFalse(failing.is_reconciled)
        self.assertIn("Not reconciled: Someone registered", failing.psd2_match_reasons)
        self.assert_balanced()

    def test_on_demand_action_reports_what_it_did(self):
        invoice = self.invoice(1230.0)
        lines = self.nowak_pays(1230.0, invoice.name) | self.bank_line(77.0, "Przelew")
        action = lines.action_psd2_auto_reconcile()
        self.assertEqual(action["tag"], "display_notification")
        self.assertIn("1 transactions reconciled", action["params"]["message"])

    def test_the_journal_button_matches_every_open_transaction(self):
        invoice = self.invoice(1230.0)
        line = self.nowak_pays(1230.0, invoice.name)
        action = self.bank_journal.action_psd2_auto_reconcile()
        self.assertTrue(line.is_reconciled)
        self.assertIn("1 transactions reconciled", action["params"]["message"])

    # -- Cost ------------------------------------------------------------------------------
    def count_queries(self, function):
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.cr.sql_log_count
        function()
        self.env.flush_all()
        return self.cr.sql_log_count - before

    def test_matching_costs_the_same_queries_for_5_or_50_lines(self):
        self.company.psd2_reconcile_threshold = 1.0  # suggest only
        invoices = [self.invoice(100.0 + index) for index in range(55)]

        def lines_for(selected):
            return self.env["account.bank.statement.line"].union(
                *(
                    self.bank_line(invoice.amount_total, invoice.name, partner_id=self.nowak.id)
                    for invoice in selected
                )
            )

        few, many = lines_for(invoices[:5]), lines_for(invoices[5:])
        queries_few = self.count_queries(few._psd2_suggest)
        queries_many = self.count_queries(many._psd2_suggest)
        self.assertTrue(all(line.psd2_match_move_ids for line in few | many))
        self.assertLessEqual(queries_many, queries_few + 2, (queries_few, queries_many))

    def test_reconciling_costs_no_more_queries_per_line_in_a_bigger_batch(self):
        def batch(size, start):
            requests = []
            for index in range(size):
                invoice = self.invoice(100.0 + start + index)
                line = self.bank_line(invoice.amount_total, invoice.name, partner_id=self.nowak.id)
                requests.append((line, invoice))
            return requests

        few, many = batch(5, 0), batch(25, 5)
        service = self.env["psd2.reconcile.service"]
        queries_few = self.count_queries(lambda: service._psd2_reconcile(few, "auto"))
        queries_many = self.count_queries(lambda: service._psd2_reconcile(many, "auto"))
        self.assertTrue(all(line.is_reconciled for line, _invoice in few + many))
        self.assertLessEqual(queries_many / 25, queries_few / 5, (queries_few, queries_many))
        self.assert_balanced()


@tagged("post_install", "-at_install")
class TestReconcileAfterSync(ReconcileCommon):
    """The Sandbox Bank pays the invoices it is told about; the sync reconciles them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with freeze_time(NOW):
            cls.connection = cls.connect_sandbox()
        cls.vendor.bank_ids.unlink()  # the bank pays the vendor without an account number

    def announce_and_sync(self):
        with freeze_time(NOW):
            self.connection.action_sandbox_pay_open_invoices()
            return self.connection._psd2_sync(trigger="manual")

    def test_sync_reconciles_the_payments_of_open_invoices(self):
        invoices = self.invoice(1230.0) | self.invoice(615.0, self.kowalska)
        invoices |= self.invoice(2460.0, self.vendor, "in_invoice", ref="FS 118/11/2026")
        log = self.announce_and_sync()
        self.assertEqual(log.status, "success")
        for invoice in invoices:
            self.assertIn(invoice.payment_state, PAID, invoice.name)
        self.assertEqual(log.reconciled_count, 3)
        paid_by = log.statement_line_ids.filtered(lambda line: line.psd2_reconcile_mode == "auto")
        self.assertEqual(paid_by.psd2_match_move_ids, invoices)
        self.assertIn("3 reconciled automatically", log._psd2_notification()["params"]["message"])
        self.assert_balanced()

    def test_sync_leaves_the_other_transactions_open(self):
        self.invoice(1230.0)
        log = self.announce_and_sync()
        others = log.statement_line_ids.filtered(lambda line: not line.psd2_reconcile_mode)
        self.assertTrue(others, "the bank's usual traffic is not invoice payments")
        self.assertFalse(any(line.is_reconciled for line in others))
        self.assertTrue(all(line.psd2_matched_at for line in log.statement_line_ids))

    def test_a_failure_after_the_import_does_not_fail_the_sync(self):
        self.invoice(1230.0)
        with (
            patch.object(
                type(self.env["account.bank.statement.line"]),
                "_psd2_auto_reconcile",
                side_effect=RuntimeError("matcher exploded"),
            ),
            mute_logger("odoo.addons.account_bank_psd2.models.psd2_sync_log"),
        ):
            log = self.announce_and_sync()
        self.assertEqual(log.status, "success")
        self.assertTrue(log.statement_line_ids, "the import stands")
        self.assertEqual(log.reconcile_error, "matcher exploded")
        self.assertEqual(log.reconciled_count, 0)


@tagged("post_install", "-at_install")
class TestReconcileSettings(ReconcileCommon):
    def test_settings_change_the_company(self):
        # Not through Form: the test company's cash-basis taxes make Odoo's own settings
        # onchange log a warning unrelated to these fields.
        self.env["res.config.settings"].create(
            {
                "psd2_auto_reconcile": True,
                "psd2_reconcile_threshold": 0.95,
                "psd2_allow_payment_differences": True,
                "psd2_writeoff_tolerance": 2.0,
                "psd2_writeoff_account_id": self.writeoff_account.id,
            }
        ).execute()
        self.assertRecordValues(
            self.company,
            [
                {
                    "psd2_reconcile_threshold": 0.95,
                    "psd2_allow_payment_differences": True,
                    "psd2_writeoff_tolerance": 2.0,
                    "psd2_writeoff_account_id": self.writeoff_account.id,
                }
            ],
        )

    def test_a_threshold_below_one_half_is_refused(self):
        with self.assertRaises(ValidationError):
            self.company.psd2_reconcile_threshold = 0.3

    def test_without_a_write_off_account_nothing_is_written_off(self):
        self.company.psd2_writeoff_tolerance = 5.0
        invoice = self.invoice(1000.0)
        line = self.bank_line(1001.0, invoice.name)
        self.reconcile(line, invoice)
        self.assertAlmostEqual(self.nowak.credit, -1.0, msg="left open on the partner")


@tagged("post_install", "-at_install")
class TestReconcileAfterFileImport(ReconcileCommon):
    def test_a_statement_file_is_matched_and_reconciled_like_a_feed(self):
        customer = self.env["res.partner"].create(
            {
                "name": "Zielony Ogród sp. z o.o.",
                "is_company": True,
                "bank_ids": [Command.create({"acc_number": "PL03105014451318609139099603"})],
            }
        )
        invoice = self.invoice(
            2460.0, customer, name="FV/2026/11/0042", invoice_date="2026-11-02", date="2026-11-02"
        )
        with file_open(
            "account_bank_psd2/engine_tests/data/files/mbank_lista_operacji_cp1250.csv", "rb"
        ) as sample:
            data = sample.read()
        self.env["psd2.statement.import"].create(
            {
                "journal_id": self.bank_journal.id,
                "statement_file": base64.b64encode(data),
                "file_name": "lista.csv",
            }
        ).action_import()
        self.assertIn(invoice.payment_state, PAID)
        line = self.statement_lines().filtered(lambda line: line.psd2_reconcile_mode == "auto")
        self.assertEqual(line.partner_id, customer)
        log = self.env["psd2.sync.log"].search([("journal_id", "=", self.bank_journal.id)])
        self.assertEqual(log.reconciled_count, 1)
        self.assert_balanced()
