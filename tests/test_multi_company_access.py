import json

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, freeze_time, new_test_user, tagged
from odoo.tools import mute_logger

from .common import NOW, Psd2Common


@tagged("post_install", "-at_install")
class TestMultiCompanyAccess(Psd2Common, HttpCase):
    """Users of company A and company B each see their own bank data only: ORM and HTTP."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b_data = cls.setup_other_company(name="Spółka B")
        cls.company_b = cls.company_b_data["company"]
        cls.journal_b = cls.company_b_data["default_journal_bank"]
        cls.company_b.write({"psd2_sync_tz": "Europe/Warsaw"})
        with freeze_time(NOW):
            cls.connection_a = cls.connect_sandbox(seed="company-a")
            cls.connection_a._psd2_sync(trigger="manual")
            cls.connection_b = cls.connect_sandbox(cls.journal_b, seed="company-b")
            cls.connection_b._psd2_sync(trigger="manual")
        groups = "account.group_account_manager"
        cls.user_a = new_test_user(
            cls.env,
            login="treasurer_a",
            password="treasurer_a_pw",
            groups=groups,
            company_id=cls.company.id,
            company_ids=[cls.company.id],
        )
        cls.user_b = new_test_user(
            cls.env,
            login="treasurer_b",
            password="treasurer_b_pw",
            groups=groups,
            company_id=cls.company_b.id,
            company_ids=[cls.company_b.id],
        )

    def test_each_company_sees_only_its_own_connections_accounts_and_logs(self):
        for user, mine, theirs in (
            (self.user_a, self.connection_a, self.connection_b),
            (self.user_b, self.connection_b, self.connection_a),
        ):
            env = self.env(user=user)
            for model, records in (
                ("psd2.bank.connection", mine),
                ("psd2.bank.account", mine.account_ids),
                ("psd2.sync.log", mine.sync_log_ids),
            ):
                self.assertEqual(
                    env[model].search([]), records.with_env(env), f"{model} {user.login}"
                )
            with self.assertRaises(AccessError):
                theirs.with_user(user).read(["name"])
            with self.assertRaises(AccessError):
                theirs.account_ids.with_user(user).read(["balance_amount"])

    def test_balances_of_the_other_company_are_not_readable(self):
        self.assertTrue(self.connection_a.account_ids.with_user(self.user_a).balance_amount)
        with self.assertRaises(AccessError):
            self.connection_a.account_ids.with_user(self.user_b).read(["balance_amount"])

    def test_over_http_a_user_reads_only_their_company(self):
        self.authenticate("treasurer_b", "treasurer_b_pw")
        answer = self.call_kw(
            "psd2.bank.account",
            "search_read",
            [[], ["name", "iban", "balance_amount", "company_id"]],
        )
        rows = answer["result"]
        self.assertEqual({row["company_id"][0] for row in rows}, {self.company_b.id})
        self.assertEqual(len(rows), len(self.connection_b.account_ids))

    def call_kw(self, model, method, args):
        """A JSON-RPC call as the web client makes it (refusals are logged: kept quiet)."""
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"model": model, "method": method, "args": args, "kwargs": {}},
        }
        with mute_logger("odoo.http"):
            answer = self.url_open(
                f"/web/dataset/call_kw/{model}/{method}",
                data=json.dumps(payload),
                headers={"Content-Type": "application/json"},
            )
        return answer.json()

    def test_over_http_the_other_companys_connection_is_refused(self):
        self.authenticate("treasurer_b", "treasurer_b_pw")
        answer = self.call_kw("psd2.bank.connection", "read", [self.connection_a.ids, ["name"]])
        self.assertEqual(answer["error"]["data"]["name"], "odoo.exceptions.AccessError")

    def test_secrets_are_not_readable_over_http_even_by_an_accounting_administrator(self):
        self.authenticate("treasurer_a", "treasurer_a_pw")
        answer = self.call_kw(
            "psd2.bank.connection", "read", [self.connection_a.ids, ["consent_secret"]]
        )
        self.assertEqual(answer["error"]["data"]["name"], "odoo.exceptions.AccessError")
