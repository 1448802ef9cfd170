"""Invoice numbers as payers really write them (issue 3, first rule; title_samples.md §A).

Unless a test says otherwise the sender is unknown to the ledger (no account, no name), so the
number and the amount are the only evidence: what these tests show is the number reading.
"""

import datetime

from match_fixtures import ZIELONY, document, ledger, match


def test_exact_number_and_amount_are_applied_automatically():
    suggestion = match("FV/2026/11/0042", "2460.00")
    assert suggestion.document_ids == ("a42",)
    assert suggestion.auto
    assert "invoice number FV/2026/11/0042 in title" in suggestion.reasons
    assert "amount equals residual" in suggestion.reasons


def test_number_after_a_polish_keyword_phrase_is_found():
    suggestion = match("Zapłata za fakturę VAT nr FV/2026/11/0043", "1230.00")
    assert suggestion.document_ids == ("a43",)
    assert suggestion.auto


def test_lower_case_number_glued_to_a_word_is_found():
    assert match("fv/2026/11/0042zaplata", "2460.00").document_ids == ("a42",)


def test_number_glued_to_text_by_a_slash_is_found():
    # Fakturownia requires spaces around the number; a glued "/" defeats it.
    assert match("FV/2026/10/0107/ZAPLATA", "615.00").document_ids == ("b107",)


def test_number_written_without_separators_is_found():
    assert match("FV2026100107", "615.00").document_ids == ("b107",)


def test_dropped_leading_zeros_are_forgiven():
    suggestion = match("FV 2026/10/107", "615.00")
    assert suggestion.document_ids == ("b107",)
    assert suggestion.auto


def test_reordered_number_with_a_two_digit_year_is_understood():
    suggestion = match("zaplata za fv 107/10/26", "615.00")
    assert suggestion.document_ids == ("b107",)
    assert "invoice number FV/2026/10/0107 in title as 'FV 107 10 26'" in suggestion.reasons


def test_slashes_surrounded_by_spaces_still_join_one_number():
    assert match("FV / 2026 / 11 / 0042", "2460.00").document_ids == ("a42",)


def test_number_wrapped_by_the_bank_at_35_characters_is_joined():
    title = "ZAPLATA ZA FAKTURE NR FV/2026/11/00\n42 DZIEKUJEMY"
    assert len(title.split("\n")[0]) == 35
    assert match(title, "2460.00").document_ids == ("a42",)


def test_letter_o_typed_for_zero_is_forgiven():
    assert match("FV/2026/11/OO42", "2460.00").document_ids == ("a42",)


def test_series_prefix_missing_or_mistyped_still_finds_the_invoice():
    assert match("2026/11/0042", "2460.00").document_ids == ("a42",)
    assert match("FW/2026/11/0042", "2460.00").document_ids == ("a42",)


def test_legacy_number_is_matched_although_it_looks_like_a_date():
    suggestion = match("12/11/2026", "1845.00")
    assert suggestion.document_ids == ("c12",)
    assert suggestion.auto


def test_dotted_date_next_to_the_number_is_not_read_as_another_invoice():
    # 12.11.2026 is the invoice date; 13/11/2026 is another open invoice of the customer.
    suggestion = match("FA 12/11/2026 z dn. 12.11.2026", "1845.00")
    assert suggestion.document_ids == ("c12",)
    assert not any("13/11/2026" in reason for reason in suggestion.reasons)


def test_a_dotted_date_alone_is_not_an_invoice_number():
    suggestion = match("przelew z dnia 13.11.2026", "500.00")
    assert suggestion.document_ids == ()


def test_month_after_a_rent_word_is_a_period_not_an_invoice_number():
    documents = ledger() + [document("z11", "11/2026", ZIELONY, "700.00")]
    suggestion = match("czynsz 11/2026", "650.00", documents=documents)
    assert suggestion.document_ids == ()


def test_the_same_number_written_twice_is_still_one_invoice():
    suggestion = match("FV/2026/11/0042 FV/2026/11/0042", "2460.00")
    assert suggestion.document_ids == ("a42",)
    assert suggestion.auto


def test_a_short_number_alone_is_not_enough_from_an_unknown_sender():
    documents = [document("s1", "12/2026", ZIELONY, "100.00", date=datetime.date(2026, 11, 2))]
    suggestion = match("12/2026", "100.00", documents=documents)
    assert suggestion.document_ids == ("s1",)
    assert not suggestion.auto


def test_number_inside_html_and_with_emoji_is_found():
    suggestion = match("<p>Zapłata FV&#47;2026&#47;11&#47;0042 – dziękujemy! 🙂</p>", "2460.00")
    assert suggestion.document_ids == ("a42",)
    assert suggestion.auto


def test_mojibake_title_and_name_are_read():
    suggestion = match(
        "ZAP£ATA ZA FV/2026/10/0107", "615.00", name="PHU NOWICKA EWA £ÓD¬", id="moji"
    )
    assert suggestion.document_ids == ("b107",)
    assert suggestion.partner_key == "B"


def test_digits_shared_by_two_numbering_schemes_do_not_make_an_exact_match():
    # "INV-2026-08438" is an INV document; "2026/08/438" merely has the same digits.
    documents = [document("y1", "2026/08/438", ZIELONY, "123.00", date=datetime.date(2026, 8, 2))]
    suggestion = match("Faktura INV-2026-08438", "123.00", documents=documents)
    assert not suggestion.auto


def test_odoo_invoice_number_is_not_read_as_the_credit_note_with_the_same_digits():
    # Odoo numbers customer invoices INV/2026/00001 and their credit notes RINV/2026/00001:
    # the invoice's number in the title does not name the credit note as well.
    documents = [
        document("inv1", "INV/2026/00001", ZIELONY, "1230.00"),
        document("rinv1", "RINV/2026/00001", ZIELONY, "100.00", move_type="out_refund"),
    ]
    suggestion = match("INV/2026/00001", "1230.00", documents=documents, name="ZIELONY OGROD")
    assert suggestion.document_ids == ("inv1",)
    assert suggestion.auto
    assert not any("RINV" in reason for reason in suggestion.reasons)
