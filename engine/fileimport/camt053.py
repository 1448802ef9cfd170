"""ISO 20022 camt.053 (BankToCustomerStatement) XML statements, versions 001.02 to 001.13.

Layout facts used here (ISO 20022 message definition report for camt.053, and the sample
files of OCA's ``account_statement_import_camt``):

- ``Document/BkToCstmrStmt`` holds ``GrpHdr`` and one or more ``Stmt``; each ``Stmt`` has
  ``Id``, ``Acct/Id/IBAN`` (or ``Acct/Id/Othr/Id``), ``Acct/Ccy``, ``Bal`` (type in
  ``Tp/CdOrPrtry/Cd``: ``OPBD`` opening booked, ``PRCD`` previous closing booked, ``CLBD``
  closing booked) and ``Ntry`` entries.
- ``Ntry``: unsigned ``Amt@Ccy``, ``CdtDbtInd`` (``CRDT``/``DBIT``), optional ``RvslInd``,
  ``Sts`` (a code in 001.02, ``Sts/Cd`` from 001.08), ``BookgDt``/``ValDt`` (``Dt`` or
  ``DtTm``), ``AcctSvcrRef`` (the bank's unique reference), ``NtryRef``, ``BkTxCd`` and
  ``NtryDtls/TxDtls`` (one per payment; several in a batch entry).
- ``RvslInd`` does not flip the sign: ISO's usage rule is that ``CdtDbtInd`` already gives
  the direction of the reversing entry ("if CdtDbtInd is CRDT and RvslInd is true, the
  original operation was a debit").
- ``TxDtls`` amount: ``AmtDtls/TxAmt/Amt`` in 001.02, ``Amt`` (+ ``CdtDbtInd``) from 001.08.
  Parties: ``RltdPties/Dbtr/Nm`` in 001.02, ``RltdPties/Dbtr/Pty/Nm`` from 001.08; accounts
  ``RltdPties/DbtrAcct/Id/IBAN`` or ``../Othr/Id`` (same for ``Cdtr``). Remittance:
  ``RmtInf/Ustrd`` (repeatable) and ``RmtInf/Strd/CdtrRefInf/Ref``; ``Refs/EndToEndId`` is
  ``NOTPROVIDED`` when the payer gave none.

The XML is parsed with the standard library only, after refusing any DTD: statements never
need one, and entity declarations are how "billion laughs" and external-entity attacks
start.
"""

import codecs
import contextlib
import dataclasses
import re
from decimal import Decimal
from xml.etree import ElementTree
from xml.parsers import expat

from ..errors import BadPayload
from ..i18n import _lt
from ..records import Balance, parse_date
from .common import (
    CLOSING_BOOKED,
    OPENING_BOOKED,
    FileImportError,
    Place,
    StatementPart,
    amount_in,
    currency_at,
    decode_text,
    join_wrapped,
    line_error,
    make_transaction,
    merge_parts,
)

FORMAT = "camt053"

_NAMESPACE_RE = re.compile(
    r"urn:iso:std:iso:20022:tech:xsd:(?P<kind>[a-z]{4})\.(?P<number>\d{3})\.\d{3}\.(?P<version>\d{2})"
)
_DTD_RE = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_ENCODING_DECLARATION_RE = re.compile(r"^(\ufeff?<\?xml[^>]*encoding=[\"'])[A-Za-z0-9._-]+([\"'])")
_DECIMAL_RE = re.compile(r"^\d+(?:\.\d+)?$")
#: A purely numeric ``NtryRef`` this short is a position in the statement (1, 2, 3...),
#: restarted every day by some banks, not an id that survives across statements.
_COUNTER_RE = re.compile(r"^\d{1,6}$")
_OPENING_CODES = ("OPBD", "PRCD")
_CLOSING_CODES = ("CLBD",)
_NOT_PROVIDED = "NOTPROVIDED"

