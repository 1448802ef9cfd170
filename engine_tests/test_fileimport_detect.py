"""Recognising statement files, refusing everything else, and the shared helpers.

Users upload whatever their bank's website gave them: an HTML error page, a PDF, a zipped
export, a camt.052 instead of a camt.053. Each must get a sentence saying what it is and
what to do, never a stack trace and never a half-imported statement.
"""

import ast
import pathlib

import pytest

from engine.fileimport import (
    MAX_FILE_SIZE,
    FileImportError,
    ParsedStatement,
    detect_format,
    parse_statement_file,
)
from engine.fileimport.common import decode_text, join_wrapped, nrb_from_parts

DATA = pathlib.Path(__file__).parent / "data" / "files"
PACKAGE = pathlib.Path(__file__).parent.parent / "engine" / "fileimport"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("mbank_lista_operacji_cp1250.csv", "mbank_csv"),
        ("mbank_older_layout_cp1250.csv", "mbank_csv"),
        ("mt940_pko_bp_iso8859-2.sta", "mt940"),
        ("mt940_millennium_cp852.sta", "mt940"),
        ("mt940_mbank_companynet_iso8859-2.txt", "mt940"),
        ("camt053_001_02_eur_ing.xml", "camt053"),
        ("camt053_001_08_pln_mbank.xml", "camt053"),
    ],
)
def test_format_is_recognised_from_the_content(name, expected):
    """The file name is not trusted: banks name MT940 files .txt, .sta, .mt940 or .exp."""
    assert detect_format((DATA / name).read_bytes(), filename="export.dat") == expected


def test_xml_with_a_byte_order_mark_is_recognised():
    data = (DATA / "camt053_001_08_pln_mbank.xml").read_bytes()

    statement = parse_statement_file(b"\xef\xbb\xbf" + data)

    assert statement.file_format == "camt053"
    assert len(statement.transactions) == 3


@pytest.mark.parametrize("data", [b"", b"  \r\n\t"])
def test_empty_file_is_refused(data):
    with pytest.raises(FileImportError, match=r"^The file is empty\.$"):
        parse_statement_file(data, "wyciag.sta")


