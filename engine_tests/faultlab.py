"""Fault-injection bench: full bank syncs under injected faults, and what they lost or doubled.

A *bench* is one connected bank account of one provider: Enable Banking, GoCardless or
Kontomatik through the local protocol sandbox (real HTTP, real adapters), or the embedded
Sandbox Bank called directly. It has

- a clock shared by the bank and the adapter, so that runs happen hours or days apart;
- a :class:`Journal` that applies the Odoo layer's semantics exactly (``models/
  psd2_bank_account.py``: ``_psd2_sync``, ``_psd2_read_transactions``,
  ``_psd2_import_candidates``; ``account_bank_statement_line.py``): one line per key and
  journal (the database's unique constraint), each page's lines written together with the
  cursor after it, both or neither, a failed page not written, the next run resuming from the
  saved cursor (JSON, as stored) with a new provider instance and a new reader, and an account
  lock that makes a second concurrent run skip (the PostgreSQL advisory lock);
- faults in the protocol sandbox's vocabulary (``engine/protocol_sandbox/README.md``): on the
  wire for the HTTP providers (``server.arm_fault``), or applied around any adapter by
  :class:`FaultyProvider` where there is no wire (the embedded bank) or the wire has no such
  fault (a single-page provider serving its page twice).

:meth:`Bench.tally` then compares the journal with the bank: every booked transaction the bank
lists at the final clock, with a booking date inside the windows whose last page was written
(by whichever run), must be
in the journal exactly once. Identity is the bank's content (booking date, amount, currency,
counterparty, its account, title) counted as a multiset, so identical twins are two
transactions; the engine's keys, which are under test, are not used.
"""

import collections
import dataclasses
import datetime
import functools
import json
import threading
import time
import uuid
from urllib.parse import parse_qsl, urlsplit

import requests

from engine import errors, schedule
from engine.accounts import relink
from engine.jwt import load_private_key
from engine.protocol_sandbox import start_sandbox_server
from engine.protocol_sandbox.enablebanking import sandbox_private_key
from engine.protocol_sandbox.faults import KINDS as FAULT_KINDS
from engine.protocol_sandbox.faults import FaultBoard
from engine.providers import get_provider_class
from engine.providers.sandbox import EPOCH, INSTITUTION_ID, SandboxBank
from engine.records import Consent, RejectedRecord
from engine.sync import DIRECTION_ALL, SyncCursor, WindowReader, plan_window

#: First run of every scenario: Tuesday 10 March 2026, 11:45 in Warsaw (a scheduled sync time).
START = datetime.datetime(2026, 3, 10, 10, 45)
TIME_ZONE = "Europe/Warsaw"
CALLBACK = "http://127.0.0.1:8069/account_bank_psd2/callback"
SEED = "faultlab"
#: Small pages, so that a first window (7 days, about 40 transactions) spans several pages.
PAGE_SIZE = 10


class ProcessKilled(BaseException):
    """The worker died (SIGKILL, OOM, time limit): nothing after this point runs.

    A ``BaseException`` so that no ``except Exception`` in the code under test catches it.
    """


class UniqueViolation(Exception):
    """The database refused a line: ``UNIQUE(journal_id, psd2_dedup_key)``."""


class ScenarioError(AssertionError):
    """A scenario did not go as written (a fault did not bite, a run did not fail)."""


class Clock:
    """The moment (naive UTC) both the bank and the adapters see."""

    def __init__(self, moment=START):
        self.moment = moment

    def __call__(self):
        return self.moment

    def advance(self, **delta):
        self.moment += datetime.timedelta(**delta)


# -- The Odoo layer, in memory ---------------------------------------------------------------------
class Journal:
    """One bank journal's statement lines and its account's sync position."""

    def __init__(self, currency="PLN"):
        self.currency = currency
        self.lines = {}
        self.sync_cursor = None
        self.synced_until = None
        self._database = threading.Lock()
        self._advisory_lock = threading.Lock()

    def existing_keys(self, keys):
        """What ``_psd2_import_candidates`` finds with its search (committed lines only)."""
        with self._database:
            return {key for key in keys if key in self.lines}

    def write_page(self, lines, cursor, synced_until):
        """One database transaction: the page's lines and the account's position, or nothing.

        :param cursor: the cursor dict to store, ``None`` once the window is complete (then
            ``synced_until`` is stored too).
        :raise UniqueViolation: a line's key is already in the journal; nothing is written.
        """
        stored = json.loads(json.dumps(cursor)) if cursor is not None else None
        with self._database:
            keys = [key for key, _transaction in lines]
            if len(set(keys)) != len(keys) or any(key in self.lines for key in keys):
                raise UniqueViolation("duplicate key value violates psd2_dedup_key_unique")
            self.lines.update(lines)
            self.sync_cursor = stored
            if cursor is None:
                self.synced_until = synced_until

    def try_lock(self):
        return self._advisory_lock.acquire(blocking=False)

    def unlock(self):
        self._advisory_lock.release()

    def is_locked(self):
        return self._advisory_lock.locked()


