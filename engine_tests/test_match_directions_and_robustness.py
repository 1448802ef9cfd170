"""Directions (bills, refunds), currencies, dates, conflicts in a run, and bad input."""

import datetime
import time
from decimal import Decimal

from match_fixtures import (
    OUR_IBAN,
    OUR_NIP,
    VOLT_IBAN,
    WISNIEWSKI,
    ZIELONY,
    ZIELONY_IBAN,
    document,
    ledger,
    match,
    transfer,
)

from engine.match import (
    KIND_BANK_FEE,
    KIND_MALFORMED,
    KIND_OWN_TRANSFER,
    KIND_SOCIAL_INSURANCE,
    Matcher,
    MatchOptions,
)


def _options(**values):
    return MatchOptions(company_vats=(OUR_NIP,), company_ibans=(OUR_IBAN,), **values)


def test_partial_payment_equal_to_a_near_numbered_invoice_waits_for_a_person():
    # 1230.00 is exactly FV/2026/11/0043, one character away from the number written.
    suggestion = match("FV/2026/11/0042 rata 1/2", "1230.00", iban=ZIELONY_IBAN)
    assert not suggestion.auto
    assert "FV/2026/11/0043 has exactly this amount" in suggestion.reasons


def test_vendor_bill_is_paid_by_an_outgoing_transfer_quoting_the_vendor_reference():
    suggestion = match("Zapłata za fakturę FA/1234/11/2026", "-5000.00", iban=VOLT_IBAN)
    assert suggestion.document_ids == ("v1",)
    assert suggestion.auto
    assert "vendor reference FA/1234/11/2026 in title" in suggestion.reasons
    assert "payee IBAN belongs to Hurtownia Elektryczna Volt S.A." in suggestion.reasons


def test_vendor_bill_is_paid_by_account_and_amount_without_a_reference():
    suggestion = match("przelew", "-5000.00", iban=VOLT_IBAN)
    assert suggestion.document_ids == ("v1",)
    assert suggestion.auto


def test_incoming_money_never_settles_a_vendor_bill():
    suggestion = match("FA/1234/11/2026", "5000.00", iban=VOLT_IBAN)
    assert "v1" not in suggestion.document_ids


def test_outgoing_money_never_settles_a_customer_invoice():
    suggestion = match("FV/2026/11/0042", "-2460.00", iban=ZIELONY_IBAN)
    assert suggestion.document_ids == ()


def test_credit_note_to_a_customer_is_paid_out():
    suggestion = match("Zwrot do korekty FKOR/2026/11/0003", "-246.00", iban=ZIELONY_IBAN)
    assert suggestion.document_ids == ("akor3",)
    assert suggestion.auto


def test_credit_note_from_a_vendor_is_refunded_in():
    suggestion = match("Zwrot nadpłaty KOR/77/2026", "120.00", iban=VOLT_IBAN)
    assert suggestion.document_ids == ("vkor",)
    assert suggestion.auto


def test_a_transfer_in_another_currency_never_pays_the_invoice():
    suggestion = match("FV/2026/11/0042", "2460.00", iban=ZIELONY_IBAN, currency="EUR")
    assert suggestion.document_ids == ()


def test_invoice_in_euro_is_paid_in_euro():
    documents = ledger() + [document("e1", "FV/2026/11/0099", ZIELONY, "410.00", currency="EUR")]
    suggestion = match("FV/2026/11/0099", "410.00", currency="EUR", documents=documents)
    assert suggestion.document_ids == ("e1",)
    assert suggestion.auto


def test_transfer_dated_long_before_the_invoice_is_not_applied_automatically():
    suggestion = match(
        "FV/2026/11/0042", "2460.00", iban=ZIELONY_IBAN, date=datetime.date(2026, 9, 1)
    )
    assert suggestion.document_ids == ("a42",)
    assert not suggestion.auto
    assert "transfer is dated 63 days before FV/2026/11/0042" in suggestion.reasons


def test_a_document_is_never_applied_automatically_to_two_transfers_of_one_run():
    matcher = Matcher(ledger())
    first = transfer("FV/2026/11/0042", "2460.00", iban=ZIELONY_IBAN, id="first")
    second = transfer("FV/2026/11/0042", "2460.00", name="ZIELONY OGROD", id="second")
    results = matcher.match([second, first], _options())
    assert [result.transaction_id for result in results] == ["second", "first"]
    assert results[1].auto  # the account makes the first one the more confident
    assert not results[0].auto
    assert "FV/2026/11/0042 is already matched to transaction first" in results[0].reasons


def test_two_partial_payments_of_one_invoice_in_one_run_are_both_applied():
    matcher = Matcher(ledger())
    transfers = [
        transfer("FV/2026/11/0042 rata 1/2", "1000.00", iban=ZIELONY_IBAN, id="r1"),
        transfer("FV/2026/11/0042 rata 2/2", "1460.00", iban=ZIELONY_IBAN, id="r2"),
    ]
    results = matcher.match(transfers, _options(allow_differences=True))
    assert [result.document_ids for result in results] == [("a42",), ("a42",)]
    assert all(result.auto for result in results)


