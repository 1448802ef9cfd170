"""MT940 statements as Polish banks write them: ZBP ``~`` subfields (PKO BP), ``<`` subfields
(Millennium, CP852) and mBank CompanyNet's labelled ``:86:``.

The sample files in ``data/files`` are synthetic but follow the banks' published layouts and
the public samples quoted in ``engine/fileimport/mt940.py``.
"""

import datetime
import pathlib
from decimal import Decimal

import pytest

from engine.fileimport import FileImportError, ParsedStatement, parse_statement_file

DATA = pathlib.Path(__file__).parent / "data" / "files"
PKO = "mt940_pko_bp_iso8859-2.sta"
MILLENNIUM = "mt940_millennium_cp852.sta"
MBANK = "mt940_mbank_companynet_iso8859-2.txt"


def sample(name):
    return (DATA / name).read_bytes()


def sample_text(name, encoding):
    return sample(name).decode(encoding)


def line_of(text, needle):
    """1-based number of the first physical line containing ``needle``."""
    for number, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in sample")


def parse_text(text, encoding="iso-8859-2"):
    return parse_statement_file(text.encode(encoding), "statement.sta")


def by_reference(statement):
    return {transaction.bank_reference: transaction for transaction in statement.transactions}


MINIMAL = """:20:MT940
:25:/PL60102010260000042270201111
:28C:1
:60F:C261103PLN100,00
{lines}
:62F:C{closing_date}PLN{closing}
-
"""


def minimal(lines, closing="100,00", closing_date="261103"):
    return MINIMAL.format(lines="\n".join(lines), closing=closing, closing_date=closing_date)


# --- PKO BP: ZBP subfields, ISO-8859-2, 0xFF placeholders, two daily statements -------------


def test_pko_file_gives_account_balances_and_every_transaction():
    """Two daily statements of one account in one file merge into one statement."""
    statement = parse_statement_file(sample(PKO), "wyciag.sta")

    assert isinstance(statement, ParsedStatement)
    assert statement.file_format == "mt940"
    assert statement.account_number == "PL60102010260000042270201111"
    assert statement.currency == "PLN"
    assert statement.opening_balance.amount == Decimal("15000.00")
    assert statement.opening_balance.balance_type == "openingBooked"
    assert statement.closing_balance.amount == Decimal("36830.50")
    assert statement.closing_balance.reference_date == datetime.date(2026, 11, 4)
    assert statement.statement_id == "214 - 215"
    assert len(statement.transactions) == 8
    assert all(transaction.status == "booked" for transaction in statement.transactions)


def test_pko_file_is_read_as_iso_8859_2():
    """PKO BP writes ISO-8859-2; read as Windows-1250 'Ś' would turn into '¦'."""
    statement = parse_statement_file(sample(PKO))

    assert statement.encoding == "iso-8859-2"
    assert by_reference(statement)["6461103000000301"].remittance == (
        "FV 2026/11/318 ŚRUBY I ZŁĄCZKI M8"
    )


def test_bank_reference_becomes_the_provider_id():
    """The bank's own reference after ``//`` identifies a transaction across re-reads."""
    transaction = parse_statement_file(sample(PKO)).transactions[0]

    assert transaction.provider_id == "6461103000000217"
    assert transaction.bank_reference == "6461103000000217"
    assert transaction.raw["line"] == 5


def test_counterparty_iban_name_and_title_come_from_subfields():
    transaction = parse_statement_file(sample(PKO)).transactions[0]

    assert transaction.amount == Decimal("2460.00")
    assert transaction.booking_date == datetime.date(2026, 11, 3)
    assert transaction.value_date == datetime.date(2026, 11, 3)
    assert transaction.counterparty_account == "PL03105014451318609139099603"
    assert transaction.counterparty_name == "ZIELONY OGRÓD SP. Z O.O. UL. KWIATOWA 12 WARSZAWA"
    assert transaction.remittance == "ZAPŁATA ZA FV/2026/11/0042"


