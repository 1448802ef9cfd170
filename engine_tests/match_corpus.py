"""Deterministic generator of realistic Polish bank transfers with ground truth.

Used by the quality test (a small fixed corpus is committed under ``data/match/``), by
``bench/match_quality.py`` (thousands of transfers) and by ``bench/bench_match_engine.py``
(the 50,000-document ledger). Same seed, same corpus, byte for byte.

What it produces, following ``research/polish_domain_ux.md`` and ``research/title_samples.md``:

- a ledger of open documents: customer invoices under several numbering schemes at once
  (``FV/2026/11/0012``, ``12/11/2026``, ``FS-123/26``, ``2026/11/12``, ``INV-2026-00012``,
  ``FV 12/2026``, branch codes ``410F1163``), so that counters collide across schemes and
  months; credit notes both ways; vendor bills with the vendor's own numbers; partly paid
  documents; a few EUR ones; recurring amounts shared by many customers;
- partners whose names banks mangle (case, diacritics, legal forms, addresses, reversed
  first and last names, mojibake, truncation at 35 characters), valid NIPs and NRBs, payers
  using a new or no account, namesakes and look-alike companies;
- transfers of every kind an accountant sees, each with the documents it truly pays: exact
  and rewritten numbers, typos, split-payment titles wrapped at 35 characters, several
  invoices at once, partial and over-payments, vendor bills and refunds, and transfers that
  pay nothing at all (strangers with a coincidental amount, ZUS, tax office, salaries, card
  fees, own transfers, quotes of invoices already paid, currency mismatches, junk).

Run ``python engine_tests/match_corpus.py --out DIR [--seed N] [--transfers N]`` to write
``invoices.json``, ``transactions.json`` and ``truth.json``.
"""

import argparse
import datetime
import json
import pathlib
import random
import unicodedata
from decimal import Decimal

COMPANY = {
    "name": "Techmar Serwis Sp. z o.o.",
    "vat": "7114710499",
    "iban": "PL78114020045260181590830166",
}

# Sort codes verified in research/polish_domain_ux.md §3 (PKO, ING, Santander, mBank,
# Millennium, Pekao) and their bank ids; more are derived with the sort-code check digit.
_BANK_IDS = ("102", "105", "109", "114", "116", "124", "249", "132", "154", "175", "187")

_FIRST_NAMES_M = ["Jan", "Piotr", "Krzysztof", "Andrzej", "Tomasz", "Paweł", "Michał", "Marcin", "Grzegorz", "Józef", "Łukasz", "Adam", "Zbigniew", "Jerzy", "Tadeusz", "Mateusz", "Dariusz", "Mariusz", "Wojciech", "Ryszard", "Kamil", "Maciej", "Rafał", "Sławomir", "Bartłomiej"]
_FIRST_NAMES_F = ["Anna", "Maria", "Katarzyna", "Małgorzata", "Agnieszka", "Barbara", "Ewa", "Krystyna", "Elżbieta", "Zofia", "Joanna", "Magdalena", "Monika", "Aleksandra", "Beata", "Dorota", "Jolanta", "Żaneta", "Grażyna", "Urszula", "Natalia", "Iwona"]
_SURNAMES = ["Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski", "Zieliński", "Szymański", "Woźniak", "Dąbrowski", "Kozłowski", "Jankowski", "Mazur", "Kwiatkowski", "Krawczyk", "Piotrowski", "Grabowski", "Nowakowski", "Pawłowski", "Michalski", "Nowicki", "Adamczyk", "Dudek", "Zając", "Wieczorek", "Jabłoński", "Król", "Majewski", "Olszewski", "Jaworski", "Wróbel", "Malinowski", "Pawlak", "Witkowski", "Walczak", "Stępień", "Górski", "Rutkowski", "Michalak", "Sikora", "Ostrowski", "Baran", "Duda", "Szewczyk", "Tomaszewski", "Pietrzak", "Marciniak", "Wróblewski", "Zalewski", "Jakubowski", "Jasiński", "Zawadzki", "Sadowski", "Bąk", "Chmielewski", "Włodarczyk", "Borkowski", "Czarnecki", "Sawicki", "Sokołowski", "Urbański", "Kubiak", "Maciejewski", "Szczepański", "Kucharski", "Wilk", "Kalinowski", "Lis", "Mazurek", "Wysocki", "Adamski", "Kaźmierczak", "Wasilewski", "Sobczak", "Czerwiński", "Andrzejewski", "Cieślak", "Głowacki", "Zakrzewski", "Kołodziej", "Sikorski", "Krajewski", "Gajewski", "Szymczak", "Szulc", "Baranowski", "Laskowski", "Brzeziński", "Makowski", "Ziółkowski", "Przybylski", "Żak", "Łuczak", "Fijałkowski"]
_COMPANY_WORDS = ["Zielony Ogród", "Techbud", "Elektro-Mont", "Pol-Trans", "Agro-Mix", "Budmax", "Drewex", "Stalpol", "Instal-Bud", "Meblomax", "Transbud", "Ekoenergia", "Geo-Plan", "Mega-Dach", "Optima Serwis", "Novum", "Kamex", "Alfa Logistyka", "Beta Systemy", "Omega Druk", "Delta Invest", "Sigma Med", "Gamma Tech", "Polmet", "Metalex", "Ceramika Nowa", "Okna Plus", "Dom i Ogród", "Smaki Regionu", "Piekarnia Złoty Kłos", "Auto-Serwis Max", "Kancelaria Lex", "Biuro Rachunkowe Bilans", "Studio Grafiki Kreska", "Hurtownia Elektryczna Volt", "Przychodnia Zdrowie", "Apteka Pod Lipami", "Drukarnia Offset", "Tartak Bór", "Mleczarnia Łąka", "Chłodnie Polar", "Wod-Kan Serwis", "Termo-Izol", "Pro-Bud", "Inter-Car Części", "Eko-Las", "Kwiaciarnia Róża", "Szkoła Językowa Lingua", "Centrum Szkoleń Progres", "Software House Bitwise", "Fabryka Okien Widok", "Zakład Stolarski Dąb", "Transport Ciężki Tur", "Klinika Weterynaryjna Azor", "Hotel Pod Jedlami", "Restauracja Smakosz", "Gospodarstwo Ogrodnicze Malina", "Serwis Komputerowy Bajt", "Agencja Reklamowa Impuls", "Pracownia Projektowa Forma", "Warsztat Samochodowy Tłok", "Sklep Rowerowy Szprycha", "Fundacja Dobry Start", "Spółdzielnia Mieszkaniowa Słoneczna"]
_LEGAL_FORMS = (
    (
        "Sp. z o.o.",
        (
            "SP. Z O.O.",
            "SP Z O O",
            "SP.Z O.O.",
            "SPÓŁKA Z OGRANICZONĄ ODPOWIEDZIALNOŚCIĄ",
            "SP. Z O. O.",
            "SPÓŁKA Z O.O.",
        ),
    ),
    ("S.A.", ("S.A.", "SA", "SPÓŁKA AKCYJNA")),
    ("Spółka Jawna", ("SP.J.", "S.J.", "SPÓŁKA JAWNA", "SP. J.")),
    ("sp.k.", ("SP.K.", "SP. K.", "SPÓŁKA KOMANDYTOWA")),
    ("S.C.", ("S.C.", "SPÓŁKA CYWILNA")),
)
_STREETS = (
    "Lipowa",
    "Kwiatowa",
    "Polna",
    "Leśna",
    "Słoneczna",
    "Krótka",
    "Szkolna",
    "Ogrodowa",
    "Długa",
    "Kościuszki",
    "Mickiewicza",
    "Piłsudskiego",
)
_CITIES = (
    ("00-950", "Warszawa"),
    ("05-800", "Pruszków"),
    ("30-001", "Kraków"),
    ("90-001", "Łódź"),
    ("80-001", "Gdańsk"),
    ("60-001", "Poznań"),
    ("50-001", "Wrocław"),
    ("40-001", "Katowice"),
    ("20-001", "Lublin"),
    ("15-001", "Białystok"),
)
_GATEWAYS = (
    ("PAYPRO SA", "P24"),
    ("PAYU S.A.", "PAYU"),
    ("KRAJOWY INTEGRATOR PŁATNOŚCI S.A.", "TPAY"),
    ("AUTOPAY S.A.", "AP"),
)

