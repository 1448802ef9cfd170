"""Benchmark: match and reconcile 2,000 new bank lines against 10,000 open invoices in Odoo.

Builds the data in a database where ``account_bank_psd2`` is installed (the bank lines are
created the way an import creates them: a known counterparty account names the partner),
then times the two phases that run after an import, as ``_psd2_auto_reconcile`` does:
matching (read every open document, build the engine's indexes, match, store the
suggestions) and booking (reconcile the lines the engine marks ``auto``, set the recognised
partner on the others). Prints wall and CPU time (target: under 60 s for both phases
together) and the SQL queries per line; asserts nothing. Everything is rolled back at the
end unless ``--commit`` is given.

Usage (Odoo 18 importable by ``python3``; a fresh database from a template with ``account``)::

    createdb -h 127.0.0.1 -T psd2_base psd2_bench
    python3 /opt/odoo18/odoo-bin -d psd2_bench --db_host=127.0.0.1 --db_user=root \\
        --addons-path=/opt/odoo18/addons,/opt/odoo18/odoo/addons,<folder holding the addon> \\
        -i account_bank_psd2 --stop-after-init
    python3 bench/bench_reconcile_odoo.py -d psd2_bench --db_host=127.0.0.1 --db_user=root \\
        --addons-path=/opt/odoo18/addons,/opt/odoo18/odoo/addons,<folder holding the addon>

Building 10,000 posted documents takes about ten minutes: ``--build-only`` builds and commits
them once, then each ``--reuse`` run creates new bank lines against them and measures
(``--profile`` adds a cProfile listing).

The traffic is realistic rather than easy: most transfers quote their invoice number in one
of the ways Polish payers write it, some pay part of an invoice or two invoices at once, some
pay vendor bills, and some are bank fees, tax payments or strangers whose amount happens to
equal an open invoice.
"""

# A command-line tool: it prints its figures, and commits only the data it was asked to keep.
# pylint: disable=print-used,invalid-commit
import argparse
import contextlib
import cProfile
import datetime
import os
import pstats
import random
import resource
import time

import odoo
from odoo import SUPERUSER_ID, Command, api
from odoo.modules.registry import Registry

SURNAMES = (
    "Nowak",
    "Kowalski",
    "Wiśniewski",
    "Wójcik",
    "Kowalczyk",
    "Kamiński",
    "Lewandowski",
    "Zieliński",
    "Szymański",
    "Woźniak",
    "Dąbrowski",
    "Kozłowski",
    "Jankowski",
    "Mazur",
    "Kwiatkowski",
    "Krawczyk",
    "Piotrowski",
    "Grabowski",
    "Nowakowski",
    "Pawłowski",
    "Michalski",
    "Adamczyk",
    "Dudek",
    "Zając",
    "Wieczorek",
    "Jabłoński",
    "Król",
    "Majewski",
    "Olszewski",
    "Jaworski",
    "Wróbel",
    "Malinowski",
    "Pawlak",
    "Witkowski",
    "Walczak",
    "Stępień",
    "Górski",
    "Rutkowski",
)
TRADES = (
    "Budownictwo",
    "Transport",
    "Handel",
    "Serwis",
    "Logistyka",
    "Instalacje",
    "Meble",
    "Okna",
    "Dachy",
    "Elektro",
    "Drewno",
    "Stal",
    "Poligrafia",
    "Catering",
    "Ogrody",
    "Auto",
    "Medyk",
    "Optyk",
    "Kamień",
    "Szkło",
    "Farby",
    "Tekstylia",
)
CITIES = (
    "Kraków",
    "Warszawa",
    "Poznań",
    "Gdańsk",
    "Wrocław",
    "Łódź",
    "Lublin",
    "Rzeszów",
    "Opole",
    "Kielce",
    "Toruń",
    "Bydgoszcz",
    "Szczecin",
    "Olsztyn",
    "Białystok",
    "Katowice",
    "Gliwice",
    "Radom",
    "Płock",
    "Elbląg",
)
FORMS = ("sp. z o.o.", "S.A.", "sp.j.", "", "spółka z ograniczoną odpowiedzialnością")
START = datetime.date(2026, 9, 1)
PAY_DAY = datetime.date(2026, 11, 24)