def test_split_payment_title_cut_into_27_character_subfields_survives_intact():
    """``/VAT/…/IDC/…/INV/…/TXT/`` must not get spaces where the bank cut the subfields."""
    transaction = by_reference(parse_statement_file(sample(PKO)))["6461103000000218"]

    assert transaction.remittance == (
        "/VAT/3450,00/IDC/7114710499/INV/FV/2026/11/0051/TXT/ZAPŁATA FAKTURY"
    )


def test_name_cut_mid_word_between_32_and_33_is_joined_without_a_space():
    transaction = by_reference(parse_statement_file(sample(PKO)))["6461103000000219"]

    assert transaction.counterparty_name == "PRZEDSIĘBIORSTWO HANDLOWO-USŁUGOWE EWA NOWICKA"


def test_short_title_lines_typed_by_the_payer_are_joined_with_a_space():
    """Two invoice numbers on two short lines must stay two tokens for the matcher."""
    transaction = by_reference(parse_statement_file(sample(PKO)))["6461103000000219"]

    assert transaction.remittance == "FV/2026/10/0107 FV/2026/10/0108"


def test_placeholder_subfields_count_as_empty():
    """PKO BP writes byte 0xFF ('˙') into empty subfields; it must not reach the user."""
    fee = by_reference(parse_statement_file(sample(PKO)))["6461103000000302"]

    assert fee.amount == Decimal("-2.00")
    assert fee.counterparty_name == ""
    assert fee.counterparty_account == ""
    assert fee.remittance == "OPŁATA ZA PRZELEW ELIXIR"
    assert "~21˙" in fee.raw["information"]  # the raw text keeps what the bank wrote


def test_reversal_of_a_debit_is_money_in_and_reversal_of_a_credit_is_money_out():
    """SWIFT: RD reverses a debit (credit entry), RC reverses a credit (debit entry)."""
    transactions = by_reference(parse_statement_file(sample(PKO)))

    returned_transfer = transactions["6461104000000044"]
    cancelled_credit = transactions["6461104000000045"]
    assert returned_transfer.amount == Decimal("1230.00")
    assert returned_transfer.raw["mark"] == "RD"
    assert cancelled_credit.amount == Decimal("-199.00")
    assert cancelled_credit.raw["mark"] == "RC"


def test_supplementary_details_line_of_61_is_kept_in_raw():
    transaction = parse_statement_file(sample(PKO)).transactions[0]

    assert transaction.raw["supplementary_details"] == "152 0"
    assert transaction.raw["transaction_type"] == "N152"


# --- Millennium: '<' subfields, CP852, lines cut at 65 characters ----------------------------


def test_millennium_file_with_angle_bracket_subfields_is_read_as_cp852():
    statement = parse_statement_file(sample(MILLENNIUM))

    assert statement.encoding == "cp852"
    assert statement.account_number == "PL97116022020000000318496521"
    assert statement.closing_balance.amount == Decimal("21395.00")
    assert [t.amount for t in statement.transactions] == [
        Decimal("18450.00"),
        Decimal("-1230.00"),
        Decimal("-25.00"),
    ]


def test_split_payment_title_cut_by_subfields_and_by_line_length_survives_intact():
    """The title is cut at 27 characters by ``<2x`` and again at 65 by the line length."""
    transaction = parse_statement_file(sample(MILLENNIUM)).transactions[0]

    assert transaction.remittance == "/VAT/3450,00/IDC/7114710499/INV/FV/2026/11/0051/TXT/ZAPŁATA"
    assert transaction.counterparty_name == "KOWALCZYK-BUD SPÓŁKA JAWNA UL. PRZEMYSŁOWA 8 RADOM"
    assert transaction.counterparty_account == "PL84116022025181909378657975"