def test_own_account_transfer_is_never_an_invoice_payment():
    suggestion = match("PRZELEW WŁASNY", "2460.00", iban=OUR_IBAN)
    assert suggestion.kind == KIND_OWN_TRANSFER
    assert suggestion.document_ids == ()


def test_zus_contribution_is_never_an_invoice_payment():
    suggestion = match("Składki ZUS 10/2026", "-990.00", name="ZAKŁAD UBEZPIECZEŃ SPOŁECZNYCH")
    assert suggestion.kind == KIND_SOCIAL_INSURANCE
    assert suggestion.document_ids == ()


def test_salary_with_a_coincidental_amount_is_not_suggested():
    documents = ledger() + [
        document("w1", "FZ/2026/11/0009", WISNIEWSKI, "4200.00", move_type="in_invoice")
    ]
    suggestion = match("Wynagrodzenie 10/2026", "-4200.00", documents=documents)
    assert suggestion.document_ids == ()


def test_bank_fee_is_reported_as_such():
    suggestion = match("OPŁATA PRZELEW ZEW.DOWOL.BIEŻĄCY", "-1.50")
    assert suggestion.kind == KIND_BANK_FEE


def test_zero_amount_gives_an_empty_malformed_suggestion():
    suggestion = Matcher(ledger()).match_one(transfer("FV/2026/11/0042", "0"))
    assert suggestion.kind == KIND_MALFORMED
    assert suggestion.document_ids == ()
    assert suggestion.reasons


def test_ten_kilobyte_title_is_read_quickly_and_its_reference_found():
    title = "FV/2026/11/0042 " + "X7-Q/9 " * 1500
    assert len(title) > 10_000
    started = time.perf_counter()
    suggestion = match(title, "2460.00", iban=ZIELONY_IBAN)
    assert time.perf_counter() - started < 1.0  # generous: a real title takes milliseconds
    assert suggestion.document_ids == ("a42",)


def test_junk_only_title_from_a_known_partner_falls_back_to_the_amount():
    suggestion = match("§§§ ¤¤¤ " * 2000, "1230.00", iban=ZIELONY_IBAN)
    assert suggestion.document_ids == ("a43",)


def test_auto_threshold_is_configurable():
    matcher = Matcher(ledger())
    line = transfer("za fakture", "1230.00", iban=ZIELONY_IBAN)
    assert matcher.match([line], _options(auto_threshold=0.9))[0].auto
    assert not matcher.match([line], _options(auto_threshold=0.95))[0].auto


def test_every_suggestion_has_a_confidence_between_zero_and_one_and_reasons():
    matcher = Matcher(ledger())
    titles = ["FV/2026/11/0042", "przelew", "", "FW/2026/11/0043", "12/11/26 13/11/26", "x" * 50]
    transfers = [
        transfer(title, amount, id=f"{index}")
        for index, title in enumerate(titles)
        for amount in ("2460.00", "-1.00", "2835.00")
    ]
    for suggestion in matcher.match(transfers, _options(allow_differences=True)):
        assert 0.0 <= suggestion.confidence <= 1.0
        assert suggestion.reasons
        assert len(suggestion.allocations) == len(suggestion.document_ids)


def test_fully_paid_documents_are_ignored():
    documents = [document("paid", "FV/2026/11/0100", ZIELONY, "100.00", residual="0")]
    assert match("FV/2026/11/0100", "100.00", documents=documents).document_ids == ()


def test_allocation_amounts_are_decimals_in_the_document_currency():
    suggestion = match("FV/2026/11/0042", "2460.00")
    assert isinstance(suggestion.allocations[0].amount, Decimal)
    assert isinstance(suggestion.difference, Decimal)


def test_no_suggestion_names_a_document_settled_in_the_other_direction():
    documents = ledger()
    directions = {doc.id: doc.is_inbound for doc in documents}
    titles = [
        "FV/2026/11/0042 minus FKOR/2026/11/0003",
        "FKOR/2026/11/0003",
        "FA/1234/11/2026",
        "KOR/77/2026",
        "przelew",
    ]
    transfers = [
        transfer(title, amount, iban=iban, id=f"{index}-{amount}")
        for index, title in enumerate(titles)
        for amount in ("2214.00", "-246.00", "-5000.00", "120.00", "246.00", "-120.00")
        for iban in (ZIELONY_IBAN, VOLT_IBAN, "")
    ]
    for line, suggestion in zip(
        transfers,
        Matcher(documents).match(transfers, _options(allow_differences=True)),
        strict=True,
    ):
        for document_id in suggestion.document_ids:
            assert directions[document_id] == (line.amount > 0), (line.title, line.amount)
