from odoo.tests import tagged

from .common import Psd2Common


@tagged("post_install", "-at_install")
class TestInstall(Psd2Common):
    def test_sync_cron_is_installed_without_removed_fields(self):
        cron = self.env.ref("account_bank_psd2.ir_cron_psd2_sync")
        self.assertTrue(cron.active)
        self.assertEqual(cron.interval_type, "hours")

    def test_sandbox_bank_is_offered_as_a_provider(self):
        providers = dict(self.env["psd2.bank.connection"]._selection_provider())
        self.assertIn("sandbox", providers)
