"""ISO 20022 camt.053 statements: version 001.02 (EUR, batch, reversal) and 001.08 (PLN).

The sample files follow the ISO 20022 message definitions and the layout of the test files of
OCA's ``account_statement_import_camt``; names and accounts are synthetic.
"""

import datetime
import pathlib
from decimal import Decimal

import pytest

from engine.fileimport import FileImportError, parse_statement_file

DATA = pathlib.Path(__file__).parent / "data" / "files"
EUR_002 = "camt053_001_02_eur_ing.xml"
PLN_008 = "camt053_001_08_pln_mbank.xml"


def sample_text(name):
    return (DATA / name).read_text(encoding="utf-8")


def parse_text(text):
    return parse_statement_file(text.encode("utf-8"), "statement.xml")


def line_of(text, needle, start=0):
    """1-based line of the first ``needle`` at or after character ``start``."""
    return text.count("\n", 0, text.index(needle, start)) + 1


def replace_once(text, old, new):
    assert text.count(old) >= 1, old
    return text.replace(old, new, 1)


@pytest.fixture(scope="module")
def eur():
    return parse_statement_file((DATA / EUR_002).read_bytes())


@pytest.fixture(scope="module")
def pln():
    return parse_statement_file((DATA / PLN_008).read_bytes())


# --- camt.053.001.02, EUR ---------------------------------------------------------------------


def test_eur_statement_gives_account_balances_and_dates(eur):
    assert eur.file_format == "camt053"
    assert eur.account_number == "PL88105014451000009071234567"
    assert eur.currency == "EUR"
    assert eur.statement_id == "EUR-2026-311"
    assert eur.opening_balance.amount == Decimal("12500.00")
    assert eur.opening_balance.reference_date == datetime.date(2026, 11, 4)
    assert eur.closing_balance.amount == Decimal("19418.20")
    assert eur.statement_date == datetime.date(2026, 11, 5)
    assert eur.start_date == eur.end_date == datetime.date(2026, 11, 5)
    assert all(t.currency == "EUR" and t.status == "booked" for t in eur.transactions)


def test_single_credit_transfer_gives_payer_reference_and_end_to_end_id(eur):
    transaction = eur.transactions[0]

    assert transaction.provider_id == "2026110500000101"
    assert transaction.amount == Decimal("4180.20")
    assert transaction.booking_date == transaction.value_date == datetime.date(2026, 11, 5)
    assert transaction.counterparty_name == "MUELLER ELEKTRO GMBH"
    assert transaction.counterparty_account == "DE89370400440532013000"
    assert transaction.remittance == "RE 2026-0077 / FV/2026/11/0044"
    assert transaction.end_to_end_id == "RE-2026-0077"
    assert transaction.raw["bank_transaction_code"] == "PMNT-RCDT-ESCT"
    assert transaction.raw["line"] == line_of(sample_text(EUR_002), "<Ntry>")


def test_batch_entry_is_split_into_one_transaction_per_payment(eur):
    """One booking of 2 750.00 covers three customers' payments, each matched on its own."""
    batch = eur.transactions[1:4]

    assert [t.amount for t in batch] == [Decimal("1200.00"), Decimal("950.00"), Decimal("600.00")]
    assert [t.counterparty_name for t in batch] == [
        "VAN DER BERG TECHNIEK B.V.",
        "AUTOHAUS KRAUSE KG",
        "SERVICE TECHNIQUE DUPONT SARL",
    ]
    assert [t.remittance for t in batch] == [
        "FV/2026/11/0045",
        "FV/2026/11/0046",
        "RF18539007547034",
    ]
    assert batch[2].raw["entry"] == "Stmt[1]/Ntry[2]/NtryDtls/TxDtls[3]"


def test_batch_payments_without_own_reference_get_the_entry_reference_and_position(eur):
    """Stable across re-reads of the file, and unique within it."""
    assert [t.provider_id for t in eur.transactions[1:4]] == [
        "2026110500000102/1",
        "2026110500000102/2",
        "2026110500000102/3",
    ]


def test_notprovided_end_to_end_id_is_left_empty(eur):
    assert eur.transactions[2].end_to_end_id == ""


def test_outgoing_transfer_is_negative_with_the_payee_as_counterparty(eur):
    transaction = eur.transactions[4]

    assert transaction.amount == Decimal("-1500.00")
    assert transaction.counterparty_name == "ELEKTRO-IMPORT GMBH"
    assert transaction.counterparty_account == "DE75512108001245126199"