def test_account_given_as_sort_code_and_number_becomes_a_full_nrb():
    """``<30`` + ``<31`` lack the check digits; they are computed (ISO 7064 mod 97-10)."""
    transaction = parse_statement_file(sample(MILLENNIUM)).transactions[1]

    assert transaction.counterparty_account == "21102010266252760189555979"
    assert transaction.remittance == "ZAPŁATA ZA FV 2026/11/318 ŚRUBY M8"
    assert transaction.raw["customer_reference"] == "FV 2026/11/318"


def test_operation_description_stands_in_for_a_missing_title():
    fee = parse_statement_file(sample(MILLENNIUM)).transactions[2]

    assert fee.remittance == "OPŁATA ZA PRZELEW SORBNET"


# --- mBank CompanyNet: labelled :86:, SOH/ETX framing -----------------------------------------


def test_mbank_companynet_labels_give_counterparty_account_and_title():
    statement = parse_statement_file(sample(MBANK))

    incoming = statement.transactions[0]
    assert statement.encoding == "iso-8859-2"
    assert statement.account_number == "PL78114020045260181590830166"
    assert incoming.counterparty_account == "77109010140824628194821993"
    assert incoming.counterparty_name == "PHU NOWICKA EWA NOWICKA UL. LIPOWA 3 05-800 PRUSZKÓW"
    assert incoming.remittance == "ZAPŁATA ZA FV 2026/10/107"
    assert incoming.raw["supplementary_details"] == "911-TRANSAKCJA IPH"


def test_label_split_over_two_lines_is_still_recognised():
    """``REF. `` ends one line and ``KLIENTA:`` starts the next: the title stops before it."""
    outgoing = parse_statement_file(sample(MBANK)).transactions[1]

    assert outgoing.amount == Decimal("-1230.00")
    assert outgoing.counterparty_name.startswith("HURTOWNIA ELEKTRYCZNA VOLT S.A.")
    assert outgoing.remittance == "FV 2026/11/318"


def test_bank_reference_shared_by_a_transfer_and_its_fee_is_not_used_as_id():
    """mBank gives a transfer and its fee one reference; as ids the fee would be lost."""
    statement = parse_statement_file(sample(MBANK))

    transfer, fee = statement.transactions[1], statement.transactions[2]
    assert transfer.bank_reference == fee.bank_reference == "BR26308102000003"
    assert transfer.provider_id == fee.provider_id == ""
    assert statement.transactions[0].provider_id == "EL004391-000970"
    assert "BR26308102000003" in statement.notes[0]


def test_labelled_text_without_title_is_kept_whole():
    tax = parse_statement_file(sample(MBANK)).transactions[3]

    assert tax.counterparty_name == "URZĄD SKARBOWY W PRUSZKOWIE"
    assert "SYMBOL FORM.: VAT7; OKRES: 26M10" in tax.remittance


# --- Smaller behaviours, on minimal statements -----------------------------------------------


def test_nonref_bank_reference_leaves_the_provider_id_empty():
    """Without a bank reference the de-duplication falls back to a content fingerprint."""
    text = minimal([":61:2611031103C10,00NTRFNONREF", ":86:~20ZWROT"], closing="110,00")

    transaction = parse_text(text).transactions[0]

    assert transaction.provider_id == ""
    assert transaction.remittance == "ZWROT"


def test_booking_date_across_new_year_takes_the_next_year():
    """Valued on 31 December, booked on 2 January: MMDD alone does not say the year."""
    text = minimal(
        [":61:2612310102C10,00NTRFNONREF//X1", ":86:~20NOWY ROK"],
        closing="110,00",
        closing_date="270102",
    )

    transaction = parse_text(text).transactions[0]

    assert transaction.value_date == datetime.date(2026, 12, 31)
    assert transaction.booking_date == datetime.date(2027, 1, 2)


