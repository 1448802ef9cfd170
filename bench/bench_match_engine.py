"""Speed of the matching engine: 10,000 transfers against 50,000 open documents.

    python bench/bench_match_engine.py [--seed N] [--documents N] [--transfers N] [--sample N]
                                       [--repeat N]

Builds the inputs deterministically with the corpus generator (``engine_tests/match_corpus.py``,
not timed), then times what the Odoo layer will do: build a :class:`Matcher` from the open
documents and match every transfer. Prints:

- wall time of building the indexes and of matching (``time.perf_counter``), and the CPU time
  of both (``time.process_time``) with the load average: this machine is shared, and other
  processes stretch the wall time without changing the work done. ``--repeat`` runs (3 by
  default) are timed, each with a new matcher; all are listed and the fastest is reported;
- peak memory: the process's maximum resident set size (``resource.getrusage``, includes the
  generated inputs) and, from a second untimed run under ``tracemalloc``, the peak of what the
  engine itself allocates;
- the ratio against a *naive scan*: for each transfer, every open document is examined with the
  same evidence the engine uses (number keys against the title, amount, account, NIP and name
  similarity of its partner) and the best is kept. The scan runs on ``--sample`` transfers
  spread evenly over the list; its time per transfer is multiplied by the number of transfers
  (it does the same work for every transfer, so the extrapolation is linear), and its one-off
  preparation (document keys, partner names) is added once;
- as a by-product, the quality figures on this corpus (the generator knows the truth).
"""

# A command-line tool: printing is its interface.
# pylint: disable=print-used

import argparse
import gc
import os
import pathlib
import resource
import sys
import time
import tracemalloc

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "engine_tests"))

import match_corpus
import match_metrics

from engine.match import Matcher, MatchOptions
from engine.match.identifiers import normalize_account, normalize_vat
from engine.match.jsonio import document_from_dict, transfer_from_dict
from engine.match.names import name_similarity, name_tokens
from engine.match.normalize import fold
from engine.match.numbers import EXACT, NONE, NORMALIZED, WEAK, document_keys
from engine.match.scoring import (
    PARTNER_NAME,
    PARTNER_NONE,
    PARTNER_STRONG,
    PARTNER_WEAK,
    base_confidence,
)
from engine.match.title import parse_title


