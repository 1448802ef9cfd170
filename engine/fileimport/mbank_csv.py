"""mBank's CSV list of operations ("Lista operacji"), retail and mBiznes.

Layout facts used here, and where they come from:

- Semicolon-separated, ``"`` quotes, Windows-1250 (older exports) or UTF-8 with BOM. A block
  of metadata comes first: bank address, ``#Klient``, ``#Za okres:`` followed by
  ``DD.MM.YYYY;DD.MM.YYYY``, ``#dla rachunków:`` followed by ``<name> - <26-digit NRB>``
  lines, and ``#Waluta;#Wpływy;#Wydatki;`` followed by one ``PLN;17 309,96;-6 422,92;`` row
  per currency (a real mBiznes export committed in byrek/mBank-MT940,
  ``lista_operacji_250201_250228_*.csv``). Then the table:
  ``#Data operacji;#Opis operacji;#Rachunek;#Kategoria;#Kwota;#Saldo po operacji;``, newest
  operation first; some retail exports stop at ``#Kwota;`` (public importers match both).
- Amounts: ``-1 234,56 PLN`` or ``1 234,56`` (space thousands, comma decimals, currency
  inside the cell). ``#Rachunek`` holds the account's name and masked number
  (``mBiznes konto Standard 4811 ... 0685``).
- ``#Opis operacji`` packs several fields, padded with spaces (measured on the byrek export):
  ``NAME, TITLE`` + two spaces + the payer's address (lines of 35 characters, plus one
  space) + the operation type padded to 82 characters + the counterparty account + two
  spaces. Bank fees carry only the operation type (``OPŁATA PRZELEW ZEW.DOWOL.BIEŻĄCY``).
  An operation not settled yet says ``transakcja nierozliczona`` on a line of its own
  inside that cell (leolabs/you-need-a-parser, ``packages/ynap-parsers/src/pl/mbank``).
- The older statement-like export (yay6/ofxstatement-polish, ``mbank_pl.py``) has
  ``#Data operacji;#Data księgowania;#Opis operacji;#Tytuł;#Nadawca/Odbiorca;#Numer konta;
  #Kwota;#Saldo po operacji;`` with ``#Saldo początkowe`` before and ``#Saldo końcowe``
  after the table, and ``#Numer rachunku``/``#Waluta`` above it. Columns are found by
  name, so both layouts are read.

mBank gives no transaction reference, so ``provider_id`` stays ``""`` and de-duplication
uses the content fingerprint. The running balance ("Saldo po operacji") and the totals at
the top are checked: a list exported with a search filter, cut short or edited is refused.
"""

import csv
import dataclasses
import datetime
import io
import itertools
import re
import unicodedata
from decimal import Decimal

from ..errors import BadPayload
from ..i18n import _lt
from ..records import Balance
from .common import (
    CLOSING_BOOKED,
    OPENING_BOOKED,
    FileImportError,
    ParsedStatement,
    Place,
    amount_in,
    currency_at,
    format_money,
    line_error,
    looks_like_account,
    make_transaction,
    masked_account_matches,
    normalize_account,
)

FORMAT = "mbank_csv"

_MONEY_RE = re.compile(r"^(?P<number>[-+]?[\d\s\u00a0.,]*\d)\s*(?P<currency>[A-Za-z]{3})?$")
_DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d-%m-%Y", "%d/%m/%Y")
#: ``NAME, TITLE  address  OPERATION TYPE  ACCOUNT`` with an IBAN or a 26-digit NRB last.
_WITH_ACCOUNT_RE = re.compile(
    r"^(?P<head>.*\S)\s{2,}(?P<account>[A-Z]{2}\d{2}[A-Z0-9]{10,30}|\d{26})\s*$", re.DOTALL
)
_OPERATION_RE = re.compile(r"\s{2,}(?P<operation>\S+(?: \S+)*)\s*$")
#: The payer's address is 1 to 4 lines of 35 characters plus one space.
_ADDRESS_LINES = (4, 3, 2, 1)
_ADDRESS_LINE_WIDTH = 35
_PENDING_MARK = "transakcja nierozliczona"
_ACCOUNT_IN_LIST_RE = re.compile(r"-\s*([\d ]{26,40})\s*$")


