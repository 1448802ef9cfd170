import datetime
from decimal import Decimal

import pytest

from engine import errors
from engine.providers.sandbox import INSTITUTION_ID, SandboxBank
from engine.records import Balance, Transaction, TransactionPage
from engine.sync import (
    DIRECTION_IN,
    DIRECTION_OUT,
    SyncCursor,
    SyncWindow,
    WindowReader,
    pick_balance,
    plan_window,
)

NOW = datetime.datetime(2026, 11, 26, 12, 0)
TODAY = NOW.date()


def sandbox(**settings):
    settings.setdefault("seed", "demo")
    return SandboxBank(settings, clock=lambda: NOW)


def read_all(provider, cursor, **options):
    consent = provider.start_consent(INSTITUTION_ID).consent
    account = provider.list_accounts(consent)[0]
    reader = WindowReader(provider, consent, account.remote_id, cursor, **options)
    return list(reader.pages())


def fresh_cursor(days=7):
    return SyncCursor(plan_window(TODAY, None, first_sync_days=days))


def keys_of(outcomes):
    return [key for outcome in outcomes for key, _tx in outcome.candidates]


def test_first_sync_goes_back_the_configured_days():
    assert plan_window(TODAY, None, first_sync_days=30).date_from == datetime.date(2026, 10, 27)


def test_later_syncs_reread_the_overlap_window():
    window = plan_window(TODAY, datetime.date(2026, 11, 20), overlap_days=3)
    assert window == SyncWindow(datetime.date(2026, 11, 17), TODAY)


def test_window_never_reaches_past_what_the_provider_keeps():
    window = plan_window(TODAY, datetime.date(2026, 1, 1), max_history_days=90)
    assert window.date_from == TODAY - datetime.timedelta(days=90)


def test_window_never_starts_in_the_future():
    window = plan_window(TODAY, TODAY + datetime.timedelta(days=10), overlap_days=0)
    assert window == SyncWindow(TODAY, TODAY)


def test_negative_day_counts_are_refused():
    with pytest.raises(ValueError):
        plan_window(TODAY, None, first_sync_days=-1)


def test_cursor_survives_a_json_round_trip():
    cursor = SyncCursor(SyncWindow(TODAY, TODAY), "50", {"abc": 2}, 1)
    assert SyncCursor.from_dict(cursor.to_dict()) == cursor


@pytest.mark.parametrize(
    "stored",
    [
        {},
        {"date_from": "x", "date_to": "2026-01-01"},
        {"date_from": "2026-01-02", "date_to": "2026-01-01"},
        {"date_from": "2026-01-01", "date_to": "2026-01-01", "next_page": 5},
        {"date_from": "2026-01-01", "date_to": "2026-01-01", "key_state": {"a": "b"}},
        None,
    ],
)
def test_unreadable_cursor_is_refused(stored):
    with pytest.raises(ValueError):
        SyncCursor.from_dict(stored)


def test_reader_walks_every_page_and_ends_with_no_cursor():
    outcomes = read_all(sandbox(page_size=5), fresh_cursor())
    assert len(outcomes) > 2
    assert all(o.cursor is not None for o in outcomes[:-1]) and outcomes[-1].cursor is None
    assert len(keys_of(outcomes)) == len(set(keys_of(outcomes)))


def test_paging_does_not_change_what_is_imported():
    paged = read_all(sandbox(page_size=3), fresh_cursor())
    whole = read_all(sandbox(page_size=1000), fresh_cursor())
    assert keys_of(paged) == keys_of(whole)


def test_pending_transactions_are_counted_not_imported_by_default():
    outcomes = read_all(sandbox(), fresh_cursor())
    assert sum(o.pending for o in outcomes) > 0
    assert all(tx.is_booked for o in outcomes for _key, tx in o.candidates)
    with_pending = read_all(sandbox(), fresh_cursor(), include_pending=True)
    assert sum(o.pending for o in with_pending) == 0
    assert any(not tx.is_booked for o in with_pending for _key, tx in o.candidates)


def test_direction_filter_keeps_only_one_side_and_counts_the_rest():
    everything = read_all(sandbox(), fresh_cursor())
    incoming = read_all(sandbox(), fresh_cursor(), direction=DIRECTION_IN)
    outgoing = read_all(sandbox(), fresh_cursor(), direction=DIRECTION_OUT)
    assert all(tx.amount > 0 for o in incoming for _k, tx in o.candidates)
    assert all(tx.amount < 0 for o in outgoing for _k, tx in o.candidates)
    total = len(keys_of(everything))
    assert len(keys_of(incoming)) + len(keys_of(outgoing)) == total
    assert sum(o.filtered for o in incoming) == len(keys_of(outgoing))


