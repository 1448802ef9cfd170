import datetime

from odoo.exceptions import UserError
from odoo.tests import Form, freeze_time, tagged

from .common import NOW, Psd2Common

DAY = datetime.timedelta(days=1)


@tagged("post_install", "-at_install")
class TestBackfill(Psd2Common):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with freeze_time(NOW):
            cls.connection = cls.connect_sandbox(page_size=5)
            cls.connection._psd2_sync(trigger="manual")
        cls.account = cls.connection.account_ids

    def request(self, date_from, date_to=None):
        action = self.bank_journal.action_psd2_backfill()
        with freeze_time(NOW):
            wizard = Form(self.env[action["res_model"]].with_context(**action["context"]))
            wizard.date_from = date_from
            if date_to:
                wizard.date_to = date_to
            return wizard.save().action_start()

    def run_backfill_cron(self):
        with freeze_time(NOW):
            self.env["psd2.bank.account"]._cron_run_backfills()

    def test_backfill_reads_an_older_period_in_the_background_without_duplicates(self):
        before = self.statement_lines()
        synced_until = self.account.synced_until
        start = NOW.date() - 40 * DAY
        self.request(start)
        self.assertTrue(self.account.is_backfilling)
        while self.account.backfill_cursor:
            self.run_backfill_cron()
        lines = self.statement_lines()
        self.assertGreater(len(lines), len(before))
        first_day = min(lines.mapped("date"))
        self.assertTrue(start <= first_day <= start + 3 * DAY, "a weekend may have no booking")
        self.assertEqual(len(set(lines.mapped("psd2_dedup_key"))), len(lines))
        logs = self.connection.sync_log_ids.filtered(lambda log: log.trigger == "backfill")
        self.assertGreater(len(logs), 1, "read over several cron calls, 20 pages of 5 each")
        self.assertEqual(
            sum(logs.mapped("duplicate_count")) + len(before),
            len(lines) - sum(logs.mapped("created_count")) + len(before),
        )
        self.assertEqual(self.account.synced_until, synced_until, "regular sync position unchanged")

    def test_backfill_of_days_already_imported_creates_nothing(self):
        count = len(self.statement_lines())
        self.request(NOW.date() - 5 * DAY)
        self.run_backfill_cron()
        self.assertEqual(len(self.statement_lines()), count)
        self.assertFalse(self.account.backfill_cursor)

    def test_backfill_before_what_the_bank_keeps_is_refused(self):
        with self.assertRaisesRegex(UserError, "keeps transactions back to"):
            self.request(NOW.date() - 800 * DAY)

    def test_backfill_into_the_future_or_reversed_is_refused(self):
        with self.assertRaises(UserError):
            self.request(NOW.date() - 3 * DAY, NOW.date() + 2 * DAY)
        with self.assertRaises(UserError):
            self.request(NOW.date() - 3 * DAY, NOW.date() - 5 * DAY)