def main():
    args = parse_args()
    odoo.tools.config.parse_config(args.odoo_args)
    registry = Registry(args.database)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        if "psd2.match.service" not in env:
            raise SystemExit(f"account_bank_psd2 is not installed in {args.database}.")
        rng = random.Random(args.seed)
        started = time.perf_counter()
        invoices = reused_invoices(env) if args.reuse else build(env, rng, args.invoices)
        if args.build_only:
            cr.commit()
            print(f"{len(invoices)} documents built in {time.perf_counter() - started:.1f} s")
            return
        lines = make_lines(env, rng, bank_journal(env), invoices, args.lines)
        env.flush_all()
        print(f"data ready in {time.perf_counter() - started:.1f} s")
        if args.profile:
            profiler = cProfile.Profile()
            profiler.runcall(measure, env, lines)
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
        else:
            measure(env, lines)
        if args.commit:
            cr.commit()
        else:
            cr.rollback()


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--invoices", type=int, default=10000)
    parser.add_argument("--lines", type=int, default=2000)
    parser.add_argument("--seed", default="bench")
    parser.add_argument("--commit", action="store_true", help="keep the data and the result")
    parser.add_argument(
        "--build-only", action="store_true", help="build partners and documents, commit, stop"
    )
    parser.add_argument(
        "--reuse", action="store_true", help="use the documents a --build-only run left"
    )
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the run")
    args, odoo_args = parser.parse_known_args()
    args.odoo_args = ["-d", args.database, *odoo_args]
    return args


# -- Data ----------------------------------------------------------------------------------
def build(env, rng, invoice_count):
    env.company.write({"vat": "PL7792433421", "psd2_reconcile_threshold": 0.9})
    partners = make_partners(env, rng, max(50, invoice_count // 4))
    return make_invoices(env, rng, partners, invoice_count)


def bank_journal(env):
    return env["account.journal"].search(
        [("type", "=", "bank"), ("company_id", "=", env.company.id)], limit=1
    )


def reused_invoices(env):
    return env["account.move"].search(
        [
            ("move_type", "in", ("out_invoice", "in_invoice")),
            ("state", "=", "posted"),
            ("payment_state", "=", "not_paid"),
        ],
        order="id",
    )


def make_partners(env, rng, count):
    # A script, not a module of the addon: the addon is reached through odoo.addons.
    # pylint: disable=odoo-addons-relative-import
    from odoo.addons.account_bank_psd2.engine.identifiers import make_nip, make_polish_iban

    names = set()
    while len(names) < count:
        names.add(
            " ".join(
                part
                for part in (
                    rng.choice(SURNAMES),
                    rng.choice(TRADES),
                    rng.choice(CITIES),
                    rng.choice(FORMS),
                )
                if part
            )
        )
    vals_list = [
        {
            "name": name,
            "is_company": True,
            "vat": "PL" + make_nip(name),
            "customer_rank": 1,
            "bank_ids": [Command.create({"acc_number": make_polish_iban(name)})],
        }
        for name in sorted(names)
    ]
    return env["res.partner"].create(vals_list)


def make_invoices(env, rng, partners, count):
    """Customer invoices (nine in ten) and vendor bills, posted, amounts with cents.

    Numbered at creation (``FV/2026/11/0012``, the Polish way): letting Odoo number 10,000
    documents of one journal costs a scan of the journal per document.
    """
    moves = env["account.move"]
    counters = {}
    for start in range(0, count, 1000):
        vals_list = []
        for index in range(start, min(count, start + 1000)):
            is_bill = index % 10 == 9
            date = START + datetime.timedelta(days=rng.randrange(80))
            prefix = f"{'FZ' if is_bill else 'FV'}/{date.year}/{date.month:02d}"
            counters[prefix] = counters.get(prefix, 0) + 1
            vals_list.append(
                {
                    "move_type": "in_invoice" if is_bill else "out_invoice",
                    "name": f"{prefix}/{counters[prefix]:04d}",
                    "partner_id": rng.choice(partners).id,
                    "invoice_date": date,
                    "date": date,
                    "ref": f"FS {index}/{date.month}/2026" if is_bill else False,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Usługi",
                                "price_unit": rng.randrange(5000, 2500000) / 100,
                                "tax_ids": [],
                            }
                        )
                    ],
                }
            )
        batch = env["account.move"].create(vals_list)
        batch.action_post()
        moves |= batch
        env.invalidate_all()
        print(f"  {len(moves)} documents posted")
    return moves


def make_lines(env, rng, journal, invoices, count):
    customer = list(invoices.filtered(lambda move: move.move_type == "out_invoice"))
    bills = list(invoices.filtered(lambda move: move.move_type == "in_invoice"))
    rng.shuffle(customer)
    rng.shuffle(bills)
    kinds = rng.choices(
        ["exact", "bill", "partial", "partner_amount", "two", "noise", "decoy"],
        weights=[60, 10, 8, 7, 5, 6, 4],
        k=count,
    )
    vals_list = [
        line_values(kind, rng, customer, bills, invoices) | {"journal_id": journal.id}
        for kind in kinds
    ]
    return env["account.bank.statement.line"].create(vals_list)


