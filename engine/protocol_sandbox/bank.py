"""The data every protocol of the sandbox serves: the Sandbox Bank, read thread-safely.

The three protocols show the *same* bank (:class:`~..providers.sandbox.SandboxBank`) in their
own wire formats, so a test can compare what each adapter makes of identical traffic.
"""

import datetime
import threading

from ..budget import CallBudget
from ..providers.sandbox import SandboxBank
from ..records import Consent

#: The Sandbox Bank's internal consent; the protocols manage their own consents around it.
_BANK_CONSENT = Consent("protocol-sandbox", None)


class BankData:
    """Accounts, balances and transactions of the Sandbox Bank, plus a clock and call meters.

    :param clock: callable returning naive UTC ``datetime``; ``None`` for the real clock.
        :meth:`set_now` overrides it (admin endpoint ``/_sandbox/clock``).
    :param with_transaction_ids: ``False`` serves a bank that gives transactions no id
        (Enable Banking's ``entry_reference`` is then null), to exercise fingerprint keys.
    """

    def __init__(self, *, seed="demo", clock=None, enforce_limits=True, with_transaction_ids=True):
        self._lock = threading.RLock()
        self._base_clock = clock
        self._fixed_now = None
        self.enforce_limits = enforce_limits
        self.bank = SandboxBank(
            {"seed": seed, "page_size": 10**9, "with_transaction_ids": with_transaction_ids},
            clock=self.now,
        )
        self._calls = {}
        self.budget = CallBudget(4)

    # -- Clock --------------------------------------------------------------------------------
    def now(self):
        if self._fixed_now is not None:
            return self._fixed_now
        if self._base_clock is not None:
            return self._base_clock()
        return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)

    def set_now(self, moment):
        with self._lock:
            self._fixed_now = moment
            self.bank._cache.clear()

    # -- Data ---------------------------------------------------------------------------------
    def accounts(self):
        with self._lock:
            return self.bank.list_accounts(_BANK_CONSENT)

    def account(self, remote_id):
        for account in self.accounts():
            if account.remote_id == remote_id:
                return account
        return None

    def balances(self, remote_id):
        with self._lock:
            return self.bank.fetch_balances(_BANK_CONSENT, remote_id)

    def script(self, remote_id, stages):
        """Script one more transaction on an account (see ``SandboxBank.add_scripted``)."""
        with self._lock:
            self.bank.add_scripted(remote_id, stages)

    def transactions(self, remote_id, date_from, date_to):
        """Every transaction (booked and pending) of the window, in booking order."""
        with self._lock:
            page = self.bank.fetch_transactions(_BANK_CONSENT, remote_id, date_from, date_to)
            return list(page.transactions)

    # -- Provider-side limits -----------------------------------------------------------------
    def meter(self, key):
        """Count one call for ``key``; return seconds to wait if over 4 per 24 h, else 0."""
        with self._lock:
            now = self.now()
            calls = self._calls.get(key, ())
            if self.enforce_limits and not self.budget.can_call(calls, now):
                wait = self.budget.next_slot(calls, now) - now
                return max(1, int(wait.total_seconds()))
            self._calls[key] = self.budget.record(calls, now)
            return 0

    def reset_meters(self):
        with self._lock:
            self._calls.clear()
