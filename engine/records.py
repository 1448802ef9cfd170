"""Normalized records every provider produces and the Odoo layer consumes.

Providers speak many dialects (Berlin Group JSON, Enable Banking JSON, Kontomatik XML, bank
files); the sync engine and Odoo only ever see the frozen dataclasses below. Conventions:

- amounts are :class:`~decimal.Decimal`, signed from the account holder's point of view:
  money in is positive, money out negative;
- dates are :class:`datetime.date` in the bank's calendar (booking and value dates have no
  time of day); moments (consent end, publication) are naive UTC :class:`datetime.datetime`,
  like every datetime Odoo stores;
- currencies are ISO 4217 alphabetic codes in upper case.

:func:`parse_amount` and :func:`parse_currency` are the one place where foreign text becomes an
amount or a currency; adapters call them so that every provider rejects bad input the same way.
"""

import contextlib
import dataclasses
import datetime
import re
from decimal import Decimal, InvalidOperation

from .currencies import CURRENCY_DECIMALS
from .errors import BadPayload
from .i18n import _lt

BOOKED = "booked"
PENDING = "pending"
BOOKING_STATUSES = (BOOKED, PENDING)

#: Longest remittance text we keep. SEPA allows 140 characters, Elixir 4 x 35; anything much
#: longer is garbage or an attack, and would bloat every statement line.
MAX_TEXT_LENGTH = 1000
#: Longest name or account number we keep.
MAX_NAME_LENGTH = 255

_AMOUNT_RE = re.compile(r"^[+-]?(\d+)(\.\d+)?$")
_CONTROL_CHARS_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclasses.dataclass(frozen=True)
class Institution:
    """A bank (ASPSP) a provider can connect to."""

    institution_id: str
    name: str
    country: str = ""
    bic: str = ""
    logo_url: str = ""
    #: How far back the bank serves transactions, in days (None: the provider does not say).
    max_history_days: int | None = None
    #: Longest consent the bank grants, in days (None: the provider does not say).
    max_consent_days: int | None = None


@dataclasses.dataclass(frozen=True)
class RemoteAccount:
    """A bank account visible through a consent.

    ``remote_id`` is the provider's id for the account under *this* consent; it may change
    when the consent is renewed, which is why ``iban`` and ``identification_hash`` (Enable
    Banking's stable account fingerprint) are kept to re-link accounts after a renewal.
    """

    remote_id: str
    currency: str
    iban: str = ""
    name: str = ""
    owner_name: str = ""
    bic: str = ""
    identification_hash: str = ""


@dataclasses.dataclass(frozen=True)
class Balance:
    """One balance of an account as the bank reports it.

    ``balance_type`` is one of :data:`BALANCE_TYPES` (Berlin Group names, which the other
    providers map onto).
    """

    balance_type: str
    amount: Decimal
    currency: str
    reference_date: datetime.date | None = None


#: Berlin Group balance types, most useful first for a bookkeeper: the booked balance is what
#: the statement lines add up to; the available one includes pending card payments.
BALANCE_TYPES = (
    "closingBooked",
    "interimBooked",
    "expected",
    "interimAvailable",
    "closingAvailable",
    "openingBooked",
    "forwardAvailable",
)


@dataclasses.dataclass(frozen=True)
class Transaction:
    """One bank transaction, normalized.

    ``provider_id`` is the provider's *immutable* id of the transaction, or ``""`` when the
    provider has none that survives a re-read (Kontomatik, bank files): the de-duplication
    key then falls back to a content fingerprint (see :mod:`.dedup`).
    ``raw`` is the provider's own record, kept for the accountant and for support.
    """

    provider_id: str
    booking_date: datetime.date
    amount: Decimal
    currency: str
    value_date: datetime.date | None = None
    counterparty_name: str = ""
    counterparty_account: str = ""
    remittance: str = ""
    status: str = BOOKED
    end_to_end_id: str = ""
    bank_reference: str = ""
    raw: dict = dataclasses.field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self):
        if self.status not in BOOKING_STATUSES:
            raise BadPayload(_lt("Unknown booking status %(status)s.", status=repr(self.status)))
        if not isinstance(self.amount, Decimal):
            raise BadPayload("Transaction amounts must be Decimal values.")

    @property
    def is_booked(self):
        return self.status == BOOKED

    @property
    def direction(self):
        """``"in"`` for money received, ``"out"`` for money sent."""
        return "in" if self.amount > 0 else "out"


@dataclasses.dataclass(frozen=True)
class RejectedRecord:
    """A record of a provider page that could not be normalized.

    The sync log keeps ``reason`` and a bounded excerpt of ``raw``; the rest of the page is
    still imported.
    """

    reason: str
    raw: object = None


@dataclasses.dataclass(frozen=True)
class TransactionPage:
    """One page of a transaction listing.

    ``next_page`` is the provider's opaque continuation token, ``None`` on the last page. It is
    stored in the account's sync cursor between pages, so a sync that dies half-way resumes
    from the page it was reading instead of starting over.
    """

    transactions: tuple = ()
    next_page: str | None = None
    rejected: tuple = ()


@dataclasses.dataclass(frozen=True)
class Consent:
    """Access granted by the account holder, as the provider describes it.

    ``valid_until`` comes from the provider's answer (naive UTC), never from an assumption:
    PSD2 caps it at 180 days, but banks and aggregators often grant less.
    ``data`` holds what the provider needs to use the consent again (session ids, tokens):
    the Odoo layer stores it with the connection's secrets.
    """

    consent_id: str
    valid_until: datetime.datetime | None
    institution_id: str = ""
    accounts: tuple = ()
    data: dict = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class ConsentRequest:
    """What to do to obtain a consent.

    Redirect flows set ``redirect_url`` (send the user's browser there; the bank calls us back
    with the ``state`` we passed in). Providers that need no bank visit (the Sandbox Bank)
    set ``consent`` instead: the consent is already granted.
    """

    reference: str
    redirect_url: str = ""
    consent: Consent | None = None
    data: dict = dataclasses.field(default_factory=dict)


