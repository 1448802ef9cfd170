"""What every statement-file parser shares: the result, the error, text decoding and checks.

The parsers are all-or-nothing: they either return one complete :class:`ParsedStatement`
or raise :class:`FileImportError` with a sentence that names the line (or XML element) at
fault. Nothing is half-imported, so a user who fixes the file and uploads it again never
ends up with a statement that is partly old and partly new.
"""

import codecs
import contextlib
import dataclasses
import datetime
import re
from decimal import Decimal, InvalidOperation

from ..currencies import CURRENCY_DECIMALS
from ..errors import BadPayload
from ..i18n import Text, _lt
from ..records import (
    BOOKED,
    MAX_NAME_LENGTH,
    Balance,
    Transaction,
    clean_text,
    parse_amount,
    parse_currency,
)

#: Largest file we read. A busy company account produces a few MB of MT940 a year; 20 MB is
#: far above any real statement export and still cheap to hold in memory.
MAX_FILE_SIZE = 20 * 1024 * 1024

#: Balance types used for :attr:`ParsedStatement.opening_balance` and ``closing_balance``
#: (names from :data:`engine.records.BALANCE_TYPES`).
OPENING_BOOKED = "openingBooked"
CLOSING_BOOKED = "closingBooked"

#: Line widths at which Polish banks cut titles and names into pieces: 27 characters per ZBP
#: MT940 subfield (``~20``..``~25``, ``~32``/``~33``), 35 per Elixir line, 140 per ISO 20022
#: ``Ustrd``. A piece exactly this long was cut by length, possibly in the middle of a word.
WRAP_WIDTHS = (27, 35, 140)

_POLISH_LETTERS = frozenset("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ")
#: Non-ASCII punctuation that is plausible in any of the candidate encodings.
_PLAUSIBLE_SYMBOLS = frozenset("–—„”“’‘…€§°«»×·")
_NON_ASCII_RE = re.compile(r"[^\x00-\x7f]")
#: Single-byte encodings used by Polish banks, most common first (research §5: mBank and
#: ING CSV in Windows-1250; mBank CompanyNet, PKO BP and Deutsche Bank MT940 in ISO-8859-2;
#: Millennium MT940 in CP852). The first one wins a tie.
_SINGLE_BYTE_ENCODINGS = ("cp1250", "iso-8859-2", "cp852")
_ACCOUNT_JUNK_RE = re.compile(r"[^0-9A-Za-z]")
#: A masked account number as mBank prints it: first and last digits around dots.
_MASK_RE = re.compile(r"(\d{2,})\s*\.{2,}\s*(\d{2,})\s*$")


class FileImportError(BadPayload):
    """A statement file cannot be imported; nothing from it was taken.

    The message is a sentence for the accountant that names where the problem is (``Line 14:``
    or an XML element path) and what is wrong. ``line`` (1-based, in the decoded text) or
    ``location`` (an XML element path) say the same for code. Retrying the same file never
    helps, hence ``retryable = False``.
    """

    retryable = False

    def __init__(self, message, *, line=None, location=None):
        super().__init__(message)
        self.line = line
        self.location = location


@dataclasses.dataclass(frozen=True)
class Place:
    """Where in the file something is, as said to the user and as kept for code.

    ``text`` starts error messages: ``"Line 12"`` or, in XML, ``"Line 87, statement 1,
    entry 3 (Stmt[1]/Ntry[3])"``; it is an :class:`~engine.i18n.Text`, translated with the
    sentence it starts.
    """

    text: str
    line: int | None = None
    path: str | None = None

    @classmethod
    def at_line(cls, line):
        return cls(_lt("Line %(line)s", line=line), line)

    def error(self, sentence):
        """Return the :class:`FileImportError` ``"<place>: <sentence>"``.

        ``sentence`` is an ``_lt`` message; place and sentence are kept as parameters of a
        template without words (hence not marked for translation), so each is translated on
        its own.
        """
        message = Text("%(place)s: %(sentence)s", place=self.text, sentence=sentence)
        return FileImportError(message, line=self.line, location=self.path)


