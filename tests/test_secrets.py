from unittest.mock import patch

from odoo.exceptions import AccessError, UserError
from odoo.tests import freeze_time, new_test_user, tagged
from odoo.tools import config, mute_logger

from ..engine import crypto
from ..engine.records import Consent
from .common import NOW, Psd2Common

PRIVATE_KEY = "-----BEGIN PRIVATE KEY-----MIIEvQIBADANBgkqhkiG9w0BAQEFAASC-unique-7731"
SESSION_ID = "eb-session-5f1d9c2e-unique-4410"
TOKEN = "gocardless-access-token-unique-9921"


@tagged("post_install", "-at_install")
class TestSecrets(Psd2Common):
    """Secrets are sealed with a key from the configuration: the database alone reveals none."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.config = cls.env["psd2.provider.config"].create({"provider": "enablebanking"})
        cls.key_line = cls.config.setting_ids.filtered(lambda line: line.key == "private_key")
        cls.key_line.secret_input = PRIVATE_KEY
        cls.config.setting_ids.filtered(lambda line: line.key == "application_id").value = "app-1"
        cls.config._psd2_store_runtime_state({"access_token": TOKEN})
        with freeze_time(NOW):
            cls.connection = cls.connect_sandbox()
        cls.connection._psd2_store_consent(
            Consent(consent_id="c-1", valid_until=None, data={"session_id": SESSION_ID})
        )
        cls.connection.action_generate_webhook_secret()

    def test_the_code_reads_the_secrets_back(self):
        self.assertEqual(self.key_line._psd2_value(), PRIVATE_KEY)
        self.assertEqual(self.connection._psd2_consent().data, {"session_id": SESSION_ID})
        self.assertEqual(self.config._psd2_settings()["access_token"], TOKEN)

    def test_a_database_dump_reveals_no_secret(self):
        """Read every text column of every table, as a dump would hold them."""
        self.env.flush_all()
        self.env.cr.execute(
            """SELECT table_name, column_name FROM information_schema.columns
                WHERE table_schema = 'public'
                  AND data_type IN ('text', 'character varying', 'jsonb', 'json', 'bytea')"""
        )
        columns = self.env.cr.fetchall()
        self.assertGreater(len(columns), 300)
        for secret in (PRIVATE_KEY, SESSION_ID, TOKEN, "unique-"):
            for table, column in columns:
                self.env.cr.execute(
                    f'SELECT 1 FROM "{table}" WHERE "{column}"::text LIKE %s LIMIT 1',
                    (f"%{secret}%",),
                )
                self.assertFalse(self.env.cr.fetchone(), f"{secret} found in {table}.{column}")

    def test_a_token_copied_to_another_record_does_not_open(self):
        other = self.config.setting_ids.filtered(lambda line: line.key == "psu_type")
        other.sudo().write({"is_secret": True, "secret_value": self.key_line.sudo().secret_value})
        with (
            self.assertRaises(UserError),
            mute_logger("odoo.addons.account_bank_psd2.models.psd2_secret_vault"),
        ):
            other._psd2_value()

    def test_rotation_reencrypts_everything_with_the_new_key(self):
        new_ring = f"{crypto.new_keyring_entry('next')},{self.secret_keys}"
        with patch.dict(config.options, {crypto.CONFIG_OPTION: new_ring}):
            rotated, failed = self.env["psd2.secret.vault"]._psd2_rotate_all()
        self.assertEqual((rotated, failed), (4, []))
        self.assertTrue(self.key_line.sudo().secret_value.startswith("psd2v1:next:"))
        only_new = new_ring.split(",")[0]
        with patch.dict(config.options, {crypto.CONFIG_OPTION: only_new}):
            self.assertEqual(self.key_line._psd2_value(), PRIVATE_KEY)
            self.assertEqual(self.connection._psd2_consent().data["session_id"], SESSION_ID)

    def test_without_a_configured_key_secrets_are_refused_with_directions(self):
        with (
            patch.dict(config.options, {crypto.CONFIG_OPTION: ""}),
            patch.dict("os.environ", {crypto.ENV_VARIABLE: ""}),
            self.assertRaisesRegex(UserError, crypto.CONFIG_OPTION),
        ):
            self.key_line.secret_input = "another key"

    def test_secrets_are_hidden_from_read_and_export_but_for_system_administrators(self):
        manager = new_test_user(
            self.env,
            login="bank_connections_manager",
            groups="account_bank_psd2.group_psd2_manager,base.group_allow_export",
            company_id=self.company.id,
            company_ids=[self.company.id],
        )
        for record, field in (
            (self.connection, "consent_secret"),
            (self.connection, "webhook_secret"),
            (self.key_line, "secret_value"),
            (self.config, "runtime_secret"),
        ):
            with self.assertRaises(AccessError):
                record.with_user(manager).read([field])
            with self.assertRaises(AccessError):
                record.with_user(manager).export_data([field])
        system_admin = new_test_user(
            self.env,
            login="system_admin",
            groups="base.group_system,account.group_account_manager",
            company_id=self.company.id,
            company_ids=[self.company.id],
        )
        admin_view = self.connection.with_user(system_admin).read(["consent_secret"])
        self.assertTrue(admin_view[0]["consent_secret"].startswith("psd2v1:"), "even then: sealed")

    def test_a_manager_sets_a_secret_without_being_able_to_read_it(self):
        manager = new_test_user(
            self.env,
            login="bank_manager_writer",
            groups="account_bank_psd2.group_psd2_manager",
            company_id=self.company.id,
            company_ids=[self.company.id],
        )
        self.key_line.with_user(manager).secret_input = "replaced key"
        self.assertEqual(self.key_line._psd2_value(), "replaced key")
        self.assertTrue(self.key_line.with_user(manager).is_set)
        self.key_line.invalidate_recordset(["secret_input"])
        self.assertFalse(self.key_line.with_user(manager).secret_input, "never shown back")