def test_code_only_86_followed_by_structured_86_uses_the_structured_one():
    """Some banks write ``:86:150`` and then ``:86:150~00…`` for the same transaction."""
    text = minimal(
        [
            ":61:2611031103C10,00S150NONREF//X2",
            ":86:150",
            ":86:150~00B150PRZELEW ZEWNĘTRZNY PRZY",
            "~20FV/2026/11/0042",
            "~2903105014451318609139099603",
            "~32ZIELONY OGRÓD SP. Z O.O.",
        ],
        closing="110,00",
    )

    transaction = parse_text(text).transactions[0]

    assert transaction.remittance == "FV/2026/11/0042"
    assert transaction.counterparty_account == "03105014451318609139099603"
    assert transaction.counterparty_name == "ZIELONY OGRÓD SP. Z O.O."


def test_swift_envelope_and_statement_information_are_ignored():
    """``{1:…}{4:`` framing and a ``:86:`` after the closing balance are not transactions."""
    text = (
        "{1:F01BPKOPLPWAXXX0000000000}{2:O9401200261103BPKOPLPWAXXX00000000002611031200N}{4:\n"
        + minimal([":61:2611031103D10,00NTRFNONREF//X3", ":86:~20OPLATA"], closing="90,00").replace(
            "\n-\n", "\n:86:INFORMACJA DLA POSIADACZA RACHUNKU\n-}"
        )
        + "{5:{CHK:123456789ABC}}"
    )

    statement = parse_text(text)

    assert len(statement.transactions) == 1
    assert statement.transactions[0].remittance == "OPLATA"


# --- Wrong and mixed-up files ----------------------------------------------------------------


def test_mt940_with_unbalanced_statement_names_closing_balance_line():
    text = sample_text(PKO, "iso-8859-2").replace(
        ":62F:C261103PLN35600,50", ":62F:C261103PLN35600,00"
    )

    with pytest.raises(FileImportError) as raised:
        parse_text(text)

    expected_line = line_of(text, ":62F:C261103PLN35600,00")
    assert str(raised.value).startswith(f"Line {expected_line}: the closing balance 35,600.00 PLN")
    assert "plus the 5 transactions (20,600.50 PLN), which makes 35,600.50 PLN" in str(raised.value)


def two_account_file():
    """mBank CompanyNet puts every account of the company into one file, each in SOH/ETX."""
    text = sample_text(MBANK, "iso-8859-2")
    block = text[text.index(":20:") : text.index("-\x03")]
    second = block.replace(":25:PL78114020045260181590830166", ":25:PL61109010140000071219812874")
    return text + "\x01\r\n" + second + "-\x03\r\n"


def test_journal_account_selects_its_statements_from_a_multi_account_file():
    statement = parse_statement_file(
        two_account_file().encode("iso-8859-2"), account="PL61 1090 1014 0000 0712 1981 2874"
    )

    assert statement.account_number == "PL61109010140000071219812874"
    assert len(statement.transactions) == 4
    assert statement.notes[0] == (
        "Statements of other accounts (PL78114020045260181590830166) were left out."
    )


def test_file_without_the_journal_account_is_refused():
    with pytest.raises(FileImportError) as raised:
        parse_statement_file(sample(MBANK), account="PL61109010140000071219812874")

    assert str(raised.value) == (
        "The file has no statement of account PL61109010140000071219812874; it holds "
        "statements of PL78114020045260181590830166. Upload it in the journal of that account."
    )


def test_mt940_with_two_accounts_names_the_second_account_line():
    """Without a journal account to select, a multi-account file is a mixed-up file."""
    text = two_account_file()

    with pytest.raises(FileImportError) as raised:
        parse_text(text)

    message = str(raised.value)
    assert message.startswith(f"Line {line_of(text, ':25:PL6110901014')}: this statement is for")
    assert "Import one account per file" in message


