import datetime
from decimal import Decimal
from unittest.mock import patch

from psycopg2 import IntegrityError

from odoo.exceptions import UserError
from odoo.tests import freeze_time, tagged
from odoo.tools import mute_logger

from ..engine import errors
from ..engine.providers.sandbox import SandboxBank
from ..engine.records import RejectedRecord, Transaction, TransactionPage
from .common import NOW, Psd2Common

DAY = datetime.timedelta(days=1)


@tagged("post_install", "-at_install")
class TestSync(Psd2Common):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with freeze_time(NOW):
            cls.connection = cls.connect_sandbox()
        cls.account = cls.connection.account_ids

    def sync(self, at=NOW):
        with freeze_time(at):
            return self.connection._psd2_sync(trigger="manual")

    def test_first_sync_reads_seven_days_back_and_imports_every_booked_transaction(self):
        log = self.sync()
        expected = self.booked_in_window(self.connection, NOW, NOW.date() - 7 * DAY, NOW.date())
        self.assertEqual(log.status, "success")
        self.assertEqual((log.window_from, log.window_to), (NOW.date() - 7 * DAY, NOW.date()))
        self.assertEqual(log.created_count, len(expected))
        self.assertEqual(len(self.statement_lines()), len(expected))
        self.assertEqual(self.account.synced_until, self._complete_until(log))
        self.assertFalse(self.account.sync_cursor)

    def _complete_until(self, log):
        """Where booked data is complete: the day before the earliest pending card payment."""
        bank = self.bank_view(self.connection, NOW)
        listed, page = [], None
        while True:
            result = bank.fetch_transactions(
                self.connection._psd2_consent(),
                self.account.remote_id,
                log.window_from,
                log.window_to,
                page,
            )
            listed.extend(result.transactions)
            if not result.next_page:
                break
            page = result.next_page
        pending = [t.booking_date for t in listed if not t.is_booked]
        return min(pending) - DAY if pending else log.window_to

    def test_statement_line_carries_the_bank_data(self):
        self.sync()
        line = self.statement_lines().filtered(lambda l: l.partner_name and l.account_number)[:1]
        self.assertTrue(line.psd2_dedup_key.startswith("id:SBX"))
        self.assertEqual(line.psd2_booking_status, "booked")
        self.assertEqual(line.transaction_details["transactionId"], line.psd2_dedup_key[3:])
        self.assertTrue(line.payment_ref)

    def test_second_sync_creates_no_duplicates(self):
        first = self.sync()
        count = len(self.statement_lines())
        synced_until = self.account.synced_until
        second = self.sync(NOW + datetime.timedelta(minutes=5))
        self.assertEqual(second.window_from, synced_until - 3 * DAY, "re-reads the overlap")
        reread = self.statement_lines().filtered(lambda line: line.date >= second.window_from)
        self.assertEqual(second.created_count, 0)
        self.assertEqual(second.duplicate_count, len(reread))
        self.assertEqual(len(self.statement_lines()), count)
        self.assertEqual(count, first.created_count)

    def test_overlap_window_catches_a_late_booked_transaction(self):
        late, visible_at = self._late_transfer()
        booking = late.booking_date
        evening_after = datetime.datetime.combine(booking + DAY, datetime.time(19, 0))
        self.sync(evening_after)
        keys = set(self.statement_lines().mapped("psd2_dedup_key"))
        self.assertNotIn(f"id:{late.provider_id}", keys, "published later: not visible yet")
        synced_until = self.account.synced_until
        self.assertLessEqual(synced_until, booking + DAY)
        log = self.sync(visible_at + datetime.timedelta(hours=1))
        self.assertEqual(log.window_from, synced_until - 3 * DAY)
        keys = set(self.statement_lines().mapped("psd2_dedup_key"))
        self.assertIn(f"id:{late.provider_id}", keys)

    def _late_transfer(self):
        bank = self.bank_view(self.connection, NOW)
        for transaction, visible_at, _pending in reversed(bank._history("main")):
            if transaction.booking_date < NOW.date() - 5 * DAY and visible_at.date() >= (
                transaction.booking_date + 2 * DAY
            ):
                return transaction, visible_at
        self.fail("The Sandbox Bank has no late-booked transfer for this seed.")

    def test_incoming_only_account_imports_no_outgoing_transaction(self):
        self.account.direction = "incoming"
        log = self.sync()
        lines = self.statement_lines()
        self.assertTrue(lines)
        self.assertTrue(all(line.amount > 0 for line in lines))
        expected = self.booked_in_window(self.connection, NOW, log.window_from, log.window_to)
        self.assertEqual(log.filtered_count, len([t for t in expected if t.amount < 0]))

    def test_outgoing_only_account_imports_no_incoming_transaction(self):
        self.account.direction = "outgoing"
        self.sync()
        self.assertTrue(all(line.amount < 0 for line in self.statement_lines()))

    def test_interrupted_sync_resumes_without_loss_or_duplicates(self):
        self.connection.sudo().provider_settings = dict(
            self.connection.sudo().provider_settings, page_size=4
        )
        real_fetch = SandboxBank.fetch_transactions
        calls = []

        def fetch_failing_on_third_page(provider, *args, **kwargs):
            calls.append(kwargs.get("page") or (args[4] if len(args) > 4 else None))
            if len(calls) == 3:
                raise errors.ProviderUnavailable("Connection reset by peer")
            return real_fetch(provider, *args, **kwargs)

        with patch.object(SandboxBank, "fetch_transactions", fetch_failing_on_third_page):
            failed = self.sync()
        self.assertEqual(failed.status, "failed")
        self.assertEqual(failed.error_kind, "unavailable")
        self.assertEqual(failed.created_count, 8, "two pages of four were kept")
        self.assertEqual(self.account.sync_cursor["next_page"], "8")
        self.assertEqual(self.connection.state, "error")

        resumed = self.sync(NOW + datetime.timedelta(minutes=10))
        self.assertEqual(resumed.status, "success")
        self.assertEqual(resumed.window_from, failed.window_from, "same window, resumed")
        expected = self.booked_in_window(self.connection, NOW, failed.window_from, failed.window_to)
        lines = self.statement_lines()
        self.assertEqual(len(lines), len(expected))
        self.assertEqual(len(set(lines.mapped("psd2_dedup_key"))), len(lines))
        self.assertEqual(self.connection.state, "active")
        self.assertEqual(self.connection.failure_count, 0)

    def test_bad_records_are_logged_and_the_other_transactions_imported(self):
        good = Transaction("GOOD-1", NOW.date(), Decimal("100.00"), "PLN", remittance="FV 1/2026")
        euro = Transaction("EUR-1", NOW.date(), Decimal("5.00"), "EUR", remittance="<b>x</b>")
        garbage = RejectedRecord("Amount 'abc' is not a number.", {"amount": "abc", "id": "B-1"})
        page = TransactionPage((good, euro), None, (garbage,))
        with patch.object(SandboxBank, "fetch_transactions", return_value=page):
            log = self.sync()
        self.assertEqual(log.status, "warning")
        self.assertEqual(log.created_count, 1)
        self.assertEqual(log.rejected_count, 2)
        self.assertIn("Amount 'abc' is not a number.", log.rejected_details)
        self.assertIn("B-1", log.rejected_details)
        self.assertIn("EUR", log.rejected_details)
        self.assertEqual(self.statement_lines().mapped("psd2_dedup_key"), ["id:GOOD-1"])
        self.assertEqual(self.connection.last_sync_status, "warning")

    def test_identical_card_payments_without_ids_are_two_lines(self):
        twin = Transaction("", NOW.date(), Decimal("-12.99"), "PLN", counterparty_name="ZABKA")
        page = TransactionPage((twin, twin))
        with patch.object(SandboxBank, "fetch_transactions", return_value=page):
            self.sync()
            self.sync(NOW + datetime.timedelta(minutes=1))
        keys = self.statement_lines().mapped("psd2_dedup_key")
        self.assertEqual(len(keys), 2)
        self.assertEqual({key[-2:] for key in keys}, {":1", ":2"})

    def test_provider_failure_is_recorded_on_the_connection_and_its_chatter_once(self):
        self.connection.sudo().provider_settings = {"seed": "tests", "fault": "unavailable"}
        first = self.sync()
        self.sync(NOW + datetime.timedelta(hours=4))
        failures = self.connection.message_ids.filtered(lambda m: "Bank sync failed" in m.body)
        self.assertEqual(first.status, "failed")
        self.assertEqual(self.connection.state, "error")
        self.assertEqual(self.connection.failure_count, 2)
        self.assertIn("maintenance", self.connection.last_error)
        self.assertEqual(len(failures), 1, "one message per incident, not one per run")

    def test_expired_consent_stops_the_connection(self):
        log = self.sync(NOW + datetime.timedelta(days=181))
        self.assertEqual(log.error_kind, "consent_expired")
        self.assertEqual(self.connection.state, "expired")
        with freeze_time(NOW + datetime.timedelta(days=181)):
            self.connection.invalidate_recordset()
            with self.assertRaises(UserError):
                self.connection.action_sync_now()

    def test_rate_limit_tells_how_long_to_wait(self):
        self.connection.sudo().provider_settings = {"seed": "tests", "fault": "rate_limited"}
        log = self.sync()
        self.assertEqual(log.error_kind, "rate_limited")
        self.assertIn("60 minutes", log.error_message)

    def test_a_running_sync_makes_the_second_one_skip(self):
        self.assertTrue(self.account._psd2_try_lock())
        other_cursor = self.registry.cursor()
        try:
            other_cursor.execute(
                "SELECT pg_try_advisory_lock(%s, %s)", (0x50534432, self.account.id)
            )
            self.assertFalse(other_cursor.fetchone()[0])
        finally:
            other_cursor.close()
            self.account._psd2_unlock()

    def test_database_refuses_a_second_line_with_the_same_key(self):
        values = {
            "journal_id": self.bank_journal.id,
            "date": NOW.date(),
            "payment_ref": "x",
            "amount": 1.0,
            "psd2_dedup_key": "id:SAME",
        }
        self.env["account.bank.statement.line"].create(values)
        with (
            self.assertRaises(IntegrityError),
            mute_logger("odoo.sql_db"),
            self.env.cr.savepoint(),
        ):
            self.env["account.bank.statement.line"].create(values)

    def test_balance_is_read_after_the_transactions(self):
        self.sync()
        account = self.account.sudo()
        bank = self.bank_view(self.connection, NOW)
        expected = bank.fetch_balances(self.connection._psd2_consent(), account.remote_id)[0]
        self.assertEqual(account.balance_amount, float(expected.amount))
        self.assertEqual(account.balance_type, "closingBooked")