@dataclasses.dataclass
class Hooks:
    """Points where a scenario acts during a run: after page ``i`` is read and checked
    against the journal but before it is written, and after it is written (1-based)."""

    before_write: object = None
    after_write: object = None

    def call(self, name, index):
        hook = getattr(self, name)
        if hook is not None:
            hook(index)


@dataclasses.dataclass
class RunResult:
    """How one run went, as the sync log records it."""

    status: str = "success"
    error: Exception | None = None
    window: object = None
    pages: int = 0
    created: int = 0
    repeated: int = 0
    restarted: bool = False
    #: The window's last page was written (the run may still fail or die afterwards).
    window_done: bool = False
    #: Records the run could not import, with a reason (the sync log's rejected lines).
    rejected: list = dataclasses.field(default_factory=list)

    def __str__(self):
        error = f" ({type(self.error).__name__}: {self.error})" if self.error else ""
        return f"{self.status}{error}, {self.pages} pages, {self.created} created"


@dataclasses.dataclass(frozen=True)
class SyncSettings:
    """The company's sync settings (``res.company``)."""

    first_sync_days: int = 7
    overlap_days: int = 3
    direction: str = DIRECTION_ALL
    #: ``True`` writes ``synced_until = window end`` as the Odoo layer does before it switches
    #: to ``PageOutcome.synced_until`` (kept to show what that switch fixes).
    legacy_synced_until: bool = False


def run_sync(journal, provider, consent, account_id, now, settings, hooks=None, use_lock=True):
    """One sync run of one account, with the Odoo layer's semantics; never raises.

    Mirrors ``psd2.bank.account._psd2_sync``: take the account lock or skip; resume from the
    saved cursor or plan a new window; per page, create the lines whose key the journal lacks
    (in the journal's currency) and write them with the next cursor; then refresh the balance.
    A provider error (or any error) ends the run as failed, with the pages already written
    kept; a kill ends it where it stands.
    """
    hooks = hooks or Hooks()
    if use_lock and not journal.try_lock():
        return RunResult("skipped")
    result = RunResult()
    try:
        cursor = None
        if journal.sync_cursor:
            try:
                cursor = SyncCursor.from_dict(journal.sync_cursor)
            except ValueError:
                cursor = None
        if cursor is None:
            today = schedule.local_today(now, TIME_ZONE)
            window = plan_window(
                today,
                journal.synced_until,
                first_sync_days=settings.first_sync_days,
                overlap_days=settings.overlap_days,
            )
            cursor = SyncCursor(window)
        result.window = cursor.window
        reader = WindowReader(provider, consent, account_id, cursor, direction=settings.direction)
        for index, outcome in enumerate(reader.pages(), start=1):
            result.restarted |= outcome.restarted
            result.repeated += outcome.repeated
            keys = [key for key, _transaction in outcome.candidates]
            existing = journal.existing_keys(keys)
            new = []
            result.rejected.extend(outcome.rejected)
            for key, transaction in outcome.candidates:
                if key in existing:
                    continue
                if transaction.currency != journal.currency:
                    reason = (
                        f"Transaction in {transaction.currency} on a {journal.currency} account."
                    )
                    result.rejected.append(RejectedRecord(reason, transaction.raw))
                    continue
                new.append((key, transaction))
            hooks.call("before_write", index)
            synced_until = outcome.synced_until
            if settings.legacy_synced_until:
                synced_until = cursor.window.date_to
            journal.write_page(
                new, outcome.cursor.to_dict() if outcome.cursor else None, synced_until
            )
            result.pages, result.created = index, result.created + len(new)
            result.window_done = outcome.cursor is None
            hooks.call("after_write", index)
        provider.fetch_balances(consent, account_id)
    except ProcessKilled:
        result.status = "killed"
    except Exception as error:  # noqa: BLE001 - the sync log records every failure
        result.status, result.error = "failed", error
    finally:
        if use_lock:
            journal.unlock()
    return result