def line_error(line, sentence):
    """Return a :class:`FileImportError` for physical line ``line`` (1-based)."""
    return Place.at_line(line).error(sentence)


def amount_in(value, currency):
    """:func:`~engine.records.parse_amount` for ``currency``, raising only ``BadPayload``.

    ``parse_amount`` checks the decimals before the range, so a 30-digit amount makes
    ``Decimal.quantize`` raise ``InvalidOperation``; a damaged file must not crash the
    import, hence the translation here.
    """
    try:
        return parse_amount(value, currency=currency)
    except InvalidOperation as error:
        raise BadPayload(
            _lt("Amount %(amount)s is out of range.", amount=repr(str(value)[:40]))
        ) from error


def currency_at(code, where):
    """Return ``code`` as an ISO 4217 code, or raise naming ``where`` (a :class:`Place`)."""
    try:
        return parse_currency(code)
    except BadPayload as error:
        raise where.error(
            _lt("%(code)s is not a currency code.", code=repr(code.strip()[:10]))
        ) from error


@dataclasses.dataclass(frozen=True)
class ParsedStatement:
    """One account's booked transactions read from a bank file.

    - ``file_format``: ``"mbank_csv"``, ``"mt940"`` or ``"camt053"``.
    - ``account_number``: the statement's IBAN or NRB without spaces (``""`` when the file
      does not give the full number; ``account_label`` then holds what it does give, such as
      mBank's ``"mBiznes konto Standard 4811 ... 0685"``). Use :meth:`account_matches`.
    - ``opening_balance`` / ``closing_balance``: :class:`~engine.records.Balance` of type
      ``openingBooked`` / ``closingBooked``, or ``None`` when the file has none. When both
      are present the parser has checked that the transactions add up to the difference.
    - ``transactions``: :class:`~engine.records.Transaction` records, all ``booked``, oldest
      first, in the statement currency.
    - ``notes``: sentences about what was deliberately left out (pending card payments,
      references that were not unique), for the import log.
    """

    file_format: str
    account_number: str
    currency: str
    transactions: tuple = ()
    opening_balance: Balance | None = None
    closing_balance: Balance | None = None
    statement_id: str = ""
    statement_date: datetime.date | None = None
    start_date: datetime.date | None = None
    end_date: datetime.date | None = None
    account_label: str = ""
    encoding: str = ""
    notes: tuple = ()

    def account_matches(self, number):
        """Tell whether the file belongs to the bank account ``number`` (IBAN or NRB).

        Returns ``True`` or ``False``, or ``None`` when the file does not identify its
        account at all (then only the user can tell). A masked number (``4811 ... 0685``)
        matches on its visible digits.

        >>> statement = ParsedStatement("mt940", "PL61109010140000071219812874", "PLN")
        >>> statement.account_matches("61 1090 1014 0000 0712 1981 2874")
        True
        """
        wanted = _domestic_part(normalize_account(number))
        if not wanted:
            return None
        if self.account_number:
            return _domestic_part(self.account_number) == wanted
        return masked_account_matches(self.account_label, wanted)


def masked_account_matches(label, number):
    """Tell whether ``label`` (``"eKonto 7811 ... 0166"``) shows ``number``'s digits.

    Returns ``None`` when ``label`` shows no masked number.
    """
    mask = _MASK_RE.search(label)
    if not mask:
        return None
    digits = _domestic_part(normalize_account(number))
    return digits.startswith(mask.group(1)) and digits.endswith(mask.group(2))


def _domestic_part(account):
    """``PL61...`` and ``61...`` are the same Polish account: compare without the country."""
    if len(account) > 2 and account[:2].isalpha() and account[2:].isdigit():
        return account[2:]
    return account


def normalize_account(text):
    """Return an account number as letters and digits only, upper case.

    Banks print accounts with spaces, dashes, a leading ``'`` (mBank CSV, to stop Excel from
    rounding) or ``/`` (MT940 ``:25:``). The country prefix is kept as the bank gave it: a
    bare 26-digit Polish NRB is not turned into an IBAN.

    >>> normalize_account("'PL 61 1090-1014 0000 0712 1981 2874")
    'PL61109010140000071219812874'
    """
    return _ACCOUNT_JUNK_RE.sub("", text or "").upper()[:MAX_NAME_LENGTH]


