"""The Sandbox Bank: a deterministic, realistic bank that needs no account anywhere.

It serves a Polish company's current account (PLN), its split-payment VAT account (PLN) and a
EUR account, with the traffic an accountant sees every month: customer transfers (plain and
split-payment ``/VAT/…/IDC/…/INV/…/TXT/…`` titles, sometimes wrapped at 35 characters the way
Elixir carries them), card payments that stay pending for a day or two, bank fees, ZUS and
tax-office transfers (``/TI/…/OKR/…/SFP/…``), salaries, supplier bills and refunds.

Why it is built the way it is:

- **Deterministic.** Each account-day is generated from ``random.Random(f"{seed}/{account}/
  {day}")``: the same seed gives the same bank, whatever window is asked for and in which
  order, which is what de-duplication, paging and resume tests need.
- **Time-aware.** Transactions become visible when a real bank would publish them: incoming
  transfers after the Elixir session that carried them, card payments pending first and
  booked one or two business days later, and a few transfers booked late, with a booking date
  two days in the past (the case the overlap window exists for). The provider's clock decides
  what "now" is, so tests travel in time.
- **Consistent balances.** Each account opens at :data:`EPOCH` with a seed-derived balance;
  the booked balance is that plus every booked transaction visible now, the available balance
  adds the pending ones.
- **Told about invoices.** ``settings["announced_payments"]`` lists invoices and bills the
  Odoo layer tells it about; the bank then carries their payment (with a realistic title
  variant) so a demo database shows real matches.

Settings (all optional): ``seed`` (text), ``holder_name``, ``holder_vat`` (the account
holder's NIP, used in split-payment titles), ``page_size`` (transactions per page),
``with_transaction_ids`` (``False`` to behave like a provider without ids),
``announced_payments`` (see :func:`announced_payment`), ``scripted_transactions`` (see
:meth:`SandboxBank.add_scripted`), ``fault`` (one of :data:`FAULTS`, to rehearse error handling)
and ``revoked`` (the holder withdrew the consent).
"""

import bisect
import collections
import datetime
import hashlib
import random
import threading
from decimal import Decimal

from .. import errors
from ..identifiers import make_nip, make_polish_iban
from ..records import (
    BOOKED,
    PENDING,
    Balance,
    Consent,
    ConsentRequest,
    Institution,
    RemoteAccount,
    Transaction,
    TransactionPage,
    parse_amount,
    parse_currency,
    parse_date,
)
from . import sandbox_data as data
from .base import Provider, register_provider

#: First day with transactions. Fixed, so that balances never depend on the clock.
EPOCH = datetime.date(2025, 1, 1)
INSTITUTION_ID = "SANDBOX_PL"
CONSENT_DAYS = 180
DEFAULT_PAGE_SIZE = 50
FAULTS = ("unavailable", "rate_limited", "consent_expired", "bad_page")
#: Moments (UTC) when the three Elixir sessions' transfers appear on accounts.
_SESSION_HOURS = (8, 12, 15)
CENT = Decimal("0.01")

_MAIN, _VAT, _EUR = "main", "vat", "eur"
#: Generated histories, shared by the provider instances of a process (each sync builds a
#: new instance). A history is a pure function of the cache key, so sharing is safe; the
#: size bound keeps a long-running server's memory flat (a history is about 1 MB).
_HISTORY_CACHE = collections.OrderedDict()
_HISTORY_CACHE_SIZE = 12
#: Generated account-days, from which histories are assembled: the clock moving to a new day
#: then costs one new day, not two years of them. About 3 accounts x 2 years of one bank; the
#: transactions are shared with the histories, so this bounds the memory of both.
_DAY_CACHE = collections.OrderedDict()
_DAY_CACHE_SIZE = 2500
_HISTORY_LOCK = threading.Lock()
_ACCOUNT_SPECS = (
    # (key, name, currency, bank code, opening balance range)
    (_MAIN, "Rachunek bieżący", "PLN", "1140", (60_000, 140_000)),
    (_VAT, "Rachunek VAT", "PLN", "1140", (5_000, 25_000)),
    (_EUR, "Rachunek walutowy EUR", "EUR", "1140", (8_000, 30_000)),
)