@dataclasses.dataclass
class _Row:
    line: int
    date: datetime.date
    amount: Decimal
    currency: str
    balance: Decimal | None
    is_pending: bool
    account_label: str
    values: dict
    has_own_columns: bool


@dataclasses.dataclass
class _Header:
    """What the metadata block above the table says."""

    period: tuple = ()
    accounts: list = dataclasses.field(default_factory=list)
    currency: str = ""
    totals: list = dataclasses.field(default_factory=list)
    opening: tuple = ()
    closing: tuple = ()


def parse(text, *, encoding=""):
    """Parse an mBank CSV export into one :class:`~.common.ParsedStatement`.

    Raises :class:`~.common.FileImportError` naming the line for a missing table, a date or
    amount that does not parse, operations of two accounts or two currencies in one file,
    a running balance that breaks (filtered or edited list) and totals that do not match.
    """
    records = _records(text)
    header = _Header()
    for index, (line, cells) in enumerate(records):
        if _is_table_header(cells):
            columns = _columns(cells, line)
            rows = _rows(records[index + 1 :], columns, header)
            return _statement(rows, header, encoding)
        _read_metadata(header, records, index)
    raise FileImportError(
        _lt(
            "The file has no table of operations (no '#Data operacji;#Opis operacji;...' "
            "header line), so it is not an mBank list of operations."
        )
    )


def _is_table_header(cells):
    return (
        bool(cells)
        and cells[0].lstrip().startswith("#")
        and _fold(cells[0]).startswith(("data operacji", "data ksiegowania"))
    )


def _records(text):
    """Return ``[(first line number, cells)]``; cells may span lines inside quotes."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";", quotechar='"')
    records = []
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return records
        except csv.Error as error:
            raise line_error(
                reader.line_num,
                _lt("the line cannot be read as CSV (%(error)s).", error=str(error)),
            ) from error
        records.append((start, cells))


def _fold(text):
    """Lower case, no diacritics, no ``#`` or trailing ``:``; for comparing labels."""
    text = text.strip().lstrip("#").strip().rstrip(":").strip().lower().replace("ł", "l")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _read_metadata(header, records, index):
    """Read the value rows that follow a ``#Label`` row of the metadata block."""
    line, cells = records[index]
    cells = [cell.strip() for cell in cells]
    if not cells or not cells[0].startswith("#"):
        return
    labels = [_fold(cell) for cell in cells if cell]
    values = list(_value_rows(records, index + 1))
    if labels[0] == "saldo poczatkowe" and len(cells) > 1:
        header.opening = (line, cells[1])
    if not values:
        return
    first_line, first_cells = values[0]
    if labels[0] == "za okres":
        # Informative only: an unreadable period does not make the operations unreadable.
        header.period = tuple(_date(cell, 0) for cell in first_cells[:2] if _is_date(cell))
    elif labels[0] in ("dla rachunkow", "numer rachunku"):
        header.accounts.extend(_account_from_list(cells[0]) for _line, cells in values)
    elif labels[:3] == ["waluta", "wplywy", "wydatki"]:
        header.totals = values
        header.currency = header.currency or _currency(first_cells[0], first_line)
    elif labels[0] == "waluta":
        header.currency = _currency(first_cells[0], first_line)


def _value_rows(records, start):
    """Yield ``(line, cells)`` of the non-empty, non-label rows from ``start`` on."""
    for line, cells in records[start:]:
        cells = [cell.strip() for cell in cells]
        if not any(cells) or cells[0].startswith("#"):
            return
        yield line, cells


def _account_from_list(text):
    """``mBiznes konto Standard - 48114020040000340281920685`` gives the NRB."""
    match = _ACCOUNT_IN_LIST_RE.search(text)
    return normalize_account(match.group(1)) if match else normalize_account(text)


