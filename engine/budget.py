"""Daily call budgets per (account, scope): how many unattended calls are left, and when.

PSD2 lets an AISP read an account without the holder present at most four times in 24 hours
(Delegated Regulation (EU) 2018/389, art. 36(5)); GoCardless enforces exactly that since
10 March 2025 "per account_id per access scope (details, balances, transactions)" over a
**rolling** 24-hour window (GoCardless' notice quoted in TampereHacklab/mulysa#497;
actualbudget/actual#4854 observed that the window rolls and does not reset at midnight).
Kontomatik allows "at most 4 imports per 24 h" per multiple-access consent
(developer.kontomatik.com, "Account Information Service (Multiple Access)"). Both count a
rolling window, so :data:`ROLLING` is the default; :data:`CALENDAR_DAY` exists for banks that
reset at midnight (UTC here: pass the bank's local midnight through ``now`` if needed).

The budget is pure: the Odoo layer persists the timestamps of the calls it made (naive UTC,
as Odoo stores datetimes) and asks this module what is left. Providers report the calls they
made through :attr:`~.providers.base.Provider.metered_calls`.

>>> import datetime
>>> budget = CallBudget(4)
>>> t = datetime.datetime(2026, 11, 26, 9, 0)
>>> calls = [t, t.replace(hour=12), t.replace(hour=15), t.replace(hour=18)]
>>> budget.remaining(calls, t.replace(hour=19))
0
>>> budget.next_slot(calls, t.replace(hour=19))
datetime.datetime(2026, 11, 27, 9, 0)
>>> budget.remaining(calls, datetime.datetime(2026, 11, 27, 9, 0))
1
"""

import dataclasses
import datetime

ROLLING = "rolling"
CALENDAR_DAY = "calendar_day"
WINDOW_MODES = (ROLLING, CALENDAR_DAY)

#: Scope names as GoCardless calls them; the other providers map onto these.
SCOPE_DETAILS = "details"
SCOPE_BALANCES = "balances"
SCOPE_TRANSACTIONS = "transactions"
#: Kontomatik meters one thing: a ``default-import`` command, per consent.
SCOPE_IMPORT = "import"


@dataclasses.dataclass(frozen=True)
class MeteredCall:
    """One call a provider made that counts against a budget.

    ``key`` is what the limit is counted per: the provider's account id for per-account
    limits, the consent id for per-consent ones (Kontomatik).
    """

    scope: str
    key: str
    at: datetime.datetime


@dataclasses.dataclass(frozen=True)
class CallBudget:
    """At most ``limit`` calls per ``window`` (``None`` limit: unlimited).

    :param mode: :data:`ROLLING` (any ``window``-long span) or :data:`CALENDAR_DAY` (calls
        since the last midnight of ``now``; ``window`` is then ignored).
    """

    limit: int | None
    window: datetime.timedelta = datetime.timedelta(hours=24)
    mode: str = ROLLING

    def __post_init__(self):
        if self.mode not in WINDOW_MODES:
            raise ValueError(f"Unknown budget window mode {self.mode!r}.")
        if self.limit is not None and self.limit < 0:
            raise ValueError("A call budget cannot be negative.")

    def counted(self, calls, now):
        """Return the calls of ``calls`` that still count at ``now``, oldest first."""
        start = self._window_start(now)
        return sorted(call for call in calls if start <= call <= now)

    def remaining(self, calls, now):
        """Return how many calls are still allowed at ``now`` (``None``: unlimited)."""
        if self.limit is None:
            return None
        return max(0, self.limit - len(self.counted(calls, now)))

    def can_call(self, calls, now, *, blocked_until=None):
        """Tell whether a call may be made at ``now``.

        :param blocked_until: the moment a provider's 429 told us to wait for
            (``now + RateLimited.retry_after``); it wins over our own count, since the
            provider may count calls we do not know about (another application, the bank).
        """
        return self.next_slot(calls, now, blocked_until=blocked_until) <= now

    def next_slot(self, calls, now, *, blocked_until=None):
        """Return the first moment at or after ``now`` when a call is allowed."""
        slot = now
        if self.limit is not None:
            counted = self.counted(calls, now)
            excess = len(counted) - self.limit
            if excess >= 0:
                if self.mode == ROLLING:
                    # The oldest calls must leave the window until one place is free.
                    slot = counted[excess] + self.window
                else:
                    slot = datetime.datetime.combine(
                        now.date() + datetime.timedelta(days=1), datetime.time()
                    )
        if blocked_until is not None and blocked_until > slot:
            slot = blocked_until
        return slot

    def record(self, calls, now):
        """Return ``calls`` plus a call at ``now``, without the ones that no longer count.

        The result is what the Odoo layer stores: it never grows beyond ``limit`` plus the
        calls of the current window.
        """
        return tuple(self.counted(calls, now)) + (now,)

    def _window_start(self, now):
        if self.mode == CALENDAR_DAY:
            return datetime.datetime.combine(now.date(), datetime.time())
        # A call exactly ``window`` ago has just left the window.
        return now - self.window + datetime.timedelta(microseconds=1)