@register_provider
class SandboxBank(Provider):
    """The embedded Sandbox Bank (see the module docstring)."""

    code = "sandbox"
    label = "Sandbox Bank (demo)"
    sequence = 1
    uses_redirect = False
    daily_call_limit = None

    def __init__(self, settings=None, *, clock=None):
        super().__init__(settings, clock=clock)
        self.seed = str(self.settings.get("seed") or "demo")
        self.holder_name = self.settings.get("holder_name") or "Firma Demo Sp. z o.o."
        self.holder_vat = self.settings.get("holder_vat") or make_nip(f"holder/{self.seed}")
        self.page_size = max(1, int(self.settings.get("page_size") or DEFAULT_PAGE_SIZE))
        self.with_ids = self.settings.get("with_transaction_ids", True)
        # Generated history, per account and clock day; an instance serves one sync at most.
        self._cache = {}
        self._announced = tuple(
            announced_payment(**item) for item in self.settings.get("announced_payments", ())
        )
        self._scripted = []
        for item in self.settings.get("scripted_transactions", ()):
            self.add_scripted(item["account"], item["stages"])

    # -- Institutions and consent ----------------------------------------------------------
    def list_institutions(self, country=None):
        institution = Institution(
            INSTITUTION_ID,
            "Sandbox Bank",
            country="PL",
            bic="SNDBPLPW",
            max_history_days=730,
            max_consent_days=CONSENT_DAYS,
        )
        return [institution] if country in (None, "", "PL") else []

    def start_consent(self, institution_id, *, redirect_url="", state="", valid_until=None):
        if institution_id != INSTITUTION_ID:
            raise errors.ConsentRejected(f"The Sandbox Bank has no institution {institution_id!r}.")
        now = self.now()
        longest = now + datetime.timedelta(days=CONSENT_DAYS)
        consent = Consent(
            consent_id="sbx-" + hashlib.sha256(f"{self.seed}/{now}".encode()).hexdigest()[:16],
            valid_until=min(valid_until, longest) if valid_until else longest,
            institution_id=institution_id,
            accounts=tuple(self._accounts().values()),
        )
        return ConsentRequest(reference=consent.consent_id, consent=consent)

    def finish_consent(self, request, callback_params):
        if request.consent is None:
            raise errors.ConsentRejected("This consent request was not started here.")
        return request.consent

    # -- Account data -------------------------------------------------------------------------
    def list_accounts(self, consent):
        self._check_access(consent)
        return list(self._accounts().values())

    def fetch_balances(self, consent, account_id):
        self._check_access(consent)
        key, account = self._account(account_id)
        booked = self._opening_balance(key)
        pending = Decimal(0)
        for transaction in self._listing(key):
            if transaction.is_booked:
                booked += transaction.amount
            else:
                pending += transaction.amount
        today = self.now().date()
        return [
            Balance("closingBooked", booked, account.currency, today),
            Balance("interimAvailable", booked + pending, account.currency, today),
        ]

    def fetch_transactions(self, consent, account_id, date_from, date_to, page=None):
        self._check_access(consent)
        key, _account = self._account(account_id)
        offset = _page_offset(page)
        if self.settings.get("fault") == "bad_page" and offset:
            raise errors.BadPayload("Sandbox Bank: page is not valid JSON.")
        listing = [t for t in self._listing(key) if date_from <= t.booking_date <= date_to]
        chunk = listing[offset : offset + self.page_size]
        more = offset + self.page_size < len(listing)
        return TransactionPage(
            transactions=tuple(chunk),
            next_page=str(offset + self.page_size) if more else None,
        )

    def add_scripted(self, account, stages):
        """Make the bank list one more transaction on ``account``, as ``stages`` say over time.

        For tests that need what the generated traffic does not do on cue: a card payment
        pending under one id and amount, booked days later under another id, amount and date;
        an authorisation that disappears; identical twins on a given day.

        :param account: the account's remote id, or its key (``main``, ``vat``, ``eur``).
        :param stages: dicts, each valid from its ``from`` moment (naive UTC, ISO text or
            datetime) until the next stage's: ``status`` (``booked``, ``pending`` or ``gone``:
            no longer listed), ``id`` (the bank's transaction id), ``booking_date``, ``amount``
            (signed), ``name`` (counterparty), ``title``, and optionally ``iban``
            (counterparty account), ``value_date`` and ``kind`` (bank transaction code).
            Before the first stage the transaction is not listed.

        The listing places it among the generated transactions by its current booking date;
        balances count it like any other.
        """
        key = account if account in {spec[0] for spec in _ACCOUNT_SPECS} else None
        key = key or self._account(account)[0]
        currency = self._accounts()[key].currency
        parsed = []
        for stage in stages:
            moment = stage["from"]
            if not isinstance(moment, datetime.datetime):
                moment = datetime.datetime.fromisoformat(moment)
            transaction = None
            if stage["status"] != "gone":
                booking_day = parse_date(stage["booking_date"])
                value_day = parse_date(stage.get("value_date") or booking_day)
                transaction = _make_transaction(
                    str(stage["id"]),
                    booking_day,
                    value_day,
                    parse_amount(stage["amount"], currency=currency),
                    currency,
                    name=stage.get("name") or "",
                    account=stage.get("iban") or "",
                    title=stage.get("title") or "",
                    kind=stage.get("kind") or "card",
                    with_ids=self.with_ids,
                    status=PENDING if stage["status"] == PENDING else BOOKED,
                )
            parsed.append((moment, transaction))
        self._scripted.append((key, tuple(sorted(parsed, key=lambda pair: pair[0]))))

    # -- Internals ----------------------------------------------------------------------------
    def _listing(self, key):
        """Every transaction of account ``key`` the bank lists now, in listing order.

        Booked ones as booked; those not booked yet but authorised, as pending (under the
        day they were made). Scripted transactions are merged in by booking date, after the
        generated ones of the same date, so that scripting never reorders the others.
        """
        now = self.now()
        listing, positions = [], []
        for transaction, visible_at, pending_from in self._history(key):
            if visible_at <= now:
                listing.append(transaction)
            elif pending_from is not None and pending_from <= now:
                listing.append(_as_pending(transaction))
            else:
                continue
            positions.append(transaction.booking_date)
        scripted = []
        for account_key, stages in self._scripted:
            current = [transaction for moment, transaction in stages if moment <= now]
            if account_key == key and current and current[-1] is not None:
                scripted.append(current[-1])
        for transaction in sorted(scripted, key=lambda t: (t.booking_date, t.raw["transactionId"])):
            index = bisect.bisect_right(positions, transaction.booking_date)
            listing.insert(index, transaction)
            positions.insert(index, transaction.booking_date)
        return listing

    def _check_access(self, consent):
        fault = self.settings.get("fault")
        if fault == "unavailable":
            raise errors.ProviderUnavailable("Sandbox Bank is in maintenance.")
        if fault == "rate_limited":
            raise errors.RateLimited("Sandbox Bank: daily limit reached.", retry_after=3600)
        if self.settings.get("revoked"):
            raise errors.ConsentRevoked("The account holder withdrew the consent.")
        if fault == "consent_expired" or (
            consent.valid_until is not None and consent.valid_until <= self.now()
        ):
            raise errors.ConsentExpired("The consent has expired; renew it at the bank.")

    def _accounts(self):
        if "accounts" in self._cache:
            return self._cache["accounts"]
        accounts = self._cache["accounts"] = {}
        for key, name, currency, bank_code, _opening in _ACCOUNT_SPECS:
            iban = make_polish_iban(f"{self.seed}/{key}", bank_code)
            accounts[key] = RemoteAccount(
                remote_id=f"sbx-{key}-{iban[-6:]}",
                currency=currency,
                iban=iban,
                name=name,
                owner_name=self.holder_name,
                bic="SNDBPLPW",
                identification_hash=hashlib.sha256(iban.encode()).hexdigest()[:24],
            )
        return accounts

    def _account(self, account_id):
        for key, account in self._accounts().items():
            if account.remote_id == account_id:
                return key, account
        raise errors.BadPayload(f"Sandbox Bank has no account {account_id!r}.")

    def _opening_balance(self, key):
        low, high = next(spec[4] for spec in _ACCOUNT_SPECS if spec[0] == key)
        rng = random.Random(f"{self.seed}/{key}/opening")
        return Decimal(rng.randint(low * 100, high * 100)) / 100

    def _history(self, key):
        """Every transaction of account ``key`` up to the clock's tomorrow, in booking order.

        Returns ``(transaction, visible_at, pending_from)`` triples: the transaction is booked
        and listed from ``visible_at``; before that, from ``pending_from`` (when not None),
        it is listed as pending.
        """
        cache_key = (
            self.seed,
            self.holder_name,
            self.holder_vat,
            bool(self.with_ids),
            repr(self._announced),
            key,
            self.now().date(),
        )
        with _HISTORY_LOCK:
            if cache_key in _HISTORY_CACHE:
                _HISTORY_CACHE.move_to_end(cache_key)
                return _HISTORY_CACHE[cache_key]
        last_day = self.now().date() + datetime.timedelta(days=2)
        entries = []
        day = EPOCH
        while day <= last_day:
            entries.extend(self._day(key, day))
            day += datetime.timedelta(days=1)
        entries.extend(self._announced_entries(key))
        entries.sort(key=lambda entry: (entry[0].booking_date, entry[1], entry[0].provider_id))
        history = tuple(entries)
        with _HISTORY_LOCK:
            _HISTORY_CACHE[cache_key] = history
            while len(_HISTORY_CACHE) > _HISTORY_CACHE_SIZE:
                _HISTORY_CACHE.popitem(last=False)
        return history

    def _day(self, key, day):
        """The transactions *initiated* on ``day`` for account ``key`` (generated once)."""
        cache_key = (self.seed, self.holder_name, self.holder_vat, bool(self.with_ids), key, day)
        with _HISTORY_LOCK:
            if cache_key in _DAY_CACHE:
                _DAY_CACHE.move_to_end(cache_key)
                return _DAY_CACHE[cache_key]
        rng = random.Random(f"{self.seed}/{key}/{day.isoformat()}")
        builder = _DayBuilder(self, key, day, rng)
        if key == _MAIN:
            builder.main_account_day()
        elif key == _VAT:
            builder.vat_account_day()
        else:
            builder.eur_account_day()
        entries = tuple(builder.entries)
        with _HISTORY_LOCK:
            _DAY_CACHE[cache_key] = entries
            while len(_DAY_CACHE) > _DAY_CACHE_SIZE:
                _DAY_CACHE.popitem(last=False)
        return entries

    def _announced_entries(self, key):
        entries = []
        account = self._accounts()[key]
        for payment in self._announced:
            if payment["currency"] != account.currency or key == _VAT:
                continue
            entries.append(_announced_transaction(self, account, payment))
        return entries