def line_values(kind, rng, customer, bills, invoices):
    """One bank line of the given kind, as a bank feed would deliver it."""
    date = PAY_DAY + datetime.timedelta(days=rng.randrange(3))
    if kind == "bill" and bills:
        bill = bills.pop()
        return payer(bill, -bill.amount_residual, rng.choice((bill.ref, f"Faktura {bill.ref}")))
    if kind in ("noise", "decoy") or len(customer) < 2:
        amount = rng.choice(invoices).amount_residual if kind == "decoy" else -rng.randrange(1, 50)
        title = rng.choice(
            (
                "Przelew",
                "Opłata za prowadzenie rachunku",
                "/TI/N7792433421/OKR/26M10/SFP/VAT-7/TXT/VAT",
            )
        )
        return {
            "date": date,
            "amount": amount,
            "payment_ref": title,
            "partner_name": "Jan Nieznany",
        }
    invoice = customer.pop()
    if kind == "two":
        other = next((move for move in customer if move.partner_id == invoice.partner_id), None)
        if other:
            customer.remove(other)
            amount = invoice.amount_residual + other.amount_residual
            return payer(invoice, amount, f"FV {invoice.name} i {other.name}") | {"date": date}
    if kind == "partial":
        return payer(invoice, round(invoice.amount_residual / 2, 2), f"{invoice.name} rata 1")
    if kind == "partner_amount":
        return payer(invoice, invoice.amount_residual, "zapłata za usługi")
    return payer(invoice, invoice.amount_residual, title_for(rng, invoice.name)) | {"date": date}


def payer(move, amount, title):
    partner = move.partner_id
    return {
        "date": PAY_DAY,
        "amount": amount,
        "payment_ref": title,
        "partner_name": partner.name.upper(),
        "account_number": partner.bank_ids[:1].acc_number,
    }


def title_for(rng, number):
    year, sequence = number.split("/")[-2:]
    return rng.choice(
        (
            f"Zapłata za fakturę {number}",
            number.lower(),
            f"FAKTURA {number.replace('/', ' ')}",
            f"/VAT/0,00/IDC/7792433421/INV/{number}/TXT/zaplata",
            f"fv {sequence.lstrip('0')}/{year}",
            f"Płatność {number}, dziękujemy",
        )
    )


# -- Measuring -----------------------------------------------------------------------------
def measure(env, lines):
    service = env["psd2.match.service"]
    env.invalidate_all()
    with counting(env) as match:
        suggestions = service._psd2_suggest(lines, set_partners=False)
    with counting(env) as book:
        reconciled = service._psd2_apply_auto(lines, suggestions)
        service._psd2_set_found_partners(lines - reconciled)
    report(env, lines, suggestions, reconciled, match, book)


@contextlib.contextmanager
def counting(env):
    """Measure a block: ``[wall s, CPU s of this process, SQL queries]`` (flushed at the end)."""
    figures = []
    queries, started, cpu = env.cr.sql_log_count, time.perf_counter(), time.process_time()
    yield figures
    env.flush_all()
    figures += [
        time.perf_counter() - started,
        time.process_time() - cpu,
        env.cr.sql_log_count - queries,
    ]


def report(env, lines, suggestions, reconciled, match, book):
    open_count = len(reused_invoices(env))
    suggested = sum(1 for suggestion in suggestions.values() if suggestion.document_ids)
    auto = sum(1 for suggestion in suggestions.values() if suggestion.auto)
    with_partner = len(lines.filtered("partner_id"))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"statement lines             {len(lines)} ({with_partner} with a partner now)")
    print(f"suggestions / auto          {suggested} / {auto}")
    print(f"reconciled automatically    {len(reconciled)}")
    print(f"documents left unpaid       {open_count}")
    for name, (wall, cpu, queries) in (("match", match), ("reconcile", book)):
        print(f"{name + ':':11s}{wall:7.2f} s wall {cpu:7.2f} s CPU {queries:7d} queries")
    print(f"total:     {match[0] + book[0]:7.2f} s wall (target < 60 s)")
    print(f"queries per line: match {match[2] / len(lines):.2f}, ", end="")
    print(f"reconcile {book[2] / max(1, len(reconciled)):.2f} per reconciled line")
    print(f"load average now: {os.getloadavg()[0]:.1f}; peak memory {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
