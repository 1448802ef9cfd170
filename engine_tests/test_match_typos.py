"""One-character typos, without confusing 0012 with 0021 of another customer (issue 3)."""

from match_fixtures import NOWICKA, NOWICKA_IBAN, ZIELONY, ZIELONY_IBAN, document, match


def _near_numbers():
    """A's FV/2026/11/0012 and B's FV/2026/11/0021: two swapped digits apart, same amount."""
    return [
        document("a12", "FV/2026/11/0012", ZIELONY, "615.00"),
        document("b21", "FV/2026/11/0021", NOWICKA, "615.00"),
    ]


def test_typo_corroborated_by_partner_and_amount_is_applied():
    suggestion = match("FV/2026/11/0024", "2460.00", iban=ZIELONY_IBAN)  # 0042 mistyped
    assert suggestion.document_ids == ("a42",)
    assert suggestion.auto
    assert (
        "invoice number FV/2026/11/0042 in title with one character different ('FV 2026 11 0024')"
        in suggestion.reasons
    )


def test_typo_corroborated_by_the_amount_alone_is_only_suggested():
    suggestion = match("FV/2026/11/0024", "2460.00")
    assert suggestion.document_ids == ("a42",)
    assert not suggestion.auto


def test_typo_with_neither_partner_nor_amount_is_not_suggested():
    assert match("FV/2026/11/0024", "100.00").document_ids == ()


def test_exact_number_of_one_customer_is_not_confused_with_a_near_number_of_another():
    suggestion = match("FV/2026/11/0012", "615.00", iban=ZIELONY_IBAN, documents=_near_numbers())
    assert suggestion.document_ids == ("a12",)
    assert suggestion.auto


def test_exact_number_from_an_unknown_sender_still_picks_the_document_named():
    suggestion = match("FV/2026/11/0021", "615.00", documents=_near_numbers())
    assert suggestion.document_ids == ("b21",)
    assert suggestion.auto


def test_another_customers_exact_number_sent_by_the_other_customer_is_never_applied():
    # A's account pays B's number with the amount both invoices share: a typo by A, or A
    # paying for B? A person decides.
    suggestion = match("FV/2026/11/0021", "615.00", iban=ZIELONY_IBAN, documents=_near_numbers())
    assert not suggestion.auto
    assert suggestion.document_ids == ("a12",)


def test_typo_matching_nothing_else_from_the_customer_with_its_amount_is_applied():
    documents = [document("b21", "FV/2026/11/0021", NOWICKA, "615.00")]
    suggestion = match("FV/2026/11/0012", "615.00", iban=NOWICKA_IBAN, documents=documents)
    assert suggestion.document_ids == ("b21",)
    assert suggestion.auto


def test_transposed_digits_of_an_exact_open_number_do_not_steal_the_match():
    # The title names A's 0012 exactly and the amount fits it: B's 0021 is no alternative.
    suggestion = match("FV/2026/11/0012", "615.00", documents=_near_numbers())
    assert suggestion.document_ids == ("a12",)
    assert suggestion.auto


def test_typo_in_the_year_is_forgiven_with_partner_and_amount():
    suggestion = match("FV/2025/10/0107", "615.00", iban=NOWICKA_IBAN)
    assert suggestion.document_ids == ("b107",)
    assert suggestion.auto


def test_missing_digit_is_forgiven_with_partner_and_amount():
    suggestion = match("FV/2026/10/017", "615.00", iban=NOWICKA_IBAN)
    assert suggestion.document_ids == ("b107",)
    assert suggestion.auto


def test_a_customer_known_by_name_quoting_another_customers_number_is_not_applied():
    # Nowicka (recognised by her name only) mistypes her FV/2026/11/0021 as 0012, which is
    # Zielony Ogród's invoice of the same amount.
    suggestion = match("FV/2026/11/0012", "615.00", name="EWA NOWICKA", documents=_near_numbers())
    assert not suggestion.auto
