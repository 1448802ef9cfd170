"""SWIFT MT940 customer statements, with the Polish dialects of field ``:86:``.

Layout facts used here, and where they come from:

- Fields and ``:61:`` layout ``6!n[4!n]2a[1!a]15d1!a3!c16x[//16x]`` + ``[34x]`` on the next
  line: SWIFT MT940 (Category 9) field specifications, as summarised by wolph/mt940
  (``mt940/tags.py``). Debit/credit marks ``C``, ``D``, ``RC`` (reversal of a credit, i.e. a
  debit entry) and ``RD`` (reversal of a debit, i.e. a credit entry). The optional funds code
  is the third letter of the currency (mBank writes ``CN`` for a PLN credit, ``DR`` for a EUR
  debit: ksdev-pl/mbank-mt940-parser test files).
- Balances ``:60F:``/``:60M:`` and ``:62F:``/``:62M:`` = ``1!a6!n3!a15d``; amounts use a comma
  as decimal mark; ``-`` alone on a line ends a message.
- Framing: mBank CompanyNet and Deutsche Bank PL wrap each account block in SOH (0x01) and
  ETX (0x03); SWIFT FIN files wrap it in ``{1:..}{2:..}{4:`` .. ``-}`` (research §5.2).
- ``:86:`` comes in three shapes (research §5.2, ``shared/research/polish_domain_ux.md``):

  1. ZBP subfields ``~00``..``~63``, optionally preceded by a 3-digit transaction code
     (``:86:020~00152``, PKO BP): ``~00`` operation, ``~20``..``~25`` (``~26``) title,
     ``~27``..``~29`` name in some banks (ING puts the NRB in ``~29``), ``~30`` sort code,
     ``~31`` account, ``~32``/``~33`` name, ``~38`` IBAN, ``~60``..``~63`` extra. Millennium
     uses ``<`` instead of ``~``; PKO BP fills empty subfields with ``˙`` (byte 0xFF).
  2. mBank CompanyNet labels: ``911 TRANSAKCJA IPH; Z RACH.: ..; OD: ..; TYT.: ..; TNR: ..``.
  3. Free text.

- Physical lines of a field are joined as they are when the bank cut them by length (a line
  of 65+ characters, SWIFT's limit) or kept the space at the break (mBank CompanyNet ends
  wrapped lines with a space), otherwise with a space (see :func:`_join_lines`).
- Title (``~20``..``~26``) and name (``~32``/``~33``) subfields are joined by
  :func:`~.common.join_wrapped`: glued where a piece is exactly 27 or 35 characters long or
  has a space at the cut (banks cut there, even inside ``/VAT/…/INV/…`` or a word), spaced
  where a shorter piece ended a line the payer typed.

Bank references (``//`` part of ``:61:``) become ``provider_id`` unless they are ``NONREF``;
one that repeats inside the file is not used (see ``common._drop_repeated_references``).
"""

import dataclasses
import datetime
import re
from decimal import Decimal, InvalidOperation

from ..errors import BadPayload
from ..i18n import _lt
from ..records import Balance
from .common import (
    CLOSING_BOOKED,
    OPENING_BOOKED,
    FileImportError,
    Place,
    StatementPart,
    amount_in,
    currency_at,
    is_placeholder,
    join_wrapped,
    line_error,
    looks_like_account,
    make_transaction,
    merge_parts,
    normalize_account,
    nrb_from_parts,
)

FORMAT = "mt940"

