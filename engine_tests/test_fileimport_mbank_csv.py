"""mBank's CSV list of operations ("Lista operacji"), as exported by mBiznes and retail mBank.

``data/files/mbank_lista_operacji_cp1250.csv`` is synthetic; its layout (metadata block,
padding inside ``#Opis operacji``, totals, newest-first order) follows a real mBiznes export
published in byrek/mBank-MT940.
"""

import datetime
import pathlib
from decimal import Decimal

import pytest

from engine.fileimport import FileImportError, parse_statement_file

DATA = pathlib.Path(__file__).parent / "data" / "files"
SAMPLE = "mbank_lista_operacji_cp1250.csv"


def sample_text(name=SAMPLE):
    return (DATA / name).read_bytes().decode("cp1250")


def parse_text(text, encoding="cp1250"):
    return parse_statement_file(text.encode(encoding), "lista_operacji.csv")


def line_of(text, needle):
    for number, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in sample")


@pytest.fixture(scope="module")
def statement():
    return parse_statement_file((DATA / SAMPLE).read_bytes(), "lista_operacji.csv")


def by_remittance(statement, start):
    return next(t for t in statement.transactions if t.remittance.startswith(start))


def test_windows_1250_list_gives_account_period_and_currency(statement):
    assert statement.file_format == "mbank_csv"
    assert statement.encoding == "cp1250"
    assert statement.account_number == "78114020045260181590830166"
    assert statement.account_label == "mBiznes konto Standard 7811 ... 0166"
    assert statement.currency == "PLN"
    assert statement.start_date == datetime.date(2026, 11, 1)
    assert statement.end_date == statement.statement_date == datetime.date(2026, 11, 7)
    assert statement.statement_id == "2026-11-01 - 2026-11-07"


def test_file_is_recognised_as_the_journals_account(statement):
    assert statement.account_matches("PL78 1140 2004 5260 1815 9083 0166") is True
    assert statement.account_matches("PL61 1090 1014 0000 0712 1981 2874") is False


def test_list_of_another_account_is_refused_in_the_journal():
    data = (DATA / SAMPLE).read_bytes()

    with pytest.raises(FileImportError) as raised:
        parse_statement_file(data, account="PL61 1090 1014 0000 0712 1981 2874")

    assert str(raised.value) == (
        "This file is for account 78114020045260181590830166, not for "
        "PL61 1090 1014 0000 0712 1981 2874. Upload it in the journal of that account."
    )


def test_balances_come_from_the_running_balance(statement):
    """mBank gives no opening balance; it is the oldest balance minus its operation."""
    assert statement.opening_balance.amount == Decimal("10000.00")
    assert statement.opening_balance.reference_date == datetime.date(2026, 11, 1)
    assert statement.closing_balance.amount == Decimal("29417.03")
    total = sum(t.amount for t in statement.transactions)
    assert statement.opening_balance.amount + total == statement.closing_balance.amount


def test_operations_come_oldest_first_with_signed_amounts(statement):
    """mBank lists the newest operation first; statements read oldest first."""
    assert [t.booking_date.day for t in statement.transactions] == [3, 4, 4, 4, 5, 6, 6, 7, 7]
    assert statement.transactions[0].amount == Decimal("2460.00")
    assert statement.transactions[2].amount == Decimal("-1230.00")
    assert all(t.provider_id == "" for t in statement.transactions)
    assert statement.transactions[0].raw["line"] == 35


def test_description_is_split_into_name_title_and_account(statement):
    transaction = statement.transactions[0]

    assert transaction.counterparty_name == "ZIELONY OGRÓD SP. Z O.O."
    assert transaction.remittance == "FV/2026/11/0042"
    assert transaction.counterparty_account == "03105014451318609139099603"
    assert transaction.raw["operation"] == "PRZELEW ZEWNĘTRZNY PRZYCHODZĄCY"
    assert transaction.raw["address"] == "UL. KWIATOWA 12 00-950 WARSZAWA"
    assert transaction.raw["category"] == "Wpływy - inne"