class _DayBuilder:
    """Builds one account-day of traffic; one method per kind of transaction."""

    def __init__(self, bank, key, day, rng):
        self.bank = bank
        self.key = key
        self.day = day
        self.rng = rng
        self.entries = []
        self.currency = bank._accounts()[key].currency
        self.is_business_day = day.weekday() < 5

    # -- Per account ------------------------------------------------------------------------
    def main_account_day(self):
        if self.is_business_day:
            for _ in range(self.rng.choice((1, 2, 2, 3, 4))):
                self.customer_transfer()
            for _ in range(self.rng.choice((0, 1, 1, 2))):
                self.supplier_payment()
            if self.rng.random() < 0.08:
                self.refund()
        for _ in range(self.rng.choice((0, 1, 1, 2, 3))):
            self.card_payment()
        if self.day == _first_business_day(self.day):
            self.monthly_fee()
        if self.day == _business_day_on_or_after(self.day.replace(day=15)):
            self.zus()
        if self.day == _business_day_on_or_after(self.day.replace(day=20)):
            self.tax_office("PIT4R", "PIT-4R")
        if self.day == _last_business_day(self.day):
            self.salaries()

    def vat_account_day(self):
        # Credits of the VAT account are the VAT parts of split payments received on the main
        # account; they are generated there (see customer_transfer) with this day's seed.
        for transaction, visible_at, _pending in self.bank._day(_MAIN, self.day):
            split = transaction.raw.get("_vat_part")
            if split:
                self.add(
                    amount=Decimal(split),
                    name=transaction.counterparty_name,
                    account=transaction.counterparty_account,
                    title=transaction.remittance,
                    visible_at=visible_at,
                    kind="vat_credit",
                )
        if self.day == _business_day_on_or_after(self.day.replace(day=25)):
            self.tax_office("VAT7", "JPK_V7M")

    def eur_account_day(self):
        if self.day.weekday() in (1, 3) and self.rng.random() < 0.6:
            name, iban = data.eu_party(*self.rng.choice(data.EU_PARTNERS))
            number = f"INV-{self.day.year}-{self.rng.randint(100, 999)}"
            self.add(
                amount=self.money(300, 3000),
                name=name,
                account=iban,
                title=self.rng.choice((f"Invoice {number}", number, f"Payment {number} thank you")),
                visible_at=self.session_moment(),
                kind="sepa_in",
            )
        if self.day.weekday() == 2 and self.rng.random() < 0.7:
            name, iban = data.eu_party(*self.rng.choice(data.EU_PARTNERS))
            self.add(
                amount=-self.money(200, 4000),
                name=name,
                account=iban,
                title=f"Rechnung {self.day.year}{self.rng.randint(1000, 9999)}",
                visible_at=self.session_moment(),
                kind="sepa_out",
            )
        if self.day == _first_business_day(self.day):
            self.add(
                amount=Decimal("-4.50"),
                name="Sandbox Bank",
                title="Opłata za prowadzenie rachunku walutowego",
                visible_at=self.moment(6),
                kind="fee",
            )

    # -- Kinds of transactions -------------------------------------------------------------
    def customer_transfer(self):
        name, short, bank_code = self.rng.choice(data.CUSTOMERS)
        name, nip, iban = data.party(name, bank_code)
        number = self.invoice_number()
        gross = self.money(150, 6000)
        vat = (gross * Decimal(23) / Decimal(123)).quantize(CENT)
        raw_extra = {}
        if self.rng.random() < 0.22:
            title = (
                f"/VAT/{_comma(vat)}/IDC/{self.bank.holder_vat}/INV/{number}"
                f"/TXT/{self.rng.choice(('Zaplata', 'Platnosc za fakture', short))}"
            )
            raw_extra["_vat_part"] = str(vat)
            if self.rng.random() < 0.5:
                title = _wrap_35(title)
        else:
            title = self.rng.choice(
                (
                    number,
                    f"Zapłata za fakturę {number}",
                    f"FAKTURA NR {number}",
                    f"{number} {short}",
                    f"Przelew za fv {number.lower()}",
                    f"Płatność {number} NIP {nip}",
                    "Zapłata za usługi",
                )
            )
        visible_at = self.session_moment()
        booking_day = self.day
        if self.rng.random() < 0.04:
            # Booked with today's date but published two days later: only a sync whose window
            # reaches back (the overlap window) will see it.
            visible_at = datetime.datetime.combine(
                self.day + datetime.timedelta(days=2), datetime.time(7, 30)
            )
        self.add(
            amount=gross,
            name=name,
            account=iban,
            title=title,
            visible_at=visible_at,
            kind="transfer_in",
            booking_day=booking_day,
            raw_extra=raw_extra,
        )
        if raw_extra:
            self.add(
                amount=-vat,
                name=self.bank.holder_name,
                account=self.bank._accounts()[_VAT].iban,
                title=f"Przeksięgowanie VAT na rachunek VAT {number}",
                visible_at=visible_at,
                kind="vat_transfer",
            )

    def supplier_payment(self):
        name, short, bank_code = self.rng.choice(data.SUPPLIERS)
        name, nip, iban = data.party(name, bank_code)
        number = self.rng.choice(
            (
                f"{self.rng.randint(1, 999)}/{self.day.month:02d}/{self.day.year}",
                f"F/{self.day.year}/{self.rng.randint(1000, 99999)}",
                f"FS-{self.rng.randint(10, 999)}/{self.day.year % 100}",
            )
        )
        gross = self.money(80, 7000)
        if self.rng.random() < 0.3:
            vat = (gross * Decimal(23) / Decimal(123)).quantize(CENT)
            title = f"/VAT/{_comma(vat)}/IDC/{nip}/INV/{number}/TXT/{short}"
        else:
            title = self.rng.choice((f"FV {number}", f"Faktura {number}", number))
        self.add(
            amount=-gross,
            name=name,
            account=iban,
            title=title,
            visible_at=self.session_moment(),
            kind="transfer_out",
        )

    def refund(self):
        if self.rng.random() < 0.5:
            name, _short, bank_code = self.rng.choice(data.SUPPLIERS)
            name, _nip, iban = data.party(name, bank_code)
            amount, title = self.money(20, 600), "Zwrot nadpłaty"
        else:
            name, _short, bank_code = self.rng.choice(data.CUSTOMERS)
            name, _nip, iban = data.party(name, bank_code)
            number = f"KOR/{self.day.year}/{self.day.month:02d}/{self.rng.randint(1, 60):04d}"
            amount, title = -self.money(20, 900), f"Zwrot wg korekty {number}"
        self.add(
            amount=amount,
            name=name,
            account=iban,
            title=title,
            visible_at=self.session_moment(),
            kind="refund",
        )

    def card_payment(self):
        merchant, typical = self.rng.choice(data.CARD_MERCHANTS)
        amount = -(Decimal(self.rng.randint(typical * 40, typical * 160)) / 100).quantize(CENT)
        paid_at = self.moment(self.rng.randint(6, 20), self.rng.randint(0, 59))
        card = f"4246 xxxx xxxx {self.rng.randint(1000, 9999)}"
        title = f"Płatność kartą {self.day:%d.%m.%Y} Nr karty {card}"
        # Card payments are authorised at once (pending) and booked one or two business days
        # later, with the booking date of that later day.
        booking_day = _add_business_days(self.day, self.rng.choice((1, 1, 2)))
        twins = 2 if self.rng.random() < 0.03 else 1
        for _ in range(twins):  # the same coffee bought twice: two transactions, same content
            self.add(
                amount=amount,
                name=merchant,
                title=title,
                visible_at=datetime.datetime.combine(booking_day, datetime.time(5, 0)),
                pending_from=paid_at,
                kind="card",
                booking_day=booking_day,
                value_day=self.day,
            )

    def monthly_fee(self):
        self.add(
            amount=Decimal("-29.00"),
            name="Sandbox Bank",
            title=f"Opłata za prowadzenie rachunku {self.day:%m/%Y}",
            visible_at=self.moment(6),
            kind="fee",
        )

    def zus(self):
        self.add(
            amount=-self.money(4000, 9000),
            name=data.ZUS_NAME,
            account=data.zus_account(self.bank.holder_vat),
            title=f"Składki ZUS za {_previous_month(self.day)} NIP {self.bank.holder_vat}",
            visible_at=self.session_moment(),
            kind="zus",
        )

    def tax_office(self, form, label):
        month = _previous_month(self.day)
        period = f"{month[5:]}M{month[:2]}"  # "26M10": year, M, month
        self.add(
            amount=-self.money(1500, 12000),
            name=data.TAX_OFFICE_NAME,
            account=data.tax_micro_account(self.bank.holder_vat),
            title=f"/TI/N{self.bank.holder_vat}/OKR/{period}/SFP/{form}/TXT/{label} {month}",
            visible_at=self.session_moment(),
            kind="tax",
        )

    def salaries(self):
        month_name = data.MONTHS_PL[self.day.month - 1]
        for employee, bank_code in data.EMPLOYEES:
            self.add(
                amount=-self.money(4800, 11000),
                name=employee.upper(),
                account=make_polish_iban(employee, bank_code),
                title=f"Wynagrodzenie za {month_name} {self.day.year}",
                visible_at=self.session_moment(),
                kind="salary",
            )

    # -- Helpers ----------------------------------------------------------------------------
    def add(
        self,
        *,
        amount,
        name,
        title,
        visible_at,
        kind,
        account="",
        pending_from=None,
        booking_day=None,
        value_day=None,
        raw_extra=None,
    ):
        index = len(self.entries)
        transaction = _make_transaction(
            f"SBX{self.key.upper()}{self.day:%Y%m%d}{index:03d}",
            booking_day or self.day,
            value_day or self.day,
            amount,
            self.currency,
            name=name,
            account=account,
            title=title,
            kind=kind,
            with_ids=self.bank.with_ids,
            raw_extra=raw_extra,
        )
        self.entries.append((transaction, visible_at, pending_from))

    def money(self, low, high):
        return (Decimal(self.rng.randint(low * 100, high * 100)) / 100).quantize(CENT)

    def moment(self, hour, minute=0):
        return datetime.datetime.combine(self.day, datetime.time(hour, minute))

    def session_moment(self):
        return self.moment(self.rng.choice(_SESSION_HOURS), self.rng.randint(0, 50))

    def invoice_number(self):
        month = self.day.month if self.day.day > 10 else (self.day.month - 2) % 12 + 1
        year = self.day.year if month <= self.day.month else self.day.year - 1
        sequence = self.rng.randint(1, 400)
        return self.rng.choice(
            (
                f"FV/{year}/{month:02d}/{sequence:04d}",
                f"FV/{year}/{month:02d}/{sequence:04d}",
                f"{sequence}/{month:02d}/{year}",
                f"FS {sequence}/{year}",
            )
        )


