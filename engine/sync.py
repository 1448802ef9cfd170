"""Sync planning and page reading: which dates to ask for, and what each page brings.

The Odoo layer owns the database and the commits; this module owns the decisions, so that
they are tested without a database:

- :func:`plan_window` decides the date window of a run: 7 days back on the first sync (a
  company setting), then from the last completed window's end minus an *overlap* (default
  3 days) so that transactions a bank books late, with a past booking date, are caught.
- :class:`SyncCursor` is what an account remembers between pages: the window, the next page
  token and the de-duplication counters. It is saved with every page's lines in one
  transaction, so a run killed between two pages resumes at the page it was reading, and a
  page is never half-imported.
- :class:`WindowReader` walks the pages of one window and tells, per page, which
  transactions are candidates for import (with their de-duplication key), which the
  account's direction filter dropped, which are still pending and which records were
  rejected as malformed. Whether a candidate already exists is the database's answer (the
  unique key per journal); the reader only removes repeats within the run.

What the reader guards against, because providers do it (each case has a fault-injection
scenario in ``engine_tests/test_fault_injection.py``):

- **A page served twice.** With ids, the keys repeat and the database skips them. Without ids
  (Kontomatik, a bank without ``entry_reference``) a repeated transaction would get the next
  occurrence number and look like a twin; so a page whose content (in order) equals an earlier
  page of the same pass is taken for a repeat as a whole. Limits: a page whose transactions are
  all identical to each other cannot be told from real twins, and is imported as twins if it
  comes again; two genuinely different pages with the same transactions in the same order
  (the same purchases repeated in the same order on one day, a page apart) would be taken for
  a repeat. Only the last :data:`MAX_SEEN_PAGES` pages are remembered.
- **A resumed window whose page token no longer works** (Enable Banking continuation keys belong
  to one session; a renewed consent brings another): the window is read again from its first
  page, with fresh occurrence counters; the keys make the re-read harmless.
- **A listing that changed between the interrupted run and the resumed one.** When occurrence
  counters are carried over (fingerprint keys), the resumed reader first reads the last page
  read again: if it changed (an offset-paged provider where a transaction was inserted before
  the token), the window is read again from its first page, since the saved counters no longer
  match the listing. With ids only, an insertion only repeats a transaction (the key skips it);
  a transaction *removed* before the token of an offset-paged provider would make the one after
  it slide onto a page already read: it is read by the next windows while their overlap reaches
  its date (Enable Banking pages a snapshot and Kontomatik and GoCardless do not page, so this
  concerns offset-paged adapters to come).
- **Pending transactions that book later**, under a new id, another amount, or another date:
  they are never imported while pending (by default), and the window's ``synced_until`` stops
  the day before the earliest pending transaction seen, so the next runs keep reading that day
  until it has booked, whatever date the bank books it with (at most
  :data:`PENDING_LOOKBACK_DAYS` back).

>>> import datetime
>>> plan_window(datetime.date(2026, 11, 26), None, first_sync_days=7, overlap_days=3)
SyncWindow(date_from=datetime.date(2026, 11, 19), date_to=datetime.date(2026, 11, 26))
>>> plan_window(datetime.date(2026, 11, 26), datetime.date(2026, 11, 25), overlap_days=3)
SyncWindow(date_from=datetime.date(2026, 11, 22), date_to=datetime.date(2026, 11, 26))
"""

import dataclasses
import datetime
import hashlib

from . import errors
from .dedup import KeyAssigner, fingerprint
from .i18n import _lt
from .records import BALANCE_TYPES

DIRECTION_ALL = "all"
DIRECTION_IN = "incoming"
DIRECTION_OUT = "outgoing"
DIRECTIONS = (DIRECTION_ALL, DIRECTION_IN, DIRECTION_OUT)

