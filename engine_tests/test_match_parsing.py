"""The building blocks: number keys, title reading, names, identifiers, subset sums."""

import doctest
import importlib

import pytest

from engine.match import combinations, identifiers
from engine.match.names import name_similarity, name_tokens
from engine.match.numbers import document_keys, semantic_keys
from engine.match.title import join_wrapped_lines, parse_title

MODULES = ("combinations", "identifiers", "names", "normalize", "numbers", "scoring", "title")


@pytest.mark.parametrize("module", MODULES)
def test_docstring_examples_hold(module):
    result = doctest.testmod(importlib.import_module(f"engine.match.{module}"))
    assert result.failed == 0


def test_document_keys_of_an_odoo_number():
    keys = document_keys("FV/2026/11/0012", 2026)
    assert (keys.compact, keys.loose, keys.numeric, keys.digits) == (
        "FV2026110012",
        "FV.2026.11.12",
        "2026.11.12",
        "2026110012",
    )
    assert keys.semantic == (12, 11, 2026)
    assert keys.specific


def test_short_numbers_are_not_specific_enough_to_stand_alone():
    assert not document_keys("12/2026").specific  # also reads as a month
    assert not document_keys("0042").specific
    assert document_keys("FS 7/2026").specific


def test_document_year_picks_the_reading_of_an_ambiguous_number():
    assert document_keys("26/11/30", 2026).semantic == (30, 11, 2026)
    assert document_keys("26/11/30", 2030).semantic == (26, 11, 2030)


def test_a_month_must_be_between_1_and_12():
    assert semantic_keys([(12, 2), (13, 2), (2026, 4)]) == []


def test_title_windows_never_cut_between_two_digit_groups():
    windows = {window.compact for window in parse_title("FV/2026/11/0042").windows}
    assert "FV2026110042" in windows
    assert "202611" not in windows  # "2026/11" alone would be a period of another scheme


def test_identifiers_are_taken_out_of_the_number_windows():
    parsed = parse_title("NIP 746-507-52-90 konto PL03 1050 1445 1318 6091 3909 9603 FV 43")
    assert parsed.nips == ("7465075290",)
    assert parsed.accounts == ("03105014451318609139099603",)
    assert {window.compact for window in parsed.windows} == {"FV43", "43"}


def test_ksef_number_is_recognised_with_or_without_hyphens():
    assert parse_title("7114710499-20261103-4F2A9C81D03E-7B").ksef_numbers == (
        "7114710499-20261103-4F2A9C81D03E-7B",
    )
    assert parse_title("711471049920261103\n4F2A9C81D03E7B").ksef_numbers == (
        "7114710499-20261103-4F2A9C81D03E-7B",
    )


def test_only_full_bank_lines_are_joined_without_a_space():
    assert join_wrapped_lines("ZAPLATA ZA\nFV 12") == "ZAPLATA ZA FV 12"
    assert join_wrapped_lines("A" * 35 + "\n12") == "A" * 35 + "12"


def test_numbers_after_an_invoice_word_are_announced():
    parsed = parse_title("Nowicka FV 108, zamowienie 5")
    assert parsed.announced_numbers == frozenset({108})
    assert parsed.standalone_numbers == frozenset({108, 5})


def test_amounts_written_in_the_title_are_not_invoice_numbers():
    parsed = parse_title("kwota 2 460,00 PLN")
    assert parsed.windows == ()


def test_legal_form_and_trade_words_are_set_aside_in_names():
    assert name_tokens("P.P.H.U. KOWALCZYK-BUD SP. J.") == (("KOWALCZYK", "BUD"), "SJ")
    assert name_tokens("ZIELONY OGRÓD SPÓŁKA Z OGRANICZONĄ ODPOWIEDZIALNOŚCI") == (
        ("ZIELONY", "OGROD"),
        "ZOO",
    )


def test_initial_counts_half_a_first_name():
    ledger = name_tokens("Ewa Nowicka")
    assert name_similarity(*ledger, *name_tokens("E. NOWICKA")) < 100
    assert name_similarity(*ledger, *name_tokens("E. NOWICKA")) >= 70


def test_one_typo_in_a_long_word_still_matches():
    similarity = name_similarity(*name_tokens("Kowalczyk-Bud"), *name_tokens("KOWALCYZK BUD"))
    assert similarity >= 88


def test_different_legal_forms_cut_the_similarity():
    same = name_similarity(*name_tokens("Volt S.A."), *name_tokens("VOLT SA"))
    other = name_similarity(*name_tokens("Volt S.A."), *name_tokens("VOLT SP.K."))
    assert same == 100
    assert other < 70


def test_nrb_is_validated_with_its_check_digits():
    assert identifiers.is_valid_account("03105014451318609139099603")
    assert not identifiers.is_valid_account("03105014451318609139099604")


def test_foreign_iban_keeps_its_country_code():
    assert identifiers.normalize_account("DE89 3704 0044 0532 0130 00") == "DE89370400440532013000"


def test_combination_search_finds_up_to_the_limit_and_says_when_it_stopped():
    found, complete = combinations.find_combinations([100, 200, 300, 400], 500, 2)
    assert found == [(0, 3), (1, 2)]
    assert not complete
    found, complete = combinations.find_combinations([100, 250, 300], 550, 3, limit=5)
    assert found == [(1, 2)]
    assert complete


def test_combination_search_respects_the_step_budget():
    # C(40, 8) combinations of equal values add up to 24: far more than the budget allows.
    found, complete = combinations.find_combinations([3] * 40, 24, 8, limit=10**9)
    assert found
    assert not complete