def test_reversal_keeps_the_sign_of_its_indicator_and_the_original_payee(eur):
    """ISO: a CRDT entry with RvslInd reverses a debit; money comes back to the account."""
    returned = eur.transactions[5]

    assert returned.amount == Decimal("1500.00")
    assert returned.raw["reversal"] is True
    assert returned.raw["return_reason"] == "AC04 RETURN - CLOSED ACCOUNT"
    assert returned.counterparty_name == "ELEKTRO-IMPORT GMBH"
    assert returned.provider_id == "2026110500000104"


def test_entry_without_details_takes_its_text_from_additional_entry_information(eur):
    fee = eur.transactions[6]

    assert fee.amount == Decimal("-12.00")
    assert fee.remittance == "OPLATA ZA PRZELEW SEPA"
    assert fee.counterparty_name == ""


def test_batch_payments_with_their_own_bank_references_use_them():
    text = sample_text(EUR_002)
    for number, e2e in enumerate(("INV-2026-11-0045", "NOTPROVIDED", "2026-0450-PL"), 1):
        text = replace_once(
            text,
            f"<EndToEndId>{e2e}</EndToEndId>",
            f"<AcctSvcrRef>B102-{number}</AcctSvcrRef><EndToEndId>{e2e}</EndToEndId>",
        )

    statement = parse_text(text)

    assert [t.provider_id for t in statement.transactions[1:4]] == ["B102-1", "B102-2", "B102-3"]


def test_batch_whose_payments_do_not_add_up_stays_one_line():
    """The entry is what the bank booked; a split that changes the total is not made."""
    text = replace_once(
        sample_text(EUR_002), '<Amt Ccy="EUR">950.00</Amt>', '<Amt Ccy="EUR">900.00</Amt>'
    )

    statement = parse_text(text)

    batch = statement.transactions[1]
    assert len(statement.transactions) == 5
    assert batch.amount == Decimal("2750.00")
    assert batch.provider_id == "2026110500000102"
    assert batch.remittance == "FV/2026/11/0045 FV/2026/11/0046 RF18539007547034"
    assert "batch of 3 payments" in statement.notes[0]


def test_pending_entry_is_left_out_with_a_note():
    text = replace_once(sample_text(EUR_002), "<Sts>BOOK</Sts>", "<Sts>PDNG</Sts>")
    text = text.replace('<Amt Ccy="EUR">19418.20</Amt>', '<Amt Ccy="EUR">15238.00</Amt>', 1)

    statement = parse_text(text)

    assert len(statement.transactions) == 6
    assert "status PDNG (not booked)" in statement.notes[0]


def test_short_numeric_entry_reference_is_not_used_as_id():
    """Banks number entries 1, 2, 3 in every statement; such a number identifies nothing."""
    text = sample_text(EUR_002).replace("<AcctSvcrRef>2026110500000105</AcctSvcrRef>", "")

    fee = parse_text(text).transactions[-1]

    assert fee.provider_id == ""
    assert fee.raw["entry_reference"] == "5"


# --- camt.053.001.08, PLN ---------------------------------------------------------------------


def test_version_08_statement_with_status_code_and_party_wrapper(pln):
    incoming = pln.transactions[0]

    assert pln.account_number == "PL78114020045260181590830166"
    assert pln.opening_balance.amount == Decimal("12460.00")  # from PRCD
    assert pln.closing_balance.amount == Decimal("29678.50")
    assert incoming.provider_id == "EL26308004391000970"
    assert incoming.booking_date == datetime.date(2026, 11, 4)  # from BookgDt/DtTm
    assert incoming.counterparty_name == "KOWALCZYK-BUD SPÓŁKA JAWNA"
    assert incoming.counterparty_account == "84116022025181909378657975"  # Othr/Id
    assert incoming.end_to_end_id == ""


def test_unstructured_lines_cut_at_35_characters_join_without_a_space(pln):
    assert pln.transactions[0].remittance == (
        "/VAT/3450,00/IDC/7114710499/INV/FV/2026/11/0051/TXT/ZAPLATA FAKTURY"
    )


def test_statement_declared_in_windows_1250_is_read_in_it():
    text = sample_text(PLN_008).replace('encoding="UTF-8"', 'encoding="windows-1250"')

    statement = parse_statement_file(text.encode("cp1250"))

    assert statement.encoding == "windows-1250"
    assert statement.transactions[0].counterparty_name == "KOWALCZYK-BUD SPÓŁKA JAWNA"