# -- Faults without a wire form --------------------------------------------------------------------
class FaultyProvider:
    """Wraps an adapter and applies the faults armed on a protocol sandbox ``FaultBoard``,
    with the same vocabulary, before the call reaches the adapter.

    For faults that have no wire form here: the embedded Sandbox Bank (no HTTP), and a
    single-page provider serving its page twice (``duplicate_page``: the page once, then again
    under a fresh token). A fault's ``path`` selects the call: ``transactions``, ``balances``,
    or ``""`` for every call. The other kinds raise the typed error the adapters map the
    provider's answer to (``slow`` answers after ``delay`` seconds).
    """

    REPEAT = "repeat-page:"
    #: Every kind but the bank login's (no login here).
    KINDS = tuple(kind for kind in FAULT_KINDS if kind != "user_cancelled")

    def __init__(self, provider, board, repeats):
        self.provider = provider
        self.board = board
        self.repeats = repeats

    def fetch_transactions(self, consent, account_id, date_from, date_to, page=None):
        if isinstance(page, str) and page.startswith(self.REPEAT):
            real_token, following = self.repeats[page]
            again = self.provider.fetch_transactions(
                consent, account_id, date_from, date_to, page=real_token
            )
            return dataclasses.replace(again, next_page=following)
        fault = self._apply("transactions")
        answer = self.provider.fetch_transactions(consent, account_id, date_from, date_to, page)
        if fault and fault.kind == "duplicate_page":
            token = f"{self.REPEAT}{len(self.repeats) + 1}"
            self.repeats[token] = (page, answer.next_page)
            answer = dataclasses.replace(answer, next_page=token)
        return answer

    def fetch_balances(self, consent, account_id):
        self._apply("balances")
        return self.provider.fetch_balances(consent, account_id)

    def __getattr__(self, name):
        return getattr(self.provider, name)

    def _apply(self, call):
        fault = self.board.take("*", call, self.KINDS)
        if fault is None or fault.kind == "duplicate_page":
            return fault
        if fault.kind == "slow":
            time.sleep(fault.delay)
            return fault
        if fault.kind == "rate_limited":
            raise errors.RateLimited("The daily limit is reached.", retry_after=fault.retry_after)
        if fault.kind in ("server_error", "connection_reset"):
            raise errors.ProviderUnavailable(f"The bank is unavailable ({fault.kind}).")
        if fault.kind in ("malformed", "truncated"):
            raise errors.BadPayload("The page is not valid JSON.")
        if fault.kind == "consent_revoked":
            raise errors.ConsentRevoked("The account holder withdrew the consent.")
        raise errors.ConsentExpired("The consent has expired.")


# -- What the bank holds ---------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Tally:
    """What a scenario ended with, compared with the bank."""

    expected: int
    imported: int
    lost: int
    duplicated: int


def _fold(text):
    return " ".join(str(text or "").casefold().split())


def content_identity(transaction):
    """The bank's content of a transaction: what tells two bank transactions apart, besides
    being two (identical twins have the same identity and are counted twice)."""
    return (
        transaction.booking_date,
        format(transaction.amount.normalize(), "f"),
        transaction.currency,
        _fold(transaction.counterparty_name),
        _fold(transaction.counterparty_account).replace(" ", ""),
        _fold(transaction.remittance),
    )


def compare(journal_transactions, bank_booked, date_from, date_to):
    """Return the :class:`Tally` of a journal against the bank's booked transactions.

    Expected: the bank's booked transactions dated ``date_from``..``date_to`` (the windows the
    runs completed). Lost: expected ones the journal lacks. Duplicated: journal lines beyond
    what the bank holds, whatever their date (a pending item imported, then booked under
    another id, would count here).
    """
    bank = collections.Counter(content_identity(t) for t in bank_booked)
    held = collections.Counter(content_identity(t) for t in journal_transactions)
    in_range = [identity for identity in bank if date_from <= identity[0] <= date_to]
    return Tally(
        expected=sum(bank[identity] for identity in in_range),
        imported=sum(
            count for identity, count in held.items() if date_from <= identity[0] <= date_to
        ),
        lost=sum(max(0, bank[identity] - held[identity]) for identity in in_range),
        duplicated=sum(max(0, count - bank[identity]) for identity, count in held.items()),
    )