def _columns(cells, line):
    columns = {_fold(cell): position for position, cell in enumerate(cells) if cell.strip()}
    missing = [name for name in ("kwota", "opis operacji") if name not in columns]
    if missing or not ({"data operacji", "data ksiegowania"} & set(columns)):
        raise line_error(
            line,
            _lt(
                "the table header lacks a date, '#Opis operacji' or '#Kwota' column, so the "
                "operations cannot be read."
            ),
        )
    return columns


def _rows(records, columns, header):
    """Read the table rows (and the ``#Saldo końcowe`` footer of the older layout)."""
    rows = []
    date_column = columns.get("data ksiegowania", columns.get("data operacji"))
    for line, cells in records:
        if not any(cell.strip() for cell in cells):
            continue
        labels = [position for position, cell in enumerate(cells) if cell.strip()[:1] == "#"]
        if labels and not _is_date(cells[date_column] if date_column < len(cells) else ""):
            # A summary line below the table, such as the older layout's "#Saldo końcowe".
            position = labels[0]
            if _fold(cells[position]) == "saldo koncowe" and position + 1 < len(cells):
                header.closing = (line, cells[position + 1])
            continue
        if len(cells) <= max(columns.values()):
            raise line_error(
                line,
                _lt(
                    "this line has %(count)s columns, fewer than the table header; the file "
                    "is damaged.",
                    count=len(cells),
                ),
            )
        rows.append(_row(line, cells, columns, date_column, header))
    return rows


def _row(line, cells, columns, date_column, header):
    def cell(name):
        position = columns.get(name)
        return cells[position] if position is not None else ""

    amount, currency = _money(cell("kwota"), line, header.currency)
    balance_text = cell("saldo po operacji").strip()
    balance = _money(balance_text, line, currency)[0] if balance_text else None
    description = cell("opis operacji")
    values = {
        "operation_date": cell("data operacji").strip(),
        "description": description,
        "title": cell("tytul"),
        "name": cell("nadawca/odbiorca"),
        "account": cell("numer konta"),
        "category": cell("kategoria").strip(),
    }
    return _Row(
        line=line,
        date=_date(cells[date_column], line),
        amount=amount,
        currency=currency,
        balance=balance,
        is_pending=_PENDING_MARK in _fold(description),
        account_label=" ".join(cell("rachunek").split()),
        values=values,
        has_own_columns="tytul" in columns,
    )


def _money(text, line, default_currency):
    """Return ``(amount, currency)`` from ``-1 234,56 PLN`` or ``1 234,56``."""
    match = _MONEY_RE.match(text.strip())
    if not match:
        raise line_error(
            line, _lt("the amount %(amount)s is not a number.", amount=repr(text.strip()[:40]))
        )
    currency = _currency(match["currency"], line) if match["currency"] else default_currency
    if not currency:
        raise line_error(
            line, _lt("the amount has no currency and the file does not say its currency.")
        )
    try:
        return amount_in(match["number"], currency), currency
    except BadPayload as error:
        raise line_error(
            line, _lt("the amount %(amount)s is not a valid amount.", amount=repr(text.strip()))
        ) from error


def _currency(code, line):
    return currency_at(code, Place.at_line(line))


def _is_date(text):
    try:
        _date(text, 0)
    except FileImportError:
        return False
    return True


def _date(text, line):
    text = text.strip()
    for date_format in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, date_format).date()
        except ValueError:
            continue
    raise line_error(line, _lt("%(date)s is not a valid date.", date=repr(text[:20])))


def _statement(rows, header, encoding):
    if not rows:
        raise FileImportError(
            _lt("The list of operations is empty: there is nothing to import for this period.")
        )
    _check_same_account_and_currency(rows, header)
    chronological = _chronological(rows)
    opening, closing = _balances(chronological, header)
    _check_totals(rows, header)
    booked = [row for row in chronological if not row.is_pending]
    notes = ()
    if len(booked) < len(rows):
        notes = (
            _lt(
                "%(count)s operations not settled yet (transakcja nierozliczona) were left "
                "out; they will come in a later export once booked.",
                count=len(rows) - len(booked),
            ),
        )
        opening = closing = None  # the bank's running balance includes them
    transactions = tuple(_transaction(row) for row in booked)
    currency = rows[0].currency
    start = header.period[0] if header.period else chronological[0].date
    end = header.period[-1] if header.period else chronological[-1].date
    return ParsedStatement(
        file_format=FORMAT,
        account_number=_statement_account(header, rows),
        currency=currency,
        transactions=transactions,
        opening_balance=_balance(opening, currency, start, OPENING_BOOKED),
        closing_balance=_balance(closing, currency, end, CLOSING_BOOKED),
        statement_id=f"{start} - {end}" if start and end else "",
        statement_date=end,
        start_date=start,
        end_date=end,
        account_label=rows[0].account_label,
        encoding=encoding,
        notes=notes,
    )