def nrb_from_parts(sort_code, account):
    """Return the 26-digit NRB built from an 8-digit sort code and a 16-digit account.

    Some MT940 files give the counterparty's account only as ``~30`` (sort code) and ``~31``
    (account), without the two check digits. NRB check digits are IBAN's (ISO 13616,
    ISO 7064 mod 97-10) with ``PL`` = 2521. Returns ``""`` if the parts do not fit.

    >>> nrb_from_parts("10901014", "0824628194821993")
    '77109010140824628194821993'
    """
    if not (len(sort_code) == 8 and len(account) == 16 and (sort_code + account).isdigit()):
        return ""
    check = 98 - int(sort_code + account + "252100") % 97
    return f"{check:02d}{sort_code}{account}"


def looks_like_account(text):
    """Tell whether ``text`` (already normalized) is an NRB or an IBAN."""
    return bool(re.fullmatch(r"\d{26}|[A-Z]{2}\d{2}[A-Z0-9]{10,30}", text))


def is_placeholder(text):
    """Tell whether a subfield holds nothing but padding.

    PKO BP fills empty MT940 subfields with byte 0xFF, which Windows-1250 and ISO-8859-2 both
    decode as ``˙`` (public PKO BP sample in a C# parser test, ``~21˙``).
    """
    return not text.strip(" \t\u02d9\u00a0")


def join_wrapped(chunks, widths=WRAP_WIDTHS):
    """Join text a bank cut into fixed-width pieces, without splitting words apart.

    Banks cut titles and names into 27- or 35-character pieces wherever the limit falls,
    even inside a word or an invoice number (``…URZĄD SKAR`` + ``BOWY``; ``/TXT/ZA`` +
    ``PLATA``). A piece that is exactly one of ``widths`` long, or that ends (or whose
    successor starts) with a space, is therefore glued to the next one as is. A shorter
    piece was ended by the payer, at a word boundary, so a space goes in between. Spaces are
    then collapsed. Placeholder pieces (``˙``) count as empty.

    >>> join_wrapped(["/VAT/3450,00/IDC/7114710499", "/INV/FV/2026/11/0051/TXT/ZA", "PLATA"])
    '/VAT/3450,00/IDC/7114710499/INV/FV/2026/11/0051/TXT/ZAPLATA'
    >>> join_wrapped(["FAKTURA 1/F/03", "FAKTURA 2/F/03"])
    'FAKTURA 1/F/03 FAKTURA 2/F/03'
    """
    text = ""
    previous = None
    for chunk in chunks:
        if not chunk or is_placeholder(chunk):
            continue
        if previous is None:
            text = chunk
        elif len(previous) in widths or previous[-1].isspace() or chunk[0].isspace():
            text += chunk
        else:
            text += " " + chunk
        previous = chunk
    return " ".join(text.split())


def decode_text(data):
    """Return ``(text, encoding)`` for the bytes of a text export; never raises on odd bytes.

    UTF-8 (with or without BOM) and UTF-16 with a BOM are taken as they are. Anything else
    is decoded with each Polish single-byte encoding and the reading with the most Polish
    letters and the fewest impossible characters wins: ISO-8859-2 text read as Windows-1250
    turns ``Ś``/``Ą`` into ``¦``/``ˇ``, and Windows-1250 read as ISO-8859-2 produces control
    characters. Raises :class:`FileImportError` for binary data (NUL bytes).
    """
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as error:
            raise FileImportError(_lt("The file is not readable text (broken UTF-16).")) from error
    if b"\x00" in data:
        raise FileImportError(
            _lt(
                "The file is not a text file (it contains binary data), so it is not a bank "
                "statement export."
            )
        )
    with contextlib.suppress(UnicodeDecodeError):
        return data.decode("utf-8"), "utf-8"
    best = None
    for encoding in _SINGLE_BYTE_ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue  # cp1250 leaves five bytes undefined
        score = _plausibility(text)
        if best is None or score > best[0]:
            best = (score, text, encoding)
    return best[1], best[2]


