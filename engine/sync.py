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

>>> import datetime
>>> plan_window(datetime.date(2026, 11, 26), None, first_sync_days=7, overlap_days=3)
SyncWindow(date_from=datetime.date(2026, 11, 19), date_to=datetime.date(2026, 11, 26))
>>> plan_window(datetime.date(2026, 11, 26), datetime.date(2026, 11, 25), overlap_days=3)
SyncWindow(date_from=datetime.date(2026, 11, 22), date_to=datetime.date(2026, 11, 26))
"""

import dataclasses
import datetime

from . import errors
from .dedup import KeyAssigner
from .records import BALANCE_TYPES

DIRECTION_ALL = "all"
DIRECTION_IN = "incoming"
DIRECTION_OUT = "outgoing"
DIRECTIONS = (DIRECTION_ALL, DIRECTION_IN, DIRECTION_OUT)

DEFAULT_FIRST_SYNC_DAYS = 7
DEFAULT_OVERLAP_DAYS = 3
#: A runaway provider that keeps sending next-page tokens must not loop forever.
MAX_PAGES_PER_WINDOW = 10_000


@dataclasses.dataclass(frozen=True)
class SyncWindow:
    """Booking dates to read, both ends inclusive, in the bank's calendar."""

    date_from: datetime.date
    date_to: datetime.date

    def __post_init__(self):
        if self.date_from > self.date_to:
            raise ValueError(
                f"The sync window starts ({self.date_from}) after it ends ({self.date_to})."
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
        raise ValueError("Sync day counts cannot be negative.")
    if synced_until is None:
        date_from = today - datetime.timedelta(days=first_sync_days)
    else:
        date_from = min(synced_until, today) - datetime.timedelta(days=overlap_days)
    if max_history_days is not None:
        date_from = max(date_from, today - datetime.timedelta(days=max_history_days))
    return SyncWindow(min(date_from, today), today)


@dataclasses.dataclass
class SyncCursor:
    """Where a sync of one account stands; stored as JSON on the account between pages."""

    window: SyncWindow
    next_page: str | None = None
    key_state: dict = dataclasses.field(default_factory=dict)
    pages_done: int = 0

    def to_dict(self):
        return {
            "date_from": self.window.date_from.isoformat(),
            "date_to": self.window.date_to.isoformat(),
            "next_page": self.next_page,
            "key_state": dict(self.key_state),
            "pages_done": self.pages_done,
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
            next_page = value.get("next_page")
            key_state = value.get("key_state") or {}
            if next_page is not None and not isinstance(next_page, str):
                raise TypeError("next_page")
            if not isinstance(key_state, dict) or not all(
                isinstance(count, int) for count in key_state.values()
            ):
                raise TypeError("key_state")
            return cls(window, next_page, dict(key_state), int(value.get("pages_done") or 0))
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise ValueError(f"Unreadable sync cursor: {error}") from error


@dataclasses.dataclass(frozen=True)
class PageOutcome:
    """What one provider page brings, after de-duplication keys and filters.

    ``candidates`` are ``(key, transaction)`` pairs to import unless the key already exists.
    ``cursor`` is the state to save together with this page's lines; ``None`` once the
    window is complete.
    """

    candidates: tuple
    fetched: int
    filtered: int
    pending: int
    repeated: int
    rejected: tuple
    cursor: SyncCursor | None


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
    :param include_pending: also offer pending transactions as candidates.
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

    def pages(self):
        """Yield one :class:`PageOutcome` per provider page, until the window is complete.

        Provider errors propagate unchanged (typed, see :mod:`.errors`); the pages already
        yielded stay valid and the last yielded cursor is where a later run resumes.
        """
        cursor = self.cursor
        while True:
            if cursor.pages_done >= MAX_PAGES_PER_WINDOW:
                raise errors.BadPayload(
                    f"The provider sent more than {MAX_PAGES_PER_WINDOW} pages for one window."
                )
            page = self.provider.fetch_transactions(
                self.consent,
                self.account_id,
                cursor.window.date_from,
                cursor.window.date_to,
                page=cursor.next_page,
            )
            outcome = self._outcome(page, cursor)
            yield outcome
            if outcome.cursor is None:
                return
            cursor = outcome.cursor

    def _outcome(self, page, cursor):
        candidates, filtered, pending, repeated = [], 0, 0, 0
        for transaction in page.transactions:
            if not transaction.is_booked and not self.include_pending:
                pending += 1
                continue
            # Keys are assigned before filtering so that the occurrence counters do not
            # depend on the direction filter (changing it later must not renumber twins).
            key = self._keys.key_for(transaction)
            if not accepts_direction(self.direction, transaction):
                filtered += 1
                continue
            if key in self._seen:
                repeated += 1
                continue
            self._seen.add(key)
            candidates.append((key, transaction))
        if page.next_page and page.next_page == cursor.next_page:
            raise errors.BadPayload("The provider returned the same page token twice.")
        next_cursor = None
        if page.next_page:
            next_cursor = SyncCursor(
                window=cursor.window,
                next_page=page.next_page,
                key_state=self._keys.state(),
                pages_done=cursor.pages_done + 1,
            )
        return PageOutcome(
            candidates=tuple(candidates),
            fetched=len(page.transactions) + len(page.rejected),
            filtered=filtered,
            pending=pending,
            repeated=repeated,
            rejected=tuple(page.rejected),
            cursor=next_cursor,
        )


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