def test_statement_mislabelled_as_utf8_is_read_in_its_real_encoding():
    """Some banks write Windows-1250 and declare UTF-8; refusing would help nobody."""
    statement = parse_statement_file(sample_text(PLN_008).encode("cp1250"))

    assert statement.encoding == "cp1250"
    assert statement.transactions[2].remittance == "OPŁATA PRZELEW ZEW.DOWOL.BIEŻĄCY"
    assert statement.notes == (
        "The file says it is UTF-8 but is written in cp1250; it was read as such.",
    )


def test_proprietary_transaction_code_and_fee_text(pln):
    fee = pln.transactions[2]

    assert fee.amount == Decimal("-1.50")
    assert fee.remittance == "OPŁATA PRZELEW ZEW.DOWOL.BIEŻĄCY"
    assert fee.raw["bank_transaction_code"] == "824"


def next_day_statement(text):
    """A copy of the sample's statement for the next day, with the same three entries."""
    start, end = text.index("<Stmt>"), text.index("</Stmt>") + len("</Stmt>")
    copy = text[start:end].replace("<Id>214/2026</Id>", "<Id>215/2026</Id>")
    copy = copy.replace('"PLN">29678.50<', '"PLN">46897.00<').replace(
        '"PLN">12460.00<', '"PLN">29678.50<'
    )
    for old, new in (("EL26308004391", "EL26309004391"), ("BR26308", "BR26309")):
        copy = copy.replace(old, new)
    return text[:end] + copy + text[end:]


def test_two_consecutive_statements_of_one_account_are_merged():
    statement = parse_text(next_day_statement(sample_text(PLN_008)))

    assert statement.statement_id == "214/2026 - 215/2026"
    assert len(statement.transactions) == 6
    assert statement.opening_balance.amount == Decimal("12460.00")
    assert statement.closing_balance.amount == Decimal("46897.00")


def test_statement_that_does_not_continue_the_previous_one_names_its_opening_balance():
    text = next_day_statement(sample_text(PLN_008))
    second = text.index("<Id>215/2026</Id>")
    text = text[:second] + text[second:].replace('"PLN">29678.50<', '"PLN">29000.00<', 1)
    text = text[:second] + text[second:].replace('"PLN">46897.00<', '"PLN">46218.50<', 1)

    with pytest.raises(FileImportError) as raised:
        parse_text(text)

    bal = line_of(text, "<Bal>", second)
    assert str(raised.value).startswith(
        f"Line {bal}, statement 2, balance PRCD (Stmt[2]/Bal[1]): this statement opens with "
        "29,000.00 PLN, but the previous statement in the file closed with 29,678.50 PLN."
    )


# --- Wrong and mixed-up files ----------------------------------------------------------------


def test_camt_with_unbalanced_statement_names_the_closing_balance_element():
    text = sample_text(EUR_002).replace(
        '<Amt Ccy="EUR">19418.20</Amt>', '<Amt Ccy="EUR">19418.02</Amt>', 1
    )

    with pytest.raises(FileImportError) as raised:
        parse_text(text)

    closing = line_of(text, "<Bal>", text.index("<Cd>OPBD</Cd>"))
    assert str(raised.value).startswith(
        f"Line {closing}, statement 1, balance CLBD (Stmt[1]/Bal[2]): the closing balance "
        "19,418.02 EUR does not equal the opening balance 12,500.00 EUR plus the 7 "
        "transactions (6,918.20 EUR), which makes 19,418.20 EUR."
    )
    assert raised.value.line == closing
    assert raised.value.location == "Stmt[1]/Bal[2]"


def test_account_report_camt052_is_refused_as_not_a_statement():
    text = (
        sample_text(EUR_002)
        .replace("camt.053.001.02", "camt.052.001.02")
        .replace("BkToCstmrStmt", "BkToCstmrAcctRpt")
    )

    with pytest.raises(FileImportError) as raised:
        parse_text(text)

    assert str(raised.value) == (
        "This file is an intraday account report (camt.052), not an end-of-day statement. "
        "Export the account statement in camt.053 format (BankToCustomerStatement) from the "
        "bank instead."
    )


