"""Fault-injection suite: full syncs under each fault, for each provider; nothing lost, nothing
doubled (see ``faultlab`` for the bench and ``fault_scenarios`` for the scenarios; the same
figures are printed by ``bench/fault_report.py``)."""

import datetime
from decimal import Decimal

import pytest
from fault_scenarios import SCENARIOS, play
from faultlab import (
    BENCHES,
    EmbeddedBench,
    HttpBench,
    ScenarioError,
    SyncSettings,
    Tally,
    compare,
)

from engine import sync
from engine.records import Transaction
from engine.sync import WindowReader

CASES = [(spec, scenario) for spec in BENCHES for scenario in SCENARIOS if scenario.applies(spec)]
SCENARIO = {scenario.name: scenario for scenario in SCENARIOS}


def played(bench, name):
    try:
        return play(SCENARIO[name], bench)
    finally:
        bench.close()


@pytest.mark.parametrize(
    ("spec", "scenario"), CASES, ids=[f"{spec.name}-{scenario.name}" for spec, scenario in CASES]
)
def test_no_transaction_is_lost_or_doubled(spec, scenario):
    tally = played(spec.make(), scenario.name)
    assert tally.expected > 30, "the scenario's windows hold a realistic month's worth"
    assert (tally.lost, tally.duplicated) == (0, 0), tally


def test_every_provider_faces_every_fault_it_can_produce():
    per_bench = {spec.name: sum(1 for s, _sc in CASES if s is spec) for spec in BENCHES}
    assert per_bench == {
        "enablebanking": 16,
        "enablebanking-no-ids": 16,
        "gocardless": 15,
        "kontomatik": 15,
        "sandbox": 11,
        "sandbox-no-ids": 11,
    }


# -- The bench can tell a loss and a duplicate -----------------------------------------------------
def coffee(day=datetime.date(2026, 3, 9)):
    return Transaction("", day, Decimal("-8.99"), "PLN", counterparty_name="ZABKA Z5231")


def test_comparison_counts_a_missing_twin_as_lost_and_an_extra_one_as_duplicated():
    rent = Transaction(
        "", datetime.date(2026, 3, 9), Decimal("-4200.00"), "PLN", remittance="Najem"
    )
    bank = [coffee(), coffee(), rent]
    day = datetime.date(2026, 3, 9)
    assert compare([coffee(), rent], bank, day, day) == Tally(3, 2, 1, 0)
    assert compare([coffee()] * 3 + [rent], bank, day, day).duplicated == 1
    assert compare(bank, bank, day, day).lost == 0


def test_comparison_ignores_the_provider_ids_which_are_under_test():
    with_id = Transaction(
        "E-1", datetime.date(2026, 3, 9), Decimal("-8.99"), "PLN", counterparty_name="zabka  z5231"
    )
    day = datetime.date(2026, 3, 9)
    assert compare([with_id], [coffee()], day, day).lost == 0


# -- Each engine fix is what makes its scenario pass -----------------------------------------------
def test_odoo_rule_synced_until_window_end_loses_a_payment_booked_days_later_with_an_old_date():
    """Why the Odoo layer must store ``PageOutcome.synced_until``, not the window's end."""
    tally = played(
        EmbeddedBench(settings=SyncSettings(legacy_synced_until=True)), "pending_then_booked"
    )
    assert (tally.lost, tally.duplicated) == (1, 0)


def test_without_recognising_a_repeated_page_kontomatik_would_double_the_whole_page(monkeypatch):
    monkeypatch.setattr(sync, "page_digest", lambda transactions: ("", False))
    bench = HttpBench("kontomatik")
    try:
        bench.arm_around_adapter("duplicate_page", times=1)
        assert bench.sync().status == "success"
        tally = bench.tally()
    finally:
        bench.close()
    assert tally.duplicated == tally.expected > 30 and tally.lost == 0


def test_without_checking_the_listing_on_resume_a_moved_listing_doubles_a_transaction(monkeypatch):
    def resume_blindly(reader, cursor):
        return reader._fetch(cursor.window, cursor.next_page)

    monkeypatch.setattr(WindowReader, "_resumed_page", resume_blindly)
    tally = played(EmbeddedBench(with_ids=False), "killed_between_pages")
    assert tally.duplicated == 1


def test_without_restarting_on_a_refused_page_token_a_renewed_consent_cannot_resume(monkeypatch):
    def resume_blindly(reader, cursor):
        return reader._fetch(cursor.window, cursor.next_page)

    monkeypatch.setattr(WindowReader, "_resumed_page", resume_blindly)
    with pytest.raises(ScenarioError, match="BadPayload"):
        played(HttpBench("enablebanking"), "consent_expired_mid_sync")