_LINE_BREAK_RE = re.compile(r"\r\n|\r|\n")
_TAG_RE = re.compile(r"^:(?P<tag>[0-9]{2}[A-Z]?|NS):(?P<value>.*)$")
_BALANCE_RE = re.compile(
    r"^(?P<mark>[CD])(?P<date>\d{6})(?P<currency>[A-Z]{3})(?P<amount>\d+(?:,\d*)?)$"
)
_STATEMENT_LINE_RE = re.compile(
    r"""^(?P<value_date>\d{6})
    (?P<entry_date>\d{4}|\s{4})?
    (?P<mark>RC|RD|C|D)
    (?P<funds_code>[A-Z])?
    (?P<amount>\d+(?:,\d*)?)
    (?P<type>[A-Z][A-Z0-9 ]{3})
    (?P<customer_reference>(?:(?!//).)*)
    (?://(?P<bank_reference>.*))?$""",
    re.VERBOSE,
)
#: ``:86:`` in ZBP form: optional 3-character code, then a subfield marker and two digits.
_STRUCTURED_RE = re.compile(r"^\s*(?P<code>[0-9A-Z]{3})?\s*(?P<marker>[~<^?])(?=\d{2})")
_SUBFIELD_START_RE = re.compile(r"^[~<^?]\d{2}")
#: mBank CompanyNet labels (ksdev-pl/mbank-mt940-parser test files).
_LABEL_FORM_RE = re.compile(r";\s*(?:TYT\.|OD|DLA|Z RACH\.|NA RACH\.|TNR)\s*:", re.IGNORECASE)
_LABEL_SPLIT_RE = re.compile(r";\s*(?=[^\W\d_][^\W_]*(?:[ ./]+[^\W_]+)*[.]?\s*:)")
#: SWIFT's longest physical line; a line this long was cut by length, not at a word.
_SWIFT_LINE_LENGTH = 65
_TITLE_CODES = ("20", "21", "22", "23", "24", "25", "26")
_ACCOUNT_LABELS = ("Z RACH.", "NA RACH.")
_NAME_LABELS = ("OD", "DLA")
_OPENING_TAGS = ("60F", "60M", "60")
_CLOSING_TAGS = ("62F", "62M", "62")


@dataclasses.dataclass
class _Field:
    """One MT940 field: its tag, first line number and physical lines (tag stripped)."""

    tag: str
    line: int
    lines: list

    @property
    def value(self):
        return self.lines[0]


@dataclasses.dataclass
class _Entry:
    """A ``:61:`` statement line and the ``:86:`` fields that follow it."""

    field: _Field
    details: list = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class _Message:
    """One statement message, from ``:20:`` to ``-`` (or the next ``:20:``)."""

    line: int
    reference: str = ""
    number: str = ""
    account: _Field | None = None
    opening: _Field | None = None
    closing: _Field | None = None
    entries: list = dataclasses.field(default_factory=list)
    sums: list = dataclasses.field(default_factory=list)
    last_tag: str = ""
    #: ``:34F:`` (floor limit) and ``:13D:`` (report time) belong to MT942 interim reports.
    is_interim_report: bool = False

    @property
    def is_empty(self):
        return not (self.account or self.opening or self.closing or self.entries)


def parse(text, *, encoding="", account=None):
    """Parse the MT940 ``text`` into one :class:`~.common.ParsedStatement`.

    ``account`` selects one account's statements from a multi-account file (see
    :func:`~.common.merge_parts`). Raises :class:`~.common.FileImportError` naming the line
    for malformed fields, a statement without opening or closing balance (a cut-off file),
    statements that do not add up or do not follow each other, and files that mix accounts
    or currencies.
    """
    messages = _messages(_fields(text))
    if not messages:
        raise FileImportError(_lt("The file has no MT940 statement in it (no :20: or :25: field)."))
    parts = [_statement_part(message) for message in messages]
    return merge_parts(parts, file_format=FORMAT, encoding=encoding, account=account)


def _fields(text):
    """Split ``text`` into fields; ``None`` marks the end of a message (``-``)."""
    fields = []
    current = None
    for number, line in enumerate(_LINE_BREAK_RE.split(text), 1):
        line = line.replace("\x01", "").replace("\x03", "")
        if "{4:" in line:
            line = line.split("{4:", 1)[1]
        stripped = line.strip()
        if stripped == "-" or stripped.startswith("-}"):
            fields.append(None)
            current = None
            continue
        match = _TAG_RE.match(line.lstrip())
        if match:
            current = _Field(match["tag"], number, [match["value"]])
            fields.append(current)
        elif stripped and current is not None and not stripped.startswith("{5:"):
            current.lines.append(line)
    return fields


def _messages(fields):
    """Group fields into statement messages, checking their order as we go."""
    messages = []
    message = None
    for field in fields:
        if field is None or field.tag == "20":
            if message is not None and not message.is_empty:
                messages.append(message)
            message = None
            if field is None:
                continue
        if message is None:
            message = _Message(line=field.line)
        _add_field(message, field)
    if message is not None and not message.is_empty:
        messages.append(message)
    return messages


