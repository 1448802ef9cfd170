"""The fault-injection scenarios: each one a sequence of runs under one fault, on every bench
(:mod:`faultlab`) it applies to. ``test_fault_injection.py`` runs them as tests and
``bench/fault_report.py`` prints their figures; both end each scenario with
:meth:`faultlab.Bench.tally`, and any loss or duplicate fails.

Every scenario is played by :func:`play`, which ends it with the next morning's scheduled run
before comparing: a provider that pages a snapshot (Enable Banking takes its listing when the
first page is asked for) finishes a resumed window with the snapshot's transactions, and the
ones the bank published meanwhile are the next run's (its overlap reads them). That next run is
the steady state a user sees; it reaches back only the overlap (3 days), so a transaction lost
deeper in a 7-day first window still shows as lost.

A scenario also checks that its fault bit (the run failed with the typed error the provider's
answer maps to, a page did come twice...), so that a passing scenario cannot be one where the
fault never happened.
"""

import dataclasses
import datetime
import threading
import time

from faultlab import START, Hooks, ProcessKilled, ScenarioError, UniqueViolation

from engine import errors

DAY = START.date()
SCENARIOS = []


@dataclasses.dataclass(frozen=True)
class Scenario:
    """One scenario; ``applies(spec)`` decides from a :class:`faultlab.BenchSpec` (its
    ``code`` and ``http``) whether the fault exists for that provider."""

    name: str
    title: str
    run: object
    applies: object


def scenario(name, title, applies=lambda bench: True):
    def register(function):
        SCENARIOS.append(Scenario(name, title, function, applies))
        return function

    return register


def play(scenario, bench):
    """Run ``scenario`` on ``bench``, then the next morning's run; return the Tally."""
    scenario.run(bench)
    next_morning = bench.clock().date() + datetime.timedelta(days=1)
    bench.clock.moment = datetime.datetime.combine(next_morning, START.time())
    expect(bench.sync(), "success")
    return bench.tally()


def on_the_wire(bench):
    return bench.http


def expect(result, status, error_class=None):
    """Check how a run ended; return it."""
    if result.status != status or (error_class and not isinstance(result.error, error_class)):
        wanted = status + (f" with {error_class.__name__}" if error_class else "")
        raise ScenarioError(f"Expected a run {wanted}, got: {result}")
    return result


def fault_on_page(bench, page, arm):
    """Return hooks that arm a fault so that it hits page ``page`` of the next run.

    Single-page providers read a window in one call: their faults are armed at once.
    """
    if page <= 1 or not bench.multi_page:
        arm()
        return None
    return Hooks(after_write=lambda index: arm() if index == page - 1 else None)


def mid_window(bench):
    return 2 if bench.multi_page else 1


def kill_at(page):
    def kill(index):
        if index == page:
            raise ProcessKilled()

    return kill


# -- Scenarios -------------------------------------------------------------------------------------
@scenario("baseline", "three clean runs: first sync, same afternoon, next day")
def baseline(bench):
    for hours in (0, 3.5, 21):
        bench.clock.advance(hours=hours)
        expect(bench.sync(), "success")


@scenario("rate_limited", "429 with a wait time mid-window; next run after the wait")
def rate_limited(bench):
    def arm():
        bench.arm("rate_limited", retry_after=5400, times=1)

    failed = expect(
        bench.sync(fault_on_page(bench, mid_window(bench), arm)), "failed", errors.RateLimited
    )
    # Kontomatik's MultipleAccessLimitExceeded states no wait time.
    wanted = None if bench.code == "kontomatik" else 5400
    if failed.error.retry_after != wanted:
        raise ScenarioError(f"retry_after {failed.error.retry_after}, expected {wanted}")
    bench.clock.advance(seconds=failed.error.retry_after or 3 * 3600)
    expect(bench.sync(), "success")


@scenario("server_errors", "HTTP 500, 502 and 503 on three runs in a row, then a clean run")
def server_errors(bench):
    for status in (500, 502, 503):

        def arm(status=status):
            bench.arm("server_error", status=status, times=1)

        result = bench.sync(fault_on_page(bench, mid_window(bench), arm))
        expect(result, "failed", errors.ProviderUnavailable)
        bench.clock.advance(hours=1)
    expect(bench.sync(), "success")


@scenario("timeout", "an answer slower than the adapter's timeout", applies=on_the_wire)
def timeout(bench):
    expect(bench.sync(), "success")  # the bank's history for today is built: answers are quick
    bench.clock.advance(hours=3.5)
    bench.adapter_settings["timeout"] = 0.5

    def arm():
        bench.arm("slow", delay=1.5, times=1)

    failed = expect(
        bench.sync(fault_on_page(bench, mid_window(bench), arm)),
        "failed",
        errors.ProviderUnavailable,
    )
    if "did not answer" not in str(failed.error):
        raise ScenarioError(f"Not a timeout: {failed.error}")
    del bench.adapter_settings["timeout"]
    bench.clock.advance(hours=1)
    expect(bench.sync(), "success")