def announced_payment(
    reference,
    amount,
    currency="PLN",
    partner_name="",
    partner_vat="",
    partner_iban="",
    kind="out_invoice",
    announced_at=None,
    due_date=None,
):
    """Validate one invoice or bill the Sandbox Bank is told about, as a plain dict.

    :param reference: the invoice number (or the vendor's bill reference) the payer quotes.
    :param amount: what is due, positive.
    :param kind: ``out_invoice`` (a customer pays us) or ``in_invoice`` (we pay a vendor).
    :param announced_at: naive UTC ISO moment when Odoo told the bank; the payment is booked
        that day and visible at once, so the next sync imports it.
    """
    if kind not in ("out_invoice", "in_invoice"):
        raise errors.BadPayload(f"Unknown announced payment kind {kind!r}.")
    moment = datetime.datetime.fromisoformat(announced_at) if announced_at else None
    if moment is None:
        raise errors.BadPayload("An announced payment needs announced_at.")
    return {
        "reference": str(reference),
        "amount": parse_amount(amount),
        "currency": parse_currency(currency),
        "partner_name": partner_name or "",
        "partner_vat": partner_vat or "",
        "partner_iban": partner_iban or "",
        "kind": kind,
        "announced_at": moment,
        "due_date": parse_date(due_date) if due_date else None,
    }