DEFAULT_FIRST_SYNC_DAYS = 7
DEFAULT_OVERLAP_DAYS = 3
#: A runaway provider that keeps sending next-page tokens must not loop forever.
MAX_PAGES_PER_WINDOW = 10_000
#: Page digests a cursor keeps to recognise a page served again (recent pages are the ones
#: providers repeat).
MAX_SEEN_PAGES = 64
#: How long a pending transaction holds the next windows back. Card schemes keep an
#: authorisation for at most 30 days (hotel and car-rental holds); an item pending longer is
#: not waited for [judgement: no provider documents a bound].
PENDING_LOOKBACK_DAYS = 35


@dataclasses.dataclass(frozen=True)
class SyncWindow:
    """Booking dates to read, both ends inclusive, in the bank's calendar."""

    date_from: datetime.date
    date_to: datetime.date

    def __post_init__(self):
        if self.date_from > self.date_to:
            raise ValueError(
                _lt(
                    "The sync window starts (%(start)s) after it ends (%(end)s).",
                    start=self.date_from,
                    end=self.date_to,
                )
            )


def plan_window(
    today,
    synced_until,
    *,
    first_sync_days=DEFAULT_FIRST_SYNC_DAYS,
    overlap_days=DEFAULT_OVERLAP_DAYS,
    max_history_days=None,
):
    """Return the :class:`SyncWindow` of the next run.

    :param today: the bank's current date (company time zone).
    :param synced_until: end date of the last completed window, ``None`` before the first.
    :param max_history_days: how far back the provider still serves data (Kontomatik: 90
        days after the first import); the window never starts earlier than that.
    """
    if first_sync_days < 0 or overlap_days < 0:
        raise ValueError(_lt("Sync day counts cannot be negative."))
    if synced_until is None:
        date_from = today - datetime.timedelta(days=first_sync_days)
    else:
        date_from = min(synced_until, today) - datetime.timedelta(days=overlap_days)
    if max_history_days is not None:
        date_from = max(date_from, today - datetime.timedelta(days=max_history_days))
    return SyncWindow(min(date_from, today), today)


@dataclasses.dataclass
class SyncCursor:
    """Where a sync of one account stands; stored as JSON on the account between pages.

    Besides the window, the next page token and the occurrence counters, it remembers what
    a resumed run needs to check that the provider still serves the same listing
    (``page_token`` and ``page_digest`` of the last page read), the digests of the pages read
    so far (``seen_pages``, to recognise a page served again) and the earliest pending date
    seen (``pending_since``). Cursors saved before these fields existed read as "unknown".
    """

    window: SyncWindow
    next_page: str | None = None
    key_state: dict = dataclasses.field(default_factory=dict)
    pages_done: int = 0
    page_token: str | None = None
    page_digest: str | None = None
    seen_pages: list = dataclasses.field(default_factory=list)
    pending_since: datetime.date | None = None

    def to_dict(self):
        return {
            "date_from": self.window.date_from.isoformat(),
            "date_to": self.window.date_to.isoformat(),
            "next_page": self.next_page,
            "key_state": dict(self.key_state),
            "pages_done": self.pages_done,
            "page_token": self.page_token,
            "page_digest": self.page_digest,
            "seen_pages": list(self.seen_pages),
            "pending_since": self.pending_since.isoformat() if self.pending_since else None,
        }

    @classmethod
    def from_dict(cls, value):
        """Rebuild a cursor saved by :meth:`to_dict`.

        :raise ValueError: the stored value is not a cursor (then the caller starts the
            window again: re-reading is always safe, the keys prevent duplicates).
        """
        try:
            window = SyncWindow(
                datetime.date.fromisoformat(value["date_from"]),
                datetime.date.fromisoformat(value["date_to"]),
            )
            key_state = value.get("key_state") or {}
            if not isinstance(key_state, dict) or not all(
                isinstance(count, int) for count in key_state.values()
            ):
                raise TypeError("key_state")
            seen_pages = value.get("seen_pages") or []
            if not isinstance(seen_pages, list) or not all(
                isinstance(digest, str) for digest in seen_pages
            ):
                raise TypeError("seen_pages")
            pending_since = value.get("pending_since")
            return cls(
                window,
                _optional_text(value, "next_page"),
                dict(key_state),
                int(value.get("pages_done") or 0),
                page_token=_optional_text(value, "page_token"),
                page_digest=_optional_text(value, "page_digest"),
                seen_pages=seen_pages[-MAX_SEEN_PAGES:],
                pending_since=datetime.date.fromisoformat(pending_since) if pending_since else None,
            )
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise ValueError(f"Unreadable sync cursor: {error}") from error


