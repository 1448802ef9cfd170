"""Split payment (MPP) and tax-office titles (research/polish_domain_ux.md §2)."""

from match_fixtures import KOWALCZYK_IBAN, VOLT_IBAN, ZIELONY_IBAN, match

from engine.match import KIND_TAX
from engine.match.title import parse_title


def test_split_payment_invoice_field_identifies_the_invoice():
    suggestion = match("/VAT/460,00/IDC/7114710499/INV/FV/2026/11/0042/TXT/ZAPLATA", "2460.00")
    assert suggestion.document_ids == ("a42",)
    assert suggestion.auto
    assert "split-payment /INV/ names FV/2026/11/0042" in suggestion.reasons


def test_split_payment_idc_equal_to_our_nip_is_a_check_not_a_customer():
    suggestion = match(
        "/VAT/460,00/IDC/7114710499/INV/FV/2026/11/0042/TXT/ZAPLATA", "2460.00", id="idc"
    )
    assert "split-payment IDC is our NIP" in suggestion.reasons
    assert suggestion.partner_key == "A"


def test_split_payment_vat_equal_to_the_invoice_vat_is_reported():
    suggestion = match("/VAT/460,00/IDC/7114710499/INV/FV/2026/11/0042/TXT/", "2460.00")
    assert "split-payment VAT 460,00 equals the documents' VAT" in suggestion.reasons


def test_split_payment_with_a_vat_amount_that_does_not_fit_lowers_confidence():
    good = match("/VAT/460,00/IDC/7114710499/INV/FV/2026/11/0042/TXT/", "2460.00")
    bad = match("/VAT/400,00/IDC/7114710499/INV/FV/2026/11/0042/TXT/", "2460.00")
    assert bad.confidence < good.confidence
    assert "split-payment VAT 400,00 differs from the documents' VAT 460,00" in bad.reasons


def test_split_payment_wrapped_by_the_bank_inside_a_value_is_joined():
    title = "/VAT/3450,00/IDC/7114710499/INV/FV/\n2026/11/0051/TXT/ZAPLATA FAKTURY"
    suggestion = match(title, "18450.00")
    assert suggestion.document_ids == ("c51",)
    assert suggestion.auto


def test_split_payment_wrapped_with_a_space_inside_the_invoice_number_is_joined():
    # A bank that joined its 35-character lines with a space: "…/INV/FV/2026/11/00 51/TXT/".
    title = "/VAT/3450,00/IDC/7114710499/INV/FV/2026/11/00 51/TXT/ZAPLATA"
    assert match(title, "18450.00").document_ids == ("c51",)


def test_split_payment_with_the_payers_own_nip_as_idc_points_to_the_payer():
    suggestion = match("/VAT/3450,00/IDC/7127684261/INV/FV/2026/11/0051", "18450.00")
    assert suggestion.document_ids == ("c51",)
    assert suggestion.partner_key == "C"
    assert any(
        "the payer's own, where ours was expected" in reason for reason in suggestion.reasons
    )


def test_pko_labelled_rendering_of_a_split_payment_is_read():
    title = (
        "Numer faktury VAT lub okres płatności zbiorczej :  FV/2026/11/0042 "
        "Identyfikator odbiorcy : 7114710499 Kwota VAT : 460,00 PLN"
    )
    suggestion = match(title, "2460.00", iban=ZIELONY_IBAN)
    assert suggestion.document_ids == ("a42",)
    assert suggestion.auto


def test_outgoing_split_payment_idc_identifies_the_vendor():
    suggestion = match("/VAT/934,96/IDC/8465632124/INV/FA/1234/11/2026/TXT/FV", "-5000.00")
    assert suggestion.document_ids == ("v1",)
    assert suggestion.partner_key == "V"
    assert suggestion.auto
    assert "split-payment IDC 8465632124 is the NIP of Hurtownia Elektryczna Volt S.A." in (
        suggestion.reasons
    )


def test_free_form_split_payment_invoice_list_settles_both_invoices():
    title = "/VAT/690,00/IDC/7114710499/INV/FV 42 i 43 11 2026/TXT/"
    suggestion = match(title, "3690.00", iban=ZIELONY_IBAN)
    assert set(suggestion.document_ids) == {"a42", "a43"}


def test_tax_office_title_is_recognised_and_never_matched():
    # 1845.00 equals an open invoice of C, and C's account even sent it: still a tax payment.
    title = "/TI/N7114710499/OKR/26M10/SFP/VAT-7/TXT/JPK V7M"
    suggestion = match(title, "-1845.00", iban=KOWALCZYK_IBAN)
    assert suggestion.kind == KIND_TAX
    assert suggestion.document_ids == ()
    assert suggestion.reasons == ("tax-office payment (form VAT-7): not an invoice payment",)


def test_tax_office_title_wrapped_at_35_characters_is_recognised():
    title = "/TI/N7114710499/OKR/26M10/SFP/PIT-4R\n/TXT/PIT-4R 10/2026"
    assert match(title, "-2100.00").kind == KIND_TAX


def test_transfer_to_the_tax_micro_account_is_a_tax_payment():
    suggestion = match("podatek", "-5000.00", iban="PL36101000712223147244890000")
    assert suggestion.kind == KIND_TAX


def test_parsed_split_payment_exposes_its_fields():
    parsed = parse_title("/VAT/3450,00/IDC/PL 711-471-04-99/INV/FV/2026/11/0051/TXT/ZAPLATA")
    assert parsed.split_payment.vat == 3450
    assert parsed.split_payment.idc == "7114710499"
    assert parsed.split_payment.invoice == "FV/2026/11/0051"
    assert parsed.split_payment.text == "ZAPLATA"


def test_vendor_bill_paid_by_split_payment_from_our_account_uses_the_vendor_account():
    suggestion = match("/VAT/934,96/IDC/8465632124/INV/FA/1234/11/2026", "-5000.00", iban=VOLT_IBAN)
    assert "payee IBAN belongs to Hurtownia Elektryczna Volt S.A." in suggestion.reasons