def test_mt940_statement_that_does_not_continue_the_previous_one_is_refused():
    """A missing day between two statements would leave a hole in the bank journal."""
    text = (
        sample_text(PKO, "iso-8859-2")
        .replace(":60F:C261104PLN35600,50", ":60F:C261104PLN35000,50")
        .replace(":62F:C261104PLN36830,50", ":62F:C261104PLN36230,50")
    )

    with pytest.raises(FileImportError) as raised:
        parse_text(text)

    assert str(raised.value).startswith(f"Line {line_of(text, ':60F:C261104')}: this statement")
    assert "A statement is missing in between" in str(raised.value)


def test_mt940_cut_off_before_the_closing_balance_is_refused():
    text = sample_text(PKO, "iso-8859-2")
    text = text[: text.index(":62F:C261103")]

    with pytest.raises(FileImportError) as raised:
        parse_text(text)

    assert str(raised.value) == (
        "Line 1: the statement that starts here has no closing balance (:62F:); the file "
        "looks cut off. Download it again from the bank."
    )


def test_mt940_amount_with_too_many_decimals_names_the_line():
    text = minimal([":61:2611031103C10,001NTRFNONREF//X4"], closing="110,00")

    with pytest.raises(FileImportError) as raised:
        parse_text(text)

    assert str(raised.value) == "Line 5: the amount '10,001' is not a valid amount in PLN."
    assert raised.value.line == 5


def test_mt940_malformed_transaction_line_names_the_line():
    text = minimal([":61:2611031103X10,00NTRFNONREF//X5"], closing="110,00")

    with pytest.raises(FileImportError, match=r"^Line 5: the transaction line '2611031103X10"):
        parse_text(text)


def test_mt940_invalid_date_names_the_line():
    text = minimal([":61:2611321132C10,00NTRFNONREF//X6"], closing="110,00")

    with pytest.raises(FileImportError, match=r"^Line 5: '261132' is not a valid date"):
        parse_text(text)


def test_mt940_transaction_with_other_currency_letter_is_refused():
    """mBank marks a PLN credit ``CN``; ``CR`` would be a EUR amount in a PLN statement."""
    text = sample_text(MBANK, "iso-8859-2").replace("CN615,00", "CR615,00")

    with pytest.raises(FileImportError) as raised:
        parse_text(text)

    assert str(raised.value).startswith(f"Line {line_of(text, 'CR615,00')}: this transaction")
    assert "the file mixes currencies" in str(raised.value)


def test_mt940_closing_balance_in_another_currency_is_refused():
    text = minimal([":61:2611031103C10,00NTRFNONREF//X7"]).replace("PLN100,00\n-", "EUR110,00\n-")

    with pytest.raises(FileImportError, match=r"^Line 6: the closing balance is in EUR"):
        parse_text(text)


def test_mt942_interim_report_is_refused_as_not_a_statement():
    """An intraday MT942 has no balances and its entries may still change."""
    text = (
        ":20:MT942\n:25:/PL60102010260000042270201111\n:28C:1\n:34F:PLN0,\n"
        ":13D:2611031200+0100\n:61:2611031103C10,00NTRFNONREF//X9\n:86:~20A\n"
        ":90C:1PLN10,00\n-\n"
    )

    with pytest.raises(FileImportError, match=r"^Line 1: this is an MT942 interim"):
        parse_text(text)


def test_mt940_transaction_before_the_opening_balance_is_refused():
    text = ":20:MT940\n:25:PL60102010260000042270201111\n:61:2611031103C10,00NTRFNONREF\n-\n"

    with pytest.raises(FileImportError, match=r"^Line 3: a transaction \(:61:\) comes before"):
        parse_text(text)


def test_mt940_totals_that_disagree_with_the_transactions_are_refused():
    """``:90C:`` states the number and sum of credits; a lost line shows up there."""
    text = minimal([":61:2611031103C10,00NTRFNONREF//X8", ":86:~20A"], closing="110,00").replace(
        "\n-\n", "\n:90C:2PLN20,00\n-\n"
    )

    with pytest.raises(FileImportError, match=r"^Line 8: the statement says it has 2 credits"):
        parse_text(text)
