import base64

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import file_open

from .common import Psd2Common
from .reconcile_common import ReconcileCommon

MBANK_SAMPLE = "account_bank_psd2/engine_tests/data/files/mbank_lista_operacji_cp1250.csv"


@tagged("post_install", "-at_install")
class TestEngineTranslation(Psd2Common):
    """The engine's messages reach a Polish accountant in Polish, from the addon's pl.po."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("pl_PL")
        cls.env["ir.module.module"]._load_module_terms(["account_bank_psd2"], ["pl_PL"])
        with file_open(MBANK_SAMPLE, "rb") as sample_file:
            text = sample_file.read().decode("cp1250")
        # A typed-over amount: the letter O instead of a zero.
        cls.broken_mbank = text.replace("-1 230,00 PLN", "-1 23O,00 PLN").encode("cp1250")
        cls.broken_line = next(
            number for number, line in enumerate(text.splitlines(), 1) if "-1 230,00 PLN" in line
        )

    def import_broken_file(self, lang):
        wizard = (
            self.env["psd2.statement.import"]
            .with_context(lang=lang)
            .create(
                {
                    "journal_id": self.bank_journal.id,
                    "statement_file": base64.b64encode(self.broken_mbank),
                    "file_name": "lista_operacji.csv",
                }
            )
        )
        with self.assertRaises(UserError) as raised:
            wizard.action_import()
        return str(raised.exception)

    def test_statement_file_error_is_in_polish_for_a_polish_user(self):
        message = self.import_broken_file("pl_PL")

        self.assertEqual(
            message,
            f"lista_operacji.csv: Wiersz {self.broken_line}: kwota '-1 23O,00 PLN' nie jest "
            "liczbą.",
        )

    def test_statement_file_error_stays_english_for_an_english_user(self):
        message = self.import_broken_file("en_US")

        self.assertEqual(
            message,
            f"lista_operacji.csv: Line {self.broken_line}: the amount '-1 23O,00 PLN' is not a "
            "number.",
        )

    def test_wrong_sync_time_is_refused_in_polish(self):
        company = self.company.with_context(lang="pl_PL")

        with self.assertRaises(ValidationError) as raised:
            company.psd2_sync_times = "11:45, 25:00"

        self.assertEqual(
            str(raised.exception),
            "Godziny synchronizacji z bankiem: '25:00' nie jest godziną: godziny mogą wynosić "
            "do 23, minuty do 59.",
        )


@tagged("post_install", "-at_install")
class TestMatchReasonTranslation(ReconcileCommon):
    """Why a transaction matches an invoice is stored in the company's language."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("pl_PL")
        cls.env["ir.module.module"]._load_module_terms(["account_bank_psd2"], ["pl_PL"])

    def suggest_for_invoice(self):
        invoice = self.invoice(1230.0)
        line = self.bank_line(1230.0, f"Zapłata za fakturę {invoice.name}")
        line._psd2_suggest()
        self.assertEqual(line.psd2_match_move_ids, invoice)
        return invoice, line

    def test_reasons_are_in_polish_for_a_polish_company(self):
        self.company.partner_id.lang = "pl_PL"
        invoice, line = self.suggest_for_invoice()
        reasons = line.psd2_match_reasons.splitlines()
        self.assertIn(f"numer faktury {invoice.name} w tytule", reasons)
        self.assertIn("kwota równa pozostałej do zapłaty", reasons)

    def test_reasons_are_in_english_for_an_english_company(self):
        self.company.partner_id.lang = "en_US"
        invoice, line = self.suggest_for_invoice()
        reasons = line.psd2_match_reasons.splitlines()
        self.assertIn(f"invoice number {invoice.name} in title", reasons)
        self.assertIn("amount equals residual", reasons)


@tagged("post_install", "-at_install")
class TestProviderSettingTranslation(Psd2Common):
    """A provider's settings are labelled in the reader's language."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("pl_PL")
        cls.env["ir.module.module"]._load_module_terms(["account_bank_psd2"], ["pl_PL"])
        cls.config = cls.env["psd2.provider.config"].create({"provider": "enablebanking"})

    def setting(self, key, lang):
        lines = self.config.with_context(lang=lang).setting_ids
        return lines.filtered(lambda line: line.key == key)

    def test_labels_and_help_follow_the_language(self):
        polish = self.setting("private_key", "pl_PL")
        self.assertEqual(polish.label, "Klucz prywatny (PEM)")
        self.assertIn("podpisuje każde żądanie", polish.help)
        english = self.setting("private_key", "en_US")
        self.assertEqual(english.label, "Private key (PEM)")
        self.assertIn("it signs every request", english.help)

    def test_missing_required_settings_are_named_in_polish(self):
        with self.assertRaises(UserError) as raised:
            self.config.with_context(lang="pl_PL")._psd2_settings()
        self.assertIn("Identyfikator aplikacji", str(raised.exception))
