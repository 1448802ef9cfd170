import datetime

from odoo.tests import freeze_time, new_test_user, tagged

from .common import NOW, Psd2Common

DAY = datetime.timedelta(days=1)


@tagged("post_install", "-at_install")
class TestConsentLifecycle(Psd2Common):
    """Consent reminders at 14, 7 and 1 days, expiry, failure streaks: one alert per incident."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with freeze_time(NOW):
            cls.connection = cls.connect_sandbox()
        cls.ends = cls.connection.consent_valid_until
        cls.manager = new_test_user(
            cls.env,
            login="bank_manager",
            groups="account_bank_psd2.group_psd2_manager",
            company_id=cls.company.id,
            company_ids=[cls.company.id],
        )

    def check_consents(self, at):
        with freeze_time(at):
            self.env["psd2.bank.connection"]._cron_check_consents()

    def alert_messages(self):
        return self.connection.message_ids.filtered(lambda m: m.subject)

    def test_consent_granted_for_180_days_raises_no_alert(self):
        self.check_consents(NOW + DAY)
        self.assertFalse(self.connection.activity_ids)
        self.assertFalse(self.alert_messages())

    def test_reminders_at_14_7_and_1_days_update_one_activity_and_send_three_emails(self):
        for days_left, expected_mails in ((15, 0), (14, 1), (10, 1), (7, 2), (1, 3)):
            self.check_consents(self.ends - days_left * DAY)
            self.assertEqual(len(self.alert_messages()), expected_mails, f"{days_left} days left")
        self.assertEqual(len(self.connection.activity_ids), 1)
        self.assertIn("1 days", self.connection.activity_ids.summary)
        self.assertEqual(self.connection.state, "expiring")

    def test_running_the_check_twice_the_same_day_sends_nothing_new(self):
        self.check_consents(self.ends - 14 * DAY)
        self.check_consents(self.ends - 14 * DAY + datetime.timedelta(hours=2))
        self.assertEqual(len(self.alert_messages()), 1)

    def test_reminder_goes_to_the_responsible_and_the_bank_managers(self):
        self.check_consents(self.ends - 7 * DAY)
        message = self.alert_messages()
        self.assertIn(self.connection.user_id.partner_id, message.partner_ids)
        self.assertIn(self.manager.partner_id, message.partner_ids)
        self.assertEqual(self.connection.activity_ids.user_id, self.connection.user_id)

    def test_expired_consent_is_marked_once_and_no_longer_synced(self):
        self.check_consents(self.ends + DAY)
        self.check_consents(self.ends + 2 * DAY)
        self.assertEqual(self.connection.state, "expired")
        self.assertEqual(len(self.alert_messages()), 1, "one e-mail, not one per day")
        with freeze_time(self.ends + 2 * DAY):
            self.env["psd2.bank.connection"]._cron_sync_due_connections()
        self.assertFalse(self.connection.sync_log_ids)
        journal_data = self.bank_journal._get_journal_dashboard_data_batched()
        self.assertIn("expired", journal_data[self.bank_journal.id]["psd2"]["alert"])

    def test_renewing_the_consent_closes_the_reminder(self):
        self.check_consents(self.ends - 7 * DAY)
        self.assertTrue(self.connection.activity_ids)
        with freeze_time(self.ends - 6 * DAY):
            action = self.connection.action_renew_consent()
            wizard = self.env[action["res_model"]].browse(action["res_id"])
            wizard.action_authorize()
            wizard.action_confirm()
        self.assertFalse(self.connection.activity_ids, "the activity is done")
        self.assertEqual(self.connection.alert_consent_level, -1)
        self.assertEqual(self.connection.state, "active")

    def test_two_failed_runs_raise_one_alert_and_a_good_run_clears_it(self):
        settings = self.connection.sudo().provider_settings
        self.connection.sudo().provider_settings = dict(settings, fault="unavailable")
        for hours in (0, 4, 8):
            with freeze_time(NOW + datetime.timedelta(hours=hours)):
                self.connection._psd2_sync(trigger="cron")
        self.assertEqual(self.connection.failure_count, 3)
        self.assertTrue(self.connection.is_alert_failing)
        failing = self.alert_messages().filtered(lambda m: "failing" in m.subject)
        self.assertEqual(len(failing), 1)
        self.assertEqual(len(self.connection.activity_ids), 1)
        self.connection.sudo().provider_settings = settings
        with freeze_time(NOW + datetime.timedelta(hours=12)):
            self.connection._psd2_sync(trigger="cron")
        self.assertFalse(self.connection.is_alert_failing)
        self.assertFalse(self.connection.activity_ids)

    def test_one_failed_run_is_not_yet_an_alert(self):
        self.connection.sudo().provider_settings = {"seed": "tests", "fault": "unavailable"}
        with freeze_time(NOW):
            self.connection._psd2_sync(trigger="cron")
        self.assertFalse(self.connection.is_alert_failing)
        self.assertFalse(self.connection.activity_ids)