@scenario("connection_reset", "the connection reset without an answer", applies=on_the_wire)
def connection_reset(bench):
    def arm():
        bench.arm("connection_reset", times=1)

    result = bench.sync(fault_on_page(bench, mid_window(bench), arm))
    expect(result, "failed", errors.ProviderUnavailable)
    bench.clock.advance(hours=1)
    expect(bench.sync(), "success")


@scenario("malformed_page", "HTTP 200 with an HTML (or broken XML) body instead of the page")
def malformed_page(bench):
    def arm():
        bench.arm("malformed", on="result", times=1)

    expect(bench.sync(fault_on_page(bench, mid_window(bench), arm)), "failed", errors.BadPayload)
    bench.clock.advance(hours=1)
    expect(bench.sync(), "success")


@scenario("truncated_page", "HTTP 200 with the page cut in half", applies=on_the_wire)
def truncated_page(bench):
    def arm():
        bench.arm("truncated", on="result", times=1)

    expect(bench.sync(fault_on_page(bench, mid_window(bench), arm)), "failed", errors.BadPayload)
    bench.clock.advance(hours=1)
    expect(bench.sync(), "success")


@scenario("page_served_twice", "a page of transactions served twice in one pass")
def page_served_twice(bench):
    if bench.code == "enablebanking":
        bench.arm("duplicate_page", times=1)  # the sandbox repeats a page under a fresh key
    else:
        bench.arm_around_adapter("duplicate_page", times=1)  # no paging on the wire
    result = expect(bench.sync(), "success")
    if not result.repeated:
        raise ScenarioError("No transaction was seen twice: the page was not repeated.")
    bench.clock.advance(hours=21)
    expect(bench.sync(), "success")


@scenario(
    "unstable_transaction_id",
    "transaction_id changes on every read (entry_reference stays)",
    applies=lambda bench: bench.code == "enablebanking",
)
def unstable_transaction_id(bench):
    adapter = bench.adapter()
    reads = [
        adapter.fetch_transactions(bench.consent, bench.account.remote_id, DAY, DAY)
        for _read in range(2)
    ]
    first, second = ({t.raw["transaction_id"] for t in page.transactions} for page in reads)
    if not first or first & second:
        raise ScenarioError("transaction_id did not change between two reads.")
    for hours in (0, 1, 23):
        bench.clock.advance(hours=hours)
        expect(bench.sync(), "success")


def pending_stages(pending_id, booked_id, name, title, pending, booked):
    """Stages of a card payment: ``pending``/``booked`` are ``(from, date, amount)``."""
    stages = [
        {
            "from": pending[0],
            "status": "pending",
            "id": pending_id,
            "booking_date": pending[1],
            "amount": pending[2],
            "name": name,
            "title": title,
        }
    ]
    if booked is None:
        stages.append({"from": pending[0] + datetime.timedelta(days=2), "status": "gone"})
    else:
        stages.append(dict(stages[0], status="booked", id=booked_id, **_stage(booked)))
    return stages


def _stage(values):
    moment, day, amount = values
    return {"from": moment, "booking_date": day, "amount": amount}


@scenario(
    "pending_then_booked",
    "pending payments booked days later under a new id, amount and date; one released",
)
def pending_then_booked(bench):
    one_day = datetime.timedelta(days=1)
    at_five = datetime.time(5, 0)
    if bench.code == "kontomatik":
        # Kontomatik lists no pending items (its fixtures only show DONE), so nothing tells
        # the engine to look back: only the overlap setting can reach a booking dated five
        # days back. Documented limit; the company setting shown at work.
        bench.settings = dataclasses.replace(bench.settings, overlap_days=7)
    bench.script(
        pending_stages(
            "SBXPEND1",
            "SBXBOOK1",
            "JETBRAINS S.R.O. PRAHA",
            f"Płatność kartą {DAY:%d.%m.%Y} Nr karty 4246 xxxx xxxx 5521",
            (START - datetime.timedelta(hours=2), DAY, "-120.00"),
            (datetime.datetime.combine(DAY + one_day, at_five), DAY + one_day, "-118.37"),
        )
    )
    bench.script(
        pending_stages(
            "SBXPEND2",
            "SBXBOOK2",
            "HOTEL BRISTOL WARSZAWA",
            f"Płatność kartą {DAY - one_day:%d.%m.%Y} Nr karty 4246 xxxx xxxx 5521",
            (START - datetime.timedelta(hours=15), DAY - one_day, "-450.00"),
            # Booked five days later with the day of the stay: older than the overlap.
            (datetime.datetime.combine(DAY + 4 * one_day, at_five), DAY - one_day, "-432.18"),
        )
    )
    bench.script(
        pending_stages(
            "SBXPEND3",
            None,
            "ORLEN STACJA NR 4410 WARSZAWA",
            "Preautoryzacja dystrybutor 4",
            (START - datetime.timedelta(hours=3), DAY, "-300.00"),
            None,
        )
    )
    for days in (0, 1, 1, 1, 2):
        bench.clock.advance(days=days)
        expect(bench.sync(), "success")