def _announced_transaction(bank, account, payment):
    digest = hashlib.sha256(
        f"{bank.seed}/{payment['reference']}/{payment['amount']}/{payment['kind']}".encode()
    ).hexdigest()
    rng = random.Random(digest)
    reference = payment["reference"]
    incoming = payment["kind"] == "out_invoice"
    amount = payment["amount"] if incoming else -payment["amount"]
    if incoming:
        title = rng.choice(
            (
                reference,
                f"Zapłata za fakturę {reference}",
                f"FAKTURA {reference.replace('/', ' ')}",
                f"fv {reference.lower()}",
                (
                    f"/VAT/{_comma((payment['amount'] * 23 / 123).quantize(CENT))}"
                    f"/IDC/{bank.holder_vat}/INV/{reference}/TXT/Zaplata"
                ),
            )
        )
    else:
        title = rng.choice((reference, f"Faktura {reference}", f"FV {reference}"))
    moment = payment["announced_at"]
    provider_id = "SBXA" + digest[:16].upper()
    raw = {
        "transactionId": provider_id,
        "bookingDate": moment.date().isoformat(),
        "valueDate": moment.date().isoformat(),
        "transactionAmount": {"amount": str(amount), "currency": account.currency},
        ("debtorName" if incoming else "creditorName"): payment["partner_name"],
        "remittanceInformationUnstructured": title,
        "proprietaryBankTransactionCode": "transfer_in" if incoming else "transfer_out",
    }
    if payment["partner_iban"]:
        raw["debtorAccount" if incoming else "creditorAccount"] = {"iban": payment["partner_iban"]}
    transaction = Transaction(
        provider_id=provider_id if bank.with_ids else "",
        booking_date=moment.date(),
        value_date=moment.date(),
        amount=amount,
        currency=account.currency,
        counterparty_name=payment["partner_name"],
        counterparty_account=payment["partner_iban"],
        remittance=title,
        raw=raw,
    )
    return transaction, moment, None


