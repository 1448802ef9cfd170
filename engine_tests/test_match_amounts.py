"""Amounts: exact, several invoices at once, partial and over-payments, coincidences."""

from decimal import Decimal

from match_fixtures import (
    KOWALCZYK_IBAN,
    NOWICKA_IBAN,
    VOLT,
    VOLT_IBAN,
    ZIELONY,
    ZIELONY_IBAN,
    document,
    match,
)

from engine.match import Allocation


def test_stranger_paying_an_amount_that_equals_an_open_invoice_is_never_applied():
    # 990.00 is open only on 13/11/2026, but the sender and the title say nothing.
    suggestion = match(
        "Zwrot pożyczki", "990.00", name="ADAM MAŁYSZ", iban="PL61109010140000071219812874"
    )
    assert not suggestion.auto
    assert suggestion.document_ids == ()


def test_amount_alone_without_any_sender_is_only_a_weak_suggestion():
    suggestion = match("przelew", "990.00")
    assert suggestion.document_ids == ("c13",)
    assert not suggestion.auto
    assert suggestion.confidence < 0.5
    assert "no other evidence: the amount alone points to this document" in suggestion.reasons


def test_amount_shared_by_several_open_invoices_suggests_nothing_without_a_partner():
    # 1230.00 is open on A's FV/2026/11/0043 and on B's FS 7/2026.
    assert match("przelew", "1230.00").document_ids == ()


def test_two_open_invoices_of_one_partner_with_the_same_amount_are_ambiguous():
    documents = [
        document("x1", "FV/2026/10/0001", ZIELONY, "500.00"),
        document("x2", "FV/2026/10/0002", ZIELONY, "500.00"),
    ]
    suggestion = match("za fakture", "500.00", iban=ZIELONY_IBAN, documents=documents)
    assert suggestion.document_ids == ("x1",)  # the oldest due first, for a person to confirm
    assert not suggestion.auto
    assert "2 open documents of the partner have this amount" in suggestion.reasons


def test_numbers_listed_in_the_title_settle_several_invoices():
    suggestion = match("FV/2026/11/0042, FV/2026/11/0043", "3690.00", iban=ZIELONY_IBAN)
    assert set(suggestion.document_ids) == {"a42", "a43"}
    assert suggestion.auto
    assert "amount equals the sum of the residuals of 2 documents" in suggestion.reasons


def test_short_form_list_borrows_the_rest_from_the_first_number():
    suggestion = match("FV/2026/11/0042,0043", "3690.00")
    assert set(suggestion.document_ids) == {"a42", "a43"}
    assert "FV/2026/11/0043 listed in title after FV/2026/11/0042" in suggestion.reasons


def test_polish_i_between_numbers_separates_a_list():
    assert set(match("FV/2026/11/0042 i 0043", "3690.00").document_ids) == {"a42", "a43"}


def test_list_sharing_month_and_year_is_expanded():
    suggestion = match("FV 107, 108/10/2026", "922.50", name="EWA NOWICKA")
    assert set(suggestion.document_ids) == {"b107", "b108"}
    assert suggestion.auto


def test_mixed_numbering_series_in_one_title():
    suggestion = match("FS 7/2026 oraz FV/2026/10/0108", "1537.50", iban=NOWICKA_IBAN)
    assert set(suggestion.document_ids) == {"bfs7", "b108"}
    assert suggestion.auto


def test_amount_equal_to_a_combination_of_one_partners_residuals_settles_them():
    suggestion = match("REMITTANCE ISSUED", "3690.00", iban=ZIELONY_IBAN)
    assert set(suggestion.document_ids) == {"a42", "a43"}
    assert suggestion.auto


def test_combination_of_residuals_needs_a_recognised_partner():
    assert match("REMITTANCE ISSUED", "3690.00").document_ids == ()


def test_title_listing_invoices_of_which_only_some_fit_the_amount_is_not_automatic():
    # 12/11/2026 (1845.00) and 13/11/2026 (990.00) are named, 1845.00 is paid.
    suggestion = match("12/11/2026 13/11/2026", "1845.00", iban=KOWALCZYK_IBAN)
    assert suggestion.document_ids == ("c12",)
    assert "the title also names 13/11/2026" in suggestion.reasons
    assert suggestion.confidence < 0.99


def test_credit_note_named_in_the_title_is_never_suggested_for_incoming_money():
    # 3444.00 = 2460.00 + 1230.00 - 246.00: the payer netted a credit note, but money in does
    # not settle a credit note to a customer. The invoices are suggested, for a person.
    title = "Zapłata za FV/2026/11/0042;FV/2026/11/0043 minus korekta FKOR/2026/11/0003"
    suggestion = match(title, "3444.00", iban=ZIELONY_IBAN)
    assert set(suggestion.document_ids) == {"a42", "a43"}
    assert not suggestion.auto
    assert (
        "the title also names FKOR/2026/11/0003, which this transfer's direction cannot settle"
        in suggestion.reasons
    )


def test_netting_a_named_credit_note_is_applied_when_allowed():
    # Every invoice and the credit note named, the amount exactly the difference.
    title = "Zapłata za FV/2026/11/0042;FV/2026/11/0043 minus korekta FKOR/2026/11/0003"
    suggestion = match(title, "3444.00", iban=ZIELONY_IBAN, allow_netting=True)
    assert set(suggestion.document_ids) == {"a42", "a43", "akor3"}
    assert suggestion.auto
    assert suggestion.difference == 0
    assert "amount equals the invoices minus the credit notes" in (suggestion.reasons)