#: Gross amounts many customers are invoiced (subscriptions, standard services): the same
#: amount is open for several customers at once, so an amount alone identifies nobody.
_SHARED_AMOUNTS = (
    "123.00",
    "246.00",
    "369.00",
    "492.00",
    "615.00",
    "199.00",
    "299.00",
    "1230.00",
    "1845.00",
    "2460.00",
    "99.00",
    "150.00",
)

_GENERIC_TITLES = (
    "Przelew",
    "Zapłata",
    "za fakturę",
    "płatność",
    "REMITTANCE ISSUED",
    "zgodnie z umową",
    "przelew środków",
    "",
    "ZAPLATA ZA USLUGI",
    "Opłata",
    "za usługę",
    "zaplata naleznosci",
    "płatność za zamówienie",
    "Przelew krajowy",
    "TRANSFER",
    "nalezność",
    "rozliczenie",
)
_STRANGER_TITLES = (
    "Zwrot pożyczki",
    "Darowizna",
    "Na prezent",
    "Za obiad",
    "Zwrot za bilety",
    "Przelew",
    "oddaję kasę",
    "Czynsz za mieszkanie",
    "Składka klasowa",
    "Zakup przez OLX",
    "Za rower",
    "Przelew własny",
    "Kieszonkowe",
    "Opłata za kurs",
    "",
)


def _fold(text):
    text = text.replace("Ł", "L").replace("ł", "l")
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _mojibake(text):
    """Render ISO-8859-2 text as if read as Latin-1 (ZAKŁAD -> ZAK£AD), as some banks do."""
    try:
        return text.encode("iso-8859-2").decode("latin-1")
    except UnicodeEncodeError:
        return text


def make_nip(rng):
    while True:
        digits = [rng.randint(1, 9)] + [rng.randint(0, 9) for _ in range(8)]
        check = sum(w * d for w, d in zip((6, 5, 7, 2, 3, 4, 5, 6, 7), digits, strict=True)) % 11
        if check != 10:
            return "".join(map(str, digits)) + str(check)


def make_nrb(rng):
    bank = rng.choice(_BANK_IDS)
    branch = f"{rng.randint(0, 9999):04d}"
    first7 = bank + branch
    check = (
        10 - sum(w * int(d) for w, d in zip((3, 9, 7, 1, 3, 9, 7), first7, strict=True)) % 10
    ) % 10
    bban = first7 + str(check) + "".join(str(rng.randint(0, 9)) for _ in range(16))
    checksum = 98 - int(bban + "252100") % 97
    return f"{checksum:02d}{bban}"


def format_nrb(nrb, style):
    if style == 0:
        return nrb
    if style == 1:
        return "PL" + nrb
    grouped = nrb[:2] + " " + " ".join(nrb[i : i + 4] for i in range(2, 26, 4))
    return grouped if style == 2 else "PL" + grouped


class _Party:
    def __init__(self, key, kind, name, vat, ibans, person=None, form=None, base=None):
        self.key = key
        self.kind = kind  # company, trader, person, vendor
        self.name = name
        self.vat = vat
        self.ibans = ibans
        self.person = person  # (first, last)
        self.form = form  # index into _LEGAL_FORMS
        self.base = base  # company words
        self.address = None

    def as_json(self):
        return {"name": self.name, "vat": self.vat, "ibans": list(self.ibans)}


class _Doc:
    def __init__(self, **values):
        self.__dict__.update(values)

    def as_json(self, rng):
        def amount(value):
            # The contract allows numbers or strings: use both.
            return float(value) if rng.random() < 0.5 else str(value)

        return {
            "id": self.id,
            "number": self.number,
            "type": self.type,
            "partner": self.party.as_json(),
            "payment_reference": self.payment_reference,
            "amount_total": amount(self.total),
            "amount_residual": amount(self.residual),
            "currency": self.currency,
            "date": self.date.isoformat(),
            "due_date": self.due.isoformat(),
        }