def test_split_payment_title_survives_intact(statement):
    transaction = by_remittance(statement, "/VAT/")

    assert transaction.remittance == (
        "/VAT/3450,00/IDC/7114710499/INV/FV/2026/11/0051/TXT/ZAPLATA FAKTURY"
    )
    assert transaction.counterparty_name == "KOWALCZYK-BUD SPÓŁKA JAWNA"


def test_title_with_double_spaces_is_not_mistaken_for_the_address(statement):
    """The address is found by its fixed width, so a payer's double space stays in the title."""
    transaction = by_remittance(statement, "FV 107")

    assert transaction.remittance == "FV 107 108/10/2026"
    assert transaction.raw["address"] == "UL. LIPOWA 3 05-800 PRUSZKÓW"


def test_four_line_address_is_separated_from_the_title(statement):
    transaction = by_remittance(statement, "ZAPŁATA ZA FV/2026/09/0009")

    assert transaction.counterparty_name == "JAN WIŚNIEWSKI UL. LIPOWA 7 05-800 PRUSZKÓW"
    assert transaction.counterparty_account == "59124010374323194875749118"
    assert transaction.raw["address"] == "JAN WIŚNIEWSKI UL. LIPOWA 7 05-800 PRUSZKÓW"


def test_foreign_iban_of_a_sepa_payer_is_kept(statement):
    transaction = by_remittance(statement, "RE 2026-0077")

    assert transaction.counterparty_account == "DE89370400440532013000"
    assert transaction.raw["operation"] == "PRZELEW SEPA PRZYCHODZĄCY"


def test_bank_fee_has_its_operation_type_as_title(statement):
    fee = statement.transactions[3]

    assert fee.amount == Decimal("-1.50")
    assert fee.counterparty_name == ""
    assert fee.remittance == "OPŁATA PRZELEW ZEW.DOWOL.BIEŻĄCY"


def test_card_payment_without_counterparty_account_keeps_its_whole_text(statement):
    """mBank's card layout is not documented; nothing is guessed, nothing is lost."""
    card = by_remittance(statement, "ORLEN")

    assert card.remittance == "ORLEN STACJA NR 4121 /WARSZAWA ZAKUP PRZY UŻYCIU KARTY"
    assert card.counterparty_name == ""


def test_utf8_export_with_bom_reads_the_same():
    """Newer mBank exports are UTF-8 with a byte order mark."""
    statement = parse_statement_file(sample_text().encode("utf-8-sig"))

    assert statement.encoding == "utf-8-sig"
    assert len(statement.transactions) == 9
    assert statement.transactions[0].counterparty_name == "ZIELONY OGRÓD SP. Z O.O."


def test_unsettled_operation_is_left_out_and_balances_are_not_claimed():
    """A card payment not settled yet is not a booked transaction; it comes back later."""
    text = sample_text().replace(
        '"ORLEN STACJA NR 4121 /WARSZAWA ',
        '"ORLEN STACJA NR 4121 /WARSZAWA\r\n           transakcja nierozliczona  \r\n',
    )

    statement = parse_text(text)

    assert len(statement.transactions) == 8
    assert not any("ORLEN" in t.remittance for t in statement.transactions)
    assert statement.opening_balance is None and statement.closing_balance is None
    assert "transakcja nierozliczona" in statement.notes[0]


OLDER_LAYOUT = "mbank_older_layout_cp1250.csv"


def test_older_statement_layout_with_own_columns_is_read_by_column_name():
    """The older export has title, name and account columns and stated balances."""
    statement = parse_statement_file((DATA / OLDER_LAYOUT).read_bytes())

    incoming, fee = statement.transactions
    assert statement.account_number == "78114020045260181590830166"
    assert statement.opening_balance.amount == Decimal("10000.00")
    assert statement.closing_balance.amount == Decimal("12455.00")
    assert incoming.booking_date == datetime.date(2026, 11, 3)
    assert incoming.raw["operation_date"] == "2026-11-02"
    assert incoming.counterparty_name == "ZIELONY OGRÓD SP. Z O.O. UL. KWIATOWA 12"
    assert incoming.counterparty_account == "03105014451318609139099603"
    assert incoming.remittance == "FV/2026/11/0042"
    assert fee.remittance == "OPŁATA ZA KARTĘ"