def test_an_unnamed_open_credit_note_deducted_from_a_named_invoice_is_netted():
    # 2214.00 = FV/2026/11/0042 (2460.00) less the open FKOR/2026/11/0003 (246.00), which the
    # title does not name: the partial-payment reading would leave the note open.
    suggestion = match("FV/2026/11/0042", "2214.00", iban=ZIELONY_IBAN, allow_netting=True)
    assert set(suggestion.document_ids) == {"a42", "akor3"}
    assert suggestion.auto
    assert suggestion.difference == 0
    assert suggestion.allocations == (
        Allocation("a42", Decimal("2460.00")),
        Allocation("akor3", Decimal("246.00")),
    )


def test_a_partial_payment_short_by_an_open_credit_note_is_not_applied_without_netting():
    suggestion = match("FV/2026/11/0042", "2214.00", iban=ZIELONY_IBAN, allow_netting=False)
    assert suggestion.document_ids == ("a42",)
    assert not suggestion.auto
    assert "the shortfall equals the open credit note FKOR/2026/11/0003" in suggestion.reasons


def test_a_partial_payment_close_to_an_open_credit_note_waits_for_a_person():
    # 2460.00 - 246.00 = 2214.00; 2220.00 is near it: a deduction with a rounding, maybe.
    suggestion = match("FV/2026/11/0042", "2220.00", iban=ZIELONY_IBAN, allow_netting=True)
    assert suggestion.document_ids == ("a42",)
    assert not suggestion.auto
    assert "the shortfall is close to the open credit note FKOR/2026/11/0003" in (
        suggestion.reasons
    )


def test_partial_payment_with_the_number_is_applied_when_differences_are_allowed():
    suggestion = match("FV/2026/11/0042 czesc 1", "1000.00", iban=ZIELONY_IBAN)
    assert suggestion.document_ids == ("a42",)
    assert suggestion.auto
    assert suggestion.allocations == (Allocation("a42", Decimal("1000.00")),)
    assert suggestion.difference == Decimal("-1460.00")
    assert "amount is 1 460,00 less than the residual 2 460,00 (partial payment)" in (
        suggestion.reasons
    )


def test_partial_payment_is_never_automatic_when_differences_are_not_allowed():
    suggestion = match(
        "FV/2026/11/0042 czesc 1", "1000.00", iban=ZIELONY_IBAN, allow_differences=False
    )
    assert suggestion.document_ids == ("a42",)
    assert not suggestion.auto
    assert "amount differs and payment differences are not allowed" in suggestion.reasons


def test_overpayment_allocates_the_residual_and_reports_the_surplus():
    suggestion = match("FV/2026/11/0042", "2500.00", iban=ZIELONY_IBAN)
    assert suggestion.auto
    assert suggestion.allocations == (Allocation("a42", Decimal("2460.00")),)
    assert suggestion.difference == Decimal("40.00")


def test_payment_of_the_remaining_residual_of_a_partly_paid_invoice_is_exact():
    documents = [document("p1", "FV/2026/10/0501", ZIELONY, "2000.00", residual="1200.00")]
    suggestion = match("FV/2026/10/0501 reszta", "1200.00", documents=documents)
    assert suggestion.auto
    assert "amount equals residual" in suggestion.reasons


def test_partial_payment_of_several_invoices_pays_the_oldest_due_first():
    suggestion = match("FV/2026/11/0042, FV/2026/11/0043", "3000.00", iban=ZIELONY_IBAN)
    allocations = {item.document_id: item.amount for item in suggestion.allocations}
    assert allocations == {"a42": Decimal("2460.00"), "a43": Decimal("540.00")}


def test_one_grosz_underpayment_is_a_partial_payment_not_an_exact_match():
    suggestion = match("FV/2026/11/0042", "2459.99", iban=ZIELONY_IBAN, allow_differences=False)
    assert not suggestion.auto
    assert suggestion.difference == Decimal("-0.01")


def test_partial_payment_from_an_unknown_sender_waits_for_a_person():
    # The exact number, but neither the account nor the name is the customer's: a payer
    # quoting someone else's invoice pays it in full, not in part.
    suggestion = match("FV/2026/11/0042", "1000.00")
    assert suggestion.document_ids == ("a42",)
    assert not suggestion.auto


def test_a_named_vendor_credit_note_finds_the_bill_it_is_deducted_from():
    # Paid 3899.98 = bill 4612.50 (booked without the vendor's number) less the vendor's
    # correction FVK/183/2026 (712.52), the only number in the title: both are suggested, for a
    # person to confirm (the bill was found by the amount alone).
    documents = [
        document("bill", "BILL/2026/08/0071", VOLT, "4612.50", move_type="in_invoice"),
        document(
            "kor",
            "RBILL/2026/08/0001",
            VOLT,
            "712.52",
            move_type="in_refund",
            payment_reference="FVK/183/2026",
        ),
    ]
    suggestion = match(
        "F/20260800152; KOR FVK/183/2026",
        "-3899.98",
        documents=documents,
        iban=VOLT_IBAN,
        allow_netting=True,
    )
    assert set(suggestion.document_ids) == {"bill", "kor"}
    assert suggestion.difference == 0
    assert not suggestion.auto
