import base64

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import file_open

from .common import Psd2Common

SAMPLES = "account_bank_psd2/engine_tests/data/files/"


def sample(name):
    with file_open(SAMPLES + name, "rb") as sample_file:
        return sample_file.read()


@tagged("post_install", "-at_install")
class TestFileImport(Psd2Common):
    """Statement files go through the same pipeline as PSD2 feeds: keys, logs, all or nothing."""

    def import_file(self, name, journal=None, data=None):
        journal = journal or self.bank_journal
        # As the upload widget does: the file and its name (not settable through Form).
        wizard = self.env["psd2.statement.import"].create(
            {
                "journal_id": journal.id,
                "statement_file": base64.b64encode(data if data is not None else sample(name)),
                "file_name": name,
            }
        )
        return wizard.action_import()

    def test_mt940_statement_creates_lines_and_a_log(self):
        action = self.import_file("mt940_pko_bp_iso8859-2.sta")
        lines = self.statement_lines()
        self.assertEqual(len(lines), 8)
        self.assertEqual(set(action["domain"][0][2]), set(lines.ids))
        log = self.env["psd2.sync.log"].search([("journal_id", "=", self.bank_journal.id)])
        self.assertEqual((log.trigger, log.status, log.created_count), ("file", "success", 8))
        self.assertTrue(all(key.startswith("file:") for key in lines.mapped("psd2_dedup_key")))

    def test_importing_the_same_file_twice_creates_nothing_the_second_time(self):
        self.import_file("mbank_lista_operacji_cp1250.csv")
        action = self.import_file("mbank_lista_operacji_cp1250.csv")
        self.assertEqual(len(self.statement_lines()), 9)
        self.assertIn("0 new, 9 already known", action["name"])

    def test_split_payment_title_survives_the_mt940_subfields(self):
        self.import_file("mt940_pko_bp_iso8859-2.sta")
        titles = self.statement_lines().mapped("payment_ref")
        self.assertTrue(any(t.startswith("/VAT/") and "/IDC/" in t for t in titles), titles)

    def test_camt053_in_another_currency_than_the_journal_is_refused_whole(self):
        with self.assertRaisesRegex(UserError, "EUR"):
            self.import_file("camt053_001_02_eur_ing.xml")
        self.assertFalse(self.statement_lines())

    def test_statement_of_another_account_is_refused(self):
        self.bank_journal.bank_acc_number = "PL61109010140000071219812874"
        with self.assertRaises(UserError):
            self.import_file("camt053_001_08_pln_mbank.xml")
        self.assertFalse(self.statement_lines())

    def test_broken_file_is_refused_with_the_line_and_nothing_imported(self):
        broken = sample("mt940_pko_bp_iso8859-2.sta").replace(b":62F:", b":62X:", 1)
        with self.assertRaisesRegex(UserError, "[Ll]ine"):
            self.import_file("broken.sta", data=broken)
        self.assertFalse(self.statement_lines())
        self.assertFalse(self.env["psd2.sync.log"].search([("trigger", "=", "file")]))

    def test_a_web_page_saved_instead_of_a_statement_is_explained(self):
        with self.assertRaisesRegex(UserError, "web page"):
            self.import_file(
                "wyciag.sta", data=b"<!DOCTYPE html><html><body>Sesja wygasla</body></html>"
            )

    def test_file_dropped_on_the_dashboard_card_is_imported(self):
        attachment = self.env["ir.attachment"].create(
            {"name": "wyciag.sta", "raw": sample("mt940_millennium_cp852.sta")}
        )
        action = self.bank_journal.create_document_from_attachment(attachment.ids)
        self.assertEqual(action["res_model"], "account.bank.statement.line")
        self.assertEqual(len(self.statement_lines()), 3)