#: What other ISO 20022 messages are, for the error shown when one is uploaded instead.
_OTHER_MESSAGES = {
    ("camt", "052"): _lt(
        "This file is an intraday account report (camt.052), not an end-of-day statement."
    ),
    ("camt", "054"): _lt("This file is a debit/credit notification (camt.054), not a statement."),
    ("pain", "001"): _lt(
        "This file is a payment order (pain.001), a file sent to the bank, not a statement."
    ),
    ("pain", "002"): _lt("This file is a payment status report (pain.002), not a statement."),
    ("pain", "008"): _lt(
        "This file is a direct debit order (pain.008), a file sent to the bank, not a statement."
    ),
}


def message_type(head):
    """Return ``(kind, number)`` of the ISO 20022 namespace in ``head`` (``("camt", "053")``).

    ``head`` is the start of the file as text; ``None`` when no ISO 20022 namespace is there.
    """
    match = _NAMESPACE_RE.search(head)
    if match:
        return match["kind"], match["number"]
    if "<BkToCstmrStmt" in head:
        return "camt", "053"
    return None


def wrong_message_error(kind, number):
    """Return the :class:`FileImportError` for an ISO 20022 file that is not a camt.053."""
    what = _OTHER_MESSAGES.get(
        (kind, number),
        _lt("This file is an ISO 20022 %(kind)s.%(number)s message.", kind=kind, number=number),
    )
    # Whole sentences, not "This file is %(what)s": translations inflect the description.
    return FileImportError(
        _lt(
            "%(what)s Export the account statement in camt.053 format "
            "(BankToCustomerStatement) from the bank instead.",
            what=what,
        )
    )


def parse(data, *, account=None):
    """Parse camt.053 ``data`` (bytes) into one :class:`~.common.ParsedStatement`.

    ``account`` selects one account's statements (see :func:`~.common.merge_parts`).

    Raises :class:`~.common.FileImportError` naming the element for another ISO 20022
    message, XML that is malformed or declares a DTD, an amount or indicator that is
    invalid, a currency that differs from the account's, and statements that do not add up,
    do not follow each other, or are for different accounts.
    """
    root, lines, encoding, notes = _parse_xml(data)
    namespace = root.tag[1:].partition("}")[0] if root.tag.startswith("{") else ""
    kind = message_type(namespace) if namespace else ("camt", "053")
    if kind is None:
        raise FileImportError(_lt("This XML file is not an ISO 20022 camt.053 bank statement."))
    if kind != ("camt", "053"):
        raise wrong_message_error(*kind)
    xml = _Xml(namespace, lines)
    statements = xml.findall(root, "BkToCstmrStmt/Stmt")
    if not statements:
        raise FileImportError(
            _lt("The file is a camt.053 message without any statement (no BkToCstmrStmt/Stmt).")
        )
    notes = list(notes)
    parts = [
        _statement_part(xml, statement, index, notes)
        for index, statement in enumerate(statements, 1)
    ]
    return merge_parts(parts, file_format=FORMAT, encoding=encoding, notes=notes, account=account)


def _parse_xml(data):
    """Return ``(root element, {element: line}, encoding, notes)`` of the XML ``data``."""
    _refuse_dtd(data)
    declared = _declared_encoding(data)
    try:
        return (*_build_tree(data), declared, ())
    except expat.ExpatError as error:
        failure = error
    except LookupError as error:
        raise line_error(
            1,
            _lt(
                "the XML declares the encoding %(encoding)s, which does not exist.",
                encoding=repr(declared),
            ),
        ) from error
    if declared == "utf-8" and not _is_utf8(data):
        # Some banks write Windows-1250 or ISO-8859-2 and declare UTF-8 (OCA's camt importer
        # retries in ISO-8859-15 for the same reason). Read it in the encoding it really has.
        text, encoding = decode_text(data)
        text = _ENCODING_DECLARATION_RE.sub(r"\1UTF-8\2", text, count=1)
        with contextlib.suppress(expat.ExpatError):
            root, lines = _build_tree(text.encode("utf-8"))
            note = _lt(
                "The file says it is UTF-8 but is written in %(encoding)s; it was read as such.",
                encoding=encoding,
            )
            return root, lines, encoding, (note,)
    raise line_error(
        failure.lineno,
        _lt(
            "the XML is malformed (the file is damaged or cut off); download it again from "
            "the bank. Parser message: %(parser_message)s.",
            parser_message=expat.errors.messages[failure.code],
        ),
    ) from failure