def test_direction_filter_does_not_renumber_identical_twins():
    provider = sandbox(with_transaction_ids=False)
    cursor = SyncCursor(SyncWindow(datetime.date(2026, 1, 1), TODAY))
    everything = {key: tx for o in read_all(provider, cursor) for key, tx in o.candidates}
    outgoing = {
        key: tx
        for o in read_all(provider, SyncCursor(cursor.window), direction=DIRECTION_OUT)
        for key, tx in o.candidates
    }
    assert outgoing and all(everything[key] == tx for key, tx in outgoing.items())
    assert any(key.endswith(":2") for key in everything)


class FlakyProvider:
    """Wraps a provider; fails once when asked for the page after ``fail_after`` pages."""

    def __init__(self, provider, fail_after):
        self.provider = provider
        self.fail_after = fail_after
        self.calls = 0

    def fetch_transactions(self, *args, **kwargs):
        self.calls += 1
        if self.calls == self.fail_after + 1:
            raise errors.ProviderUnavailable("connection reset")
        return self.provider.fetch_transactions(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.provider, name)


def test_interrupted_window_resumes_from_the_saved_cursor_without_loss_or_repeat():
    base = sandbox(page_size=4, with_transaction_ids=False)
    expected = keys_of(read_all(base, fresh_cursor()))
    flaky = FlakyProvider(base, fail_after=2)
    imported, saved_cursor = [], fresh_cursor()
    with pytest.raises(errors.ProviderUnavailable):
        for outcome in read_all_lazy(flaky, saved_cursor):
            imported.extend(key for key, _tx in outcome.candidates)
            saved_cursor = outcome.cursor
    assert 0 < len(imported) < len(expected)
    resumed = SyncCursor.from_dict(saved_cursor.to_dict())
    for outcome in read_all_lazy(base, resumed):
        imported.extend(key for key, _tx in outcome.candidates)
    assert imported == expected


def read_all_lazy(provider, cursor):
    consent = provider.start_consent(INSTITUTION_ID).consent
    account = provider.list_accounts(consent)[0]
    yield from WindowReader(provider, consent, account.remote_id, cursor).pages()


class ScriptedProvider:
    """Serves pre-written pages: to test what the reader does with odd provider answers."""

    def __init__(self, pages):
        self.pages = pages

    def fetch_transactions(self, consent, account_id, date_from, date_to, page=None):
        return self.pages[page]


def tx(provider_id, amount="10.00"):
    return Transaction(provider_id, TODAY, Decimal(amount), "PLN", remittance=provider_id)


def test_transaction_repeated_on_the_next_page_is_offered_once():
    pages = {
        None: TransactionPage((tx("a"), tx("b")), "p2"),
        "p2": TransactionPage((tx("b"), tx("c"))),
    }
    reader = WindowReader(ScriptedProvider(pages), None, "acc", fresh_cursor())
    outcomes = list(reader.pages())
    assert keys_of(outcomes) == ["id:a", "id:b", "id:c"]
    assert outcomes[1].repeated == 1


def test_provider_looping_on_the_same_page_token_is_stopped():
    pages = {None: TransactionPage((tx("a"),), "p2"), "p2": TransactionPage((tx("b"),), "p2")}
    reader = WindowReader(ScriptedProvider(pages), None, "acc", fresh_cursor())
    with pytest.raises(errors.BadPayload, match="same page token"):
        list(reader.pages())


def test_rejected_records_are_reported_with_the_page():
    from engine.records import RejectedRecord

    bad = RejectedRecord("amount 'abc' is not a number", {"amount": "abc"})
    pages = {None: TransactionPage((tx("a"),), None, (bad,))}
    outcome = next(WindowReader(ScriptedProvider(pages), None, "acc", fresh_cursor()).pages())
    assert outcome.rejected == (bad,) and outcome.fetched == 2 and keys_of([outcome]) == ["id:a"]


def test_unknown_direction_is_refused():
    with pytest.raises(ValueError):
        WindowReader(ScriptedProvider({}), None, "acc", fresh_cursor(), direction="sideways")


def test_booked_balance_is_preferred_over_available():
    available = Balance("interimAvailable", Decimal(5), "PLN")
    booked = Balance("closingBooked", Decimal(7), "PLN")
    assert pick_balance([available, booked]) is booked
    assert pick_balance([Balance("weird", Decimal(1), "PLN")]).amount == 1
    assert pick_balance([]) is None