def _add_field(message, field):
    """Put ``field`` into ``message``, refusing fields out of MT940 order."""
    tag = field.tag
    if tag == "20":
        message.reference = field.value.strip()
    elif tag in ("28C", "28"):
        message.number = field.value.strip()
    elif tag == "25":
        if message.account is not None:
            raise line_error(
                field.line,
                _lt("a second account (:25:) inside one statement; the file is damaged."),
            )
        message.account = field
    elif tag in _OPENING_TAGS:
        if message.opening is not None or message.entries:
            raise line_error(
                field.line,
                _lt("an opening balance in the middle of a statement; the file is damaged."),
            )
        message.opening = field
    elif tag == "61":
        _add_entry(message, field)
    elif tag == "86":
        # A :86: right after a :61: (or after that line's first :86:) describes it; one after
        # the balances is information about the whole statement, which we do not need.
        if message.last_tag in ("61", "86") and message.entries and message.closing is None:
            message.entries[-1].details.append(field)
    elif tag in _CLOSING_TAGS:
        if message.closing is not None:
            raise line_error(field.line, _lt("a second closing balance in one statement."))
        message.closing = field
    elif tag in ("90C", "90D"):
        message.sums.append(field)
    elif tag in ("34F", "13D", "13"):
        message.is_interim_report = True
    message.last_tag = tag


def _add_entry(message, field):
    if message.opening is None and message.is_interim_report:
        raise _interim_report_error(message)
    if message.opening is None:
        raise line_error(
            field.line,
            _lt(
                "a transaction (:61:) comes before the statement's opening balance (:60F:); "
                "the file is damaged or not in MT940 order."
            ),
        )
    if message.closing is not None:
        raise line_error(
            field.line, _lt("a transaction (:61:) comes after the closing balance (:62F:).")
        )
    message.entries.append(_Entry(field))


def _statement_part(message):
    """Check one message and turn it into a :class:`~.common.StatementPart`."""
    if message.account is None:
        raise line_error(message.line, _lt("this statement has no account number (:25:)."))
    if message.opening is None and message.is_interim_report:
        raise _interim_report_error(message)
    if message.opening is None:
        raise line_error(message.line, _lt("this statement has no opening balance (:60F:)."))
    if message.closing is None:
        raise line_error(
            message.line,
            _lt(
                "the statement that starts here has no closing balance (:62F:); the file "
                "looks cut off. Download it again from the bank."
            ),
        )
    opening = _balance(message.opening, OPENING_BOOKED)
    closing = _balance(message.closing, CLOSING_BOOKED)
    if closing.currency != opening.currency:
        raise line_error(
            message.closing.line,
            _lt(
                "the closing balance is in %(closing_currency)s but the opening balance is in "
                "%(opening_currency)s.",
                closing_currency=closing.currency,
                opening_currency=opening.currency,
            ),
        )
    transactions = [_transaction(entry, message, opening.currency) for entry in message.entries]
    _check_sums(message, transactions, opening.currency)
    dates = [transaction.booking_date for transaction in transactions]
    return StatementPart(
        account_number=_statement_account(message.account),
        currency=opening.currency,
        transactions=transactions,
        opening_balance=opening,
        closing_balance=closing,
        statement_id=message.number or message.reference,
        account_where=Place.at_line(message.account.line),
        opening_where=Place.at_line(message.opening.line),
        closing_where=Place.at_line(message.closing.line),
        start_date=min(dates, default=opening.reference_date),
        end_date=max(dates, default=closing.reference_date),
    )


def _interim_report_error(message):
    return line_error(
        message.line,
        _lt(
            "this is an MT942 interim transaction report, not an MT940 statement: it has no "
            "balances and may still change. Export the MT940 statement instead."
        ),
    )


def _statement_account(field):
    """``:25:`` holds an IBAN, ``/IBAN`` or ``BANKCODE/ACCOUNT``; keep letters and digits."""
    account = normalize_account(field.value)
    if not account:
        raise line_error(field.line, _lt("the account number (:25:) is empty."))
    return account


