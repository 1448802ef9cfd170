"""Bank statement files, the fallback for banks without a PSD2 connection.

Three formats are read: mBank's CSV list of operations, MT940 (with the Polish ``:86:``
dialects) and ISO 20022 camt.053 XML. The result is a :class:`ParsedStatement` holding
normalized :class:`~engine.records.Transaction` records, which go through the same
de-duplication and matching as transactions from a PSD2 feed.

Usage::

    from engine.fileimport import FileImportError, parse_statement_file

    try:
        statement = parse_statement_file(data, filename="wyciag.sta")
    except FileImportError as error:
        ...  # show the error to the user: it names the line and what is wrong

``str(error)`` is English; ``error.args[0]`` is an :class:`engine.i18n.Text` that the Odoo
layer renders in the user's language (``models/engine_text.py``).

Parsing is all-or-nothing (see :mod:`.common`).
"""

import codecs
import re

from ..i18n import Text, _lt
from . import camt053, mbank_csv, mt940
from .common import MAX_FILE_SIZE, FileImportError, ParsedStatement, decode_text

#: Format names returned by :func:`detect_format`, as in :attr:`ParsedStatement.file_format`.
FORMATS = (mbank_csv.FORMAT, mt940.FORMAT, camt053.FORMAT)

#: How much of the file :func:`detect_format` looks at; every format announces itself
#: within its first lines.
_SNIFF_SIZE = 64 * 1024
_HTML_RE = re.compile(r"<\s*(?:!doctype\s+html|html|head|body)\b", re.IGNORECASE)
_MT940_START_RE = re.compile(r"(?:^|[\r\n\x01]|\{4:)[ \t]*:20:")
_MT940_ACCOUNT_RE = re.compile(r"[\r\n][ \t]*:25:")
_MBANK_HEADER_RE = re.compile(r"#Data (?:operacji|ksi)", re.IGNORECASE)


def _unsupported():
    return _lt(
        "This file is not in a format that can be imported. Upload an mBank CSV list of "
        "operations, an MT940 statement (.sta, .mt940, .txt) or an ISO 20022 camt.053 XML "
        "statement exported from your bank."
    )


def detect_format(data, filename=None):
    """Return the format of ``data`` (bytes): one of :data:`FORMATS`.

    Looks at the content only; ``filename`` just sharpens the error message. Raises
    :class:`FileImportError` for empty or oversized files and for things that are clearly
    not a statement: a web page (a bank's error or login page saved by mistake), a PDF, a
    ZIP or Excel workbook, or another ISO 20022 message (camt.052, camt.054, pain.001...).
    """
    data = _as_bytes(data)
    if not data.strip():
        raise FileImportError(_lt("The file is empty."))
    if len(data) > MAX_FILE_SIZE:
        raise FileImportError(
            _lt(
                "The file is larger than %(size)s MB. Bank statement exports are much smaller; "
                "export a shorter period or check that this is the right file.",
                size=MAX_FILE_SIZE // (1024 * 1024),
            )
        )
    if data.startswith(b"%PDF"):
        raise FileImportError(
            _lt(
                "This is a PDF document. PDF statements cannot be read; download the "
                "statement as MT940, CSV or camt.053 XML instead."
            )
        )
    if data.startswith(b"PK\x03\x04"):
        raise FileImportError(
            _lt(
                "This is a compressed (ZIP) file or an Excel workbook. Unpack it, or export "
                "the statement as MT940, CSV or camt.053 XML."
            )
        )
    head = _head_text(data)
    stripped = head.lstrip("\ufeff \t\r\n")
    if _HTML_RE.search(head[:4096]):
        raise FileImportError(
            _lt(
                "This is a web page (HTML), not a bank statement; the bank's site probably "
                "showed an error or a login page instead of the file. Download the statement "
                "again."
            )
        )
    if stripped.startswith("<"):
        message_type = camt053.message_type(head)
        if message_type == ("camt", "053"):
            return camt053.FORMAT
        if message_type is not None:
            raise camt053.wrong_message_error(*message_type)
        raise FileImportError(
            _lt(
                "This XML file is not an ISO 20022 camt.053 bank statement. %(formats)s",
                formats=_unsupported(),
            )
        )
    if _MT940_START_RE.search(head) and _MT940_ACCOUNT_RE.search(head):
        return mt940.FORMAT
    if _MBANK_HEADER_RE.search(head):
        return mbank_csv.FORMAT
    if filename and filename.lower().endswith((".xls", ".xlsx", ".ods", ".pdf")):
        raise FileImportError(
            Text(
                "%(formats)s %(hint)s",
                formats=_unsupported(),
                hint=_lt("Spreadsheets and PDF files cannot be read."),
            )
        )
    raise FileImportError(_unsupported())


def parse_statement_file(data, filename=None, *, account=None):
    """Parse a bank statement file and return its :class:`ParsedStatement`.

    ``data`` is the file's bytes as uploaded; ``filename`` is optional and only used in
    messages. ``account`` is the IBAN or NRB of the journal the file is uploaded to: from a
    file with several accounts (MT940, camt.053) only that account's statements are taken,
    and a file that is recognisably for another account is refused. Without it, a file with
    several accounts is refused.

    Raises :class:`FileImportError` (a :class:`~engine.errors.BadPayload`) with a sentence
    naming the line or element at fault; nothing is returned partially.
    """
    data = _as_bytes(data)
    file_format = detect_format(data, filename)
    if file_format == camt053.FORMAT:
        statement = camt053.parse(data, account=account)
    else:
        text, encoding = decode_text(data)
        if file_format == mt940.FORMAT:
            statement = mt940.parse(text, encoding=encoding, account=account)
        else:
            statement = mbank_csv.parse(text, encoding=encoding)
    if account and statement.account_matches(account) is False:
        raise FileImportError(
            _lt(
                "This file is for account %(file_account)s, not for %(account)s. Upload it in "
                "the journal of that account.",
                file_account=statement.account_number or statement.account_label,
                account=account,
            )
        )
    return statement


def _as_bytes(data):
    if isinstance(data, bytearray | memoryview):
        return bytes(data)
    if not isinstance(data, bytes):
        raise TypeError(f"Statement files are read from bytes, not {type(data).__name__}.")
    return data


def _head_text(data):
    """The start of the file as text, for sniffing (markers are all ASCII)."""
    head = data[:_SNIFF_SIZE]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return head.decode("utf-16", errors="replace")
    return head.removeprefix(codecs.BOM_UTF8).decode("latin-1")


__all__ = [
    "FORMATS",
    "MAX_FILE_SIZE",
    "FileImportError",
    "ParsedStatement",
    "detect_format",
    "parse_statement_file",
]