# -- Provider misbehaviour the reader absorbs ------------------------------------------------------
def card(name, amount="-12.99", day=TODAY, status="booked"):
    """A transaction without provider id (fingerprint key), like Kontomatik's."""
    return Transaction("", day, Decimal(amount), "PLN", counterparty_name=name, status=status)


class OffsetProvider:
    """Pages a mutable listing by offset, like most bank APIs; logs the tokens asked for."""

    def __init__(self, listing, size=2):
        self.listing = list(listing)
        self.size = size
        self.asked = []

    def fetch_transactions(self, consent, account_id, date_from, date_to, page=None):
        self.asked.append(page)
        if page not in (None, "") and not str(page).isdigit():
            raise errors.BadPayload("Wrong continuation key provided")
        start = int(page or 0)
        more = start + self.size < len(self.listing)
        return TransactionPage(
            tuple(self.listing[start : start + self.size]), str(start + self.size) if more else None
        )


def first_page_then_stop(provider, cursor=None):
    reader = WindowReader(provider, None, "acc", cursor or fresh_cursor())
    outcome = next(reader.pages())
    return outcome, SyncCursor.from_dict(outcome.cursor.to_dict())


def test_page_served_again_without_ids_creates_no_twins():
    pages = {
        None: TransactionPage((card("ZABKA"), card("ORLEN", "-250.00")), "p2"),
        "p2": TransactionPage((card("ZABKA"), card("ORLEN", "-250.00")), "p3"),
        "p3": TransactionPage((card("LIDL", "-80.10"),)),
    }
    outcomes = list(WindowReader(ScriptedProvider(pages), None, "acc", fresh_cursor()).pages())
    assert [key[-2:] for key in keys_of(outcomes)] == [":1", ":1", ":1"]
    assert outcomes[1].repeated == 2 and not outcomes[1].candidates


def test_page_served_again_after_an_interruption_creates_no_twins():
    pages = {
        None: TransactionPage((card("ZABKA"), card("ORLEN", "-250.00")), "p2"),
        "p2": TransactionPage((card("ZABKA"), card("ORLEN", "-250.00")), "p3"),
        "p3": TransactionPage((card("LIDL", "-80.10"),)),
    }
    first, saved = first_page_then_stop(ScriptedProvider(pages))
    resumed = list(WindowReader(ScriptedProvider(pages), None, "acc", saved).pages())
    assert len(keys_of([first])) == 2
    assert [key[-2:] for key in keys_of(resumed)] == [":1"]


def test_twins_split_over_two_pages_are_both_imported():
    pages = {
        None: TransactionPage((card("ORLEN", "-250.00"), card("ZABKA")), "p2"),
        "p2": TransactionPage((card("ZABKA"), card("LIDL", "-80.10"))),
    }
    keys = keys_of(WindowReader(ScriptedProvider(pages), None, "acc", fresh_cursor()).pages())
    assert len(set(keys)) == 4 and sorted(key[-2:] for key in keys) == [":1", ":1", ":1", ":2"]


def test_page_of_identical_payments_served_again_is_taken_for_twins():
    """The documented limit: such a page cannot be told from a run of real twins."""
    pages = {
        None: TransactionPage((card("ZABKA"), card("ZABKA")), "p2"),
        "p2": TransactionPage((card("ZABKA"), card("ZABKA"))),
    }
    keys = keys_of(WindowReader(ScriptedProvider(pages), None, "acc", fresh_cursor()).pages())
    assert [key[-2:] for key in keys] == [":1", ":2", ":3", ":4"]


def test_refused_page_token_on_resume_reads_the_window_again():
    provider = OffsetProvider([tx("a"), tx("b"), tx("c")])
    stale = SyncCursor(fresh_cursor().window, next_page="ck-of-an-ended-session", pages_done=1)
    outcomes = list(WindowReader(provider, None, "acc", stale).pages())
    assert outcomes[0].restarted and not outcomes[1].restarted
    assert keys_of(outcomes) == ["id:a", "id:b", "id:c"]
    assert provider.asked == ["ck-of-an-ended-session", None, "2"]


def test_listing_moved_before_the_resume_reads_the_window_again_with_fresh_counters():
    listing = [card("ORLEN", "-250.00"), card("ZABKA"), card("ZABKA"), card("LIDL", "-80.10")]
    provider = OffsetProvider(listing)
    first, saved = first_page_then_stop(provider)
    late = card("MEDIA EXPERT", "-410.00", day=TODAY - datetime.timedelta(days=2))
    provider.listing.insert(0, late)  # booked two days back, published after the first run
    resumed = list(WindowReader(provider, None, "acc", saved).pages())
    journal = set(keys_of([first])) | set(keys_of(resumed))
    truth = set(keys_of(WindowReader(provider, None, "acc", fresh_cursor()).pages()))
    assert resumed[0].restarted
    assert journal == truth and len(truth) == 5