def _balance(field, balance_type):
    match = _BALANCE_RE.match(field.value.strip())
    if not match:
        raise line_error(
            field.line,
            _lt(
                "the balance %(balance)s is not in the MT940 form C or D, date YYMMDD, "
                "currency, amount (for example C261103PLN1234,56).",
                balance=repr(field.value.strip()[:40]),
            ),
        )
    currency = currency_at(match["currency"], Place.at_line(field.line))
    amount = _amount(match["amount"], currency, field.line)
    if match["mark"] == "D":
        amount = -amount
    return Balance(balance_type, amount, currency, _date(match["date"], field.line))


def _transaction(entry, message, currency):
    field = entry.field
    match = _STATEMENT_LINE_RE.match(field.value.rstrip())
    if not match:
        raise line_error(
            field.line,
            _lt(
                "the transaction line %(line)s is not in the MT940 form value date, booking "
                "date, C or D, amount, type, reference.",
                line=repr(field.value.strip()[:60]),
            ),
        )
    funds_code = match["funds_code"]
    if funds_code and funds_code != currency[-1]:
        raise line_error(
            field.line,
            _lt(
                "this transaction is marked with currency letter %(letter)s, which does not "
                "fit the statement currency %(currency)s; the file mixes currencies.",
                letter=repr(funds_code),
                currency=currency,
            ),
        )
    value_date = _date(match["value_date"], field.line)
    amount = _amount(match["amount"], currency, field.line)
    # SWIFT: D = debit; RC = reversal of a credit, which is a debit entry. C and RD credit.
    if match["mark"] in ("D", "RC"):
        amount = -amount
    bank_reference = (match["bank_reference"] or "").strip()
    details = _details(entry.details)
    supplementary = " ".join(line.strip() for line in field.lines[1:])
    return make_transaction(
        provider_id="" if bank_reference.upper() in ("", "NONREF") else bank_reference,
        booking_date=_entry_date(match["entry_date"], value_date, field.line),
        value_date=value_date,
        amount=amount,
        currency=currency,
        counterparty_name=details["name"],
        counterparty_account=details["account"],
        remittance=details["remittance"] or details["operation"] or supplementary,
        bank_reference=bank_reference,
        raw={
            "line": field.line,
            "statement": message.number or message.reference,
            "mark": match["mark"],
            "transaction_type": match["type"].strip(),
            "customer_reference": match["customer_reference"].strip(),
            "supplementary_details": supplementary,
            "operation": details["operation"],
            "information": details["text"],
        },
    )


def _check_sums(message, transactions, currency):
    """Compare with ``:90D:``/``:90C:`` (number and sum of debits/credits) when present."""
    for field in message.sums:
        match = re.match(r"^(\d+)([A-Z]{3})(\d+(?:,\d*)?)$", field.value.strip())
        if not match:
            raise line_error(
                field.line,
                _lt("the entry count %(count)s is malformed.", count=repr(field.value.strip())),
            )
        credit = field.tag == "90C"
        amounts = [t.amount for t in transactions if (t.amount > 0) == credit and t.amount]
        stated = _amount(match[3], currency, field.line)
        if int(match[1]) != len(amounts) or stated != abs(sum(amounts, Decimal(0))):
            values = {
                "stated_count": int(match[1]),
                "stated": stated,
                "count": len(amounts),
                "total": abs(sum(amounts, Decimal(0))),
            }
            # Two sentences, not a "credits"/"debits" word put in: translations inflect it.
            if credit:
                message = _lt(
                    "the statement says it has %(stated_count)s credits totalling %(stated)s, "
                    "but it lists %(count)s totalling %(total)s. The file is incomplete or has "
                    "been edited.",
                    **values,
                )
            else:
                message = _lt(
                    "the statement says it has %(stated_count)s debits totalling %(stated)s, "
                    "but it lists %(count)s totalling %(total)s. The file is incomplete or has "
                    "been edited.",
                    **values,
                )
            raise line_error(field.line, message)


def _amount(text, currency, line):
    """MT940 amounts are digits with a comma as decimal mark (``1234,56``, ``1000,``)."""
    try:
        value = Decimal(text.replace(",", ".").rstrip("."))
        return amount_in(value, currency)
    except (InvalidOperation, BadPayload) as error:
        raise line_error(
            line,
            _lt(
                "the amount %(amount)s is not a valid amount in %(currency)s.",
                amount=repr(text),
                currency=currency,
            ),
        ) from error