def build_inputs(seed, document_count, transfer_count):
    """Return ``(invoice_records, transaction_records, truth)`` with exactly N documents."""
    customers = max(100, int(document_count * 0.4))  # about 1.6 documents each: trimmed below
    invoices, transactions, truth = match_corpus.generate(
        seed, transfers=transfer_count, customers=customers, vendors=max(20, customers // 15)
    )
    wanted = {doc_id for item in truth.values() for doc_id in item["invoice_ids"]}
    kept = [record for record in invoices if str(record["id"]) in wanted]
    for record in invoices:
        if len(kept) >= document_count:
            break
        if str(record["id"]) not in wanted:
            kept.append(record)
    return kept[:document_count], transactions, truth


class NaiveScan:
    """For each transfer, examine every open document; no index, same evidence."""

    def __init__(self, documents):
        self.documents = documents
        self.keys = [
            [document_keys(fold(text)) for text in (doc.number, doc.payment_reference) if text]
            for doc in documents
        ]
        self.names = {}
        for doc in documents:
            party = doc.partner
            if party.key not in self.names:
                self.names[party.key] = (
                    name_tokens(party.name),
                    {normalize_account(iban) for iban in party.ibans},
                    normalize_vat(party.vat),
                )

    def match(self, transfer):
        parsed = parse_title(transfer.title)
        windows = parsed.windows + parsed.split_payment_windows
        compacts = {window.compact for window in windows}
        looses = {window.loose for window in windows}
        numerics = {window.numeric for window in windows if window.numeric_groups >= 2}
        semantics = {reading for window in windows for reading in window.semantic}
        sender = name_tokens(transfer.counterparty_name)
        account = normalize_account(transfer.counterparty_iban)
        inbound = transfer.amount > 0
        amount = abs(transfer.amount)
        partner_levels = {}
        best = (0.0, None)
        for position, doc in enumerate(self.documents):
            if doc.is_inbound != inbound or doc.currency != transfer.currency:
                continue
            level = NONE
            for keys in self.keys[position]:
                if keys is None:
                    continue
                if keys.compact in compacts:
                    level = max(level, EXACT if keys.specific else WEAK)
                elif keys.loose in looses or keys.numeric in numerics:
                    level = max(level, NORMALIZED if keys.specific else WEAK)
                elif keys.semantic and keys.semantic in semantics:
                    level = max(level, WEAK)
            partner = partner_levels.get(doc.partner.key)
            if partner is None:
                (tokens, form), accounts, vat = self.names[doc.partner.key]
                if account and account in accounts or vat and vat in parsed.nips:
                    partner = PARTNER_STRONG
                else:
                    similarity = name_similarity(tokens, form, *sender)
                    partner = (
                        PARTNER_NAME
                        if similarity >= 88
                        else PARTNER_WEAK
                        if similarity >= 70
                        else PARTNER_NONE
                    )
                partner_levels[doc.partner.key] = partner
            equal = doc.amount_residual == amount
            if level == NONE and not equal:
                continue
            confidence = base_confidence(level, partner, equal)
            if confidence > best[0]:
                best = (confidence, doc.id)
        return best


def _time_engine(documents, transfers, options):
    gc.collect()
    started, cpu_started = time.perf_counter(), time.process_time()
    matcher = Matcher(documents)
    built, cpu_built = time.perf_counter(), time.process_time()
    suggestions = matcher.match(transfers, options)
    done, cpu_done = time.perf_counter(), time.process_time()
    return suggestions, built - started, done - built, cpu_built - cpu_started, cpu_done - cpu_built


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--documents", type=int, default=50000)
    parser.add_argument("--transfers", type=int, default=10000)
    parser.add_argument("--sample", type=int, default=20, help="transfers for the naive scan")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs (the fastest counts)")
    args = parser.parse_args(argv)

    invoices, transactions, truth = build_inputs(args.seed, args.documents, args.transfers)
    documents = [document_from_dict(record) for record in invoices]
    transfers = [transfer_from_dict(record) for record in transactions]
    options = MatchOptions(allow_differences=True)
    print(f"{len(documents)} open documents, {len(transfers)} transfers (seed {args.seed})")

    # The host's other work makes single runs vary by a fifth or more (CPU time too): time
    # several runs and report the fastest, listing every one.
    fastest, walls = None, []
    for _run in range(max(1, args.repeat)):
        run = _time_engine(documents, transfers, options)
        walls.append(run[1] + run[2])
        if fastest is None or walls[-1] < fastest[1] + fastest[2]:
            fastest = run
        run = None  # only the fastest run's suggestions are kept (peak RSS stays one run's)
    if len(walls) > 1:
        listed = ", ".join(f"{wall:.2f}" for wall in walls)
        print(f"engine runs       {listed} s wall; the fastest is reported below")
    suggestions, build_seconds, match_seconds, build_cpu, match_cpu = fastest
    engine_seconds = build_seconds + match_seconds
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"engine wall time  {engine_seconds:.2f} s  (index {build_seconds:.2f} s, "
        f"match {match_seconds:.2f} s, {1000 * match_seconds / len(transfers):.3f} ms/transfer)"
    )
    print(
        f"engine CPU time   {build_cpu + match_cpu:.2f} s  (index {build_cpu:.2f} s, match "
        f"{match_cpu:.2f} s; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores: "
        "other processes inflate the wall time)"
    )
    print(f"peak RSS          {rss_mb:.0f} MB  (whole process, generated inputs included)")

    tracemalloc.start()
    _time_engine(documents, transfers, options)  # untimed: tracemalloc slows Python down
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"engine peak alloc {peak / 2**20:.0f} MB  (tracemalloc, second untimed run)")

    started = time.perf_counter()
    naive = NaiveScan(documents)
    prepare_seconds = time.perf_counter() - started
    step = max(1, len(transfers) // args.sample)
    sample = transfers[::step][: args.sample]
    started = time.perf_counter()
    for transfer in sample:
        naive.match(transfer)
    per_transfer = (time.perf_counter() - started) / len(sample)
    naive_seconds = prepare_seconds + per_transfer * len(transfers)
    print(
        f"naive scan        {per_transfer * 1000:.0f} ms/transfer on {len(sample)} transfers "
        f"-> {naive_seconds:.0f} s extrapolated to {len(transfers)} "
        f"(+{prepare_seconds:.2f} s preparation)"
    )
    print(f"speed-up          {naive_seconds / engine_seconds:.0f}x")

    output = [
        {
            "transaction_id": suggestion.transaction_id,
            "invoice_ids": list(suggestion.document_ids),
            "auto": suggestion.auto,
        }
        for suggestion in suggestions
    ]
    metrics = match_metrics.evaluate(invoices, transactions, truth, output)
    print(
        f"quality (allow differences): auto precision {metrics['auto_precision']:.4f}, "
        f"auto recall {metrics['auto_recall']:.4f}, "
        f"right suggestion {metrics['right_suggestion']:.4f}"
    )


if __name__ == "__main__":
    main()