def _optional_text(value, name):
    text = value.get(name)
    if text is not None and not isinstance(text, str):
        raise TypeError(name)
    return text


@dataclasses.dataclass(frozen=True)
class PageOutcome:
    """What one provider page brings, after de-duplication keys and filters.

    ``candidates`` are ``(key, transaction)`` pairs to import unless the key already exists.
    ``cursor`` is the state to save together with this page's lines; ``None`` once the
    window is complete, and then ``synced_until`` is the date to store as the account's
    "synced until" (the window's end, or the day before the earliest transaction still
    pending: see the module docstring). ``restarted`` tells that the saved cursor could not
    be used and the window was read again from its first page (worth a line in the log).
    """

    candidates: tuple
    fetched: int
    filtered: int
    pending: int
    repeated: int
    rejected: tuple
    cursor: SyncCursor | None
    synced_until: datetime.date | None = None
    restarted: bool = False


def accepts_direction(direction, transaction):
    """Tell whether an account with ``direction`` filter imports ``transaction``."""
    if direction == DIRECTION_IN:
        return transaction.amount > 0
    if direction == DIRECTION_OUT:
        return transaction.amount < 0
    return True


class WindowReader:
    """Read one account's window page by page (see the module docstring).

    :param provider: a :class:`~.providers.base.Provider`.
    :param consent: the :class:`~.records.Consent` in use.
    :param account_id: the provider's id of the account.
    :param cursor: where to start; a fresh cursor for a new window, a saved one to resume.
    :param direction: one of :data:`DIRECTIONS`.
    :param include_pending: also offer pending transactions as candidates. A pending item's
        id often changes when it books, so this can import a transaction twice; the Odoo
        layer imports booked transactions only.
    """

    def __init__(
        self,
        provider,
        consent,
        account_id,
        cursor,
        *,
        direction=DIRECTION_ALL,
        include_pending=False,
    ):
        if direction not in DIRECTIONS:
            raise ValueError(f"Unknown direction filter {direction!r}.")
        self.provider = provider
        self.consent = consent
        self.account_id = account_id
        self.cursor = cursor
        self.direction = direction
        self.include_pending = include_pending
        self._keys = KeyAssigner(cursor.key_state)
        self._seen = set()
        self._seen_pages = list(cursor.seen_pages)
        self._pending_since = cursor.pending_since

    def pages(self):
        """Yield one :class:`PageOutcome` per provider page, until the window is complete.

        Provider errors propagate unchanged (typed, see :mod:`.errors`); the pages already
        yielded stay valid and the last yielded cursor is where a later run resumes.
        """
        cursor, restarted, page = self.cursor, False, None
        if cursor.next_page is not None:
            page = self._resumed_page(cursor)
            if page is None:
                cursor, restarted = self._restart(cursor.window), True
        while True:
            if cursor.pages_done >= MAX_PAGES_PER_WINDOW:
                raise errors.BadPayload(
                    _lt(
                        "The provider sent more than %(count)s pages for one window.",
                        count=MAX_PAGES_PER_WINDOW,
                    )
                )
            if page is None:
                page = self._fetch(cursor.window, cursor.next_page)
            outcome = self._outcome(page, cursor, restarted)
            page, restarted = None, False
            yield outcome
            if outcome.cursor is None:
                return
            cursor = outcome.cursor

    def _fetch(self, window, token):
        return self.provider.fetch_transactions(
            self.consent, self.account_id, window.date_from, window.date_to, page=token
        )

    def _resumed_page(self, cursor):
        """Return the page a saved cursor points at, or ``None`` to read the window again.

        ``None`` when the provider refuses the saved token (:class:`~.errors.BadPayload`:
        Enable Banking's ``WRONG_CONTINUATION_KEY``), or when occurrence counters were saved
        and the last page read no longer reads the same (the listing moved under the token).
        """
        try:
            if cursor.key_state and cursor.page_digest:
                again = self._fetch(cursor.window, cursor.page_token)
                if page_digest(again.transactions)[0] != cursor.page_digest:
                    return None
            return self._fetch(cursor.window, cursor.next_page)
        except errors.BadPayload:
            return None

    def _restart(self, window):
        self._keys = KeyAssigner()
        self._seen = set()
        self._seen_pages = []
        self._pending_since = None
        return SyncCursor(window)

    def _outcome(self, page, cursor, restarted):
        digest, recognisable = page_digest(page.transactions)
        repeated_page = recognisable and digest in self._seen_pages
        if recognisable and not repeated_page:
            self._seen_pages = (self._seen_pages + [digest])[-MAX_SEEN_PAGES:]
        candidates, filtered, pending, repeated = [], 0, 0, 0
        for transaction in page.transactions:
            if not transaction.is_booked:
                if self._pending_since is None or transaction.booking_date < self._pending_since:
                    self._pending_since = transaction.booking_date
                if not self.include_pending:
                    pending += 1
                    continue
            # Keys are assigned before filtering so that the occurrence counters do not
            # depend on the direction filter (changing it later must not renumber twins).
            # A page served again assigns none: its transactions were counted once already.
            key = None if repeated_page else self._keys.key_for(transaction)
            if not accepts_direction(self.direction, transaction):
                filtered += 1
                continue
            if key is None or key in self._seen:
                repeated += 1
                continue
            self._seen.add(key)
            candidates.append((key, transaction))
        if page.next_page and page.next_page == cursor.next_page:
            raise errors.BadPayload(_lt("The provider returned the same page token twice."))
        next_cursor = None
        if page.next_page:
            next_cursor = SyncCursor(
                window=cursor.window,
                next_page=page.next_page,
                key_state=self._keys.state(),
                pages_done=cursor.pages_done + 1,
                page_token=cursor.next_page,
                page_digest=digest,
                seen_pages=list(self._seen_pages),
                pending_since=self._pending_since,
            )
        return PageOutcome(
            candidates=tuple(candidates),
            fetched=len(page.transactions) + len(page.rejected),
            filtered=filtered,
            pending=pending,
            repeated=repeated,
            rejected=tuple(page.rejected),
            cursor=next_cursor,
            synced_until=None if next_cursor else self._synced_until(cursor.window),
            restarted=restarted,
        )

    def _synced_until(self, window):
        if self._pending_since is None:
            return window.date_to
        held = self._pending_since - datetime.timedelta(days=1)
        floor = window.date_to - datetime.timedelta(days=PENDING_LOOKBACK_DAYS)
        return max(min(held, window.date_to), floor)


def page_digest(transactions):
    """Return ``(digest, recognisable)`` of a page's content, in order.

    The digest covers what a repeated page repeats exactly (content fingerprint, provider id
    and status of every transaction). ``recognisable`` is False when the page cannot be told
    from real twins if it comes again: an empty page, or one whose transactions are all
    identical (two identical card payments are two payments).
    """
    contents = [fingerprint(transaction) for transaction in transactions]
    text = "\x1e".join(
        f"{content}\x1f{transaction.provider_id}\x1f{transaction.status}"
        for content, transaction in zip(contents, transactions, strict=True)
    )
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]
    return digest, len(set(contents)) > 1


def pick_balance(balances):
    """Return the balance a bookkeeper compares with the ledger, or ``None``.

    The booked balance (what the statement lines add up to) is preferred over the available
    one (which includes pending card payments and credit lines).
    """
    ranked = sorted(
        (b for b in balances if b.balance_type in BALANCE_TYPES),
        key=lambda b: BALANCE_TYPES.index(b.balance_type),
    )
    if ranked:
        return ranked[0]
    return balances[0] if balances else None