def _refuse_dtd(data):
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        scanned = data.decode("utf-16", errors="replace").encode("utf-8")
    elif b"\x00" in data:
        raise FileImportError(
            _lt("The file is not a text file, so it is not a camt.053 statement.")
        )
    else:
        scanned = data
    if _DTD_RE.search(scanned):
        raise FileImportError(
            _lt(
                "The XML file declares a document type or entities (<!DOCTYPE>/<!ENTITY>). "
                "Bank statements never do, so it is refused for safety."
            )
        )


def _is_utf8(data):
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _build_tree(data):
    """Parse with expat into ElementTree elements, noting the line each element starts on.

    ElementTree's own parser is expat too, but does not tell lines; messages and ``raw``
    point into the file with them.
    """
    parser = expat.ParserCreate(namespace_separator="}")
    builder = ElementTree.TreeBuilder()
    lines = {}

    def start(name, attributes):
        attributes = {_qualified(key): value for key, value in attributes.items()}
        lines[builder.start(_qualified(name), attributes)] = parser.CurrentLineNumber

    parser.StartElementHandler = start
    parser.EndElementHandler = lambda name: builder.end(_qualified(name))
    parser.CharacterDataHandler = builder.data
    parser.buffer_text = True
    parser.Parse(data, True)
    return builder.close(), lines


def _qualified(name):
    """expat writes ``uri}local``; ElementTree's convention is ``{uri}local``."""
    return "{" + name if "}" in name else name


def _declared_encoding(data):
    """The encoding named in the XML declaration, lower case; XML's default is UTF-8."""
    match = re.match(rb"^(?:\xef\xbb\xbf)?<\?xml[^>]*encoding=[\"']([A-Za-z0-9._-]+)", data)
    encoding = match.group(1).decode("ascii").lower() if match else "utf-8"
    return "utf-8" if encoding == "utf8" else encoding


class _Xml:
    """Element lookups by local name in the message's namespace (whatever its version)."""

    def __init__(self, namespace, lines):
        self.prefix = f"{{{namespace}}}" if namespace else ""
        self.lines = lines

    def place(self, element, description, path):
        """Return the :class:`~.common.Place` of ``element``: line, description and path.

        ``description`` is an ``_lt`` message such as ``statement 1, entry 3``.
        """
        line = self.lines.get(element)
        text = _lt(
            "Line %(line)s, %(description)s (%(path)s)",
            line=line,
            description=description,
            path=path,
        )
        return Place(text, line, path)

    def path(self, path):
        return "/".join(self.prefix + part for part in path.split("/"))

    def find(self, element, path):
        return element.find(self.path(path))

    def findall(self, element, path):
        return element.findall(self.path(path))

    def text(self, element, *paths):
        """Return the stripped text of the first of ``paths`` that has some, else ``""``."""
        for path in paths:
            node = element.find(self.path(path))
            if node is not None and node.text and node.text.strip():
                return node.text.strip()
        return ""

    def texts(self, element, path):
        return [node.text for node in element.findall(self.path(path)) if node.text]