def _plausibility(text):
    """Score a decoding: +1 per Polish letter, -3 per character no Polish bank would write."""
    score = 0
    for char in _NON_ASCII_RE.findall(text):
        if char in _POLISH_LETTERS:
            score += 1
        elif not (char.isalpha() or char in _PLAUSIBLE_SYMBOLS):
            score -= 3
    return score


def format_money(amount, currency):
    """Return ``1,234.56 PLN`` for error messages (the minor units of ``currency``)."""
    decimals = CURRENCY_DECIMALS.get(currency, 2)
    return f"{amount:,.{decimals}f} {currency}"


def check_balance(opening, closing, transactions, where):
    """Raise unless ``opening`` + the transactions = ``closing`` (skipped if one is missing).

    ``where`` (a :class:`Place`) should point at the closing balance, the figure the user
    can compare with the bank's statement.
    """
    if opening is None or closing is None:
        return
    total = sum((transaction.amount for transaction in transactions), Decimal(0))
    expected = opening.amount + total
    if expected != closing.amount:
        currency = closing.currency
        raise where.error(
            _lt(
                "the closing balance %(closing)s does not equal the opening balance "
                "%(opening)s plus the %(count)s transactions (%(total)s), which makes "
                "%(expected)s. The file is incomplete or has been edited; download it again "
                "from the bank.",
                closing=format_money(closing.amount, currency),
                opening=format_money(opening.amount, currency),
                count=len(transactions),
                total=format_money(total, currency),
                expected=format_money(expected, currency),
            )
        )


def make_transaction(**values):
    """Build a booked :class:`Transaction` with cleaned text fields.

    Names and accounts are bounded to :data:`~engine.records.MAX_NAME_LENGTH`, the
    remittance to the records' default; ``raw`` values are kept short for the import log.
    """
    values["counterparty_name"] = clean_text(
        values.get("counterparty_name"), max_length=MAX_NAME_LENGTH
    )
    values["counterparty_account"] = normalize_account(values.get("counterparty_account"))
    values["remittance"] = clean_text(values.get("remittance"))
    values["end_to_end_id"] = clean_text(values.get("end_to_end_id"), max_length=MAX_NAME_LENGTH)
    values["bank_reference"] = clean_text(values.get("bank_reference"), max_length=MAX_NAME_LENGTH)
    values["provider_id"] = clean_text(values.get("provider_id"), max_length=MAX_NAME_LENGTH)
    values["raw"] = {
        key: clean_text(value) if isinstance(value, str) else value
        for key, value in (values.get("raw") or {}).items()
        if value not in (None, "")
    }
    return Transaction(status=BOOKED, **values)


@dataclasses.dataclass
class StatementPart:
    """One statement inside a file (an MT940 message, a camt.053 ``Stmt``), before merging.

    The ``*_where`` :class:`Place` values say where the account and balances are, so that a
    mismatch between parts names the place in the file.
    """

    account_number: str
    currency: str
    transactions: list
    account_where: Place
    opening_where: Place
    closing_where: Place
    opening_balance: Balance | None = None
    closing_balance: Balance | None = None
    statement_id: str = ""
    start_date: datetime.date | None = None
    end_date: datetime.date | None = None


