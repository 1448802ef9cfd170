"""Judge the matching engine on the independent corpus, through its command line only.

Generates a corpus with ``bench/independent_corpus.py`` (or reads one with ``--corpus DIR``),
runs ``python -m engine.match`` on it with and without ``--allow-differences`` exactly as the
held-out judge does (no other option), and prints the figures of issue 3 and where it fails.

    python bench/independent_eval.py [--seed N] [--transfers 3000] [--corpus DIR] [--examples 3]

Definitions (per transfer; T = the ground-truth ids, S = the ids the engine returned)
  * payable: T is not empty (the transfer really pays at least one open document).
  * auto: the engine said ``auto`` and returned at least one id (``auto`` with no ids is counted
    as an anomaly, not as an automatic match).
  * auto correct: auto and set(S) == set(T) (all of them, nothing more).
  * auto precision = auto correct / auto. Noise auto-matched to anything is a false auto.
  * auto recall ("share of payable transfers auto-matched correctly") = payable transfers that
    are auto correct / payable transfers.
  * right suggestion = transfers with set(S) == set(T), auto or not, / all transfers; for noise
    an empty suggestion is right. The same ratio over payable transfers only is printed too.
  * no-difference check (run without ``--allow-differences``): auto matches whose amount differs
    from the sum of the suggested documents' open residuals (signed as the bank sees them:
    invoices and vendor refunds positive, bills and customer credit notes negative), or whose
    documents are in another currency. Must be 0. The check uses the engine's own suggestion,
    right or wrong, because that is what would be reconciled.
  * Without ``--allow-differences`` a transfer whose amount is not the exact residual sum cannot
    be matched automatically, so the recall there is also given over the payable transfers whose
    amount matches (``amount_matches`` in the truth).
Failure kinds (with ``--allow-differences``)
  * false auto: auto but S != T (on noise, on other documents, or a subset/superset of T).
  * missed auto: payable, not auto, but S == T (right suggestion left for a person).
  * wrong suggestion: not auto and S != T (payable: nothing or other documents suggested;
    noise: something suggested).
"""

# A command-line tool: printing is its interface.
# pylint: disable=print-used

import argparse
import collections
import importlib.util
import json
import pathlib
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
CENT = 0.005


