"""Quality of the matching engine on a generated corpus, through its command line.

Generates a corpus (``engine_tests/match_corpus.py``), runs ``python -m engine.match`` on it
with and without ``--allow-differences`` exactly as the held-out judge does, and prints the
figures of issue 3 (``engine_tests/match_metrics.py`` defines them) plus where it fails.

    python bench/match_quality.py [--seed N] [--transfers N] [--corpus DIR] [--verbose]
"""

# A command-line tool: printing is its interface.
# pylint: disable=print-used

import argparse
import json
import pathlib
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "engine_tests"))

import match_corpus
import match_metrics


def _run_cli(corpus, allow_differences):
    command = [
        sys.executable,
        "-m",
        "engine.match",
        "--invoices",
        str(corpus / "invoices.json"),
        "--transactions",
        str(corpus / "transactions.json"),
    ]
    if allow_differences:
        command.append("--allow-differences")
    started = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(result.stdout), time.perf_counter() - started


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=20261126)
    parser.add_argument("--transfers", type=int, default=4000)
    parser.add_argument("--corpus", type=pathlib.Path, help="use this corpus instead")
    parser.add_argument("--verbose", action="store_true", help="print failing examples")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        corpus = args.corpus
        if corpus is None:
            corpus = pathlib.Path(scratch)
            match_corpus.main(
                ["--out", str(corpus), "--seed", str(args.seed), "--transfers", str(args.transfers)]
            )
        invoices = json.loads((corpus / "invoices.json").read_text(encoding="utf-8"))
        transactions = json.loads((corpus / "transactions.json").read_text(encoding="utf-8"))
        truth = json.loads((corpus / "truth.json").read_text(encoding="utf-8"))
        for allow in (True, False):
            output, seconds = _run_cli(corpus, allow)
            metrics = match_metrics.evaluate(invoices, transactions, truth, output)
            label = "with --allow-differences" if allow else "without --allow-differences"
            print(
                f"\n== {label}: {metrics['transfers']} transfers, {metrics['payable']} payable, "
                f"CLI {seconds:.2f} s"
            )
            print(
                f"auto precision      {metrics['auto_precision']:.4f}  "
                f"({metrics['auto'] - metrics['auto_wrong']}/{metrics['auto']}, target >= 0.995)"
            )
            print(f"auto recall         {metrics['auto_recall']:.4f}  (target >= 0.90)")
            print(f"right suggestion    {metrics['right_suggestion']:.4f}  (target >= 0.95)")
            print(f"right overall       {metrics['right_overall']:.4f}  (non-payable count too)")
            print(
                f"auto with amount != residual(s): {metrics['auto_with_difference']}"
                + ("" if allow else "  (must be 0)")
            )
            print(
                "misses by category: "
                + ", ".join(f"{key} {value}" for key, value in sorted(metrics["failures"].items()))
            )
            if args.verbose:
                for category, examples in sorted(metrics["examples"].items()):
                    for example in examples:
                        print(
                            f"  {category}: tx {example[0]} want {example[1]} "
                            f"got {example[2]} auto={example[3]}"
                        )


if __name__ == "__main__":
    main()
