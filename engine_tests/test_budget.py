"""The per-(account, scope) daily call budget."""

import datetime

import pytest

from engine.budget import CALENDAR_DAY, CallBudget, budget_for
from engine.providers.gocardless import GoCardlessProvider
from engine.providers.sandbox import SandboxBank

MORNING = datetime.datetime(2026, 11, 26, 9, 45)
RUNS = [MORNING, MORNING.replace(hour=13, minute=15), MORNING.replace(hour=16, minute=30)]


def test_three_scheduled_runs_leave_one_call_for_sync_now():
    assert CallBudget(4).remaining(RUNS, MORNING.replace(hour=17)) == 1


def test_rolling_window_frees_a_call_24_hours_after_it_was_made():
    calls = RUNS + [MORNING.replace(hour=17)]
    budget = CallBudget(4)
    evening = MORNING.replace(hour=20)
    assert budget.remaining(calls, evening) == 0
    assert budget.next_slot(calls, evening) == MORNING + datetime.timedelta(days=1)
    assert budget.can_call(calls, MORNING + datetime.timedelta(days=1))


def test_calendar_day_budget_resets_at_midnight():
    calls = RUNS + [MORNING.replace(hour=17)]
    budget = CallBudget(4, mode=CALENDAR_DAY)
    assert budget.next_slot(calls, MORNING.replace(hour=20)) == datetime.datetime(2026, 11, 27)


def test_provider_wait_time_wins_over_our_own_count():
    blocked_until = MORNING + datetime.timedelta(seconds=85092)
    budget = CallBudget(4)
    assert not budget.can_call([], MORNING, blocked_until=blocked_until)
    assert budget.next_slot([], MORNING, blocked_until=blocked_until) == blocked_until


def test_record_keeps_only_calls_that_still_count():
    yesterday = MORNING - datetime.timedelta(days=2)
    assert CallBudget(4).record([yesterday, *RUNS], MORNING.replace(hour=18)) == (
        *RUNS,
        MORNING.replace(hour=18),
    )


def test_unlimited_provider_has_no_remaining_count():
    budget = budget_for(SandboxBank)
    assert budget.remaining(RUNS * 10, MORNING) is None
    assert budget.can_call(RUNS * 10, MORNING)


def test_providers_declare_four_unattended_calls_a_day():
    assert budget_for(GoCardlessProvider).limit == 4


def test_negative_limit_is_refused():
    with pytest.raises(ValueError):
        CallBudget(-1)


def test_ledger_keeps_scopes_and_keys_apart():
    from engine.budget import CallLedger, MeteredCall

    t = datetime.datetime(2026, 11, 26, 9, 0)
    ledger = CallLedger(CallBudget(1))
    ledger.record([MeteredCall("transactions", "acc-1", t)])
    assert ledger.remaining("transactions", "acc-1", t) == 0
    assert ledger.remaining("transactions", "acc-2", t) == 1
    assert ledger.remaining("balances", "acc-1", t) == 1


def test_ledger_forgets_calls_that_no_longer_count():
    from engine.budget import CallLedger, MeteredCall

    t = datetime.datetime(2026, 11, 26, 9, 0)
    ledger = CallLedger(CallBudget(4))
    ledger.record([MeteredCall("balances", "a", t - datetime.timedelta(days=2))])
    ledger.record([MeteredCall("balances", "a", t)])
    assert ledger.to_json() == {"balances|a": [t.isoformat()]}


def test_ledger_honours_the_wait_a_provider_asked_for():
    from engine.budget import CallLedger

    t = datetime.datetime(2026, 11, 26, 9, 0)
    ledger = CallLedger(CallBudget(4))
    later = t + datetime.timedelta(hours=3)
    assert ledger.next_slot([("transactions", "a")], t, blocked_until=later) == later


def test_ledger_survives_garbage_in_storage():
    from engine.budget import CallLedger

    ledger = CallLedger.from_json({"x|y": ["not a date", 5], "z": "nope"}, CallBudget(4))
    assert ledger.to_json() == {}
    assert CallLedger.from_json("garbage", CallBudget(4)).to_json() == {}
