from odoo.exceptions import AccessError
from odoo.tests import freeze_time, new_test_user, tagged

from .common import NOW, Psd2Common


@tagged("post_install", "-at_install")
class TestBalanceAccess(Psd2Common):
    """Balances are for the "Bank balances" group: owners and administrators by default."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with freeze_time(NOW):
            cls.connection = cls.connect_sandbox()
            cls.connection._psd2_sync(trigger="manual")
        cls.account = cls.connection.account_ids
        cls.accountant = new_test_user(
            cls.env,
            login="plain_accountant",
            groups="account.group_account_invoice",
            company_id=cls.company.id,
            company_ids=[cls.company.id],
        )
        cls.treasurer = new_test_user(
            cls.env,
            login="treasurer",
            groups="account.group_account_invoice,account_bank_psd2.group_psd2_balances",
            company_id=cls.company.id,
            company_ids=[cls.company.id],
        )

    def test_sync_stored_a_balance(self):
        self.assertTrue(self.account.sudo().balance_date)

    def test_member_of_the_balance_group_reads_the_balance(self):
        account = self.account.with_user(self.treasurer)
        self.assertEqual(account.balance_amount, self.account.sudo().balance_amount)

    def test_plain_accountant_cannot_read_the_balance_through_the_orm(self):
        account = self.account.with_user(self.accountant)
        self.assertEqual(account.name, self.account.name, "the account itself is visible")
        with self.assertRaises(AccessError):
            account.read(["balance_amount"])
        with self.assertRaises(AccessError):
            account.search_read([], ["balance_date"])

    def test_dashboard_card_shows_the_balance_only_to_the_group(self):
        journal = self.bank_journal
        for user, sees_balance in ((self.treasurer, True), (self.accountant, False)):
            data = journal.with_user(user)._get_journal_dashboard_data_batched()[journal.id]
            self.assertEqual(data["psd2"]["state"], "active")
            self.assertEqual("balance" in data["psd2"], sees_balance, user.login)

    def test_plain_accountant_does_not_see_provider_secrets(self):
        connection = self.connection.with_user(self.accountant)
        self.assertEqual(connection.state, "active")
        with self.assertRaises(AccessError):
            connection.read(["consent_secret"])
        with self.assertRaises(AccessError):
            connection.read(["provider_settings"])

    def test_plain_accountant_can_sync_but_not_connect(self):
        journal = self.bank_journal.with_user(self.accountant)
        with freeze_time(NOW):
            action = journal.action_psd2_sync_now()
        self.assertEqual(action["params"]["type"], "success")
        with self.assertRaises(Exception):  # noqa: B017 - UserError or AccessError, both refuse
            journal.action_psd2_connect_bank()

    def test_responsible_of_a_connection_gets_the_balance_group(self):
        self.connection.user_id = self.accountant
        self.assertTrue(self.accountant.has_group("account_bank_psd2.group_psd2_balances"))
        self.assertEqual(
            self.account.with_user(self.accountant).balance_amount,
            self.account.sudo().balance_amount,
        )