def merge_parts(parts, *, file_format, encoding="", notes=(), account=None):
    """Check the statements of one file against each other and merge them into one.

    A file may hold several consecutive statements of one account (daily MT940 files
    concatenated, a camt.053 with several ``Stmt``). They must be for the same account and
    currency, each must add up, and each must start where the previous one ended; anything
    else is a mixed-up file and raises :class:`FileImportError` naming the offending part.

    With ``account`` (the journal's IBAN or NRB), statements of other accounts are left out
    first: corporate exports such as mBank CompanyNet put every account in one file.
    """
    notes = tuple(notes)
    if account:
        parts, others = _select_account(parts, account)
        if others:
            notes += (
                _lt(
                    "Statements of other accounts (%(accounts)s) were left out.",
                    accounts=", ".join(others),
                ),
            )
    first = parts[0]
    previous = None
    transactions = []
    for part in parts:
        if normalize_account(part.account_number) != normalize_account(first.account_number):
            raise part.account_where.error(
                _lt(
                    "this statement is for account %(account)s, but the file starts with "
                    "account %(first_account)s. Import one account per file, into its own bank "
                    "journal.",
                    account=part.account_number,
                    first_account=first.account_number,
                )
            )
        if part.currency != first.currency:
            raise part.account_where.error(
                _lt(
                    "this statement is in %(currency)s, but the file starts with a statement "
                    "in %(first_currency)s. One file must hold one currency.",
                    currency=part.currency,
                    first_currency=first.currency,
                )
            )
        check_balance(
            part.opening_balance, part.closing_balance, part.transactions, part.closing_where
        )
        _check_continuity(previous, part)
        transactions.extend(part.transactions)
        previous = part
    transactions, reference_notes = _drop_repeated_references(transactions)
    last = parts[-1]
    statement_id = first.statement_id
    if len(parts) > 1 and last.statement_id != first.statement_id:
        statement_id = f"{first.statement_id} - {last.statement_id}"
    closing = last.closing_balance
    return ParsedStatement(
        file_format=file_format,
        account_number=normalize_account(first.account_number),
        currency=first.currency,
        transactions=tuple(transactions),
        opening_balance=first.opening_balance,
        closing_balance=closing,
        statement_id=statement_id,
        statement_date=closing.reference_date if closing else last.end_date,
        start_date=first.start_date,
        end_date=last.end_date,
        encoding=encoding,
        notes=notes + reference_notes,
    )


def _select_account(parts, account):
    """Return ``(parts of account, other account numbers)``; raise if none is ``account``.

    Parts that do not name their account are all kept: only the user can tell.
    """
    if not any(part.account_number for part in parts):
        return parts, []
    wanted = _domestic_part(normalize_account(account))
    kept = [
        part for part in parts if _domestic_part(normalize_account(part.account_number)) == wanted
    ]
    accounts = sorted({normalize_account(part.account_number) for part in parts})
    if not kept:
        raise FileImportError(
            _lt(
                "The file has no statement of account %(account)s; it holds statements of "
                "%(accounts)s. Upload it in the journal of that account.",
                account=normalize_account(account),
                accounts=", ".join(accounts),
            )
        )
    own = normalize_account(kept[0].account_number)
    return kept, [number for number in accounts if number != own]


def _check_continuity(previous, part):
    """Raise unless ``part`` opens with the balance ``previous`` closed with."""
    if previous is None or previous.closing_balance is None or part.opening_balance is None:
        return
    if previous.closing_balance.amount != part.opening_balance.amount:
        currency = part.currency
        raise part.opening_where.error(
            _lt(
                "this statement opens with %(opening)s, but the previous statement in the file "
                "closed with %(previous_closing)s. A statement is missing in between, or "
                "statements are repeated or out of order.",
                opening=format_money(part.opening_balance.amount, currency),
                previous_closing=format_money(previous.closing_balance.amount, currency),
            )
        )


def _drop_repeated_references(transactions):
    """Blank ``provider_id`` where a bank reference is not unique within the file.

    mBank's CompanyNet MT940 gives a transfer and its fees the same ``:61:`` reference
    (public sample in ksdev-pl/mbank-mt940-parser). Used as de-duplication ids, the second
    would be dropped as a duplicate of the first: money silently lost. Without an id the
    de-duplication falls back to a content fingerprint, which tells them apart.
    """
    counts = {}
    for transaction in transactions:
        if transaction.provider_id:
            counts[transaction.provider_id] = counts.get(transaction.provider_id, 0) + 1
    repeated = {reference for reference, count in counts.items() if count > 1}
    if not repeated:
        return transactions, ()
    cleaned = [
        dataclasses.replace(transaction, provider_id="")
        if transaction.provider_id in repeated
        else transaction
        for transaction in transactions
    ]
    note = _lt(
        "%(count)s transactions share a bank reference (%(references)s); they are told apart "
        "by their content instead.",
        count=sum(counts[reference] for reference in repeated),
        references=", ".join(sorted(repeated)[:5]),
    )
    return cleaned, (note,)
