import datetime

from odoo.exceptions import ValidationError
from odoo.tests import freeze_time, tagged

from odoo.addons.base.tests.test_ir_cron import CronMixinCase

from .common import NOW, Psd2Common

# Slots of 26 November 2026 in UTC (Warsaw is UTC+1 in winter): 10:45, 14:15, 17:30.
SLOT_1115 = datetime.datetime(2026, 11, 26, 14, 15)
SLOT_1830 = datetime.datetime(2026, 11, 26, 17, 30)


@tagged("post_install", "-at_install")
class TestSchedule(Psd2Common, CronMixinCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with freeze_time(NOW):
            cls.connection = cls.connect_sandbox()

    def run_cron(self, at):
        with freeze_time(at):
            self.env["psd2.bank.connection"]._cron_sync_due_connections()
        return self.connection.sync_log_ids

    def test_new_connection_is_due_at_once(self):
        self.assertEqual(self.connection.next_sync_at, NOW)
        self.assertEqual(len(self.run_cron(NOW)), 1)

    def test_cron_syncs_at_the_configured_times_in_the_company_time_zone(self):
        self.run_cron(NOW)
        self.assertEqual(self.connection.next_sync_at, SLOT_1115)
        self.assertEqual(len(self.run_cron(SLOT_1115 - datetime.timedelta(minutes=1))), 1)
        self.assertEqual(len(self.run_cron(SLOT_1115)), 2)
        self.assertEqual(self.connection.next_sync_at, SLOT_1830)
        self.assertEqual(self.connection.sync_log_ids[0].trigger, "cron")

    def test_connection_synced_by_hand_after_a_slot_is_not_synced_again_for_it(self):
        self.run_cron(NOW)
        manual_at = SLOT_1115 + datetime.timedelta(minutes=20)
        with freeze_time(manual_at):
            self.connection.action_sync_now()
        self.assertEqual(len(self.connection.sync_log_ids), 2)
        self.run_cron(manual_at + datetime.timedelta(minutes=5))
        self.assertEqual(len(self.connection.sync_log_ids), 2)
        self.run_cron(SLOT_1830)
        self.assertEqual(len(self.connection.sync_log_ids), 3)

    def test_changed_sync_times_move_the_next_sync(self):
        self.run_cron(NOW)
        self.company.psd2_sync_times = "13:00"
        self.assertEqual(self.connection.next_sync_at, datetime.datetime(2026, 11, 26, 12, 0))

    def test_cron_is_woken_at_the_next_sync_time(self):
        with self.capture_triggers("account_bank_psd2.ir_cron_psd2_sync") as capture:
            self.run_cron(NOW)
        self.assertIn(SLOT_1115, capture.records.mapped("call_at"))

    def test_expired_and_revoked_connections_are_not_synced(self):
        self.connection.sudo().state = "revoked"
        self.assertFalse(self.run_cron(NOW))

    def test_one_failing_connection_does_not_stop_the_others(self):
        journal = self.env["account.journal"].create(
            {"name": "Second bank", "type": "bank", "code": "BNK9"}
        )
        with freeze_time(NOW):
            healthy = self.connect_sandbox(journal, seed="other")
        self.connection.sudo().provider_settings = {"seed": "tests", "fault": "unavailable"}
        self.run_cron(NOW)
        self.assertEqual(self.connection.state, "error")
        self.assertEqual(healthy.state, "active")
        self.assertEqual(healthy.sync_log_ids.status, "success")

    def test_bad_sync_times_are_refused_in_settings(self):
        with self.assertRaises(ValidationError):
            self.company.psd2_sync_times = "11:45, 25:00"
        self.env["res.config.settings"].create({"psd2_sync_times": "9:05 17:30"}).execute()
        self.assertEqual(self.company.psd2_sync_times, "9:05 17:30")
