import datetime
from unittest.mock import patch

from odoo.tools import config

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

from ..engine import crypto
from ..engine.providers.sandbox import SandboxBank
from ..wizards.psd2_connect_wizard import _consent_from_json

#: Thursday 26 November 2026, 12:00 in Warsaw (11:00 UTC): after the 11:45 slot.
NOW = datetime.datetime(2026, 11, 26, 11, 0)


class Psd2Common(AccountTestInvoicingCommon):
    """Bank-feed test base: a company with a chart of accounts and its bank journal.

    Connections go through the connect wizard, as a user's do, on the Sandbox Bank with a
    fixed seed, so every test sees the same bank. The company is Polish (PLN), like the
    Sandbox Bank's current account.
    """

    country_code = "PL"
    chart_template = "generic_coa"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Secrets are sealed with a key from the configuration: tests bring their own.
        cls.secret_keys = crypto.new_keyring_entry("tests")
        cls.startClassPatcher(patch.dict(config.options, {crypto.CONFIG_OPTION: cls.secret_keys}))
        cls.company = cls.company_data["company"]
        cls.company.write(
            {
                "psd2_sync_times": "11:45, 15:15, 18:30",
                "psd2_sync_tz": "Europe/Warsaw",
                "psd2_first_sync_days": 7,
                "psd2_overlap_days": 3,
            }
        )
        cls.bank_journal = cls.company_data["default_journal_bank"]

    @classmethod
    def connect_sandbox(cls, journal=None, seed="tests", **settings):
        """Connect the Sandbox Bank's PLN current account to ``journal``, without syncing."""
        journal = journal or cls.bank_journal
        wizard = cls.env["psd2.connect.wizard"].create(
            {"company_id": journal.company_id.id, "journal_id": journal.id, "provider": "sandbox"}
        )
        wizard.provider_settings = dict(settings, seed=seed)
        wizard.action_choose_provider()
        wizard.action_authorize()
        for line in wizard.account_line_ids:
            line.is_selected = line.journal_id == journal
        connection = wizard._save_connection(_consent_from_json(wizard.consent_payload))
        for line in wizard.account_line_ids.filtered("is_selected"):
            line._save_account(connection)
        connection._psd2_record_consent_granted()
        return connection

    def statement_lines(self, journal=None):
        journal = journal or self.bank_journal
        return self.env["account.bank.statement.line"].search([("journal_id", "=", journal.id)])

    @staticmethod
    def bank_view(connection, clock):
        """The engine's Sandbox Bank as the connection sees it, at ``clock`` (naive UTC)."""
        provider = connection._psd2_provider()
        return SandboxBank(provider.settings, clock=lambda: clock)

    @classmethod
    def booked_in_window(cls, connection, clock, date_from, date_to):
        """Booked PLN current-account transactions the bank lists for a window at ``clock``."""
        bank = cls.bank_view(connection, clock)
        consent = connection._psd2_consent()
        account = connection.account_ids[:1]
        listed, page = [], None
        while True:
            result = bank.fetch_transactions(consent, account.remote_id, date_from, date_to, page)
            listed.extend(t for t in result.transactions if t.is_booked)
            if not result.next_page:
                return listed
            page = result.next_page