def test_payment_order_pain001_is_refused():
    text = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03">'
        "<CstmrCdtTrfInitn><GrpHdr><MsgId>X</MsgId></GrpHdr></CstmrCdtTrfInitn></Document>"
    )

    with pytest.raises(FileImportError, match=r"^This file is a payment order \(pain.001\)"):
        parse_text(text)


def test_debit_credit_notification_camt054_is_refused():
    text = sample_text(EUR_002).replace("camt.053.001.02", "camt.054.001.02")

    with pytest.raises(FileImportError, match=r"debit/credit notification \(camt.054\)"):
        parse_text(text)


def test_xml_with_entity_declarations_is_refused_before_parsing():
    """'Billion laughs': entity expansion would eat the server's memory."""
    text = (
        sample_text(EUR_002)
        .replace(
            '<?xml version="1.0" encoding="UTF-8"?>',
            '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE Document [<!ENTITY lol "lol">'
            '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>',
        )
        .replace("<Id>EUR-2026-311</Id>", "<Id>&lol2;</Id>")
    )

    with pytest.raises(FileImportError, match="declares a document type or entities"):
        parse_text(text)


def test_malformed_xml_names_the_line():
    text = sample_text(EUR_002).replace("</Ustrd>", "</Ustr>", 1)

    with pytest.raises(FileImportError) as raised:
        parse_text(text)

    line = next(n for n, row in enumerate(text.splitlines(), 1) if "</Ustr>" in row)
    assert str(raised.value).startswith(f"Line {line}: the XML is malformed")


def test_unknown_declared_encoding_is_refused():
    text = sample_text(EUR_002).replace('encoding="UTF-8"', 'encoding="UTF-9"')

    with pytest.raises(FileImportError, match=r"^Line 1: the XML declares the encoding 'utf-9'"):
        parse_text(text)


def test_amount_that_does_not_parse_names_the_entry():
    text = sample_text(EUR_002).replace(
        '<Amt Ccy="EUR">4180.20</Amt>', '<Amt Ccy="EUR">4 180,20</Amt>', 1
    )

    with pytest.raises(FileImportError) as raised:
        parse_text(text)

    assert str(raised.value) == (
        f"Line {line_of(text, '<Ntry>')}, statement 1, entry 1 (Stmt[1]/Ntry[1]): the amount "
        "'4 180,20' is not a valid amount (expected digits with a dot as decimal mark, "
        "without sign)."
    )


def test_entry_in_another_currency_names_the_entry():
    text = sample_text(EUR_002).replace('<Amt Ccy="EUR">12.00</Amt>', '<Amt Ccy="PLN">12.00</Amt>')

    with pytest.raises(FileImportError) as raised:
        parse_text(text)

    fee = line_of(text, "<Ntry>", text.index("<!-- A bank fee"))
    assert str(raised.value) == (
        f"Line {fee}, statement 1, entry 5 (Stmt[1]/Ntry[5]): the amount is in PLN, but the "
        "statement is in EUR; the file mixes currencies."
    )


def test_unknown_credit_debit_indicator_names_the_entry():
    text = replace_once(
        sample_text(EUR_002), "<CdtDbtInd>DBIT</CdtDbtInd>", "<CdtDbtInd>DEBIT</CdtDbtInd>"
    )

    with pytest.raises(FileImportError, match=r"entry 3 .*'DEBIT' is neither CRDT nor DBIT"):
        parse_text(text)


def test_entry_without_any_date_names_the_entry():
    text = sample_text(EUR_002)
    start = text.index("<BookgDt>", text.index("<NtryRef>5</NtryRef>"))
    end = text.index("</ValDt>", start) + len("</ValDt>")

    with pytest.raises(
        FileImportError, match=r"^Line \d+, statement 1, entry 5 .*no valid booking date"
    ):
        parse_text(text[:start] + text[end:])


def test_statements_of_two_accounts_in_one_file_are_refused():
    text = sample_text(PLN_008)
    start, end = text.index("<Stmt>"), text.index("</Stmt>") + len("</Stmt>")
    other = text[start:end].replace("PL78114020045260181590830166", "PL61109010140000071219812874")

    text = text[:end] + other + text[end:]

    with pytest.raises(FileImportError) as raised:
        parse_text(text)

    acct = line_of(text, "<Acct>", end)
    assert str(raised.value).startswith(
        f"Line {acct}, statement 2 (Stmt[2]/Acct): this statement is for account "
        "PL61109010140000071219812874, but the file starts with account "
        "PL78114020045260181590830166."
    )