def _make_transaction(
    provider_id,
    booking_day,
    value_day,
    amount,
    currency,
    *,
    name,
    account,
    title,
    kind,
    with_ids,
    status=BOOKED,
    raw_extra=None,
):
    """One Sandbox Bank transaction, with its Berlin Group ``raw`` record.

    ``raw["transactionId"]`` always carries the bank's id, even when the bank is configured
    to give transactions no id (``with_ids`` False): the protocol sandbox and the tests use it
    to know which bank transaction a statement line came from.
    """
    raw = {
        "transactionId": provider_id,
        "bookingDate": booking_day.isoformat(),
        "valueDate": value_day.isoformat(),
        "transactionAmount": {"amount": str(amount), "currency": currency},
        ("debtorName" if amount > 0 else "creditorName"): name,
        "remittanceInformationUnstructured": title,
        "proprietaryBankTransactionCode": kind,
    }
    if account:
        raw["debtorAccount" if amount > 0 else "creditorAccount"] = {"iban": account}
    if status == PENDING:
        raw["status"] = "pending"
    raw.update(raw_extra or {})
    return Transaction(
        provider_id=provider_id if with_ids else "",
        booking_date=booking_day,
        value_date=value_day,
        amount=amount,
        currency=currency,
        counterparty_name=name,
        counterparty_account=account,
        remittance=title,
        status=status,
        raw=raw,
    )


