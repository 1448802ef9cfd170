"""Reading the command-line JSON records into matcher objects, leniently.

The command-line contract (``python -m engine.match``) feeds the matcher exports from other
systems: ids may be numbers, amounts numbers or strings (``"1 234,56"``), fields null or
missing. A document that cannot be read is skipped (it cannot be matched anyway); a transfer
that cannot be read still gets an answer, an empty suggestion saying why, so that the output
keeps one entry per input transfer.
"""

import contextlib
import datetime
import re

from ..errors import BadPayload
from ..records import parse_amount, parse_currency, parse_date
from .identifiers import normalize_account, normalize_vat
from .model import MOVE_TYPES, BankTransfer, OpenDocument, Party
from .normalize import fold

#: Currency assumed when a record carries none (the engine serves Polish companies).
DEFAULT_CURRENCY = "PLN"
_POLISH_DATE_RE = re.compile(r"^(\d{1,2})[./-](\d{1,2})[./-](\d{4})$")


class RecordError(ValueError):
    """A JSON record cannot become a matcher object; the message says which field and why."""


def _text(value):
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "\n".join(_text(part) for part in value)
    return str(value)


def _id(value):
    if value is None or isinstance(value, dict | list):
        raise RecordError("missing or invalid id")
    return str(value)


def _optional_date(value):
    """Return a date from ISO text (or ``DD.MM.YYYY``, as Polish exports write it), or None."""
    if value in (None, ""):
        return None
    with contextlib.suppress(BadPayload):
        return parse_date(value)
    match = _POLISH_DATE_RE.match(str(value).strip())
    if match:
        day, month, year = (int(part) for part in match.groups())
        try:
            return datetime.date(year, month, day)
        except ValueError:
            return None
    return None


def _currency(value):
    if value in (None, ""):
        return DEFAULT_CURRENCY
    if isinstance(value, str) and fold(value) in ("ZL", "PLZ"):
        return "PLN"
    try:
        return parse_currency(value)
    except BadPayload as error:
        raise RecordError(str(error)) from error


def _amount(value, field):
    try:
        return parse_amount(value)
    except BadPayload as error:
        raise RecordError(f"{field}: {error}") from error


def party_key(partner):
    """Return a stable key for a partner given only as ``{"name", "vat", "ibans"}``.

    The JSON contract has no partner id, so the NIP identifies a partner when there is one,
    then the folded name with its accounts, then the first account.
    """
    vat = normalize_vat(partner.get("vat"))
    if vat:
        return f"vat:{vat}"
    name = fold(_text(partner.get("name")))
    ibans = partner.get("ibans") or []
    if isinstance(ibans, str):
        ibans = [ibans]
    accounts = sorted(normalize_account(_text(iban)) for iban in ibans if iban)
    if name:
        # Two consumers named Jan Kowalski are two partners: their accounts tell them apart.
        return f"name:{name}|{','.join(accounts)}"
    if accounts:
        return f"iban:{accounts[0]}"
    return ""


def document_from_dict(record):
    """Return an :class:`OpenDocument` for one ``INV.json`` record, or raise RecordError."""
    if not isinstance(record, dict):
        raise RecordError("a document must be a JSON object")
    document_id = _id(record.get("id"))
    move_type = record.get("type") or record.get("move_type")
    if move_type not in MOVE_TYPES:
        raise RecordError(f"unknown document type {move_type!r}")
    partner = record.get("partner") or {}
    if not isinstance(partner, dict):
        partner = {"name": _text(partner)}
    ibans = partner.get("ibans") or []
    if isinstance(ibans, str):
        ibans = [ibans]
    key = party_key(partner) or f"document:{document_id}"
    total = _amount(record.get("amount_total"), "amount_total")
    residual_value = record.get("amount_residual")
    residual = total if residual_value is None else _amount(residual_value, "amount_residual")
    tax_value = record.get("amount_tax")
    return OpenDocument(
        id=document_id,
        number=_text(record.get("number")),
        move_type=move_type,
        partner=Party(
            key=key,
            name=_text(partner.get("name")),
            vat=_text(partner.get("vat")),
            ibans=tuple(_text(iban) for iban in ibans if iban),
        ),
        amount_total=abs(total),
        amount_residual=abs(residual),
        currency=_currency(record.get("currency")),
        date=_optional_date(record.get("date")),
        due_date=_optional_date(record.get("due_date")),
        payment_reference=_text(record.get("payment_reference")),
        references=tuple(_text(ref) for ref in record.get("references") or () if ref),
        amount_tax=None if tax_value is None else abs(_amount(tax_value, "amount_tax")),
    )


def transfer_from_dict(record):
    """Return a :class:`BankTransfer` for one ``TX.json`` record, or raise RecordError."""
    if not isinstance(record, dict):
        raise RecordError("a transaction must be a JSON object")
    transfer_id = _id(record.get("id"))
    amount = _amount(record.get("amount"), "amount")
    if not amount:
        raise RecordError("amount is zero")
    counterparty = record.get("counterparty") or {}
    if not isinstance(counterparty, dict):
        counterparty = {"name": _text(counterparty)}
    return BankTransfer(
        id=transfer_id,
        amount=amount,
        currency=_currency(record.get("currency")),
        date=_optional_date(record.get("date")),
        counterparty_name=_text(counterparty.get("name")),
        counterparty_iban=_text(counterparty.get("iban")),
        title=_text(record.get("title")),
    )
