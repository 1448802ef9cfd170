"""Recognising who pays: accounts, NIPs, names as banks print them (issue 3, second rule)."""

from match_fixtures import (
    KOWALCZYK_IBAN,
    NOWICKA_IBAN,
    ZIELONY_IBAN,
    document,
    ledger,
    match,
    transfer,
)

from engine.match import Matcher, MatchOptions, Party


def test_sender_account_and_a_unique_amount_identify_the_invoice():
    suggestion = match("za fakture", "1230.00", iban="PL" + ZIELONY_IBAN)
    assert suggestion.document_ids == ("a43",)
    assert suggestion.auto
    assert "sender IBAN belongs to Zielony Ogród Sp. z o.o." in suggestion.reasons


def test_sender_account_is_recognised_with_spaces_and_without_pl():
    suggestion = match("przelew", "307.50", iban="77 1090 1014 0824 6281 9482 1993")
    assert suggestion.partner_key == "B"
    assert suggestion.document_ids == ("b108",)


def test_nip_in_title_with_pl_and_dashes_identifies_the_partner():
    suggestion = match("NIP PL 746-507-52-90 zaplata", "1230.00")
    assert suggestion.partner_key == "A"
    assert suggestion.document_ids == ("a43",)
    assert "NIP 7465075290 in title belongs to Zielony Ogród Sp. z o.o." in suggestion.reasons


def test_nip_with_a_wrong_check_digit_is_ignored():
    suggestion = match("NIP 7465075291 zaplata", "1230.00")
    assert suggestion.partner_key is None
    assert not suggestion.auto


def test_account_number_in_title_identifies_the_partner():
    suggestion = match(ZIELONY_IBAN, "1230.00", name="Z.O. SP. Z O.O.")
    assert suggestion.document_ids == ("a43",)
    assert "account number in title belongs to Zielony Ogród Sp. z o.o." in suggestion.reasons


def test_long_legal_form_and_appended_address_do_not_hide_the_name():
    suggestion = match(
        "REMITTANCE",
        "1230.00",
        name="ZIELONY OGRÓD SPÓŁKA Z OGRANICZONĄ ODPOWIEDZIALNOŚCIĄ UL. KWIATOWA 12 WARSZAWA",
    )
    assert suggestion.partner_key == "A"
    assert suggestion.document_ids == ("a43",)


def test_upper_case_name_without_diacritics_is_recognised():
    assert match("przelew", "199.00", name="JAN WISNIEWSKI").partner_key == "D"


def test_reversed_first_and_last_name_is_recognised():
    suggestion = match("Przelew na telefon BLIK", "199.00", name="WISNIEWSKI JAN")
    assert suggestion.partner_key == "D"
    assert suggestion.document_ids == ("d9",)


def test_partner_name_in_title_is_used_when_the_sender_field_is_empty():
    title = "ZAPLATA ZA FV/2026/11/0042 ZIELONY OGROD SP Z O O UL. KWIATOWA 12 00-950 WARSZAWA"
    suggestion = match(title, "2460.00")
    assert suggestion.partner_key == "A"
    assert "partner name ZIELONY OGROD in title" in suggestion.reasons


def test_partner_is_reported_even_when_no_document_fits():
    suggestion = match("zaliczka", "99999.00", iban=KOWALCZYK_IBAN)
    assert suggestion.document_ids == ()
    assert suggestion.partner_key == "C"


def test_limited_partnership_is_not_taken_for_the_company_it_is_named_after():
    suggestion = match(
        "przelew", "5000.00", name="HURTOWNIA ELEKTRYCZNA VOLT SA SPOLKA KOMANDYTOWA", id="out"
    )
    assert suggestion.partner_key is None


def test_a_name_shared_by_two_partners_identifies_neither_alone():
    namesake = Party("D2", "Jan Wiśniewski", "", ("PL61109010140000071219812874",))
    documents = ledger() + [document("d2", "FV/2026/09/0010", namesake, "199.00")]
    suggestion = match("przelew", "199.00", name="JAN WISNIEWSKI", documents=documents)
    assert suggestion.document_ids in (("d9",), ("d2",))
    assert not suggestion.auto
    assert any(reason.startswith("ambiguous") for reason in suggestion.reasons)


def test_account_of_another_known_partner_blocks_an_automatic_match():
    # The exact number and amount of A's invoice, but paid from B's account.
    suggestion = match("FV/2026/11/0042", "2460.00", iban=NOWICKA_IBAN)
    assert suggestion.document_ids == ("a42",)
    assert not suggestion.auto
    assert "the sender's account or NIP belongs to another partner" in suggestion.reasons


def test_consumer_paying_by_blik_with_name_and_amount_is_applied():
    suggestion = match("Przelew na telefon BLIK od JAN WISNIEWSKI", "199.00", name="JAN WISNIEWSKI")
    assert suggestion.document_ids == ("d9",)
    assert suggestion.auto


def test_account_of_a_partner_without_open_documents_is_still_recognised():
    known = Party("E", "Agroplast Kowalczyk S.A.", "", ("PL61109010140000071219812874",))
    matcher = Matcher(ledger(), parties=[known])
    suggestion = matcher.match(
        [transfer("zwrot", "10.00", iban="61109010140000071219812874")], MatchOptions()
    )[0]
    assert suggestion.partner_key == "E"
    assert suggestion.document_ids == ()


def test_sender_name_and_account_both_appear_in_the_reasons():
    suggestion = match("FV/2026/11/0042", "2460.00", name="ZIELONY OGROD", iban=ZIELONY_IBAN)
    assert suggestion.reasons[:2] == (
        "invoice number FV/2026/11/0042 in title",
        "sender IBAN belongs to Zielony Ogród Sp. z o.o.",
    )
    assert suggestion.confidence == 0.99


def test_owner_paying_from_a_private_account_identifies_the_sole_trader():
    # "FHU ROLBIS Jakub Wójcik" is Jakub Wójcik's business: his full name, with a generic
    # title and the only open amount, is enough; his initial and surname are not.
    rolbis = Party("R", "Firma Handlowo-Usługowa ROLBIS Jakub Wójcik", "", ())
    documents = [document("r1", "FV/2026/11/0301", rolbis, "3690.00")]
    suggestion = match("faktura za wrzesień", "3690.00", documents=documents, name="JAKUB WÓJCIK")
    assert suggestion.document_ids == ("r1",)
    assert suggestion.auto
    initial = match("faktura za wrzesień", "3690.00", documents=documents, name="J. WÓJCIK")
    assert not initial.auto