def _as_pending(transaction):
    """A not-yet-booked transaction, listed under the day it was made (its value date)."""
    return Transaction(
        provider_id=transaction.provider_id,
        booking_date=transaction.value_date,
        value_date=transaction.value_date,
        amount=transaction.amount,
        currency=transaction.currency,
        counterparty_name=transaction.counterparty_name,
        counterparty_account=transaction.counterparty_account,
        remittance=transaction.remittance,
        status=PENDING,
        # Berlin Group lists pending items without a real booking date; ours carries the day
        # the payment was made, like the normalized record.
        raw=dict(transaction.raw, status="pending", bookingDate=transaction.value_date.isoformat()),
    )


def _page_offset(page):
    if page in (None, ""):
        return 0
    try:
        offset = int(page)
    except (TypeError, ValueError) as error:
        raise errors.BadPayload(f"Sandbox Bank: unknown page token {str(page)[:20]!r}.") from error
    if offset < 0:
        raise errors.BadPayload(f"Sandbox Bank: unknown page token {page!r}.")
    return offset


def _comma(amount):
    """Split-payment titles write the VAT amount with a decimal comma: ``23,00``."""
    return f"{amount:.2f}".replace(".", ",")


def _wrap_35(title):
    """Wrap ``title`` at 35 characters the way Elixir's 4 x 35 title field carries it."""
    return " ".join(title[i : i + 35] for i in range(0, len(title), 35))


def _previous_month(day):
    first = day.replace(day=1) - datetime.timedelta(days=1)
    return f"{first.month:02d}/{first.year}"


def _add_business_days(day, count):
    while count:
        day += datetime.timedelta(days=1)
        if day.weekday() < 5:
            count -= 1
    return day


def _business_day_on_or_after(day):
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    return day


def _first_business_day(day):
    return _business_day_on_or_after(day.replace(day=1))


def _last_business_day(day):
    next_month = (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    last = next_month - datetime.timedelta(days=1)
    while last.weekday() >= 5:
        last -= datetime.timedelta(days=1)
    return last