def load_generator():
    spec = importlib.util.spec_from_file_location(
        "independent_corpus", pathlib.Path(__file__).with_name("independent_corpus.py")
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("independent_corpus", module)
    spec.loader.exec_module(module)
    return module


def run_cli(corpus, allow_differences):
    """The engine's answer for a corpus directory, and the wall time of the call."""
    command = [
        sys.executable,
        "-m",
        "engine.match",
        "--invoices",
        str(pathlib.Path(corpus) / "invoices.json"),
        "--transactions",
        str(pathlib.Path(corpus) / "transactions.json"),
    ]
    if allow_differences:
        command.append("--allow-differences")
    started = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(result.stdout), time.perf_counter() - started


def load_corpus(corpus):
    corpus = pathlib.Path(corpus)
    return tuple(
        json.loads((corpus / name).read_text(encoding="utf-8"))
        for name in ("invoices.json", "transactions.json", "truth.json")
    )


def _signed(doc):
    residual = float(doc["amount_residual"])
    return residual if doc["type"] in ("out_invoice", "in_refund") else -residual


def differs(tx, ids, docs):
    """True when reconciling ``ids`` with ``tx`` would leave a difference."""
    chosen = [docs[i] for i in ids if i in docs]
    if len(chosen) != len(ids) or any(d["currency"] != tx["currency"] for d in chosen):
        return True
    return abs(sum(_signed(d) for d in chosen) - float(tx["amount"])) > CENT


def classify(truth_ids, ids, auto):
    """(auto_correct, failure kind or None)."""
    same = set(ids) == set(truth_ids)
    if auto:
        return (same and bool(truth_ids)), (None if same else "false auto")
    if same:
        return False, ("missed auto" if truth_ids else None)
    return False, "wrong suggestion"


def false_auto_kind(truth_ids, ids):
    if not truth_ids:
        return "on noise"
    truth_set, got = set(truth_ids), set(ids)
    if got < truth_set:
        return "subset of truth"
    if got > truth_set:
        return "superset of truth"
    return "overlapping truth" if got & truth_set else "other documents"


def evaluate(invoices, transactions, truth, output):
    """All figures for one CLI run; see the module docstring for the definitions."""
    if len(output) != len(transactions):
        raise AssertionError(f"{len(output)} answers for {len(transactions)} transactions")
    docs = {d["id"]: d for d in invoices}
    m = collections.Counter()
    failures = collections.defaultdict(list)
    with_difference = []
    for tx, want, got in zip(transactions, truth, output, strict=True):
        if got["transaction_id"] != tx["id"]:
            raise AssertionError(f"answer for {got['transaction_id']} where {tx['id']} expected")
        ids = list(got.get("invoice_ids") or [])
        auto = bool(got.get("auto")) and bool(ids)
        payable = bool(want["invoice_ids"])
        m["transfers"] += 1
        m["payable"] += payable
        m["payable_exact"] += payable and want["amount_matches"]
        m["auto"] += auto
        m["auto_anomaly"] += bool(got.get("auto")) and not ids
        if auto and differs(tx, ids, docs):
            with_difference.append(tx["id"])
        correct, kind = classify(want["invoice_ids"], ids, auto)
        m["auto_correct"] += correct
        m["auto_correct_payable"] += correct and payable
        m["auto_correct_exact"] += correct and payable and want["amount_matches"]
        right = set(ids) == set(want["invoice_ids"])
        m["right"] += right
        m["right_payable"] += right and payable
        if kind:
            sub = false_auto_kind(want["invoice_ids"], ids) if kind == "false auto" else None
            failures[kind].append({"tx": tx, "truth": want, "answer": got, "sub": sub, "ids": ids})
    return {
        "counts": dict(m),
        "auto_precision": m["auto_correct"] / m["auto"] if m["auto"] else 1.0,
        "auto_recall": m["auto_correct_payable"] / max(m["payable"], 1),
        "auto_recall_exact": m["auto_correct_exact"] / max(m["payable_exact"], 1),
        "right_suggestion": m["right"] / max(m["transfers"], 1),
        "right_suggestion_payable": m["right_payable"] / max(m["payable"], 1),
        "auto_with_difference": len(with_difference),
        "auto_with_difference_ids": with_difference,
        "failures": failures,
    }


TARGETS = {"auto_precision": 0.995, "auto_recall": 0.90, "right_suggestion": 0.95}


def describe(item, docs):
    tx, want, got = item["tx"], item["truth"], item["answer"]

    def numbers(ids):
        return [
            f"{docs[i]['number']} ({docs[i]['amount_residual']})" if i in docs else i for i in ids
        ]

    cp = tx["counterparty"]
    lines = [
        f"    title {tx['title']!r}",
        f"    {tx['amount']:.2f} {tx['currency']} from/to {cp.get('name')!r} {cp.get('iban')}",
        f"    truth {numbers(want['invoice_ids'])} [{want['category']}; {', '.join(want['tags'])}]",
        f"    got   {numbers(item['ids'])} auto={got.get('auto')} conf={got.get('confidence')}",
        f"    reasons {got.get('reasons')}",
    ]
    return "\n".join(lines)


def breakdown(failures, truth):
    """Failures per truth category and per tag, against how often each occurs."""
    lines = []
    category_total = collections.Counter(t["category"] for t in truth)
    tag_total = collections.Counter(tag for t in truth for tag in t["tags"])
    for kind in ("false auto", "missed auto", "wrong suggestion"):
        items = failures.get(kind, [])
        lines.append(f"\n-- {kind}: {len(items)}")
        if not items:
            continue
        if kind == "false auto":
            subs = collections.Counter(i["sub"] for i in items)
            lines.append("   how: " + ", ".join(f"{k} {v}" for k, v in subs.most_common()))
        cats = collections.Counter(i["truth"]["category"] for i in items)
        lines.append(
            "   by category: "
            + ", ".join(f"{k} {v}/{category_total[k]}" for k, v in cats.most_common())
        )
        tags = collections.Counter(tag for i in items for tag in i["truth"]["tags"])
        lines.append(
            "   by tag: "
            + ", ".join(
                f"{k} {v}/{tag_total[k]}"
                for k, v in tags.most_common(18)
                if v >= 2 or len(items) < 10
            )
        )
    return "\n".join(lines)


def report(label, metrics, truth, invoices, examples, seconds):
    c = metrics["counts"]
    docs = {d["id"]: d for d in invoices}
    print(
        f"\n== {label}: {c['transfers']} transfers, {c['payable']} payable "
        f"({c['payable_exact']} with the exact amount), CLI {seconds:.1f} s"
    )
    for key, target in TARGETS.items():
        flag = "ok" if metrics[key] >= target else "MISS"
        print(f"   {key:<18} {metrics[key]:.4f}  (target >= {target})  {flag}")
    print(
        f"   auto {c['auto']} ({c['auto_correct']} correct); "
        f"right suggestion on payable {metrics['right_suggestion_payable']:.4f}; "
        f"auto recall on exact-amount payable {metrics['auto_recall_exact']:.4f}"
    )
    print(f"   auto with amount != residual(s): {metrics['auto_with_difference']}")
    if c.get("auto_anomaly"):
        print(f"   auto=true with no ids: {c['auto_anomaly']}")
    print(breakdown(metrics["failures"], truth))
    for kind in ("false auto", "missed auto", "wrong suggestion"):
        items = metrics["failures"].get(kind, [])
        if items and examples:
            print(f"\n   examples of {kind}:")
            step = max(1, len(items) // examples)
            for item in items[::step][:examples]:
                print(describe(item, docs))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=20261201)
    parser.add_argument("--transfers", type=int, default=3000)
    parser.add_argument("--corpus", type=pathlib.Path, help="evaluate this corpus directory")
    parser.add_argument("--examples", type=int, default=3, help="examples per failure kind")
    parser.add_argument("--keep", type=pathlib.Path, help="write the generated corpus here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        corpus = args.corpus or args.keep or pathlib.Path(scratch)
        if args.corpus is None:
            load_generator().generate(corpus, args.seed, args.transfers)
        invoices, transactions, truth = load_corpus(corpus)
        print(
            f"corpus {corpus if args.corpus or args.keep else f'seed {args.seed}'}: "
            f"{len(invoices)} open documents, {len(transactions)} transfers"
        )
        results = {}
        for allow in (True, False):
            output, seconds = run_cli(corpus, allow)
            metrics = evaluate(invoices, transactions, truth, output)
            label = "with --allow-differences" if allow else "without --allow-differences"
            report(label, metrics, truth, invoices, args.examples if allow else 0, seconds)
            results[allow] = metrics
        without = results[False]
        print(
            f"\nno-difference check (without --allow-differences): "
            f"{without['auto_with_difference']} automatic matches with a difference "
            f"({'ok' if without['auto_with_difference'] == 0 else 'FAIL'})"
        )
        if without["failures"].get("false auto") and args.examples:
            print("   examples of false auto without --allow-differences:")
            docs = {d["id"]: d for d in invoices}
            for item in without["failures"]["false auto"][: args.examples]:
                print(describe(item, docs))
    return results


if __name__ == "__main__":
    main()