def test_older_layout_whose_closing_balance_does_not_add_up_names_its_line():
    text = sample_text(OLDER_LAYOUT).replace("#Saldo końcowe;12 455,00", "#Saldo końcowe;12 555,00")

    with pytest.raises(FileImportError, match=r"^Line 14: the closing balance 12,555.00 PLN"):
        parse_text(text)


# --- Wrong and mixed-up files ----------------------------------------------------------------


def test_amount_that_does_not_parse_names_the_line():
    text = sample_text().replace("-1 230,00 PLN", "-1 23O,00 PLN")

    with pytest.raises(FileImportError) as raised:
        parse_text(text)

    assert str(raised.value) == (
        f"Line {line_of(text, '23O,00')}: the amount '-1 23O,00 PLN' is not a number."
    )


def test_absurdly_large_amount_names_the_line_instead_of_crashing():
    text = sample_text().replace("-1,50 PLN;29 678,50 PLN", "-1,50 PLN;" + "9" * 30 + ",50 PLN")

    with pytest.raises(FileImportError) as raised:
        parse_text(text)

    assert str(raised.value).startswith(f"Line {line_of(text, '9' * 30)}: the amount '999")


def test_list_with_a_missing_operation_names_where_the_running_balance_breaks():
    """A list exported with a search filter (or edited) must not pass as a statement."""
    lines = sample_text().split("\r\n")
    removed = next(i for i, line in enumerate(lines) if "HURTOWNIA ELEKTRYCZNA VOLT" in line)
    text = "\r\n".join(lines[:removed] + lines[removed + 1 :])

    with pytest.raises(FileImportError) as raised:
        parse_text(text)

    message = str(raised.value)
    assert message.startswith(f"Line {line_of(text, 'OPŁATA PRZELEW ZEW')}: the balance after")
    assert f"the operation on line {line_of(text, 'KOWALCZYK-BUD')}" in message
    assert "exported with a search filter?" in message


def test_totals_above_the_table_that_disagree_name_their_line():
    text = sample_text().replace("PLN;26 211,70;-6 794,67;", "PLN;26 211,70;-6 795,67;")

    with pytest.raises(FileImportError) as raised:
        parse_text(text)

    assert str(raised.value).startswith(f"Line {line_of(text, 'PLN;26 211,70')}: the totals")


def test_operations_of_two_accounts_are_refused():
    text = sample_text().replace(
        '"mBiznes konto Standard 7811 ... 0166";"Paliwo"',
        '"mBiznes konto VAT 2211 ... 0174";"Paliwo"',
    )

    with pytest.raises(FileImportError) as raised:
        parse_text(text)

    assert str(raised.value).startswith(f"Line {line_of(text, 'konto VAT')}: this operation is on")
    assert "Export one account per file." in str(raised.value)


def test_operation_in_another_currency_is_refused():
    text = sample_text().replace("-243,17 PLN;28 295,53 PLN", "-243,17 EUR;28 295,53 EUR")

    with pytest.raises(FileImportError) as raised:
        parse_text(text)

    assert str(raised.value).startswith(
        f"Line {line_of(text, '243,17 EUR')}: this operation is in EUR, but the file is in PLN."
    )


def test_invalid_operation_date_names_the_line():
    text = sample_text().replace("2026-11-05;", "2026-11-35;")

    with pytest.raises(FileImportError) as raised:
        parse_text(text)

    assert (
        str(raised.value)
        == f"Line {line_of(text, '2026-11-35')}: '2026-11-35' is not a valid date."
    )


def test_list_without_operations_is_refused():
    text = sample_text()
    text = text[: text.index("#Data operacji")] + "#Data operacji;#Opis operacji;#Rachunek;"
    text += "#Kategoria;#Kwota;#Saldo po operacji;\r\n"

    with pytest.raises(FileImportError, match="The list of operations is empty"):
        parse_text(text.replace("PLN;26 211,70;-6 794,67;", "PLN;0,00;0,00;"))