@scenario("maintenance_window", "the bank down for six hours, from the middle of a run")
def maintenance_window(bench):
    def arm():
        bench.arm("server_error", on="any", status=503)  # until cleared

    result = bench.sync(fault_on_page(bench, mid_window(bench), arm))
    expect(result, "failed", errors.ProviderUnavailable)
    bench.clock.advance(hours=3)
    expect(bench.sync(), "failed", errors.ProviderUnavailable)
    bench.clock.advance(hours=3)
    bench.clear_faults()
    expect(bench.sync(), "success")


@scenario("consent_expired_mid_sync", "the consent expires mid-window; renewed, sync again")
def consent_expired_mid_sync(bench):
    def arm():
        bench.arm("consent_expired", times=1)

    result = bench.sync(fault_on_page(bench, mid_window(bench), arm))
    expect(result, "failed", errors.ConsentExpired)
    bench.clock.advance(hours=2)
    bench.renew_consent()
    resumed = expect(bench.sync(), "success")
    if bench.code == "enablebanking" and not resumed.restarted:
        raise ScenarioError("The old session's continuation key was used without a restart.")
    bench.clock.advance(hours=20)
    expect(bench.sync(), "success")


def late_transfer(moment):
    """A customer transfer booked two days back, published now (what the overlap is for)."""
    day = moment.date() - datetime.timedelta(days=2)
    return [
        {
            "from": moment,
            "status": "booked",
            "id": "SBXLATE1",
            "booking_date": day,
            "amount": "2460.00",
            "name": "POLMET S.A.",
            "iban": "PL27124000013172850123456789",
            "title": "FV/2026/02/0117",
            "kind": "transfer_in",
        }
    ]


@scenario(
    "killed_between_pages",
    "the worker killed after a page, then before one; a late booking lands in between",
)
def killed_between_pages(bench):
    if bench.multi_page:
        killed = expect(bench.sync(Hooks(after_write=kill_at(3))), "killed")
        if killed.pages != 3 or killed.window_done:
            raise ScenarioError(f"The kill did not fall between two pages: {killed}")
    else:
        expect(bench.sync(Hooks(before_write=kill_at(1))), "killed")
    bench.clock.advance(hours=4)
    bench.script(late_transfer(bench.clock()))
    if bench.multi_page:
        expect(bench.sync(Hooks(before_write=kill_at(1))), "killed")
    else:
        expect(bench.sync(Hooks(after_write=kill_at(1))), "killed")
    bench.clock.advance(minutes=30)
    expect(bench.sync(), "success")
    bench.clock.advance(hours=20)
    expect(bench.sync(), "success")


@scenario("two_syncs_at_once", "a second sync of the account starts while one runs")
def two_syncs_at_once(bench):
    bench.arm("slow", delay=0.5, times=1)
    results = {}
    first = threading.Thread(target=lambda: results.setdefault("first", bench.sync()))
    first.start()
    deadline = time.monotonic() + 10
    while not bench.journal.is_locked() and time.monotonic() < deadline:
        time.sleep(0.005)
    results["second"] = bench.sync()
    first.join(timeout=30)
    expect(results["second"], "skipped")
    expect(results["first"], "success")
    bench.clock.advance(hours=21)
    expect(bench.sync(), "success")


@scenario(
    "unlocked_concurrent_syncs",
    "two syncs at once without the lock: the unique key alone stops the duplicates",
)
def unlocked_concurrent_syncs(bench):
    both_read = threading.Barrier(2, timeout=20)
    hooks = Hooks(before_write=lambda index: both_read.wait() if index == 1 else None)
    results = []
    threads = [
        threading.Thread(target=lambda: results.append(bench.sync(hooks, use_lock=False)))
        for _thread in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    statuses = sorted(result.status for result in results)
    failed = [result for result in results if result.status == "failed"]
    if statuses != ["failed", "success"] or not isinstance(failed[0].error, UniqueViolation):
        raise ScenarioError(f"Expected one run refused by the unique key, got {results}")
    bench.clock.advance(hours=1)
    expect(bench.sync(), "success")


@scenario(
    "daily_limit",
    "the provider's four calls a day used up; the refused run waits for the next slot",
    applies=on_the_wire,
)
def daily_limit(bench):
    bench.server.data.enforce_limits = True
    successes = 0
    while successes < 6:
        result = bench.sync()
        if result.status != "success":
            break
        successes += 1
        bench.clock.advance(hours=2)
    expect(result, "failed", errors.RateLimited)
    # Kontomatik counts imports per consent, and the consent's first import was one.
    allowed = 3 if bench.code == "kontomatik" else 4
    if successes != allowed:
        raise ScenarioError(f"{successes} runs before the limit, expected {allowed}")
    wait = result.error.retry_after
    if wait is None:
        bench.clock.moment = START + datetime.timedelta(days=1, minutes=1)
    else:
        bench.clock.advance(seconds=wait)
    expect(bench.sync(), "success")