# -- Benches ---------------------------------------------------------------------------------------
def default_scripts(start=START):
    """Real identical twins in every first window: a pair of card payments and a triple.

    Bank transactions with the same date, amount, counterparty and title: two payments each,
    which no de-duplication may merge, and which a page served twice must not multiply.
    """
    scripts = []
    for prefix, days_back, count, amount, shop in (
        ("SBXTWINA", 3, 2, "-8.99", "ZABKA Z5231 K.1 KRAKOW"),
        ("SBXTWINB", 1, 3, "-4.50", "AUTOMAT KAWA MPK KRAKOW"),
    ):
        day = (start - datetime.timedelta(days=days_back)).date()
        for number in range(1, count + 1):
            scripts.append(
                [
                    {
                        "from": datetime.datetime.combine(day, datetime.time(5, 0)),
                        "status": "booked",
                        "id": f"{prefix}{number}",
                        "booking_date": day,
                        "amount": amount,
                        "name": shop,
                        "title": f"Płatność kartą {day:%d.%m.%Y} Nr karty 4246 xxxx xxxx 1234",
                    }
                ]
            )
    return scripts


class Bench:
    """One connected account of one provider, a journal and fault controls (abstract)."""

    code = ""
    label = ""
    #: The provider returns a window in several pages.
    multi_page = False
    #: Faults can be injected on the wire (protocol sandbox).
    http = False

    def __init__(self, *, with_ids=True, settings=None):
        self.with_ids = with_ids
        self.settings = settings or SyncSettings()
        self.clock = Clock()
        self.journal = Journal()
        #: Faults applied by :class:`FaultyProvider` (the embedded bank's only kind of fault).
        self.board = FaultBoard()
        self._repeats = {}
        self.runs = []
        self.adapter_settings = {}
        self.consent = None
        self.account = None

    @property
    def name(self):
        return self.code + ("" if self.with_ids else "-no-ids")

    def close(self):
        """Stop what the bench started."""

    # -- Runs ----------------------------------------------------------------------------------
    def provider(self):
        return FaultyProvider(self.adapter(), self.board, self._repeats)

    def arm(self, kind, *, on="transactions", **options):
        """Arm a fault on the calls that carry ``on``: ``transactions`` (the listing),
        ``result`` (Kontomatik: polling the import that returns the transactions; elsewhere
        the listing), ``balances`` or ``any``. Options as the protocol sandbox's faults."""
        path = {"transactions": "transactions", "result": "transactions", "any": ""}.get(on, on)
        return self.board.arm("*", kind, path=path, **options)

    def arm_around_adapter(self, kind, **options):
        """Arm a fault in :class:`FaultyProvider`, even on a bench with a wire (see :meth:`arm`)."""
        return Bench.arm(self, kind, **options)

    def clear_faults(self):
        self.board.clear()

    def sync(self, hooks=None, use_lock=True):
        """One scheduled run, as the cron would start it (a new provider instance)."""
        result = run_sync(
            self.journal,
            self.provider(),
            self.consent,
            self.account.remote_id,
            self.clock(),
            self.settings,
            hooks=hooks,
            use_lock=use_lock,
        )
        self.runs.append(result)
        return result

    def renew_consent(self):
        """The user renews the consent at the bank; the account is re-linked to the journal."""
        consent, accounts = self.connect()
        links = relink([self.account], accounts)
        if self.account.remote_id not in links:
            raise ScenarioError("The renewed consent does not show the account again.")
        self.consent, self.account = consent, links[self.account.remote_id]

    def script(self, stages):
        """Make the bank list one more transaction on the account (``add_scripted``)."""
        raise NotImplementedError

    # -- Verdict -------------------------------------------------------------------------------
    def bank_booked(self):
        """Every booked transaction the bank lists now on the account, all dates."""
        raise NotImplementedError

    def tally(self):
        windows = [run.window for run in self.runs if run.window_done]
        if not windows or self.runs[-1].status != "success":
            raise ScenarioError("The scenario must end with a complete run to be compared.")
        return compare(
            self.journal.lines.values(),
            self.bank_booked(),
            min(window.date_from for window in windows),
            max(window.date_to for window in windows),
        )

    @staticmethod
    def stored_consent(consent):
        """The consent as the Odoo layer stores and rebuilds it (``_psd2_consent``)."""
        return Consent(
            consent_id=consent.consent_id,
            valid_until=consent.valid_until,
            institution_id=consent.institution_id,
            data=json.loads(json.dumps(consent.data, default=str)),
        )