def _statement_part(xml, statement, index, notes):
    where = xml.place(statement, _lt("statement %(index)s", index=index), f"Stmt[{index}]")
    currency = _statement_currency(xml, statement, where)
    balances = _balances(xml, statement, index, currency)
    transactions = []
    for number, entry in enumerate(xml.findall(statement, "Ntry"), 1):
        transactions.extend(_entry_transactions(xml, entry, index, number, currency, notes))
    dates = [transaction.booking_date for transaction in transactions]
    start = _optional_date(xml.text(statement, "FrToDt/FrDtTm"))
    end = _optional_date(xml.text(statement, "FrToDt/ToDtTm"))
    opening, opening_where = balances.get("opening", (None, where))
    closing, closing_where = balances.get("closing", (None, where))
    return StatementPart(
        account_number=xml.text(statement, "Acct/Id/IBAN", "Acct/Id/Othr/Id"),
        currency=currency,
        transactions=transactions,
        opening_balance=opening,
        closing_balance=closing,
        statement_id=xml.text(statement, "Id"),
        account_where=xml.place(
            _first(xml.find(statement, "Acct"), statement),
            _lt("statement %(index)s", index=index),
            f"Stmt[{index}]/Acct",
        ),
        opening_where=opening_where,
        closing_where=closing_where,
        start_date=start or min(dates, default=None),
        end_date=end or max(dates, default=None),
    )


def _first(*elements):
    return next(element for element in elements if element is not None)


def _statement_currency(xml, statement, where):
    code = xml.text(statement, "Acct/Ccy")
    if not code:
        amount = xml.find(statement, "Bal/Amt")
        if amount is None:
            amount = xml.find(statement, "Ntry/Amt")
        code = amount.get("Ccy", "") if amount is not None else ""
    if not code:
        raise where.error(_lt("the statement does not say its currency."))
    return currency_at(code, where)


def _balances(xml, statement, index, currency):
    """Return ``{"opening": (Balance, where), "closing": (Balance, where)}`` as present."""
    found = {}
    for number, node in enumerate(xml.findall(statement, "Bal"), 1):
        code = xml.text(node, "Tp/CdOrPrtry/Cd", "Tp/CdOrPrtry/Prtry").upper()
        where = xml.place(
            node,
            _lt("statement %(index)s, balance %(code)s", index=index, code=code),
            f"Stmt[{index}]/Bal[{number}]",
        )
        if code in _OPENING_CODES:
            role, balance_type = "opening", OPENING_BOOKED
        elif code in _CLOSING_CODES:
            role, balance_type = "closing", CLOSING_BOOKED
        else:
            continue  # interim and available balances are not part of the booked statement
        if role in found and code == "PRCD":
            continue  # OPBD is preferred when a bank sends both
        amount = _signed_amount(xml, node, where, currency)
        day = _optional_date(xml.text(node, "Dt/Dt", "Dt/DtTm"))
        found[role] = (Balance(balance_type, amount, currency, day), where)
    return found


def _signed_amount(xml, node, where, currency):
    """Return ``node``'s ``Amt`` signed by its ``CdtDbtInd``; check it is in ``currency``."""
    amount_node = xml.find(node, "Amt")
    if amount_node is None:
        raise where.error(_lt("the amount (Amt) is missing."))
    amount = _amount(amount_node, where, currency)
    return amount * _sign(xml.text(node, "CdtDbtInd"), where)


def _amount(amount_node, where, currency):
    text = (amount_node.text or "").strip()
    code = amount_node.get("Ccy", currency).strip().upper()
    if code != currency:
        raise where.error(
            _lt(
                "the amount is in %(amount_currency)s, but the statement is in %(currency)s; "
                "the file mixes currencies.",
                amount_currency=code,
                currency=currency,
            )
        )
    if not _DECIMAL_RE.match(text):
        raise where.error(
            _lt(
                "the amount %(amount)s is not a valid amount (expected digits with a dot as "
                "decimal mark, without sign).",
                amount=repr(text[:40]),
            )
        )
    try:
        return amount_in(text, currency)
    except BadPayload as error:
        raise where.error(error.args[0]) from error


def _sign(indicator, where):
    if indicator == "CRDT":
        return 1
    if indicator == "DBIT":
        return -1
    raise where.error(
        _lt(
            "the credit/debit indicator %(indicator)s is neither CRDT nor DBIT.",
            indicator=repr(indicator),
        )
    )


