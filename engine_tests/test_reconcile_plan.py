"""The arithmetic of a reconciliation: what a transaction settles, and how its value is spread."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.reconcile import SearchQuery, distribute, parse_search_query, plan_settlement

D = Decimal


def test_exact_payment_settles_the_invoice_and_leaves_nothing():
    plan = plan_settlement(D("1230.00"), [D("1230.00")])
    assert plan.settled == (D("1230.00"),)
    assert plan.writeoff == 0 and plan.left_open == 0


def test_partial_payment_settles_what_it_brings():
    plan = plan_settlement(D("400"), [D("1000")])
    assert plan.settled == (D("400"),)
    assert plan.difference == 0


def test_money_settles_the_documents_in_the_given_order():
    plan = plan_settlement(D("500"), [D("300"), D("400"), D("100")])
    assert plan.settled == (D("300"), D("200"), D("0"))


def test_overpayment_stays_open_without_a_write_off_rule():
    plan = plan_settlement(D("1070"), [D("1000")], tolerance=D("100"), can_write_off=False)
    assert plan.left_open == D("70")
    assert plan.writeoff == 0


def test_overpayment_within_tolerance_is_written_off():
    plan = plan_settlement(D("1000.40"), [D("1000")], tolerance=D("1"), can_write_off=True)
    assert plan.writeoff == D("0.40")
    assert plan.left_open == 0


def test_overpayment_above_tolerance_stays_open():
    plan = plan_settlement(D("1005"), [D("1000")], tolerance=D("1"), can_write_off=True)
    assert plan.left_open == D("5")
    assert plan.writeoff == 0


def test_underpayment_within_tolerance_closes_every_document():
    plan = plan_settlement(D("749.50"), [D("300"), D("450")], tolerance=D("1"), can_write_off=True)
    assert plan.settled == (D("300"), D("450"))
    assert plan.writeoff == D("-0.50")


def test_underpayment_above_tolerance_is_a_partial_payment():
    plan = plan_settlement(D("740"), [D("300"), D("450")], tolerance=D("1"), can_write_off=True)
    assert plan.settled == (D("300"), D("440"))
    assert plan.writeoff == 0


def test_credit_notes_are_netted_before_the_invoices():
    plan = plan_settlement(D("700"), [D("1000"), D("-300")])
    assert plan.settled == (D("1000"), D("-300"))
    assert plan.difference == 0


def test_a_credit_note_larger_than_the_money_still_nets_in_full():
    plan = plan_settlement(D("100"), [D("-300"), D("1000")])
    assert plan.settled == (D("-300"), D("400"))


def test_negative_amounts_are_refused():
    with pytest.raises(ValueError):
        plan_settlement(D("-1"), [D("1")])
    with pytest.raises(ValueError):
        plan_settlement(D("1"), [D("1")], tolerance=D("-1"))


@given(
    paid=st.decimals(min_value=0, max_value=100000, places=2),
    dues=st.lists(st.decimals(min_value=-5000, max_value=50000, places=2), max_size=6),
    tolerance=st.decimals(min_value=0, max_value=10, places=2),
    can_write_off=st.booleans(),
)
def test_a_plan_always_accounts_for_every_cent(paid, dues, tolerance, can_write_off):
    plan = plan_settlement(paid, dues, tolerance, can_write_off)
    assert sum(plan.settled, D(0)) + plan.writeoff + plan.left_open == paid
    assert plan.left_open >= 0
    assert abs(plan.writeoff) <= tolerance
    for due, settled in zip(dues, plan.settled, strict=True):
        assert abs(settled) <= abs(due)
        assert settled == 0 or (settled > 0) == (due > 0)


def test_distribute_keeps_amounts_in_the_company_currency_unchanged():
    amounts = [D("-1000.00"), D("300.00"), D("-0.40")]
    assert distribute(D("-700.40"), amounts) == amounts


def test_distribute_follows_the_bank_rate():
    assert distribute(D("4166.67"), [D("1000.00")]) == [D("4166.67")]
    assert distribute(D("4150.00"), [D("600"), D("400")]) == [D("2490.00"), D("1660.00")]


def test_distribute_refuses_weights_that_cancel_out():
    with pytest.raises(ValueError):
        distribute(D("10"), [D("5"), D("-5")])


@given(
    total=st.decimals(min_value=-100000, max_value=100000, places=2),
    weights=st.lists(st.decimals(min_value=1, max_value=10000, places=2), min_size=1, max_size=8),
)
def test_distribute_always_sums_to_the_total(total, weights):
    parts = distribute(total, weights)
    assert sum(parts, D(0)) == total
    assert len(parts) == len(weights)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Nowak 1 230,00", SearchQuery((D("1230.00"),), ("Nowak",))),
        ("1.230,00", SearchQuery((D("1230.00"),), ())),
        ("1,230.00", SearchQuery((D("1230.00"),), ())),
        ("615,5", SearchQuery((D("615.5"),), ())),
        ("FV/2026/11/0012", SearchQuery((), ("FV/2026/11/0012",))),
        ("0012", SearchQuery((D("12"),), ("0012",))),
        ("INV/2026/00001 Kowalska", SearchQuery((), ("INV/2026/00001", "Kowalska"))),
        ("", SearchQuery()),
        ("  ", SearchQuery()),
    ],
)
def test_search_text_splits_into_amounts_and_words(text, expected):
    assert parse_search_query(text) == expected
