from odoo import Command
from odoo.tests import HttpCase, tagged

from .common import Psd2Common


@tagged("post_install", "-at_install")
class TestTour(Psd2Common, HttpCase):
    """The whole path an accountant walks, in a real browser (headless Chromium).

    Skipped by Odoo's test runner when no Chromium is installed.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Keep the payment waiting for a person: the tour accepts the suggestion itself.
        cls.company.psd2_auto_reconcile = False
        partner = cls.env["res.partner"].create(
            {
                "name": "Hurtownia Elektryczna VOLT Sp. z o.o.",
                "is_company": True,
                "vat": "PL5260250995",
                "bank_ids": [Command.create({"acc_number": "PL61109010140000071219812874"})],
            }
        )
        cls.invoice = cls.init_invoice(
            "out_invoice", partner=partner, amounts=[1230.00], taxes=[], post=True
        )

    def test_connect_sync_and_reconcile_from_the_dashboard(self):
        self.start_tour("/odoo", "account_bank_psd2_connect_and_reconcile", login="accountman")
        self.invoice.invalidate_recordset(["payment_state"])
        self.assertIn(self.invoice.payment_state, ("paid", "in_payment"))
        connection = self.bank_journal.psd2_connection_id
        self.assertEqual(connection.state, "active")
