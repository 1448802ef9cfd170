"""The engine's user-facing messages stay translatable: English text, template and parameters.

Odoo shows these messages in the user's language (``models/engine_text.py``); that only
works if the exception carries an :class:`engine.i18n.Text` whose template is the one in the
``.pot`` file, with the values as named parameters.
"""

import ast
import pathlib
import pickle
import re

import pytest

from engine import schedule
from engine.fileimport import FileImportError, parse_statement_file
from engine.i18n import Text, render
from engine.providers.common import normalize_all
from engine.records import parse_amount

ENGINE = pathlib.Path(__file__).parent.parent / "engine"
DATA = pathlib.Path(__file__).parent / "data" / "files"
#: What a translator would write; enough of it to see every piece translated.
POLISH = {
    "Line %(line)s": "Wiersz %(line)s",
    "the amount %(amount)s is not a number.": "kwota %(amount)s nie jest liczbą.",
    "%(value)s is not a time of day; write it as HH:MM, e.g. 11:45.": (
        "%(value)s nie jest godziną; wpisz ją jako GG:MM, np. 11:45."
    ),
}


def mbank_error_with_bad_amount():
    text = (DATA / "mbank_lista_operacji_cp1250.csv").read_bytes().decode("cp1250")
    text = text.replace("-1 230,00 PLN", "-1 23O,00 PLN")
    with pytest.raises(FileImportError) as raised:
        parse_statement_file(text.encode("cp1250"), "lista_operacji.csv")
    return raised.value


def test_bad_mbank_line_keeps_its_template_and_parameters():
    error = mbank_error_with_bad_amount()

    message = error.args[0]
    assert isinstance(message, Text)
    assert message.template == "%(place)s: %(sentence)s"
    place, sentence = message.params["place"], message.params["sentence"]
    assert place.template == "Line %(line)s"
    assert place.params == {"line": error.line}
    assert sentence.template == "the amount %(amount)s is not a number."
    assert sentence.params == {"amount": "'-1 23O,00 PLN'"}
    assert str(error) == f"Line {error.line}: the amount '-1 23O,00 PLN' is not a number."


def test_bad_mbank_line_renders_in_polish_with_every_piece_translated():
    error = mbank_error_with_bad_amount()

    assert render(error, POLISH.get) == (
        f"Wiersz {error.line}: kwota '-1 23O,00 PLN' nie jest liczbą."
    )


def test_untranslated_message_renders_in_english():
    error = mbank_error_with_bad_amount()

    assert render(error, {}.get) == str(error)


def test_translation_with_a_wrong_placeholder_falls_back_to_english():
    message = Text("Line %(line)s", line=4)

    assert render(message, {"Line %(line)s": "Wiersz %(linia)s"}.get) == "Line 4"


def test_sync_time_error_is_translatable():
    with pytest.raises(ValueError) as raised:
        schedule.parse_sync_times("11:45, 25h")

    assert render(raised.value, POLISH.get) == (
        "'25h' nie jest godziną; wpisz ją jako GG:MM, np. 11:45."
    )


def test_rejected_record_reason_keeps_the_message():
    _transactions, rejected = normalize_all(
        [{"amount": "1,234"}], lambda r: parse_amount(r["amount"])
    )

    assert rejected[0].reason.template == "Amount %(amount)s is ambiguous (thousands or decimals?)."
    assert rejected[0].reason == "Amount '1,234' is ambiguous (thousands or decimals?)."


def test_file_import_error_survives_pickling_with_its_template():
    error = mbank_error_with_bad_amount()

    message = pickle.loads(pickle.dumps(error.args[0]))

    assert message.params["sentence"].template == "the amount %(amount)s is not a number."


def _lt_calls():
    """Every ``_lt(...)`` call of the engine, as ``(file, call node)``."""
    for path in sorted(ENGINE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "_lt":
                yield path.relative_to(ENGINE.parent), node


def test_engine_marks_its_messages():
    files = {str(path) for path, _node in _lt_calls()}

    assert {
        "engine/fileimport/common.py",
        "engine/fileimport/mbank_csv.py",
        "engine/fileimport/mt940.py",
        "engine/fileimport/camt053.py",
        "engine/schedule.py",
        "engine/alerts.py",
        "engine/records.py",
        "engine/sync.py",
        "engine/match/matcher.py",
        "engine/match/scoring.py",
    } <= files


@pytest.mark.parametrize(
    ("path", "node"),
    [pytest.param(path, node, id=f"{path}:{node.lineno}") for path, node in _lt_calls()],
)
def test_lt_template_is_a_literal_with_named_placeholders_that_get_values(path, node):
    """Odoo's exporter reads only literal first arguments; translators may reorder values."""
    template = node.args[0]
    assert isinstance(template, ast.Constant) and isinstance(template.value, str)
    without_named = re.sub(r"%\(\w+\)s|%%", "", template.value)
    assert "%" not in without_named, "use %(name)s placeholders only"
    names = set(re.findall(r"%\((\w+)\)s", template.value))
    keywords = {keyword.arg for keyword in node.keywords}
    if None not in keywords:  # no **values
        assert names == keywords