class CorpusBuilder:
    """Builds one ledger and its transfers from a seed; see :func:`generate`."""

    def __init__(self, seed, *, customers=220, vendors=40, base_date=datetime.date(2026, 11, 1)):
        self.rng = random.Random(seed)
        self.base_date = base_date
        self.docs = []
        self.by_party = {}
        self.by_kind = {}
        self.numbers = set()
        self.parties = []
        self.counters = {}
        self.used_names = set()
        self.paid_numbers = []  # numbers of invoices already paid (not open)
        self._next_id = 1000 + self.rng.randint(0, 500)
        for _ in range(customers):
            self.parties.append(self._customer())
        self.vendors = [self._vendor() for _ in range(vendors)]
        self._look_alikes()
        for party in self.parties:
            for _ in range(self._doc_count()):
                self._invoice(party)
            if self.rng.random() < 0.08:
                self._credit_note(party)
        for vendor in self.vendors:
            for _ in range(self.rng.randint(1, 5)):
                self._bill(vendor)
            if self.rng.random() < 0.25:
                self._vendor_refund(vendor)

    def _add(self, doc):
        self.docs.append(doc)
        self.by_party.setdefault(doc.party.key, []).append(doc)
        self.by_kind.setdefault((doc.type, doc.currency), []).append(doc)
        self.numbers.add(doc.number)

    # -- parties -------------------------------------------------------------------------

    def _id(self):
        self._next_id += self.rng.randint(1, 3)
        return self._next_id

    def _doc_count(self):
        return self.rng.choices((1, 2, 3, 4, 6, 9), weights=(30, 25, 18, 12, 9, 6))[0]

    def _address(self):
        street = self.rng.choice(_STREETS)
        postcode, city = self.rng.choice(_CITIES)
        return f"ul. {street} {self.rng.randint(1, 120)} {postcode} {city}"

    def _person(self):
        if self.rng.random() < 0.5:
            first = self.rng.choice(_FIRST_NAMES_M)
            last = self.rng.choice(_SURNAMES)
        else:
            first = self.rng.choice(_FIRST_NAMES_F)
            last = self.rng.choice(_SURNAMES)
            if last.endswith("ski") or last.endswith("cki") or last.endswith("dzki"):
                last = last[:-1] + "a"
        return first, last

    def _customer(self):
        rng = self.rng
        kind = rng.choices(("company", "trader", "person"), weights=(55, 25, 20))[0]
        key = f"P{len(self.parties) + 1}"
        ibans = [make_nrb(rng) for _ in range(rng.choice((1, 1, 1, 2)))]
        if kind == "company":
            while True:
                base = rng.choice(_COMPANY_WORDS)
                if rng.random() < 0.5:
                    base = f"{base} {rng.choice(_SURNAMES)}" if rng.random() < 0.5 else base
                form = rng.randrange(len(_LEGAL_FORMS))
                name = f"{base} {_LEGAL_FORMS[form][0]}"
                if name not in self.used_names:
                    break
            party = _Party(key, kind, name, make_nip(rng), ibans, form=form, base=base)
        elif kind == "trader":
            first, last = self._person()
            prefix = rng.choice(("PHU", "F.H.U.", "P.P.H.U.", "Usługi Remontowe", "Firma Handlowa"))
            name = (
                f"{prefix} {last} {first} {last}"
                if rng.random() < 0.5
                else f"{prefix} {first} {last}"
            )
            party = _Party(key, kind, name, make_nip(rng), ibans, person=(first, last))
        else:
            first, last = self._person()
            name = f"{first} {last}"
            party = _Party(key, kind, name, "", ibans, person=(first, last))
        party.address = self._address()
        self.used_names.add(party.name)
        return party

    def _vendor(self):
        rng = self.rng
        base = rng.choice(_COMPANY_WORDS)
        form = rng.randrange(len(_LEGAL_FORMS))
        name = f"{base} {_LEGAL_FORMS[form][0]}"
        party = _Party(
            f"V{len(self.parties) + 1}",
            "vendor",
            name,
            make_nip(rng),
            [make_nrb(rng)],
            form=form,
            base=base,
        )
        party.address = self._address()
        party.ref_scheme = rng.choice(
            (
                "FA/{n}/{y}",
                "F-{y}/{m:02d}/{n:03d}",
                "{n}/{m:02d}/{y}",
                "FV {n}/{y}",
                "{y}/FS/{n:04d}",
                "S/{n}/{yy}",
                "{n:06d}",
                "FVS-{n}-{y}",
            )
        )
        party.ref_counter = rng.randint(1, 900)
        self.parties.append(party)
        return party

    def _look_alikes(self):
        """Add namesakes and companies that differ only by legal form (hard for names)."""
        rng = self.rng
        persons = [party for party in self.parties if party.kind == "person"]
        for original in rng.sample(persons, min(4, len(persons))):
            first, last = original.person
            twin = _Party(
                f"P{len(self.parties) + 1}",
                "person",
                original.name,
                "",
                [make_nrb(rng)],
                person=(first, last),
            )
            twin.address = self._address()
            self.parties.append(twin)
        companies = [party for party in self.parties if party.kind == "company" and party.form == 1]
        for original in rng.sample(companies, min(3, len(companies))):
            name = f"{original.base} S.A. sp.k."
            twin = _Party(
                f"P{len(self.parties) + 1}",
                "company",
                name,
                make_nip(rng),
                [make_nrb(rng)],
                form=3,
                base=original.base,
            )
            twin.address = self._address()
            self.parties.append(twin)

    # -- documents -----------------------------------------------------------------------

    def _amount(self):
        rng = self.rng
        roll = rng.random()
        if roll < 0.3:
            return Decimal(rng.choice(_SHARED_AMOUNTS))
        if roll < 0.5:
            return (Decimal(rng.randint(1, 400) * 50) * Decimal("1.23")).quantize(Decimal("0.01"))
        if roll < 0.93:
            return Decimal(rng.randint(3000, 900000)) / 100
        return Decimal(rng.randint(1500000, 9000000)) / 100

    def _counter(self, scheme, year, month):
        key = (scheme, year, month if "m" in scheme else 0)
        value = self.counters.get(key, self.rng.randint(0, 40)) + self.rng.randint(1, 3)
        self.counters[key] = value
        return value

    def _number(self, scheme, date, counter):
        y, m = date.year, date.month
        formats = {
            "odoo_m": f"FV/{y}/{m:02d}/{counter:04d}",
            "legacy_m": f"{counter}/{m:02d}/{y}",
            "fs_y": f"FS-{counter}/{y % 100}",
            "ymd": f"{y}/{m:02d}/{counter}",
            "inv_y": f"INV-{y}-{counter:05d}",
            "fv_y": f"FV {counter}/{y}",
            "branch": f"410F{counter:04d}",
            "odoo_y": f"INV/{y}/{counter:05d}",
        }
        return formats[scheme]

    def _invoice(self, party, *, date=None, paid=False):
        rng = self.rng
        scheme = rng.choices(
            ("odoo_m", "legacy_m", "fs_y", "ymd", "inv_y", "fv_y", "branch", "odoo_y"),
            weights=(40, 14, 9, 7, 7, 8, 5, 10),
        )[0]
        date = date or self.base_date - datetime.timedelta(days=rng.randint(0, 75))
        counter = self._counter(scheme, date.year, date.month)
        number = self._number(scheme, date, counter)
        total = self._amount()
        residual = total
        if rng.random() < 0.07 and total > 100:
            residual = (total * Decimal(rng.choice(("0.5", "0.3", "0.75")))).quantize(
                Decimal("0.01")
            )
        currency = "EUR" if rng.random() < 0.04 else "PLN"
        doc = _Doc(
            id=str(self._id()) if rng.random() < 0.5 else self._id(),
            number=number,
            type="out_invoice",
            party=party,
            payment_reference=number if rng.random() < 0.6 else None,
            total=total,
            residual=residual,
            currency=currency,
            date=date,
            due=date + datetime.timedelta(days=rng.choice((7, 14, 14, 21, 30, 60))),
            scheme=scheme,
            counter=counter,
            tax=(total - (total / Decimal("1.23"))).quantize(Decimal("0.01")),
        )
        if paid:
            self.paid_numbers.append(doc)
        else:
            self._add(doc)
        return doc

    def _credit_note(self, party):
        rng = self.rng
        date = self.base_date - datetime.timedelta(days=rng.randint(0, 40))
        counter = self._counter("kor", date.year, 0)
        number = rng.choice(
            (
                f"FK/{date.year}/{date.month:02d}/{counter:04d}",
                f"KOR/{counter}/{date.year}",
                f"RINV/{date.year}/{counter:05d}",
            )
        )
        total = (Decimal(rng.randint(1000, 200000)) / 100).quantize(Decimal("0.01"))
        self._add(
            _Doc(
                id=str(self._id()),
                number=number,
                type="out_refund",
                party=party,
                payment_reference=None,
                total=total,
                residual=total,
                currency="PLN",
                date=date,
                due=date,
                scheme="kor",
                counter=counter,
                tax=None,
            )
        )

    def _vendor_ref(self, vendor, date):
        vendor.ref_counter += self.rng.randint(1, 20)
        return vendor.ref_scheme.format(
            n=vendor.ref_counter, y=date.year, yy=date.year % 100, m=date.month
        )

    def _bill(self, vendor):
        rng = self.rng
        date = self.base_date - datetime.timedelta(days=rng.randint(0, 60))
        counter = self._counter("bill_m", date.year, date.month)
        number = (
            f"FZ/{date.year}/{date.month:02d}/{counter:04d}"
            if rng.random() < 0.5
            else f"BILL/{date.year}/{date.month:02d}/{counter:04d}"
        )
        total = self._amount()
        ref = self._vendor_ref(vendor, date)
        self._add(
            _Doc(
                id=str(self._id()),
                number=number,
                type="in_invoice",
                party=vendor,
                payment_reference=ref,
                total=total,
                residual=total,
                currency="PLN",
                date=date,
                due=date + datetime.timedelta(days=14),
                scheme="bill",
                counter=counter,
                tax=(total - total / Decimal("1.23")).quantize(Decimal("0.01")),
                vendor_ref=ref,
            )
        )

    def _vendor_refund(self, vendor):
        rng = self.rng
        date = self.base_date - datetime.timedelta(days=rng.randint(0, 30))
        counter = self._counter("rbill", date.year, 0)
        ref = f"KOR/{rng.randint(1, 300)}/{date.year}"
        total = (Decimal(rng.randint(500, 90000)) / 100).quantize(Decimal("0.01"))
        self._add(
            _Doc(
                id=str(self._id()),
                number=f"RBILL/{date.year}/{counter:04d}",
                type="in_refund",
                party=vendor,
                payment_reference=ref,
                total=total,
                residual=total,
                currency="PLN",
                date=date,
                due=date,
                scheme="rbill",
                counter=counter,
                tax=None,
                vendor_ref=ref,
            )
        )

    # -- renderings ------------------------------------------------------------------------

    def render_number(self, doc, *, allow_rewrite=True):
        """Return the document number as a payer might write it (exact or rewritten)."""
        rng = self.rng
        number = doc.number
        if not allow_rewrite or rng.random() < 0.45:
            return number.lower() if rng.random() < 0.15 else number
        y, m, c = doc.date.year, doc.date.month, doc.counter
        options = [
            number.lower(),
            number.replace("/", "").replace(" ", "").replace("-", ""),
            number.replace("/", " / "),
        ]
        if doc.scheme == "odoo_m":
            options += [
                f"FV/{y}/{m}/{c}",
                f"FV {y}/{m:02d}/{c}",
                f"FV{y}/{m:02d}/{c:04d}",
                f"{c}/{m:02d}/{y}",
                f"FV {c}/{m}/{y % 100}",
                f"{y}/{m:02d}/{c:04d}",
                f"FV-{y}-{m:02d}-{c:04d}",
                f"fv/{y}/{m}/{c}",
                f"F.{y}/{m:02d}/{c:04d}",
            ]
        elif doc.scheme == "legacy_m":
            options += [
                f"FV {c}/{m}/{y}",
                f"{c}/{m:02d}/{y % 100}",
                f"FA {c}/{m:02d}/{y}",
                f"nr {c}/{m}/{y}",
                f"{c:03d}/{m:02d}/{y}",
            ]
        elif doc.scheme == "fs_y":
            options += [f"FS {c}/{y % 100}", f"FS-{c}/{y}", f"fs{c}/{y % 100}", f"{c}/{y % 100}"]
        elif doc.scheme == "ymd":
            options += [f"{y}/{m}/{c}", f"{c}/{m:02d}/{y}", f"FV {y}/{m:02d}/{c}"]
        elif doc.scheme == "inv_y":
            options += [f"INV-{y}-{c}", f"INV {y} {c:05d}", f"inv{y}{c:05d}", f"INV/{y}/{c}"]
        elif doc.scheme == "fv_y":
            options += [f"FV{c}/{y}", f"fv {c}/{y}", f"FV {c:03d}/{y}", f"FV/{c}/{y}"]
        elif doc.scheme == "branch":
            options += [f"410/F{c:04d}", f"FV 410F{c:04d}", f"F.410F{c:04d}"]
        elif doc.scheme == "odoo_y":
            options += [f"INV/{y}/{c}", f"INV {y}/{c}", f"INV{y}{c:05d}", f"inv/{y}/{c:05d}"]
        return rng.choice(options)

    def typo(self, text):
        """Return ``text`` with one realistic typing mistake in its digits or prefix."""
        rng = self.rng
        digits = [i for i, ch in enumerate(text) if ch.isdigit()]
        # Prefer the counter (the end of the number): that is where people slip.
        tail = digits[-4:] if len(digits) >= 4 else digits
        kind = rng.choice(("swap", "sub", "drop", "transpose", "O"))
        chars = list(text)
        if kind == "O" and "0" in text:
            position = rng.choice([i for i, ch in enumerate(chars) if ch == "0"])
            chars[position] = "O"
        elif kind == "transpose" and len(tail) >= 2:
            i = rng.randrange(len(tail) - 1)
            a, b = tail[i], tail[i + 1]
            if chars[a] == chars[b] or b != a + 1:
                chars[a] = str((int(chars[a]) + 1) % 10)
            else:
                chars[a], chars[b] = chars[b], chars[a]
        elif kind == "drop" and len(tail) >= 2:
            position = rng.choice(tail[:-1])
            if chars[position] == "0":
                chars[position] = "9"
            else:
                del chars[position]
        elif kind == "swap" and text[:2].isalpha():
            chars[1] = {"V": "W", "A": "S", "S": "A", "N": "M"}.get(chars[1].upper(), "X")
        else:
            position = rng.choice(tail)
            chars[position] = str((int(chars[position]) + rng.choice((1, -1))) % 10)
        result = "".join(chars)
        return result if result != text else text + "1"

    def sender_name(self, party):
        """Return the party's name as a bank prints it."""
        rng = self.rng
        if party.kind in ("company", "vendor") and party.form is not None:
            form = rng.choice(_LEGAL_FORMS[party.form][1])
            base = party.base
            name = f"{base} {form}"
            if rng.random() < 0.1:
                name = f'"{base}" {form}'
        elif party.kind == "trader":
            first, last = party.person
            name = rng.choice(
                (
                    party.name,
                    f"{first} {last}",
                    f"{last} {first}",
                    f"P.H.U. {last}",
                    f"Przedsiębiorstwo Handlowo-Usługowe {first} {last}",
                )
            )
        elif party.person:
            first, last = party.person
            spouse = rng.choice(_FIRST_NAMES_F if first in _FIRST_NAMES_M else _FIRST_NAMES_M)
            name = rng.choices(
                (
                    f"{first} {last}",
                    f"{last} {first}",
                    f"{first[0]}. {last}",
                    f"{first} {last} i {spouse} {last}",
                ),
                weights=(50, 30, 10, 10),
            )[0]
        else:
            name = party.name
        roll = rng.random()
        if roll < 0.25:
            name = f"{name} {party.address}"
        name = name.upper() if rng.random() < 0.75 else name
        if rng.random() < 0.35:
            name = _fold(name)
        elif rng.random() < 0.04:
            name = _mojibake(name)
        if len(name) > 35 and rng.random() < 0.5:
            name = name[:35]
        return name

    def sender_iban(self, party):
        roll = self.rng.random()
        if roll < 0.55:
            return format_nrb(self.rng.choice(party.ibans), self.rng.randrange(4))
        if roll < 0.75:
            return format_nrb(make_nrb(self.rng), self.rng.randrange(4))  # a new account
        return None

    def wrap(self, title):
        """Wrap a long title at 35 characters as banks do (newline, space, or glued)."""
        if len(title) <= 35:
            return title
        style = self.rng.choice(("\n", " ", "", ""))
        if not style:
            return title
        return style.join(title[i : i + 35] for i in range(0, len(title), 35))

    def _decorate(self, title):
        rng = self.rng
        roll = rng.random()
        if roll < 0.03:
            title = f"<p>{title.replace('/', '&#47;')}</p>"
        elif roll < 0.05:
            title = f"{title} – dziękujemy! 🙂"
        elif roll < 0.053:
            junk = "".join(
                rng.choice("ABCDEFGHIJ 0123456789-/") for _ in range(rng.randint(3000, 10000))
            )
            title = f"{junk} {title} {junk[:500]}"
        elif roll < 0.08:
            title = f"ABCP{rng.randint(10, 99)}({rng.randint(1000, 9999)}) {title}"
        if rng.random() < 0.5:
            title = title.upper()
        elif rng.random() < 0.3:
            title = _fold(title)
        return title

    def invoice_title(self, numbers, doc):
        rng = self.rng
        joined = numbers[0]
        if len(numbers) > 1:
            sep = rng.choice((", ", "; ", " i ", " oraz ", " ", ",", " + "))
            joined = sep.join(numbers)
        when = (
            doc.date.strftime("%d.%m.%Y") if rng.random() < 0.5 else doc.date.strftime("%d.%m.%y")
        )
        template = rng.choice(
            (
                "{n}",
                "{n}",
                "Faktura VAT nr {n}",
                "FAKTURA {n}",
                "Zapłata za fakturę {n}",
                "zaplata za fv {n}",
                "Płatność za {n}",
                "Opłata faktura nr {n}",
                "{n} - dziękujemy",
                "Przelew za fakturę {n} z dnia {d}",
                "Zapł. za FV nr {n}",
                "FV {n}",
                "Nr faktury: {n}",
                "Invoice {n}",
                "{n} zamówienie {o}",
                "Faktura {n} termin {due}",
                "fv {n}",
                "ZAPLATA ZA FAKTURY {n}",
                "{n}/ZAPLATA",
                "zapłata {n} {who}",
                "Faktury: {n}",
            )
        )
        due = doc.due.strftime("%d.%m.%Y")
        who = doc.party.name
        return template.format(n=joined, d=when, o=rng.randint(100, 99999), due=due, who=who)

    # -- transfers -------------------------------------------------------------------------

    def open_docs(self, party, *, inbound=True, currency="PLN"):
        types = ("out_invoice", "in_refund") if inbound else ("in_invoice", "out_refund")
        return [
            doc
            for doc in self.by_party.get(party.key, ())
            if doc.type in types and doc.currency == currency
        ]