class HttpBench(Bench):
    """A provider adapter talking HTTP to the local protocol sandbox."""

    http = True

    LABELS = {
        "enablebanking": "Enable Banking",
        "gocardless": "GoCardless",
        "kontomatik": "Kontomatik",
    }

    def __init__(self, code, **options):
        super().__init__(**options)
        self.code = code
        self.multi_page = code == "enablebanking"
        self.label = self.LABELS[code] + ("" if self.with_ids else " (no entry_reference)")
        self.server, _url = start_sandbox_server(
            clock=self.clock,
            seed=SEED,
            page_size=PAGE_SIZE,
            enforce_limits=False,
            with_transaction_ids=self.with_ids,
        )
        self.bank_account = self.server.data.accounts()[0]
        for stages in default_scripts():
            self.script(stages)
        consent, accounts = self.connect()
        self.consent = consent
        self.account = next(a for a in accounts if a.iban == self.bank_account.iban)

    def close(self):
        self.server.stop()

    def adapter(self):
        settings = dict(self.server.settings_for(self.code), **self.adapter_settings)
        if self.code == "enablebanking":
            # The TEST ONLY key, parsed once: parsing checks the RSA key (0.1 s), which every
            # run's new adapter would repeat; load_private_key accepts the parsed key.
            settings["private_key"] = _enable_banking_test_key()
        return get_provider_class(self.code)(settings, clock=self.clock)

    def connect(self):
        provider = self.adapter()
        institution = provider.list_institutions("PL")[0]
        request = provider.start_consent(
            institution.institution_id, redirect_url=CALLBACK, state=uuid.uuid4().hex
        )
        consent = provider.finish_consent(request, _bank_login(request.redirect_url))
        return self.stored_consent(consent), list(consent.accounts)

    def script(self, stages):
        self.server.data.script(self.bank_account.remote_id, stages)

    def bank_booked(self):
        today = self.clock().date()
        listing = self.server.data.transactions(self.bank_account.remote_id, EPOCH, today)
        return [t for t in listing if t.is_booked]

    def arm(self, kind, *, on="transactions", **options):
        """Arm a fault on the wire, in the protocol sandbox (see :meth:`Bench.arm`)."""
        return self.server.arm_fault(self.code, kind, path=self._path(on), **options)

    def clear_faults(self):
        self.server.clear_faults()
        return super().clear_faults()

    def _path(self, on):
        if on == "any":
            return ""
        if self.code == "kontomatik":
            return "/v1/command/45" if on == "result" else "/v1/command/default-import"
        return "/transactions"


class EmbeddedBench(Bench):
    """The embedded Sandbox Bank, called directly (no HTTP, no transport faults)."""

    code = "sandbox"
    multi_page = True

    def __init__(self, **options):
        super().__init__(**options)
        self.label = "Sandbox Bank" + ("" if self.with_ids else " (no ids)")
        self.scripts = list(default_scripts())
        consent, accounts = self.connect()
        self.consent, self.account = consent, accounts[0]

    def bank_settings(self):
        return {
            "seed": SEED,
            "page_size": PAGE_SIZE,
            "with_transaction_ids": self.with_ids,
            "scripted_transactions": [{"account": "main", "stages": s} for s in self.scripts],
        }

    def adapter(self):
        return SandboxBank(self.bank_settings(), clock=self.clock)

    def connect(self):
        bank = self.adapter()
        consent = bank.start_consent(INSTITUTION_ID).consent
        return self.stored_consent(consent), bank.list_accounts(consent)

    def script(self, stages):
        self.scripts.append(stages)

    def bank_booked(self):
        bank = SandboxBank(dict(self.bank_settings(), page_size=10**9), clock=self.clock)
        page = bank.fetch_transactions(
            self.consent, self.account.remote_id, EPOCH, self.clock().date()
        )
        return [t for t in page.transactions if t.is_booked]


@dataclasses.dataclass(frozen=True)
class BenchSpec:
    """A kind of bench: what scenarios need to know before one is built."""

    name: str
    code: str
    http: bool
    make: object


BENCHES = (
    BenchSpec("enablebanking", "enablebanking", True, lambda: HttpBench("enablebanking")),
    BenchSpec(
        "enablebanking-no-ids",
        "enablebanking",
        True,
        lambda: HttpBench("enablebanking", with_ids=False),
    ),
    BenchSpec("gocardless", "gocardless", True, lambda: HttpBench("gocardless")),
    BenchSpec("kontomatik", "kontomatik", True, lambda: HttpBench("kontomatik")),
    BenchSpec("sandbox", "sandbox", False, lambda: EmbeddedBench()),
    BenchSpec("sandbox-no-ids", "sandbox", False, lambda: EmbeddedBench(with_ids=False)),
)


@functools.cache
def _enable_banking_test_key():
    return load_private_key(sandbox_private_key())


def _bank_login(url):
    """Follow the bank's login URL as a browser would; return the callback's parameters."""
    response = requests.get(url, allow_redirects=False, timeout=10)
    if response.status_code != 302:
        raise ScenarioError(f"The bank login answered {response.status_code}.")
    return dict(parse_qsl(urlsplit(response.headers["Location"]).query))
