import datetime
from decimal import Decimal

import pytest

from engine.errors import BadPayload
from engine.records import (
    Transaction,
    clean_text,
    parse_amount,
    parse_currency,
    parse_date,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1234.56", "1234.56"),
        ("-1234.56", "-1234.56"),
        ("+12", "12"),
        ("1 234,56", "1234.56"),
        ("1\u00a0234,56", "1234.56"),
        ("1.234,56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("-0,5", "-0.5"),
        ("12,3", "12.3"),
    ],
)
def test_amount_text_in_bank_formats_is_parsed(text, expected):
    assert parse_amount(text) == Decimal(expected)


@pytest.mark.parametrize(
    "value", ["1,234", "12 PLN", "", "abc", "1.2.3", "NaN", "Infinity", None, True, [], "9" * 50]
)
def test_amount_that_is_not_a_number_or_is_ambiguous_is_rejected(value):
    with pytest.raises(BadPayload):
        parse_amount(value)


def test_amount_with_more_decimals_than_the_currency_allows_is_rejected():
    with pytest.raises(BadPayload, match="more decimals than PLN"):
        parse_amount("10.001", currency="PLN")
    assert parse_amount("10", currency="JPY") == Decimal(10)
    with pytest.raises(BadPayload):
        parse_amount("10.5", currency="JPY")


def test_huge_amount_is_rejected_as_out_of_range_even_with_a_currency():
    with pytest.raises(BadPayload, match="out of range"):
        parse_amount("1" * 40, currency="PLN")


def test_float_amount_keeps_its_shortest_decimal_form():
    assert parse_amount(0.1) == Decimal("0.1")


def test_unknown_currency_is_rejected_and_known_one_is_normalized():
    assert parse_currency(" eur ") == "EUR"
    for bad in ("ZZZ", "PL", "", None, 978, "PLNX"):
        with pytest.raises(BadPayload):
            parse_currency(bad)


def test_dates_accept_iso_text_and_reject_garbage():
    assert parse_date("2026-11-02") == datetime.date(2026, 11, 2)
    assert parse_date("2026-11-02T10:00:00Z") == datetime.date(2026, 11, 2)
    with pytest.raises(BadPayload):
        parse_date("02.11.2026")
    with pytest.raises(BadPayload):
        parse_date(None)


def test_clean_text_joins_lines_drops_control_characters_and_bounds_length():
    assert clean_text(["Zapłata za", "FV/2026/11/0012"]) == "Zapłata za FV/2026/11/0012"
    assert clean_text("a\x00b\x1bc") == "a b c"
    assert clean_text(None) == ""
    assert clean_text(b"\xff\xfeZ") == "\ufffd\ufffdZ"
    assert len(clean_text("x" * 10_000_000)) == 1000


def test_clean_text_keeps_html_as_text_for_the_views_to_escape():
    assert clean_text("<b>Budmax</b>") == "<b>Budmax</b>"


def test_transaction_refuses_unknown_status_and_float_amounts():
    with pytest.raises(BadPayload):
        Transaction("x", datetime.date(2026, 1, 1), Decimal(1), "PLN", status="maybe")
    with pytest.raises(BadPayload):
        Transaction("x", datetime.date(2026, 1, 1), 1.0, "PLN")