def _balance(amount, currency, day, balance_type):
    return None if amount is None else Balance(balance_type, amount, currency, day)


def _check_same_account_and_currency(rows, header):
    for row in rows:
        if row.account_label != rows[0].account_label:
            raise line_error(
                row.line,
                _lt(
                    "this operation is on account '%(account)s', but the list starts with "
                    "account '%(first_account)s'. Export one account per file.",
                    account=row.account_label,
                    first_account=rows[0].account_label,
                ),
            )
        expected = header.currency or rows[0].currency
        if row.currency != expected:
            raise line_error(
                row.line,
                _lt(
                    "this operation is in %(currency)s, but the file is in "
                    "%(file_currency)s. Export one currency per file.",
                    currency=row.currency,
                    file_currency=expected,
                ),
            )


def _chronological(rows):
    """Return ``rows`` oldest first; mBank lists the newest first.

    The dates decide; when all operations share one date, the running balance does.
    """
    if len(rows) < 2 or rows[0].date < rows[-1].date:
        return list(rows)
    if rows[0].date > rows[-1].date:
        return list(reversed(rows))
    reversed_rows = list(reversed(rows))
    return reversed_rows if _first_break(reversed_rows) is None else list(rows)


def _first_break(rows):
    """Return ``(previous, row)`` where the running balance breaks, else ``None``."""
    for previous, row in itertools.pairwise(rows):
        if previous.balance is None or row.balance is None:
            continue
        if previous.balance + row.amount != row.balance:
            return previous, row
    return None


def _balances(chronological, header):
    """Check the running balance and return the ``(opening, closing)`` amounts it implies."""
    broken = _first_break(chronological)
    if broken:
        previous, row = broken
        currency = row.currency
        raise line_error(
            row.line,
            _lt(
                "the balance after this operation (%(balance)s) does not follow from the "
                "balance after the operation on line %(previous_line)s (%(previous_balance)s) "
                "and this amount (%(amount)s). The list is incomplete (exported with a search "
                "filter?) or has been edited; export the full list for the period again.",
                balance=format_money(row.balance, currency),
                previous_line=previous.line,
                previous_balance=format_money(previous.balance, currency),
                amount=format_money(row.amount, currency),
            ),
        )
    opening = closing = None
    if chronological and all(row.balance is not None for row in chronological):
        opening = chronological[0].balance - chronological[0].amount
        closing = chronological[-1].balance
    currency = chronological[0].currency if chronological else header.currency
    if header.opening:
        line, text = header.opening
        stated = _money(text, line, currency)[0]
        if opening is not None and stated != opening:
            raise line_error(
                line,
                _lt(
                    "the opening balance %(stated)s does not match the first operation's "
                    "balance, which implies %(implied)s.",
                    stated=format_money(stated, currency),
                    implied=format_money(opening, currency),
                ),
            )
        opening = stated
    if header.closing:
        line, text = header.closing
        closing = _money(text, line, currency)[0]
        total = sum((row.amount for row in chronological), Decimal(0))
        if opening is not None and opening + total != closing:
            raise line_error(
                line,
                _lt(
                    "the closing balance %(closing)s does not equal the opening balance "
                    "%(opening)s plus the operations (%(total)s). The file is incomplete or "
                    "has been edited.",
                    closing=format_money(closing, currency),
                    opening=format_money(opening, currency),
                    total=format_money(total, currency),
                ),
            )
    return opening, closing


