import datetime
from decimal import Decimal
from unittest.mock import patch

from odoo.tests import freeze_time, tagged

from ..engine import errors
from ..engine.providers.sandbox import SandboxBank
from ..engine.records import Transaction, TransactionPage
from .common import NOW, Psd2Common

SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@tagged("post_install", "-at_install")
class TestHostileInput(Psd2Common):
    """Bank data is text, never markup: whatever a title holds is escaped where it is shown."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with freeze_time(NOW):
            cls.connection = cls.connect_sandbox()

    def sync(self, at=NOW):
        with freeze_time(at):
            return self.connection._psd2_sync(trigger="manual")

    def test_error_text_with_markup_is_escaped_in_the_chatter_and_the_alert_email(self):
        failure = errors.ProviderUnavailable(f"Bank said {SCRIPT}")
        with patch.object(SandboxBank, "fetch_transactions", side_effect=failure):
            self.sync()
            self.sync(NOW + datetime.timedelta(hours=4))
        bodies = "".join(self.connection.message_ids.mapped("body"))
        self.assertIn("Bank said", bodies)
        self.assertNotIn("<script>", bodies)
        self.assertNotIn("<img", bodies)
        self.assertIn("&lt;script&gt;", bodies)

    def test_markup_in_a_title_is_stored_as_text_and_imported(self):
        hostile = Transaction(
            "H-1",
            NOW.date(),
            Decimal("12.00"),
            "PLN",
            counterparty_name=SCRIPT,
            remittance=f"FV/2026/11/0001 {SCRIPT}",
        )
        with patch.object(
            SandboxBank, "fetch_transactions", return_value=TransactionPage((hostile,))
        ):
            log = self.sync()
        self.assertEqual(log.status, "success")
        line = self.statement_lines()
        self.assertEqual(line.partner_name, SCRIPT)
        self.assertTrue(line.payment_ref.endswith(SCRIPT))

    def test_ten_megabyte_title_is_bounded_and_the_run_goes_on(self):
        huge = Transaction(
            "BIG-1", NOW.date(), Decimal("1.00"), "PLN", remittance="x" * (10 * 1024 * 1024)
        )
        normal = Transaction("OK-1", NOW.date(), Decimal("2.00"), "PLN", remittance="FV 1/2026")
        page = TransactionPage((huge, normal))
        with patch.object(SandboxBank, "fetch_transactions", return_value=page):
            log = self.sync()
        self.assertEqual(log.created_count, 2)
        self.assertLessEqual(
            max(len(ref) for ref in self.statement_lines().mapped("payment_ref")), 1000
        )