def _optional_date(text):
    if not text:
        return None
    try:
        return parse_date(text)
    except BadPayload:
        return None


@dataclasses.dataclass
class _Entry:
    """What an ``Ntry`` gives every transaction made from it."""

    amount: Decimal
    is_reversal: bool
    reference: str
    fields: dict
    raw: dict
    additional_information: str


def _entry_transactions(xml, entry, index, number, currency, notes):
    """Return the transactions of one ``Ntry``: one, or one per ``TxDtls`` of a batch."""
    path = f"Stmt[{index}]/Ntry[{number}]"
    where = xml.place(
        entry, _lt("statement %(index)s, entry %(number)s", index=index, number=number), path
    )
    status = xml.text(entry, "Sts/Cd", "Sts").upper()
    if status and status != "BOOK":
        notes.append(
            _lt(
                "Statement %(index)s, entry %(number)s has status %(status)s (not booked) and "
                "was left out: only booked entries belong on a statement.",
                index=index,
                number=number,
                status=status,
            )
        )
        return []
    info = _entry(xml, entry, where, currency)
    details = xml.findall(entry, "NtryDtls/TxDtls")
    amounts = _batch_amounts(xml, details, info.amount, currency, where)
    if amounts is None:
        if len(details) > 1:
            notes.append(
                _lt(
                    "Statement %(index)s, entry %(number)s is a batch of %(count)s payments "
                    "without amounts that add up to the entry; it is imported as one line.",
                    index=index,
                    number=number,
                    count=len(details),
                )
            )
        detail = details[0] if len(details) == 1 else None
        reference = info.reference
        if not reference and detail is not None:
            reference = xml.text(detail, "Refs/AcctSvcrRef")
        return [_transaction(xml, info, detail, info.amount, reference, info.raw, details)]
    references = _detail_references(xml, details, info.reference)
    return [
        _transaction(
            xml,
            info,
            detail,
            amount,
            reference,
            dict(info.raw, entry=f"{path}/NtryDtls/TxDtls[{position}]"),
            [detail],
        )
        for position, (detail, amount, reference) in enumerate(
            zip(details, amounts, references, strict=True), 1
        )
    ]


def _entry(xml, entry, where, currency):
    booking_date = _optional_date(
        xml.text(entry, "BookgDt/Dt", "BookgDt/DtTm", "ValDt/Dt", "ValDt/DtTm")
    )
    if booking_date is None:
        raise where.error("the entry has no valid booking date (BookgDt).")
    reference = xml.text(entry, "AcctSvcrRef")
    if not reference:
        entry_ref = xml.text(entry, "NtryRef")
        reference = "" if _COUNTER_RE.match(entry_ref) else entry_ref
    is_reversal = xml.text(entry, "RvslInd").lower() in ("true", "1")
    additional_information = xml.text(entry, "AddtlNtryInf")
    return _Entry(
        amount=_signed_amount(xml, entry, where, currency),
        is_reversal=is_reversal,
        reference=reference,
        fields={
            "booking_date": booking_date,
            "value_date": _optional_date(xml.text(entry, "ValDt/Dt", "ValDt/DtTm")),
            "currency": currency,
            "bank_reference": xml.text(entry, "AcctSvcrRef", "NtryRef"),
        },
        raw={
            "entry": where.path,
            "line": where.line,
            "entry_reference": xml.text(entry, "NtryRef"),
            "bank_transaction_code": _transaction_code(xml, entry),
            "reversal": is_reversal or None,
            "additional_entry_information": additional_information,
        },
        additional_information=additional_information,
    )