def test_oversized_file_is_refused_before_it_is_read():
    with pytest.raises(FileImportError, match=r"^The file is larger than 20 MB"):
        parse_statement_file(b":20:X\n" * (MAX_FILE_SIZE // 6 + 1))


def test_html_error_page_is_recognised_as_such():
    page = b"<!DOCTYPE html>\n<html><head><title>Sesja wygasla</title></head><body></body></html>"

    with pytest.raises(FileImportError, match=r"^This is a web page \(HTML\)"):
        parse_statement_file(page, "wyciag.xml")


def test_pdf_statement_is_refused_with_advice():
    with pytest.raises(FileImportError, match="PDF statements cannot be read"):
        parse_statement_file(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "wyciag.pdf")


def test_zip_or_excel_file_is_refused_with_advice():
    with pytest.raises(FileImportError, match=r"compressed \(ZIP\) file or an Excel workbook"):
        parse_statement_file(b"PK\x03\x04\x14\x00\x06\x00", "operacje.xlsx")


def test_other_text_is_refused_with_the_supported_formats():
    data = "Data;Kwota;Opis\n2026-11-03;100,00;Przelew\n".encode("cp1250")

    with pytest.raises(FileImportError) as raised:
        parse_statement_file(data, "export.csv")

    assert "mBank CSV list of operations, an MT940 statement" in str(raised.value)


def test_other_xml_is_refused():
    with pytest.raises(FileImportError, match="not an ISO 20022 camt.053 bank statement"):
        parse_statement_file(b'<?xml version="1.0"?><faktura><numer>FV/1</numer></faktura>')


def test_binary_data_posing_as_mt940_is_refused():
    with pytest.raises(FileImportError, match="not a text file"):
        parse_statement_file(b":20:MT940\n:25:PL61\n\x00\x01\x02")


def test_text_instead_of_bytes_is_a_programming_error():
    with pytest.raises(TypeError):
        parse_statement_file(":20:MT940")


@pytest.mark.parametrize(
    "name",
    [
        "mbank_lista_operacji_cp1250.csv",
        "mt940_pko_bp_iso8859-2.sta",
        "mt940_mbank_companynet_iso8859-2.txt",
        "camt053_001_02_eur_ing.xml",
    ],
)
def test_damaged_files_fail_with_a_file_import_error_and_nothing_else(name):
    """Cut anywhere or with a byte flipped, a file is either whole or refused cleanly."""
    data = (DATA / name).read_bytes()
    variants = [data[:cut] for cut in range(1, len(data), max(1, len(data) // 60))]
    variants += [data[:at] + b"\xff" + data[at + 1 :] for at in range(0, len(data), 97)]
    for variant in variants:
        try:
            result = parse_statement_file(variant)
        except FileImportError as error:
            assert str(error)
        else:
            assert isinstance(result, ParsedStatement)


# --- Encodings ---------------------------------------------------------------------------------

POLISH = "Zażółć gęślą jaźń. ŚRUBY, ŹRÓDŁO, ĄCZ"


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [
        ("cp1250", "cp1250"),
        ("iso-8859-2", "iso-8859-2"),
        ("cp852", "cp852"),
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("utf-16", "utf-16"),
    ],
)
def test_polish_text_is_decoded_in_its_own_encoding(encoding, expected):
    text, detected = decode_text(POLISH.encode(encoding))

    assert text == POLISH
    assert detected == expected


def test_undecodable_bytes_never_crash_the_decoder():
    text, encoding = decode_text(bytes(range(1, 256)))

    assert encoding in ("cp1250", "iso-8859-2", "cp852")
    assert len(text) == 255


# --- Helpers -----------------------------------------------------------------------------------


def test_pieces_cut_at_a_fixed_width_are_glued_back():
    pieces = ["/VAT/23,00/IDC/5260250995/I", "NV/FV/1/2026/TXT/ZAPLATA"]

    assert join_wrapped(pieces) == "/VAT/23,00/IDC/5260250995/INV/FV/1/2026/TXT/ZAPLATA"


def test_pieces_with_a_space_at_the_cut_keep_exactly_one_space():
    assert join_wrapped(["ZAPLATA ZA ", "FAKTURE"]) == "ZAPLATA ZA FAKTURE"
    assert join_wrapped(["LOL SP. Z O.O.        ", "        UL LOL 104"]) == (
        "LOL SP. Z O.O. UL LOL 104"
    )


def test_nrb_check_digits_are_computed_from_sort_code_and_account():
    assert nrb_from_parts("11402004", "5260181590830166") == "78114020045260181590830166"
    assert nrb_from_parts("1140200", "5260181590830166") == ""


def test_account_match_is_unknown_when_the_file_does_not_say():
    statement = ParsedStatement("mbank_csv", "", "PLN", account_label="Prywatne")

    assert statement.account_matches("PL78114020045260181590830166") is None


def test_masked_account_matches_on_its_visible_digits():
    statement = ParsedStatement("mbank_csv", "", "PLN", account_label="eKonto 7811 ... 0166")

    assert statement.account_matches("PL78 1140 2004 5260 1815 9083 0166") is True
    assert statement.account_matches("PL61 1090 1014 0000 0712 1981 2874") is False


def test_file_parsers_import_only_relatively_and_never_odoo():
    """The package is imported as ``engine`` by pytest and under ``odoo.addons`` in Odoo."""
    for path in PACKAGE.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                assert node.level > 0 or node.module.split(".")[0] not in ("engine", "odoo")
            elif isinstance(node, ast.Import):
                assert all(a.name.split(".")[0] not in ("engine", "odoo") for a in node.names)