def _check_totals(rows, header):
    """Compare the ``#Wpływy``/``#Wydatki`` totals above the table with the operations."""
    for line, cells in header.totals:
        currency = _currency(cells[0], line)
        if len(cells) < 3:
            continue
        income = _money(cells[1], line, currency)[0] if cells[1].strip() else Decimal(0)
        expenses = _money(cells[2], line, currency)[0] if cells[2].strip() else Decimal(0)
        amounts = [row.amount for row in rows if row.currency == currency]
        listed_income = sum((amount for amount in amounts if amount > 0), Decimal(0))
        listed_expenses = sum((amount for amount in amounts if amount < 0), Decimal(0))
        if (income, abs(expenses)) != (listed_income, abs(listed_expenses)):
            raise line_error(
                line,
                _lt(
                    "the totals at the top of the file (income %(income)s, expenses "
                    "%(expenses)s) do not match the operations listed (income "
                    "%(listed_income)s, expenses %(listed_expenses)s). The file is incomplete "
                    "or has been edited.",
                    income=format_money(income, currency),
                    expenses=format_money(abs(expenses), currency),
                    listed_income=format_money(listed_income, currency),
                    listed_expenses=format_money(abs(listed_expenses), currency),
                ),
            )


def _statement_account(header, rows):
    """The full NRB from ``#dla rachunków:``, picked by the masked number of the rows."""
    accounts = [account for account in header.accounts if looks_like_account(account)]
    if len(accounts) <= 1:
        return accounts[0] if accounts else ""
    for account in accounts:
        if masked_account_matches(rows[0].account_label, account):
            return account
    return ""


def _transaction(row):
    values = row.values
    if row.has_own_columns:
        # Older layout: title, name and account have their own columns.
        name, title, account = values["name"], values["title"], values["account"]
        operation, address = values["description"], ""
    else:
        name, title, operation, account, address = split_description(values["description"])
    return make_transaction(
        provider_id="",
        booking_date=row.date,
        amount=row.amount,
        currency=row.currency,
        counterparty_name=name,
        counterparty_account=account,
        remittance=title or operation,
        raw={
            "line": row.line,
            "description": values["description"],
            "operation": operation,
            "address": address,
            "operation_date": values["operation_date"],
            "category": values["category"],
            "account_label": row.account_label,
            "balance_after": str(row.balance) if row.balance is not None else "",
        },
    )


def split_description(text):
    """Split mBank's ``#Opis operacji`` into ``(name, title, operation, account, address)``.

    >>> split_description("TME, 1251071422" + " " * 73 + "PRZELEW ZEWNĘTRZNY WYCHODZĄCY"
    ...                   + " " * 53 + "40102033520000140202603231  ")[:4]
    ('TME', '1251071422', 'PRZELEW ZEWNĘTRZNY WYCHODZĄCY', '40102033520000140202603231')
    """
    match = _WITH_ACCOUNT_RE.match(text)
    if not match:
        # Fees, card payments: no counterparty account, keep the text as the title.
        return "", " ".join(text.split()), "", "", ""
    head = match["head"]
    operation_match = _OPERATION_RE.search(head)
    if operation_match:
        body, operation = head[: operation_match.start("operation")], operation_match["operation"]
    else:
        body, operation = head, ""
    name_and_title, address = _split_address(body)
    name, _comma, title = name_and_title.partition(", ")
    return (
        " ".join(name.split()),
        " ".join(title.split()),
        operation,
        match["account"],
        " ".join(address.split()),
    )


def _split_address(body):
    """Separate ``NAME, TITLE`` from the payer's address that follows it.

    The address block is n lines of 35 characters plus one space, right before the
    operation type, and two spaces separate it from the title. A title may itself contain
    double spaces, so the block is found by its width, trying the longest first.
    """
    for lines in _ADDRESS_LINES:
        width = lines * _ADDRESS_LINE_WIDTH + 1
        prefix = body[:-width]
        if len(body) > width + 2 and prefix.endswith("  ") and not prefix[-3].isspace():
            return prefix, body[-width:]
    first, _sep, rest = body.strip().partition("  ")
    return first, rest