def _date(text, line):
    """Return the date of ``YYMMDD``; SWIFT dates carry two-digit years (20YY assumed)."""
    try:
        return datetime.date(2000 + int(text[:2]), int(text[2:4]), int(text[4:6]))
    except ValueError as error:
        raise line_error(
            line, _lt("%(date)s is not a valid date (YYMMDD).", date=repr(text))
        ) from error


def _entry_date(text, value_date, line):
    """Return the booking date from ``MMDD``, in the year that puts it nearest the value date.

    A payment valued on 31 December can be booked on 2 January: the year is not written.
    """
    if not text or not text.strip():
        return value_date
    candidates = []
    for year in (value_date.year - 1, value_date.year, value_date.year + 1):
        try:
            candidates.append(datetime.date(year, int(text[:2]), int(text[2:])))
        except ValueError:
            continue
    if not candidates:
        raise line_error(line, _lt("%(date)s is not a valid booking date (MMDD).", date=repr(text)))
    return min(candidates, key=lambda day: abs((day - value_date).days))


def _join_lines(lines):
    """Join the physical lines of one field (see the module docstring for the rule)."""
    text = lines[0]
    previous = ":86:" + lines[0]
    for line in lines[1:]:
        if (
            len(previous) >= _SWIFT_LINE_LENGTH
            or previous[-1:].isspace()
            or line[:1].isspace()
            or _SUBFIELD_START_RE.match(line)
        ):
            text += line
        else:
            text += " " + line
        previous = line
    return text


def _details(fields):
    """Read counterparty, account and title out of the ``:86:`` fields of one transaction."""
    texts = [_join_lines(field.lines) for field in fields]
    details = {"name": "", "account": "", "remittance": "", "operation": "", "text": ""}
    details["text"] = " ".join(" ".join(text.split()) for text in texts)
    structured = [text for text in texts if _STRUCTURED_RE.match(text)]
    if structured:
        details.update(_structured_details(structured[-1]))
    elif _LABEL_FORM_RE.search(details["text"]):
        details.update(_labelled_details(details["text"]))
    else:
        details["remittance"] = details["text"]
    return details


def _structured_details(text):
    """Map ZBP subfields (``~20``.. or ``<20``..) onto name, account and title."""
    match = _STRUCTURED_RE.match(text)
    marker = match["marker"]
    pieces = re.split(re.escape(marker) + r"(\d{2})", text[match.start("marker") :])
    subfields = {}
    for code, value in zip(pieces[1::2], pieces[2::2], strict=True):
        subfields.setdefault(code, []).append("" if is_placeholder(value) else value)

    def values(*codes):
        return [value for code in codes for value in subfields.get(code, [])]

    name_fallback = [value for value in values("27", "28", "29") if not _is_account(value)]
    return {
        "operation": " ".join(" ".join(values("00")).split()) or (match["code"] or ""),
        "remittance": join_wrapped(values(*_TITLE_CODES)),
        "name": join_wrapped(values("32", "33")) or join_wrapped(name_fallback),
        "account": _structured_account(subfields),
    }


def _is_account(value):
    return looks_like_account(normalize_account(value))


def _structured_account(subfields):
    """Prefer the IBAN in ``~38``; else an NRB in ``~29`` (ING) or ``~31``; else ``~30+~31``."""
    for code in ("38", "29", "31"):
        for value in subfields.get(code, []):
            if _is_account(value):
                return normalize_account(value)
    sort_code = normalize_account("".join(subfields.get("30", [])))
    account = normalize_account("".join(subfields.get("31", [])))
    return nrb_from_parts(sort_code, account) or account


def _labelled_details(text):
    """Read mBank CompanyNet's ``LABEL: value;`` form."""
    segments = _LABEL_SPLIT_RE.split(text)
    details = {"operation": segments[0].strip(), "name": "", "account": "", "remittance": ""}
    for segment in segments[1:]:
        label, _colon, value = segment.partition(":")
        label = " ".join(label.upper().split())
        value = value.strip()
        if label in _ACCOUNT_LABELS and not details["account"]:
            details["account"] = normalize_account(value.split()[0] if value else "")
        elif label in _NAME_LABELS and not details["name"]:
            details["name"] = value
        elif label == "TYT." and not details["remittance"]:
            details["remittance"] = value
    if not details["remittance"]:
        details["remittance"] = text
    return details
