"""Fault-injection report: every scenario on every provider, and what the journal ends with.

Runs the scenarios of ``engine_tests/fault_scenarios.py`` on the benches of
``engine_tests/faultlab.py`` (the same code the test suite runs) and prints, per provider, the
scenarios run and the transactions expected, imported, lost and duplicated, summed over the
scenarios. Exits with status 1 on any loss, duplicate or scenario that did not go as written.

    python3 bench/fault_report.py              # the table
    python3 bench/fault_report.py --verbose    # plus one line per scenario
    python3 bench/fault_report.py --only kontomatik --scenario page_served_twice

"Expected" counts, per scenario, the booked transactions the bank lists (at the scenario's
final clock) with a booking date inside the windows the runs completed; the same transaction
counts once per scenario it appears in.
"""

# A command-line tool: printing is its interface.
# pylint: disable=print-used

import argparse
import collections
import pathlib
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "engine_tests")]

from fault_scenarios import SCENARIOS, play
from faultlab import BENCHES, START, ScenarioError

COLUMNS = ("scenarios", "expected", "imported", "lost", "duplicated", "failed")


def run(only=None, scenario_names=None, verbose=False, out=sys.stdout):
    """Play the scenarios; print the report; return True when nothing was lost or doubled."""
    totals = collections.OrderedDict()
    started = time.monotonic()
    for spec in BENCHES:
        if only and spec.name not in only:
            continue
        row = totals.setdefault(spec.name, dict.fromkeys(COLUMNS, 0))
        for scenario in SCENARIOS:
            if not scenario.applies(spec) or (
                scenario_names and scenario.name not in scenario_names
            ):
                continue
            bench = spec.make()
            row["label"] = bench.label
            try:
                tally = play(scenario, bench)
            except ScenarioError as error:
                row["scenarios"] += 1
                row["failed"] += 1
                print(f"  {spec.name:22} {scenario.name:26} NOT AS WRITTEN: {error}", file=out)
                continue
            finally:
                bench.close()
            row["scenarios"] += 1
            for column in ("expected", "imported", "lost", "duplicated"):
                row[column] += getattr(tally, column)
            if verbose or tally.lost or tally.duplicated:
                print(
                    f"  {spec.name:22} {scenario.name:26} expected {tally.expected:3}  "
                    f"imported {tally.imported:3}  lost {tally.lost}  duplicated "
                    f"{tally.duplicated}  ({len(bench.runs)} runs)",
                    file=out,
                )
    elapsed = time.monotonic() - started
    _print_table(totals, elapsed, out)
    return all(not (r["lost"] or r["duplicated"] or r["failed"]) for r in totals.values())


def _print_table(totals, elapsed, out):
    print(
        f"\nFault-injection report: first run {START:%Y-%m-%d %H:%M} UTC, "
        f"{sum(r['scenarios'] for r in totals.values())} scenarios in {elapsed:.1f} s\n",
        file=out,
    )
    header = f"{'provider':40}" + "".join(f"{column:>11}" for column in COLUMNS)
    print(header, file=out)
    print("-" * len(header), file=out)
    grand = dict.fromkeys(COLUMNS, 0)
    for row in totals.values():
        print(
            f"{row.get('label', ''):40}" + "".join(f"{row[column]:>11}" for column in COLUMNS),
            file=out,
        )
        for column in COLUMNS:
            grand[column] += row[column]
    print("-" * len(header), file=out)
    print(f"{'all':40}" + "".join(f"{grand[column]:>11}" for column in COLUMNS), file=out)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--verbose", "-v", action="store_true", help="one line per scenario")
    parser.add_argument(
        "--only",
        action="append",
        help="bench name (repeatable): " + ", ".join(b.name for b in BENCHES),
    )
    parser.add_argument(
        "--scenario",
        action="append",
        help="scenario name (repeatable): " + ", ".join(s.name for s in SCENARIOS),
    )
    args = parser.parse_args(argv)
    return 0 if run(args.only, args.scenario, args.verbose) else 1


if __name__ == "__main__":
    sys.exit(main())
