"""The command-line contract the held-out corpus is judged through (issue 3)."""

import json
import os
import pathlib
import subprocess
import sys

from engine.match.cli import run
from engine.match.model import MatchOptions

ROOT = pathlib.Path(__file__).resolve().parent.parent

INVOICES = [
    {
        "id": 101,
        "number": "FV/2026/11/0042",
        "type": "out_invoice",
        "partner": {
            "name": "Zielony Ogród Sp. z o.o.",
            "vat": "PL7465075290",
            "ibans": ["PL03 1050 1445 1318 6091 3909 9603"],
        },
        "payment_reference": "FV/2026/11/0042",
        "amount_total": "2460.00",
        "amount_residual": 2460,
        "currency": "PLN",
        "date": "2026-11-03",
        "due_date": "2026-11-17",
    },
    {
        "id": "102",
        "number": "FZ/2026/11/0001",
        "type": "in_invoice",
        "partner": {"name": "Hurtownia Elektryczna Volt S.A.", "vat": None, "ibans": []},
        "payment_reference": "FA/1234/11/2026",
        "amount_total": 5000.0,
        "amount_residual": "5000.00",
        "currency": "PLN",
        "date": "2026-11-02",
        "due_date": None,
    },
    {"id": 103, "number": "broken", "type": "proforma"},
]


def _transaction(id, title, amount):
    return {"id": id, "date": "2026-11-20", "amount": amount, "currency": "PLN", "title": title}


def test_one_object_per_transaction_in_input_order_with_string_ids():
    transactions = [
        _transaction(7, "FV/2026/11/0042", 2460),
        _transaction("T2", "Zapłata za fakturę FA/1234/11/2026", "-5000.00"),
    ]
    output = run(INVOICES, transactions, MatchOptions())
    assert [item["transaction_id"] for item in output] == ["7", "T2"]
    assert output[0]["invoice_ids"] == ["101"]
    assert output[1]["invoice_ids"] == ["102"]
    assert set(output[0]) == {"transaction_id", "invoice_ids", "confidence", "auto", "reasons"}
    assert isinstance(output[0]["confidence"], float)
    assert output[0]["auto"] is True


def test_malformed_transactions_get_an_empty_suggestion_and_do_not_stop_the_run():
    transactions = [
        {"id": 1, "amount": "abc"},
        "not an object",
        {"id": 3, "amount": None, "title": "FV/2026/11/0042"},
        {"id": 4, "amount": 2460, "title": "FV/2026/11/0042", "counterparty": None},
    ]
    output = run(INVOICES, transactions, MatchOptions())
    assert len(output) == 4
    for item in output[:3]:
        assert item["invoice_ids"] == []
        assert item["auto"] is False
        assert item["reasons"][0].startswith("malformed transaction")
    assert output[3]["invoice_ids"] == ["101"]


def test_missing_fields_are_tolerated():
    output = run(INVOICES, [{"id": 5, "amount": 2460}], MatchOptions())
    assert output[0]["transaction_id"] == "5"
    assert output[0]["auto"] is False


def test_without_allow_differences_a_partial_payment_is_not_automatic():
    transactions = [
        {
            **_transaction(1, "FV/2026/11/0042 czesc 1", "1000.00"),
            "counterparty": {"name": "ZIELONY OGROD", "iban": "03105014451318609139099603"},
        }
    ]
    strict = run(INVOICES, transactions, MatchOptions(allow_differences=False))[0]
    lenient = run(INVOICES, transactions, MatchOptions(allow_differences=True))[0]
    assert strict["invoice_ids"] == lenient["invoice_ids"] == ["101"]
    assert not strict["auto"]
    assert lenient["auto"]


def test_python_dash_m_engine_match_prints_the_json(tmp_path):
    invoices = tmp_path / "inv.json"
    transactions = tmp_path / "tx.json"
    invoices.write_text(json.dumps(INVOICES), encoding="utf-8")
    transactions.write_text(
        json.dumps([_transaction("x", "fv/2026/11/42", "2460,00")]), encoding="utf-8"
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "engine.match",
            "--invoices",
            str(invoices),
            "--transactions",
            str(transactions),
            "--allow-differences",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    output = json.loads(result.stdout)
    assert output[0]["transaction_id"] == "x"
    assert output[0]["invoice_ids"] == ["101"]
    assert "skipped document" in result.stderr  # the record of type "proforma"


def test_unreadable_input_file_exits_with_status_2(tmp_path):
    missing = tmp_path / "missing.json"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "engine.match",
            "--invoices",
            str(missing),
            "--transactions",
            str(missing),
        ],
        cwd=ROOT,
        capture_output=True,
        check=False,
        text=True,
    )
    assert result.returncode == 2
    assert result.stdout == ""


def test_namesakes_without_nip_are_told_apart_by_their_accounts():
    first = {
        "id": 1,
        "number": "FV/2026/11/0001",
        "type": "out_invoice",
        "partner": {"name": "Jan Kowalski", "vat": None, "ibans": ["61109010140000071219812874"]},
        "amount_total": "100.00",
        "amount_residual": "100.00",
        "currency": "PLN",
        "date": "2026-11-01",
    }
    second = {
        **first,
        "id": 2,
        "number": "FV/2026/11/0002",
        "partner": {"name": "Jan Kowalski", "vat": None, "ibans": ["59124010374323194875749118"]},
    }
    transactions = [
        {
            "id": "t",
            "amount": "100.00",
            "title": "przelew",
            "counterparty": {"name": "JAN KOWALSKI", "iban": "59124010374323194875749118"},
        }
    ]
    output = run([first, second], transactions, MatchOptions())
    assert output[0]["invoice_ids"] == ["2"]
    assert output[0]["auto"] is True


def test_polish_dates_and_currency_spellings_are_read():
    transactions = [
        {**_transaction("d", "FV/2026/11/0042", "2460.00"), "date": "20.11.2026", "currency": "zł"}
    ]
    output = run(INVOICES, transactions, MatchOptions())
    assert output[0]["invoice_ids"] == ["101"]
    assert output[0]["auto"] is True


def test_output_does_not_depend_on_the_process_hash_seed():
    # Sets of strings iterate in a per-process order; the answer must not.
    data = ROOT / "engine_tests" / "data" / "match"
    outputs = set()
    for seed in ("1", "2"):
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "engine.match",
                "--invoices",
                str(data / "invoices.json"),
                "--transactions",
                str(data / "transactions.json"),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        )
        outputs.add(result.stdout)
    assert len(outputs) == 1