def _money(value, rng, sign=1):
    value = Decimal(value) * sign
    return float(value) if rng.random() < 0.5 else f"{value:.2f}"


def generate(seed=20261126, *, transfers=3000, customers=None, vendors=None):
    """Return ``(invoices, transactions, truth)`` as JSON-able lists and a dict.

    ``truth`` maps each transaction id to ``{"invoice_ids": [...], "category": str,
    "amount_exact": bool}``: the documents the transfer pays (empty when it pays none), the
    generator's category, and whether the amount equals their open residuals.
    """
    customers = customers or max(60, transfers // 3)
    vendors = vendors or max(12, transfers // 15)
    builder = CorpusBuilder(seed, customers=customers, vendors=vendors)
    rng = builder.rng
    used = set()
    transactions, truth = [], {}
    categories = (
        ("invoice_exact", 30),
        ("invoice_rewritten", 14),
        ("invoice_typo", 5),
        ("split_payment", 6),
        ("multi_listed", 5),
        ("multi_unlisted", 3),
        ("partial", 4),
        ("overpayment", 2),
        ("vendor_bill", 8),
        ("refund_out", 1),
        ("refund_in", 1),
        ("name_amount", 6),
        ("name_in_title", 1.5),
        ("nip_in_title", 1),
        ("stranger", 4),
        ("tax_office", 1.5),
        ("zus", 1),
        ("salary", 2),
        ("card_fee", 1.5),
        ("own_transfer", 1),
        ("paid_quote", 1.5),
        ("currency_mismatch", 0.7),
        ("near_number", 2),
        ("gateway", 1),
        ("eur_invoice", 0.8),
        ("junk", 0.5),
    )
    names, weights = zip(*categories, strict=True)
    date0 = builder.base_date
    tx_id = 0

    def pick_doc(types=("out_invoice",), currency="PLN", predicate=None):
        if len(types) == 1:
            pool = builder.by_kind.get((types[0], currency), ())
        else:
            pool = [doc for kind in types for doc in builder.by_kind.get((kind, currency), ())]
        for _attempt in range(60):
            if not pool:
                return None
            doc = rng.choice(pool)
            if doc.id not in used and (predicate is None or predicate(doc)):
                return doc
        return None

    def emit(amount, title, name, iban, pays, category, exact=True, date=None, currency="PLN"):
        nonlocal tx_id
        tx_id += 1
        identifier = f"T{tx_id:05d}" if rng.random() < 0.7 else tx_id
        record = {
            "id": identifier,
            "date": (date or date0 + datetime.timedelta(days=rng.randint(0, 20))).isoformat(),
            "amount": amount,
            "currency": currency,
            "counterparty": {"name": name, "iban": iban},
            "title": title,
        }
        if rng.random() < 0.02:
            record["counterparty"] = None if rng.random() < 0.5 else {"name": name}
        transactions.append(record)
        truth[str(identifier)] = {
            "invoice_ids": [str(doc.id) for doc in pays],
            "category": category,
            "amount_exact": exact,
        }
        for doc in pays:
            used.add(doc.id)

    def pay_date(docs):
        latest = max(doc.date for doc in docs)
        return latest + datetime.timedelta(days=rng.randint(0, 40))

    attempts = 0
    while tx_id < transfers and attempts < transfers * 20:
        attempts += 1
        category = rng.choices(names, weights=weights)[0]
        if category in ("invoice_exact", "invoice_rewritten", "invoice_typo"):
            doc = pick_doc()
            if doc is None:
                continue
            if category == "invoice_typo":
                number = builder.typo(builder.render_number(doc, allow_rewrite=False))
            else:
                number = builder.render_number(doc, allow_rewrite=category == "invoice_rewritten")
            party = doc.party
            title = builder._decorate(builder.wrap(builder.invoice_title([number], doc)))
            name = builder.sender_name(party) if rng.random() < 0.93 else ""
            iban = builder.sender_iban(party)
            if category == "invoice_typo" and not iban and not name:
                name = builder.sender_name(party)
            emit(
                _money(doc.residual, rng), title, name, iban, [doc], category, date=pay_date([doc])
            )
        elif category == "split_payment":
            doc = pick_doc()
            if doc is None:
                continue
            idc = COMPANY["vat"] if rng.random() < 0.85 else (doc.party.vat or COMPANY["vat"])
            vat = f"{doc.tax:.2f}".replace(".", ",")
            text = rng.choice(("ZAPLATA", "ZAPLATA FAKTURY", "PLATNOSC", "", "FV"))
            title = f"/VAT/{vat}/IDC/{idc}/INV/{builder.render_number(doc, allow_rewrite=rng.random() < 0.3)}/TXT/{text}"
            if rng.random() < 0.15:
                title = (
                    f"Numer faktury VAT lub okres płatności zbiorczej :  {doc.number} "
                    f"Identyfikator odbiorcy : {idc} Kwota VAT : {vat} PLN"
                )
            title = builder.wrap(title)
            emit(
                _money(doc.residual, rng),
                title,
                builder.sender_name(doc.party),
                builder.sender_iban(doc.party),
                [doc],
                category,
                date=pay_date([doc]),
            )
        elif category in ("multi_listed", "multi_unlisted"):
            party = rng.choice(builder.parties)
            docs = [
                doc
                for doc in builder.open_docs(party)
                if doc.type == "out_invoice" and doc.id not in used
            ]
            if len(docs) < 2:
                continue
            chosen = rng.sample(docs, rng.randint(2, min(4, len(docs))))
            chosen.sort(key=lambda doc: doc.date)
            total = sum(doc.residual for doc in chosen)
            if category == "multi_listed":
                numbers = [builder.render_number(doc) for doc in chosen]
                same_scheme = (
                    len({(doc.scheme, doc.date.year, doc.date.month) for doc in chosen}) == 1
                )
                if same_scheme and chosen[0].scheme == "odoo_m" and rng.random() < 0.4:
                    numbers = [chosen[0].number] + [f"{doc.counter:04d}" for doc in chosen[1:]]
                title = builder._decorate(builder.wrap(builder.invoice_title(numbers, chosen[0])))
                iban = builder.sender_iban(party)
            else:
                title = rng.choice(_GENERIC_TITLES)
                iban = format_nrb(rng.choice(party.ibans), rng.randrange(4))
            emit(
                _money(total, rng),
                title,
                builder.sender_name(party),
                iban,
                chosen,
                category,
                date=pay_date(chosen),
            )
        elif category in ("partial", "overpayment"):
            doc = pick_doc(predicate=lambda d: d.residual > 50)
            if doc is None:
                continue
            if category == "partial":
                paid = (
                    doc.residual * Decimal(rng.choice(("0.5", "0.3", "0.25", "0.9", "0.6")))
                ).quantize(Decimal("0.01"))
                paid = (
                    paid
                    if rng.random() < 0.7
                    else doc.residual - Decimal(rng.choice(("0.01", "1.00", "5.00", "10.00")))
                )
            else:
                paid = doc.residual + Decimal(
                    rng.choice(("0.01", "1.00", "10.00", "40.00", "100.00"))
                )
            number = builder.render_number(doc)
            title = builder._decorate(
                builder.wrap(
                    rng.choice(
                        (
                            f"{number} czesc 1",
                            f"FV {number} rata 1/2",
                            f"zaliczka na poczet {number}",
                            f"{number}",
                            f"Zapłata za fakturę {number}",
                            f"{number} cz. płatności",
                        )
                    )
                )
            )
            emit(
                _money(paid, rng),
                title,
                builder.sender_name(doc.party),
                builder.sender_iban(doc.party),
                [doc],
                category,
                exact=False,
                date=pay_date([doc]),
            )
        elif category == "vendor_bill":
            doc = pick_doc(types=("in_invoice",))
            if doc is None:
                continue
            ref = doc.vendor_ref if rng.random() < 0.85 else doc.number
            if rng.random() < 0.25:
                vat = f"{doc.tax:.2f}".replace(".", ",")
                title = builder.wrap(
                    f"/VAT/{vat}/IDC/{doc.party.vat}/INV/{ref}/TXT/{rng.choice(('ZAPLATA', 'FV', ''))}"
                )
            else:
                title = rng.choice(
                    (
                        f"{ref}",
                        f"Zapłata za fakturę {ref}",
                        f"FV {ref}",
                        f"faktura nr {ref}",
                        f"{ref} {COMPANY['name']}",
                    )
                )
            name = builder.sender_name(doc.party)
            iban = format_nrb(doc.party.ibans[0], rng.randrange(4)) if rng.random() < 0.9 else None
            emit(
                _money(doc.residual, rng, -1),
                title,
                name,
                iban,
                [doc],
                category,
                date=pay_date([doc]),
            )
        elif category == "refund_out":
            doc = pick_doc(types=("out_refund",))
            if doc is None:
                continue
            title = rng.choice(
                (
                    f"Zwrot do korekty {doc.number}",
                    f"ZWROT {doc.number}",
                    f"korekta {doc.number} zwrot nadplaty",
                )
            )
            emit(
                _money(doc.residual, rng, -1),
                title,
                builder.sender_name(doc.party),
                format_nrb(doc.party.ibans[0], 0),
                [doc],
                category,
                date=pay_date([doc]),
            )
        elif category == "refund_in":
            doc = pick_doc(types=("in_refund",))
            if doc is None:
                continue
            title = rng.choice(
                (
                    f"Zwrot nadpłaty {doc.vendor_ref}",
                    f"korekta {doc.vendor_ref}",
                    f"ZWROT WG KOREKTY {doc.vendor_ref}",
                )
            )
            emit(
                _money(doc.residual, rng),
                title,
                builder.sender_name(doc.party),
                format_nrb(doc.party.ibans[0], 0),
                [doc],
                category,
                date=pay_date([doc]),
            )
        elif category in ("name_amount", "name_in_title", "nip_in_title"):
            doc = pick_doc()
            if doc is None:
                continue
            party = doc.party
            same_amount = [
                other for other in builder.open_docs(party) if other.residual == doc.residual
            ]
            if len(same_amount) > 1:
                continue
            if category == "name_amount":
                title = rng.choice(_GENERIC_TITLES)
                name = builder.sender_name(party)
                iban = (
                    format_nrb(rng.choice(party.ibans), rng.randrange(4))
                    if rng.random() < 0.7
                    else None
                )
            elif category == "name_in_title":
                title = (
                    f"{rng.choice(('Zaplata', 'Przelew', 'Wplata'))} {party.name} {party.address}"
                )
                name, iban = "", None
            else:
                if not party.vat:
                    continue
                vat = (
                    party.vat
                    if rng.random() < 0.5
                    else f"PL{party.vat[:3]}-{party.vat[3:6]}-{party.vat[6:8]}-{party.vat[8:]}"
                )
                title = f"NIP {vat} zaplata"
                name, iban = builder.sender_name(party) if rng.random() < 0.5 else "", None
            emit(
                _money(doc.residual, rng), title, name, iban, [doc], category, date=pay_date([doc])
            )
        elif category == "stranger":
            doc = rng.choice(builder.docs)
            if doc.type != "out_invoice" or doc.currency != "PLN":
                continue
            first, last = builder._person()
            if f"{first} {last}" in builder.used_names:
                continue
            title = rng.choice(_STRANGER_TITLES + _GENERIC_TITLES)
            emit(
                _money(doc.residual, rng),
                title,
                f"{first} {last}".upper(),
                format_nrb(make_nrb(rng), 0),
                [],
                category,
            )
        elif category == "tax_office":
            period = rng.randint(1, 10)
            form = rng.choice(("VAT-7", "PIT-4R", "CIT-8", "PPL", "PIT-5L"))
            title = builder.wrap(
                f"/TI/N{COMPANY['vat']}/OKR/26M{period:02d}/SFP/{form}/TXT/{form} {period:02d}/2026"
            )
            amount = (
                rng.choice(builder.docs).residual
                if rng.random() < 0.3
                else Decimal(rng.randint(10000, 900000)) / 100
            )
            emit(
                _money(amount, rng, -1),
                title,
                "URZĄD SKARBOWY W WARSZAWIE" if rng.random() < 0.5 else "",
                format_nrb(
                    "29101000712223" + "".join(str(rng.randint(0, 9)) for _ in range(12)), 0
                ),
                [],
                category,
            )
        elif category == "zus":
            amount = Decimal(rng.randint(40000, 250000)) / 100
            emit(
                _money(amount, rng, -1),
                rng.choice(("Składki ZUS 10/2026", "ZUS DRA 11/2026", "skladka zus")),
                "ZAKŁAD UBEZPIECZEŃ SPOŁECZNYCH",
                format_nrb(
                    "10600000020260" + "".join(str(rng.randint(0, 9)) for _ in range(12)), 0
                ),
                [],
                category,
            )
        elif category == "salary":
            first, last = builder._person()
            amount = (
                rng.choice(builder.docs).residual
                if rng.random() < 0.3
                else Decimal(rng.randint(300000, 1200000)) / 100
            )
            emit(
                _money(amount, rng, -1),
                rng.choice(
                    (
                        "Wynagrodzenie 10/2026",
                        "WYNAGRODZENIE ZA 11/2026",
                        "pensja listopad",
                        "Wypłata premii",
                    )
                ),
                f"{first} {last}".upper(),
                format_nrb(make_nrb(rng), 0),
                [],
                category,
            )
        elif category == "card_fee":
            title = rng.choice(
                (
                    "OPŁATA PRZELEW ZEW.DOWOL.BIEŻĄCY",
                    "Opłata za prowadzenie rachunku",
                    "PROWIZJA",
                    "Zakup przy użyciu karty BIEDRONKA 1234 WARSZAWA",
                    "Zakup BLIK ref:86011223344",
                    "Opłata za kartę",
                )
            )
            amount = Decimal(
                rng.choice(("1.50", "5.00", "12.00", "29.99", "245.79", "199.00", "99.00"))
            )
            emit(
                _money(amount, rng, -1),
                title,
                "" if "Zakup" not in title else "BIEDRONKA",
                None,
                [],
                category,
            )
        elif category == "own_transfer":
            amount = Decimal(rng.randint(10000, 5000000)) / 100
            emit(
                _money(amount, rng, rng.choice((1, -1))),
                "PRZELEW WŁASNY NA RACHUNEK VAT",
                COMPANY["name"].upper(),
                COMPANY["iban"],
                [],
                category,
            )
        elif category == "paid_quote":
            party = rng.choice(builder.parties)
            if party.kind == "vendor":
                continue
            paid = builder._invoice(party, paid=True)
            if any(doc.residual == paid.residual for doc in builder.open_docs(party)):
                continue
            title = builder.invoice_title([paid.number], paid)
            emit(
                _money(paid.residual, rng),
                title,
                builder.sender_name(party),
                builder.sender_iban(party),
                [],
                category,
            )
        elif category == "currency_mismatch":
            doc = pick_doc()
            if doc is None:
                continue
            emit(
                _money(doc.residual, rng),
                builder.invoice_title([doc.number], doc),
                builder.sender_name(doc.party),
                builder.sender_iban(doc.party),
                [],
                category,
                currency="EUR",
            )
        elif category == "eur_invoice":
            doc = pick_doc(currency="EUR")
            if doc is None:
                continue
            emit(
                _money(doc.residual, rng),
                builder.invoice_title([builder.render_number(doc)], doc),
                builder.sender_name(doc.party),
                builder.sender_iban(doc.party),
                [doc],
                category,
                currency="EUR",
                date=pay_date([doc]),
            )
        elif category == "near_number":
            # Two customers whose numbers differ by two swapped digits, same amount: the
            # title quotes one of them exactly and must not be given to the other.
            doc = pick_doc(predicate=lambda d: d.scheme == "odoo_m" and d.counter >= 10)
            if doc is None:
                continue
            swapped = f"{doc.counter:04d}"
            swapped = swapped[:2] + swapped[3] + swapped[2]
            if swapped == f"{doc.counter:04d}":
                continue
            twin_number = f"FV/{doc.date.year}/{doc.date.month:02d}/{swapped}"
            if twin_number in builder.numbers:
                continue
            others = [p for p in builder.parties if p is not doc.party and p.kind != "vendor"]
            other = rng.choice(others)
            twin = _Doc(
                **{
                    **doc.__dict__,
                    "id": str(builder._id()),
                    "party": other,
                    "number": twin_number,
                    "counter": int(swapped),
                    "payment_reference": None,
                }
            )
            builder._add(twin)
            title = builder.invoice_title([doc.number], doc)
            emit(
                _money(doc.residual, rng),
                title,
                builder.sender_name(doc.party),
                builder.sender_iban(doc.party),
                [doc],
                category,
                date=pay_date([doc]),
            )
        elif category == "gateway":
            doc = pick_doc()
            if doc is None:
                continue
            gateway, code = rng.choice(_GATEWAYS)
            title = f"{code}-{rng.randint(100, 999)}-{rng.randint(100, 999)} {doc.number} {doc.party.name}"
            emit(
                _money(doc.residual, rng),
                title,
                gateway,
                format_nrb(make_nrb(rng), 0),
                [doc],
                category,
                date=pay_date([doc]),
            )
        elif category == "junk":
            doc = pick_doc()
            if doc is None:
                continue
            title = "<div>" + "&nbsp;" * rng.randint(10, 3000) + f"<b>{doc.number}</b></div>"
            emit(
                _money(doc.residual, rng),
                title,
                builder.sender_name(doc.party),
                builder.sender_iban(doc.party),
                [doc],
                category,
                date=pay_date([doc]),
            )

    invoices = [doc.as_json(rng) for doc in builder.docs]
    rng.shuffle(invoices)
    return invoices, transactions, truth


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True, type=pathlib.Path)
    parser.add_argument("--seed", type=int, default=20261126)
    parser.add_argument("--transfers", type=int, default=3000)
    args = parser.parse_args(argv)
    invoices, transactions, truth = generate(args.seed, transfers=args.transfers)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, data in (("invoices", invoices), ("transactions", transactions), ("truth", truth)):
        with open(args.out / f"{name}.json", "w", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False, indent=1)
            handle.write("\n")
    print(f"{len(invoices)} documents, {len(transactions)} transfers -> {args.out}")


if __name__ == "__main__":
    main()