def budget_for(provider_class):
    """Return the :class:`CallBudget` a provider class declares (``daily_call_limit``)."""
    return CallBudget(provider_class.daily_call_limit, mode=provider_class.budget_window)


class CallLedger:
    """The calls made under one connection, per (scope, key), as the Odoo layer stores them.

    Stored as a JSON dict ``{"<scope>|<key>": ["<ISO moment>", ...]}``; only calls that still
    count are kept, so it stays a few dozen entries.

    >>> ledger = CallLedger(CallBudget(2))
    >>> t = datetime.datetime(2026, 11, 26, 9, 0)
    >>> ledger.record([MeteredCall("transactions", "acc-1", t)])
    >>> ledger.record([MeteredCall("transactions", "acc-1", t.replace(hour=10))])
    >>> ledger.remaining("transactions", "acc-1", t.replace(hour=11))
    0
    >>> ledger.next_slot([("transactions", "acc-1"), ("balances", "acc-1")], t.replace(hour=11))
    datetime.datetime(2026, 11, 27, 9, 0)
    >>> restored = CallLedger.from_json(ledger.to_json(), CallBudget(2))
    >>> restored.remaining("transactions", "acc-1", t.replace(hour=11))
    0
    """

    def __init__(self, budget, history=None):
        self.budget = budget
        self._history = {key: list(moments) for key, moments in (history or {}).items()}

    @classmethod
    def from_json(cls, value, budget):
        """Rebuild a ledger stored by :meth:`to_json`; unreadable entries are dropped."""
        history = {}
        for key, moments in (value or {}).items() if isinstance(value, dict) else ():
            parsed = []
            for moment in moments if isinstance(moments, list) else ():
                try:
                    parsed.append(datetime.datetime.fromisoformat(moment))
                except (TypeError, ValueError):
                    continue
            history[str(key)] = parsed
        return cls(budget, history)

    def to_json(self):
        return {
            key: [moment.isoformat() for moment in moments]
            for key, moments in self._history.items()
            if moments
        }

    def record(self, calls):
        """Add the provider's metered calls (``MeteredCall`` records)."""
        for call in calls:
            slot = f"{call.scope}|{call.key}"
            self._history[slot] = list(self.budget.record(self._history.get(slot, ()), call.at))

    def remaining(self, scope, key, now):
        return self.budget.remaining(self._history.get(f"{scope}|{key}", ()), now)

    def next_slot(self, scope_keys, now, *, blocked_until=None):
        """First moment at or after ``now`` when every ``(scope, key)`` has a call left."""
        slot = now
        for scope, key in scope_keys:
            calls = self._history.get(f"{scope}|{key}", ())
            slot = max(slot, self.budget.next_slot(calls, now, blocked_until=blocked_until))
        if blocked_until is not None:
            slot = max(slot, blocked_until)
        return slot