def test_unchanged_listing_resumes_after_reading_the_last_page_once_more():
    listing = [card("ORLEN", "-250.00"), card("ZABKA"), card("ZABKA"), card("LIDL", "-80.10")]
    provider = OffsetProvider(listing)
    first, saved = first_page_then_stop(provider)
    provider.asked.clear()
    resumed = list(WindowReader(provider, None, "acc", saved).pages())
    assert provider.asked == [None, "2"]
    assert not resumed[0].restarted
    assert sorted(keys_of([first]) + keys_of(resumed)) == sorted(
        keys_of(WindowReader(provider, None, "acc", fresh_cursor()).pages())
    )


def test_resume_with_provider_ids_does_not_read_the_last_page_again():
    provider = OffsetProvider([tx("a"), tx("b"), tx("c")])
    _first, saved = first_page_then_stop(provider)
    provider.asked.clear()
    list(WindowReader(provider, None, "acc", saved).pages())
    assert provider.asked == ["2"]


# -- Pending transactions hold the window back -----------------------------------------------------
def test_window_is_synced_until_the_day_before_the_earliest_pending_transaction():
    pending_day = TODAY - datetime.timedelta(days=2)
    pages = {
        None: TransactionPage((tx("a"), card("HOTEL", "-400.00", pending_day, "pending")), "p2"),
        "p2": TransactionPage((card("ZABKA", day=TODAY, status="pending"), tx("b"))),
    }
    outcomes = list(WindowReader(ScriptedProvider(pages), None, "acc", fresh_cursor()).pages())
    assert outcomes[0].synced_until is None
    assert outcomes[-1].synced_until == pending_day - datetime.timedelta(days=1)
    assert plan_window(TODAY, outcomes[-1].synced_until, overlap_days=3).date_from < pending_day


def test_window_without_pending_transactions_is_synced_until_its_end():
    pages = {None: TransactionPage((tx("a"), tx("b")))}
    (outcome,) = WindowReader(ScriptedProvider(pages), None, "acc", fresh_cursor()).pages()
    assert outcome.synced_until == TODAY


def test_pending_transaction_seen_before_an_interruption_still_holds_the_window():
    pending_day = TODAY - datetime.timedelta(days=4)
    pages = {
        None: TransactionPage((card("HOTEL", "-400.00", pending_day, "pending"), tx("a")), "p2"),
        "p2": TransactionPage((tx("b"),)),
    }
    _first, saved = first_page_then_stop(ScriptedProvider(pages))
    (last,) = WindowReader(ScriptedProvider(pages), None, "acc", saved).pages()
    assert last.synced_until == pending_day - datetime.timedelta(days=1)


def test_a_pending_hold_from_long_ago_holds_the_window_back_35_days_at_most():
    old_hold = card("HOTEL", "-900.00", TODAY - datetime.timedelta(days=90), "pending")
    pages = {None: TransactionPage((old_hold, tx("a")))}
    (outcome,) = WindowReader(ScriptedProvider(pages), None, "acc", fresh_cursor()).pages()
    assert outcome.synced_until == TODAY - datetime.timedelta(days=35)


def test_cursor_with_every_field_survives_a_json_round_trip():
    cursor = SyncCursor(
        SyncWindow(TODAY, TODAY),
        "50",
        {"abc": 2},
        1,
        page_token="40",
        page_digest="d1",
        seen_pages=["d0", "d1"],
        pending_since=TODAY,
    )
    assert SyncCursor.from_dict(cursor.to_dict()) == cursor


def test_cursor_saved_by_an_older_version_still_resumes():
    old = {"date_from": "2026-11-19", "date_to": "2026-11-26", "next_page": "50", "pages_done": 1}
    cursor = SyncCursor.from_dict(old)
    assert (cursor.next_page, cursor.page_digest, cursor.seen_pages) == ("50", None, [])


@pytest.mark.parametrize(
    "extra",
    [{"seen_pages": "d1"}, {"seen_pages": [1]}, {"pending_since": "soon"}, {"page_token": 4}],
)
def test_cursor_with_unreadable_new_fields_is_refused(extra):
    stored = dict({"date_from": "2026-11-19", "date_to": "2026-11-26"}, **extra)
    with pytest.raises(ValueError):
        SyncCursor.from_dict(stored)