def parse_amount(value, *, currency=None):
    """Return ``value`` as a :class:`Decimal`, or raise :class:`BadPayload`.

    Accepts numbers and strings as providers send them: ``"1234.56"``, ``"-12"``,
    ``"1 234,56"`` and ``"1.234,56"`` (a comma as the decimal mark, spaces or dots as
    thousand separators, as in Polish bank files). Rejects anything ambiguous rather than
    guess: ``"1,234"`` could be either, so it is refused.

    >>> parse_amount("1 234,56")
    Decimal('1234.56')
    >>> parse_amount(-12)
    Decimal('-12')
    >>> parse_amount("12.345", currency="PLN")
    Traceback (most recent call last):
    ...
    engine.errors.BadPayload: Amount '12.345' has more decimals than PLN allows (2).
    """
    if isinstance(value, bool) or value is None:
        raise BadPayload(_lt("Amount %(amount)s is not a number.", amount=repr(value)))
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, float):
        # repr() of a float is the shortest string that round-trips, so 0.1 stays 0.1.
        amount = Decimal(repr(value))
    elif isinstance(value, str):
        amount = Decimal(_normalize_amount_text(value))
    else:
        raise BadPayload(_lt("Amount %(amount)s is not a number.", amount=repr(value)))
    if not amount.is_finite():
        raise BadPayload(_lt("Amount %(amount)s is not a finite number.", amount=repr(value)))
    # Range first: quantizing a 29-digit number would overflow the decimal context.
    if abs(amount) >= Decimal("1e15"):
        raise BadPayload(_lt("Amount %(amount)s is out of range.", amount=repr(value)))
    if currency is not None:
        decimals = CURRENCY_DECIMALS.get(currency, 2)
        if amount != amount.quantize(Decimal(1).scaleb(-decimals)):
            raise BadPayload(
                _lt(
                    "Amount %(amount)s has more decimals than %(currency)s allows (%(decimals)s).",
                    amount=repr(value),
                    currency=currency,
                    decimals=decimals,
                )
            )
    return amount


def _normalize_amount_text(text):
    cleaned = text.strip().replace("\u00a0", " ").replace("\u202f", " ")
    if len(cleaned) > 40:
        raise BadPayload(_lt("Amount %(amount)s... is not a number.", amount=repr(text[:40])))
    cleaned = cleaned.replace(" ", "").replace("'", "")
    if "," in cleaned and "." in cleaned:
        # The last separator is the decimal mark: "1.234,56" or "1,234.56".
        if cleaned.rfind(",") > cleaned.rfind("."):
            cleaned = cleaned.replace(".", "").replace(",", ".")
        else:
            cleaned = cleaned.replace(",", "")
    elif "," in cleaned:
        integer, _sep, decimals = cleaned.rpartition(",")
        if cleaned.count(",") > 1 or len(decimals) == 3:
            raise BadPayload(
                _lt("Amount %(amount)s is ambiguous (thousands or decimals?).", amount=repr(text))
            )
        cleaned = f"{integer}.{decimals}"
    elif cleaned.count(".") > 1:
        raise BadPayload(_lt("Amount %(amount)s is not a number.", amount=repr(text)))
    if not _AMOUNT_RE.match(cleaned):
        raise BadPayload(_lt("Amount %(amount)s is not a number.", amount=repr(text)))
    try:
        return Decimal(cleaned)
    except InvalidOperation as error:  # pragma: no cover - the regex guards this
        raise BadPayload(_lt("Amount %(amount)s is not a number.", amount=repr(text))) from error


def parse_currency(value):
    """Return ``value`` as a known ISO 4217 code, or raise :class:`BadPayload`.

    >>> parse_currency(" pln")
    'PLN'
    """
    if not isinstance(value, str):
        raise BadPayload(
            _lt("Currency %(currency)s is not an ISO 4217 code.", currency=repr(value))
        )
    code = value.strip().upper()
    if code not in CURRENCY_DECIMALS:
        raise BadPayload(
            _lt("Currency %(currency)s is not an ISO 4217 code.", currency=repr(value[:10]))
        )
    return code


def parse_date(value):
    """Return ``value`` (``date`` or ISO ``YYYY-MM-DD`` text) as a date, or raise BadPayload."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return datetime.date.fromisoformat(value.strip()[:10])
    raise BadPayload(_lt("Date %(date)s is not an ISO date.", date=repr(str(value)[:40])))


def clean_text(value, *, max_length=MAX_TEXT_LENGTH):
    """Return provider text fit to store: a string, control characters removed, bounded.

    Providers send ``None``, numbers, lists of lines (Berlin Group's
    ``remittanceInformationUnstructuredArray``) and occasionally megabytes of junk. HTML is
    *not* stripped here: it is kept as text and escaped wherever it is displayed.
    """
    if value is None:
        return ""
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if isinstance(value, list | tuple):
        value = " ".join(clean_text(part, max_length=max_length) for part in value)
    if not isinstance(value, str):
        value = str(value)
    value = _CONTROL_CHARS_RE.sub(" ", value[: max_length * 2])
    return " ".join(value.split())[:max_length]
