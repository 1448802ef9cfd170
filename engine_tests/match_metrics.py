"""The quality figures of issue 3, computed the same way by the test and the bench script.

- *auto precision*: of the transfers matched automatically, the share whose documents are
  exactly the true ones;
- *auto recall*: of the *payable* transfers (those that truly pay documents), the share
  matched automatically and correctly;
- *right suggestion*: of the payable transfers, the share whose suggestion (auto or not) is
  exactly the true set of documents; ``right_overall`` also counts a transfer that pays
  nothing as right when nothing is suggested;
- *no-difference violations*: automatic matches whose amount differs from the sum of the
  suggested documents' residuals (must be zero when differences are not allowed).
"""

import collections
from decimal import Decimal


def _decimal(value):
    return Decimal(str(value))


def evaluate(invoices, transactions, truth, output):
    """Return a dict of metrics and per-category failure counts for one CLI output."""
    residual = {str(doc["id"]): _decimal(doc["amount_residual"]) for doc in invoices}
    amount = {str(tx["id"]): _decimal(tx["amount"]) for tx in transactions}
    counts = collections.Counter()
    failures = collections.Counter()
    examples = collections.defaultdict(list)
    for item in output:
        transaction_id = item["transaction_id"]
        expected = truth[transaction_id]
        wanted = sorted(expected["invoice_ids"])
        got = sorted(item["invoice_ids"])
        payable = bool(wanted)
        right = got == wanted
        counts["all"] += 1
        counts["right_overall"] += right
        if item["auto"]:
            counts["auto"] += 1
            counts["auto_right"] += right
            due = sum((residual[doc_id] for doc_id in got), Decimal(0))
            if due != abs(amount[transaction_id]):
                counts["auto_with_difference"] += 1
        if payable:
            counts["payable"] += 1
            counts["payable_right"] += right
            counts["payable_auto_right"] += right and item["auto"]
        category = expected["category"]
        counts[f"category:{category}"] += 1
        if not right or (item["auto"] and not right):
            failures[category] += 1
            if len(examples[category]) < 5:
                examples[category].append((transaction_id, wanted, got, item["auto"]))
        elif payable and not item["auto"]:
            failures[f"{category} (not auto)"] += 1
    return {
        "transfers": counts["all"],
        "payable": counts["payable"],
        "auto": counts["auto"],
        "auto_precision": counts["auto_right"] / counts["auto"] if counts["auto"] else 1.0,
        "auto_recall": counts["payable_auto_right"] / counts["payable"],
        "right_suggestion": counts["payable_right"] / counts["payable"],
        "right_overall": counts["right_overall"] / counts["all"],
        "auto_wrong": counts["auto"] - counts["auto_right"],
        "auto_with_difference": counts["auto_with_difference"],
        "failures": dict(failures),
        "examples": dict(examples),
        "categories": {
            key.split(":", 1)[1]: value
            for key, value in counts.items()
            if key.startswith("category:")
        },
    }
