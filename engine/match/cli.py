"""``python -m engine.match``: match a JSON export of open invoices against bank transfers.

Prints a JSON array, one object per transaction in input order::

    {"transaction_id": "17", "invoice_ids": ["4021"], "confidence": 0.99, "auto": true,
     "reasons": ["invoice number FV/2026/11/0012 in title", "amount equals residual"]}

Exit status 0 even when some records are malformed (they get an empty suggestion saying
why); 2 when an input file cannot be read at all.
"""

# A command-line tool: printing is its interface.
# pylint: disable=print-used

import argparse
import json
import sys

from .jsonio import RecordError, document_from_dict, transfer_from_dict
from .matcher import Matcher
from .model import KIND_MALFORMED, MatchOptions, Suggestion


def _load(path):
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    if not isinstance(data, list):
        raise TypeError(f"{path}: expected a JSON array")
    return data


def _parser():
    parser = argparse.ArgumentParser(
        prog="python -m engine.match",
        description="Suggest which open invoices each bank transfer pays.",
    )
    parser.add_argument("--invoices", required=True, help="JSON array of open documents")
    parser.add_argument("--transactions", required=True, help="JSON array of bank transfers")
    parser.add_argument(
        "--allow-differences",
        action="store_true",
        help="let partial payments and overpayments be matched automatically",
    )
    parser.add_argument(
        "--threshold", type=float, default=MatchOptions.auto_threshold, help="auto threshold"
    )
    parser.add_argument(
        "--company-vat", action="append", default=[], help="our own NIP (repeatable)"
    )
    parser.add_argument(
        "--company-iban", action="append", default=[], help="our own account (repeatable)"
    )
    parser.add_argument("--details", action="store_true", help="add partner and allocations")
    return parser


def run(invoice_records, transaction_records, options, *, details=False):
    """Return the output objects for already-loaded JSON records (used by the tests)."""
    documents = []
    for record in invoice_records:
        try:
            documents.append(document_from_dict(record))
        except (RecordError, ValueError, TypeError) as error:
            print(f"skipped document: {error}", file=sys.stderr)
    matcher = Matcher(documents)
    transfers, slots = [], []
    for position, record in enumerate(transaction_records):
        try:
            transfers.append(transfer_from_dict(record))
            slots.append(None)
        except (RecordError, ValueError, TypeError) as error:
            raw_id = record.get("id") if isinstance(record, dict) else None
            slots.append(
                Suggestion(
                    transaction_id="" if raw_id is None else str(raw_id),
                    reasons=(f"malformed transaction #{position + 1}: {error}",),
                    kind=KIND_MALFORMED,
                )
            )
    suggestions = iter(matcher.match(transfers, options))
    output = []
    for slot in slots:
        suggestion = slot if slot is not None else next(suggestions)
        item = {
            "transaction_id": suggestion.transaction_id,
            "invoice_ids": list(suggestion.document_ids),
            "confidence": round(suggestion.confidence, 3),
            "auto": suggestion.auto,
            "reasons": list(suggestion.reasons),
        }
        if details:
            item["kind"] = suggestion.kind
            item["partner_key"] = suggestion.partner_key
            item["allocations"] = {
                allocation.document_id: str(allocation.amount)
                for allocation in suggestion.allocations
            }
            item["difference"] = str(suggestion.difference)
        output.append(item)
    return output


def main(argv=None):
    args = _parser().parse_args(argv)
    try:
        invoices = _load(args.invoices)
        transactions = _load(args.transactions)
    except (OSError, TypeError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    options = MatchOptions(
        allow_differences=args.allow_differences,
        auto_threshold=args.threshold,
        company_vats=tuple(args.company_vat),
        company_ibans=tuple(args.company_iban),
    )
    output = run(invoices, transactions, options, details=args.details)
    json.dump(output, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")
    return 0