def _batch_amounts(xml, details, entry_amount, currency, where):
    """Return the signed amount of each ``TxDtls`` if a batch can be split, else ``None``.

    A batch is split only when every payment states its amount in the account currency and
    they add up to the entry: the entry is what the bank booked, the split must not change
    the statement's total.
    """
    if len(details) < 2:
        return None
    amounts = []
    for detail in details:
        node = xml.find(detail, "Amt")
        if node is None:
            node = xml.find(detail, "AmtDtls/TxAmt/Amt")
        if node is None or node.get("Ccy", currency) != currency:
            return None
        indicator = xml.text(detail, "CdtDbtInd")
        sign = _sign(indicator, where) if indicator else (1 if entry_amount >= 0 else -1)
        amounts.append(_amount(node, where, currency) * sign)
    if sum(amounts, Decimal(0)) != entry_amount:
        return None
    return amounts


def _detail_references(xml, details, entry_reference):
    """Ids for the payments of a split batch.

    Their own bank references if these are unique, else the entry's reference with the
    payment's position, which is stable across re-reads of the statement.
    """
    own = [xml.text(detail, "Refs/AcctSvcrRef") for detail in details]
    if all(own) and len(set(own)) == len(own) and entry_reference not in own:
        return own
    if not entry_reference:
        return [""] * len(details)
    return [f"{entry_reference}/{position}" for position in range(1, len(details) + 1)]


def _transaction(xml, entry, detail, amount, provider_id, raw, remittance_details):
    """Build one transaction from an entry and (optionally) one of its ``TxDtls``."""
    name = account = end_to_end_id = ""
    if detail is not None:
        # The counterparty is the payer of a credit and the payee of a debit; a reversal
        # describes the original payment, whose direction is the opposite.
        is_original_credit = (amount >= 0) != entry.is_reversal
        role = "Dbtr" if is_original_credit else "Cdtr"
        name = xml.text(
            detail,
            f"RltdPties/{role}/Nm",
            f"RltdPties/{role}/Pty/Nm",
            f"RltdPties/{role}/Agt/FinInstnId/Nm",
        )
        account = xml.text(
            detail, f"RltdPties/{role}Acct/Id/IBAN", f"RltdPties/{role}Acct/Id/Othr/Id"
        )
        end_to_end_id = xml.text(detail, "Refs/EndToEndId")
        if end_to_end_id.upper() == _NOT_PROVIDED:
            end_to_end_id = ""
        raw = dict(raw, return_reason=_return_reason(xml, detail))
    remittance = " ".join(
        text for text in (_remittance(xml, one) for one in remittance_details) if text
    )
    return make_transaction(
        provider_id=provider_id,
        amount=amount,
        counterparty_name=name,
        counterparty_account=account,
        remittance=remittance or entry.additional_information,
        end_to_end_id=end_to_end_id,
        raw=raw,
        **entry.fields,
    )


def _return_reason(xml, detail):
    """``AC04 RETURN - CLOSED ACCOUNT`` for a returned payment, for the accountant."""
    parts = (
        xml.text(detail, "RtrInf/Rsn/Cd", "RtrInf/Rsn/Prtry"),
        xml.text(detail, "RtrInf/AddtlInf"),
    )
    return " ".join(part for part in parts if part)


def _remittance(xml, detail):
    """Free-text lines (joined like wrapped title lines) and structured references."""
    parts = [join_wrapped(xml.texts(detail, "RmtInf/Ustrd"))]
    parts += xml.texts(detail, "RmtInf/Strd/CdtrRefInf/Ref")
    parts += xml.texts(detail, "RmtInf/Strd/AddtlRmtInf")
    text = " ".join(" ".join(part.split()) for part in parts if part and part.strip())
    return text or xml.text(detail, "AddtlTxInf")


def _transaction_code(xml, entry):
    domain = [
        xml.text(entry, "BkTxCd/Domn/Cd"),
        xml.text(entry, "BkTxCd/Domn/Fmly/Cd"),
        xml.text(entry, "BkTxCd/Domn/Fmly/SubFmlyCd"),
    ]
    return "-".join(part for part in domain if part) or xml.text(entry, "BkTxCd/Prtry/Cd")
