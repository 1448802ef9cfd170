"""Deterministic generator of realistic Polish bank transfers with ground truth.

Used by the quality test (a small fixed corpus is committed under ``data/match/``), by
``bench/match_quality.py`` (thousands of transfers) and by ``bench/bench_match_engine.py``
(the 50,000-document ledger). Same seed, same corpus, byte for byte.

What it produces, following ``research/polish_domain_ux.md`` and ``research/title_samples.md``:

- a ledger of open documents: customer invoices under several numbering schemes at once
  (``FV/2026/11/0012``, ``12/11/2026``, ``FS-123/26``, ``2026/11/12``, ``INV-2026-00012``,
  ``FV 12/2026``, ``INV/2026/00012``, branch codes ``410F1163``), so that counters collide
  across schemes and months; credit notes both ways; vendor bills with the vendor's own
  numbers; partly paid documents; a few EUR ones; amounts shared by many customers;
- partners whose names banks mangle (case, diacritics, legal forms, addresses, reversed
  first and last names, initials, joint accounts, mojibake, truncation at 35 characters),
  valid NIPs and NRBs, payers using a new account or none, namesakes and companies that
  differ only by their legal form;
- transfers of every kind an accountant sees, each with the documents it truly pays: exact
  and rewritten numbers, typos, split-payment titles wrapped at 35 characters, several
  invoices at once, partial and over-payments, vendor bills and refunds, and transfers that
  pay nothing (strangers with a coincidental amount, ZUS, tax office, salaries, card fees, own
  transfers, quotes of invoices already paid, currency mismatches, junk).

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
TAX_OFFICE_SORT_CODE = "10100071222"
ZUS_SORT_CODE = "60000002026"


def _words(text, separator=None):
    return tuple(part.strip() for part in text.split(separator) if part.strip())


# Bank ids of the sort codes in research/polish_domain_ux.md §3 and a few more; the sort-code
# check digit is computed, so every generated NRB passes both checks.
_BANK_IDS = _words("102 105 109 114 116 124 249 132 154 175 187")
_FIRST_NAMES_M = _words(
    """Jan Piotr Krzysztof Andrzej Tomasz Paweł Michał Marcin Grzegorz Józef Łukasz Adam
    Zbigniew Jerzy Tadeusz Mateusz Dariusz Mariusz Wojciech Ryszard Kamil Maciej Rafał
    Sławomir Bartłomiej Henryk Stanisław Zdzisław"""
)
_FIRST_NAMES_F = _words(
    """Anna Maria Katarzyna Małgorzata Agnieszka Barbara Ewa Krystyna Elżbieta Zofia Joanna
    Magdalena Monika Aleksandra Beata Dorota Jolanta Żaneta Grażyna Urszula Natalia Iwona
    Halina Jadwiga Teresa"""
)
_SURNAMES = _words(
    """Nowak Kowalski Wiśniewski Wójcik Kowalczyk Kamiński Lewandowski Zieliński Szymański
    Woźniak Dąbrowski Kozłowski Jankowski Mazur Kwiatkowski Krawczyk Piotrowski Grabowski
    Nowakowski Pawłowski Michalski Nowicki Adamczyk Dudek Zając Wieczorek Jabłoński Król
    Majewski Olszewski Jaworski Wróbel Malinowski Pawlak Witkowski Walczak Stępień Górski
    Rutkowski Michalak Sikora Ostrowski Baran Duda Szewczyk Tomaszewski Pietrzak Marciniak
    Wróblewski Zalewski Jakubowski Jasiński Zawadzki Sadowski Bąk Chmielewski Włodarczyk
    Borkowski Czarnecki Sawicki Sokołowski Urbański Kubiak Maciejewski Szczepański Kucharski
    Wilk Kalinowski Lis Mazurek Wysocki Adamski Kaźmierczak Wasilewski Sobczak Czerwiński
    Andrzejewski Cieślak Głowacki Zakrzewski Kołodziej Sikorski Krajewski Gajewski Szymczak
    Szulc Baranowski Laskowski Brzeziński Makowski Ziółkowski Przybylski Żak Łuczak Fijałkowski
    Kozieł Stachowiak Błaszczyk Cichocki Dziedzic Gołębiowski Kurek Lipiński Mroczek Nawrocki
    Orłowski Pająk Rogalski Siwiec Tokarski Urban Wawrzyniak Zięba Żukowski"""
)
# Company names: brand stems made of a prefix and a suffix (Polmex, Budmax, Elektrotrans),
# a trade word now and then, the owner's surname now and then; plus a few hand-made ones.
_STEM_PREFIXES = _words(
    """Agro Auto Bud Drew Eko Elektro Geo Hydro Inter Kam Med Mebl Metal Pol Stal Tech Term
    Trans Wod Bio Chem Dom Euro Info Moto Net Plast Print Rol Serw Tex Art Fot Graf Opt Lum
    Mar Nor Al Kon Ster"""
)
_STEM_SUFFIXES = _words(
    "mex pol max bud tech serwis trans lux net med plast tex mot dom rol gaz bis port com sys"
)
_TRADE_WORDS = _words(
    """Sklep|Hurtownia|Zakład Usługowy|Przedsiębiorstwo|Studio|Biuro Rachunkowe|Pracownia|
    Warsztat|Centrum|Kancelaria|Agencja|Drukarnia|Piekarnia|Apteka|Przychodnia""",
    "|",
)
_HANDMADE_COMPANIES = _words(
    """Zielony Ogród|Kowalczyk-Bud|Mega-Dach|Optima Serwis|Alfa Logistyka|Beta Systemy|
    Omega Druk|Delta Invest|Sigma Med|Okna Plus|Dom i Ogród|Smaki Regionu|Złoty Kłos|Lex|
    Bilans|Kreska|Volt|Zdrowie|Pod Lipami|Offset|Tartak Bór|Mleczarnia Łąka|Chłodnie Polar|
    Termo-Izol|Eko-Las|Róża|Lingua|Progres|Bitwise|Widok|Dąb|Tur|Azor|Pod Jedlami|Smakosz|
    Malina|Bajt|Impuls|Forma|Tłok|Szprycha|Dobry Start|Słoneczna""",
    "|",
)
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
_STREETS = _words(
    "Lipowa Kwiatowa Polna Leśna Słoneczna Krótka Szkolna Ogrodowa Długa Kościuszki Mickiewicza"
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
_SHARED_AMOUNTS = _words("123.00 246.00 369.00 492.00 615.00 199.00 299.00 1230.00 1845.00 99.00")
_GENERIC_TITLES = _words(
    """Przelew|Zapłata|za fakturę|płatność|REMITTANCE ISSUED|zgodnie z umową|przelew środków|
    ZAPLATA ZA USLUGI|Opłata|za usługę|zaplata naleznosci|płatność za zamówienie|
    Przelew krajowy|TRANSFER|nalezność|rozliczenie""",
    "|",
) + ("",)
_STRANGER_TITLES = _words(
    """Zwrot pożyczki|Darowizna|Na prezent|Za obiad|Zwrot za bilety|Przelew|oddaję kasę|
    Czynsz za mieszkanie|Składka klasowa|Zakup przez OLX|Za rower|Kieszonkowe|Opłata za kurs""",
    "|",
)
_INVOICE_TEMPLATES = _words(
    """{n}|{n}|Faktura VAT nr {n}|FAKTURA {n}|Zapłata za fakturę {n}|zaplata za fv {n}|
    Płatność za {n}|Opłata faktura nr {n}|{n} - dziękujemy|Przelew za fakturę {n} z dnia {d}|
    Zapł. za FV nr {n}|FV {n}|Nr faktury: {n}|Invoice {n}|{n} zamówienie {o}|
    Faktura {n} termin {due}|fv {n}|ZAPLATA ZA FAKTURY {n}|{n}/ZAPLATA|zapłata {n} {who}|
    Faktury: {n}""",
    "|",
)
_SCHEMES = (
    ("odoo_m", 40),
    ("legacy_m", 14),
    ("fs_y", 9),
    ("ymd", 7),
    ("inv_y", 7),
    ("fv_y", 8),
    ("branch", 5),
    ("odoo_y", 10),
)
_VENDOR_REF_SCHEMES = _words(
    "FA/{n}/{y}|F-{y}/{m:02d}/{n:03d}|{n}/{m:02d}/{y}|FV {n}/{y}|{y}/FS/{n:04d}|S/{n}/{yy}|"
    "{n:06d}|FVS-{n}-{y}",
    "|",
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
    """Return a random NIP that passes the checksum (weights 6,5,7,2,3,4,5,6,7 mod 11)."""
    while True:
        digits = [rng.randint(1, 9)] + [rng.randint(0, 9) for _ in range(8)]
        weights = (6, 5, 7, 2, 3, 4, 5, 6, 7)
        check = sum(w * d for w, d in zip(weights, digits, strict=True)) % 11
        if check != 10:
            return "".join(map(str, digits)) + str(check)


def make_nrb(rng, prefix=""):
    """Return a random 26-digit NRB passing mod-97 and (without ``prefix``) the sort-code check.

    ``prefix`` fixes the start of the 24-digit BBAN (tax micro-accounts, ZUS accounts).
    """
    if prefix:
        bban = prefix + "".join(str(rng.randint(0, 9)) for _ in range(24 - len(prefix)))
    else:
        first7 = rng.choice(_BANK_IDS) + f"{rng.randint(0, 9999):04d}"
        weights = (3, 9, 7, 1, 3, 9, 7)
        check = (10 - sum(w * int(d) for w, d in zip(weights, first7, strict=True)) % 10) % 10
        bban = first7 + str(check) + "".join(str(rng.randint(0, 9)) for _ in range(16))
    checksum = 98 - int(bban + "252100") % 97
    return f"{checksum:02d}{bban}"


def format_nrb(nrb, style):
    """Write an NRB as banks do: bare, with PL, grouped by four, or both."""
    if style == 0:
        return nrb
    if style == 1:
        return "PL" + nrb
    grouped = nrb[:2] + " " + " ".join(nrb[i : i + 4] for i in range(2, 26, 4))
    return grouped if style == 2 else "PL" + grouped


class Party:
    def __init__(self, key, kind, name, vat, ibans, *, person=None, form=None, base=None):
        self.key = key
        self.kind = kind  # company, trader, person, vendor
        self.name = name
        self.vat = vat
        self.ibans = ibans
        self.person = person  # (first, last)
        self.form = form  # index into _LEGAL_FORMS
        self.base = base  # the name without its legal form
        self.address = ""
        self.ref_scheme = ""
        self.ref_counter = 0

    def as_json(self):
        return {"name": self.name, "vat": self.vat, "ibans": list(self.ibans)}


class Document:
    def __init__(self, **values):
        self.__dict__.update(values)

    # A plain class, not an Odoo model: no super() to call.
    def copy(self, **changes):  # pylint: disable=method-required-super
        return Document(**{**self.__dict__, **changes})

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


class Ledger:
    """The open documents and their partners, built from one random generator."""

    def __init__(self, rng, *, customers, vendors, base_date=datetime.date(2026, 11, 1)):
        self.rng = rng
        self.base_date = base_date
        self.docs = []
        self.by_party = {}
        self.by_kind = {}
        self.numbers = set()
        self.parties = []
        self.counters = {}
        self.used_names = set()
        self.person_names = set()
        self._next_id = 1000 + rng.randint(0, 500)
        for _ in range(customers):
            self.parties.append(self._customer())
        self.vendors = [self._vendor() for _ in range(vendors)]
        self._look_alikes()
        for party in list(self.parties):
            if party.kind == "vendor":
                continue
            for _ in range(rng.choices((1, 2, 3, 4, 6, 9), weights=(30, 25, 18, 12, 9, 6))[0]):
                self.invoice(party)
            if rng.random() < 0.08:
                self._credit_note(party)
        for vendor in self.vendors:
            for _ in range(rng.randint(1, 5)):
                self._bill(vendor)
            if rng.random() < 0.25:
                self._vendor_refund(vendor)

    def new_id(self):
        self._next_id += self.rng.randint(1, 3)
        # Ids may be numbers or strings in the contract: use both.
        return str(self._next_id) if self.rng.random() < 0.5 else self._next_id

    def add(self, doc):
        self.docs.append(doc)
        self.by_party.setdefault(doc.party.key, []).append(doc)
        self.by_kind.setdefault((doc.type, doc.currency), []).append(doc)
        self.numbers.add(doc.number)

    def open_docs(self, party, *, inbound=True, currency="PLN"):
        types = ("out_invoice", "in_refund") if inbound else ("in_invoice", "out_refund")
        return [
            doc
            for doc in self.by_party.get(party.key, ())
            if doc.type in types and doc.currency == currency
        ]

    # -- partners --------------------------------------------------------------------------

    def _address(self):
        postcode, city = self.rng.choice(_CITIES)
        return f"ul. {self.rng.choice(_STREETS)} {self.rng.randint(1, 120)} {postcode} {city}"

    def person(self):
        if self.rng.random() < 0.5:
            return self.rng.choice(_FIRST_NAMES_M), self.rng.choice(_SURNAMES)
        last = self.rng.choice(_SURNAMES)
        if last.endswith(("ski", "cki", "dzki")):
            last = last[:-1] + "a"
        return self.rng.choice(_FIRST_NAMES_F), last

    def _company_base(self):
        rng = self.rng
        if rng.random() < 0.25:
            base = rng.choice(_HANDMADE_COMPANIES)
        else:
            base = rng.choice(_STEM_PREFIXES) + rng.choice(_STEM_SUFFIXES)
        if rng.random() < 0.3:
            base = f"{rng.choice(_TRADE_WORDS)} {base}"
        if rng.random() < 0.4:
            base = f"{base} {rng.choice(_SURNAMES)}"
        return base

    def _customer(self):
        rng = self.rng
        kind = rng.choices(("company", "trader", "person"), weights=(55, 25, 20))[0]
        key = f"P{len(self.parties) + 1}"
        ibans = [make_nrb(rng) for _ in range(rng.choice((1, 1, 1, 2)))]
        if kind == "company":
            for _attempt in range(50):
                base = self._company_base()
                form = rng.randrange(len(_LEGAL_FORMS))
                name = f"{base} {_LEGAL_FORMS[form][0]}"
                if name not in self.used_names:
                    break
            party = Party(key, kind, name, make_nip(rng), ibans, form=form, base=base)
        elif kind == "trader":
            first, last = self.person()
            prefix = rng.choice(("PHU", "F.H.U.", "P.P.H.U.", "Usługi Remontowe", "Firma Handlowa"))
            if rng.random() < 0.5:
                name = f"{prefix} {last} {first} {last}"
            else:
                name = f"{prefix} {first} {last}"
            party = Party(key, kind, name, make_nip(rng), ibans, person=(first, last))
        else:
            first, last = self.person()
            party = Party(key, kind, f"{first} {last}", "", ibans, person=(first, last))
        party.address = self._address()
        self.used_names.add(party.name)
        if party.person:
            self.person_names.add(party.person)
        return party

    def _vendor(self):
        rng = self.rng
        base = self._company_base()
        form = rng.randrange(len(_LEGAL_FORMS))
        key = f"V{len(self.parties) + 1}"
        name = f"{base} {_LEGAL_FORMS[form][0]}"
        party = Party(key, "vendor", name, make_nip(rng), [make_nrb(rng)], form=form, base=base)
        party.address = self._address()
        party.ref_scheme = rng.choice(_VENDOR_REF_SCHEMES)
        party.ref_counter = rng.randint(1, 900)
        self.parties.append(party)
        return party

    def _look_alikes(self):
        """Add namesakes and companies that differ only by legal form (hard for names)."""
        rng = self.rng
        persons = [party for party in self.parties if party.kind == "person"]
        for original in rng.sample(persons, min(4, len(persons))):
            twin = Party(
                f"P{len(self.parties) + 1}",
                "person",
                original.name,
                "",
                [make_nrb(rng)],
                person=original.person,
            )
            twin.address = self._address()
            self.parties.append(twin)
        companies = [party for party in self.parties if party.kind == "company" and party.form == 1]
        for original in rng.sample(companies, min(3, len(companies))):
            twin = Party(
                f"P{len(self.parties) + 1}",
                "company",
                f"{original.base} S.A. sp.k.",
                make_nip(rng),
                [make_nrb(rng)],
                form=3,
                base=original.base,
            )
            twin.address = self._address()
            self.parties.append(twin)

    # -- documents -------------------------------------------------------------------------

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
        key = (scheme, year, month)
        value = self.counters.get(key, self.rng.randint(0, 40)) + self.rng.randint(1, 3)
        self.counters[key] = value
        return value

    @staticmethod
    def _number(scheme, date, counter):
        y, m = date.year, date.month
        return {
            "odoo_m": f"FV/{y}/{m:02d}/{counter:04d}",
            "legacy_m": f"{counter}/{m:02d}/{y}",
            "fs_y": f"FS-{counter}/{y % 100}",
            "ymd": f"{y}/{m:02d}/{counter}",
            "inv_y": f"INV-{y}-{counter:05d}",
            "fv_y": f"FV {counter}/{y}",
            "branch": f"410F{counter:04d}",
            "odoo_y": f"INV/{y}/{counter:05d}",
        }[scheme]

    def invoice(self, party, *, paid=False):
        """Add an open customer invoice (or return a paid one, not added, with ``paid``)."""
        rng = self.rng
        names, weights = zip(*_SCHEMES, strict=True)
        scheme = rng.choices(names, weights=weights)[0]
        date = self.base_date - datetime.timedelta(days=rng.randint(0, 75))
        monthly = scheme in ("odoo_m", "legacy_m", "ymd")
        counter = self._counter(scheme, date.year, date.month if monthly else 0)
        number = self._number(scheme, date, counter)
        total = self._amount()
        residual = total
        if rng.random() < 0.07 and total > 100:
            share = Decimal(rng.choice(("0.5", "0.3", "0.75")))
            residual = (total * share).quantize(Decimal("0.01"))
        doc = Document(
            id=self.new_id(),
            number=number,
            type="out_invoice",
            party=party,
            payment_reference=number if rng.random() < 0.6 else None,
            total=total,
            residual=residual,
            currency="EUR" if rng.random() < 0.04 else "PLN",
            date=date,
            due=date + datetime.timedelta(days=rng.choice((7, 14, 14, 21, 30, 60))),
            scheme=scheme,
            counter=counter,
            tax=(total - total / Decimal("1.23")).quantize(Decimal("0.01")),
            vendor_ref=None,
        )
        if not paid:
            self.add(doc)
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
        total = Decimal(rng.randint(1000, 200000)) / 100
        self.add(
            Document(
                id=self.new_id(),
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
                vendor_ref=None,
            )
        )

    def _bill(self, vendor):
        rng = self.rng
        date = self.base_date - datetime.timedelta(days=rng.randint(0, 60))
        counter = self._counter("bill", date.year, date.month)
        series = "FZ" if rng.random() < 0.5 else "BILL"
        total = self._amount()
        vendor.ref_counter += rng.randint(1, 20)
        ref = vendor.ref_scheme.format(
            n=vendor.ref_counter, y=date.year, yy=date.year % 100, m=date.month
        )
        self.add(
            Document(
                id=self.new_id(),
                number=f"{series}/{date.year}/{date.month:02d}/{counter:04d}",
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
        total = Decimal(rng.randint(500, 90000)) / 100
        self.add(
            Document(
                id=self.new_id(),
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


class Renderer:
    """How payers and banks write numbers, names and titles."""

    def __init__(self, rng):
        self.rng = rng

    def number(self, doc, *, rewrite=True):
        """Return the document number as a payer might write it (exact or rewritten)."""
        rng = self.rng
        number = doc.number
        if not rewrite or rng.random() < 0.45:
            return number.lower() if rng.random() < 0.15 else number
        y, m, c = doc.date.year, doc.date.month, doc.counter
        options = [
            number.lower(),
            number.replace("/", "").replace(" ", "").replace("-", ""),
            number.replace("/", " / "),
        ]
        options += {
            "odoo_m": [
                f"FV/{y}/{m}/{c}",
                f"FV {y}/{m:02d}/{c}",
                f"FV{y}/{m:02d}/{c:04d}",
                f"{c}/{m:02d}/{y}",
                f"FV {c}/{m}/{y % 100}",
                f"{y}/{m:02d}/{c:04d}",
                f"FV-{y}-{m:02d}-{c:04d}",
                f"fv/{y}/{m}/{c}",
                f"F.{y}/{m:02d}/{c:04d}",
            ],
            "legacy_m": [
                f"FV {c}/{m}/{y}",
                f"{c}/{m:02d}/{y % 100}",
                f"FA {c}/{m:02d}/{y}",
                f"nr {c}/{m}/{y}",
                f"{c:03d}/{m:02d}/{y}",
            ],
            "fs_y": [f"FS {c}/{y % 100}", f"FS-{c}/{y}", f"fs{c}/{y % 100}", f"{c}/{y % 100}"],
            "ymd": [f"{y}/{m}/{c}", f"{c}/{m:02d}/{y}", f"FV {y}/{m:02d}/{c}"],
            "inv_y": [f"INV-{y}-{c}", f"INV {y} {c:05d}", f"inv{y}{c:05d}", f"INV/{y}/{c}"],
            "fv_y": [f"FV{c}/{y}", f"fv {c}/{y}", f"FV {c:03d}/{y}", f"FV/{c}/{y}"],
            "branch": [f"410/F{c:04d}", f"FV 410F{c:04d}", f"F.410F{c:04d}"],
            "odoo_y": [f"INV/{y}/{c}", f"INV {y}/{c}", f"INV{y}{c:05d}", f"inv/{y}/{c:05d}"],
        }.get(doc.scheme, [])
        return rng.choice(options)

    def typo(self, text):
        """Return ``text`` with one realistic typing mistake, mostly in the counter."""
        rng = self.rng
        digits = [i for i, ch in enumerate(text) if ch.isdigit()]
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
        if party.form is not None:
            form = rng.choice(_LEGAL_FORMS[party.form][1])
            name = f"{party.base} {form}" if rng.random() < 0.9 else f'"{party.base}" {form}'
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
        else:
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
        if rng.random() < 0.25:
            name = f"{name} {party.address}"
        if rng.random() < 0.75:
            name = name.upper()
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

    def decorate(self, title):
        """Add what real titles carry now and then: HTML, emoji, junk, payer references."""
        rng = self.rng
        roll = rng.random()
        if roll < 0.03:
            title = f"<p>{title.replace('/', '&#47;')}</p>"
        elif roll < 0.05:
            title = f"{title} – dziękujemy! 🙂"
        elif roll < 0.053:
            junk = "".join(rng.choice("ABCDEFGHIJ 0123456789-/") for _ in range(10000))
            title = f"{title} {junk}" if rng.random() < 0.7 else f"{junk[:1500]} {title}"
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
            joined = rng.choice((", ", "; ", " i ", " oraz ", " ", ",", " + ")).join(numbers)
        when = doc.date.strftime("%d.%m.%Y" if rng.random() < 0.5 else "%d.%m.%y")
        return rng.choice(_INVOICE_TEMPLATES).format(
            n=joined,
            d=when,
            o=rng.randint(100, 99999),
            due=doc.due.strftime("%d.%m.%Y"),
            who=doc.party.name,
        )


class TransferFactory:
    """Makes transfers category by category; each ``make_*`` returns False to skip a draw."""

    #: Categories and their weights. Most transfers pay an invoice with its number in the
    #: title; the rest is every other thing a business account sees.
    CATEGORIES = (
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
        ("multi_one_named", 1),
        ("partial_no_number", 0.7),
        ("typo_unknown_sender", 1),
        ("counter_only", 1),
        ("vendor_partial", 0.7),
        ("owner_pays", 1),
    )

    def __init__(self, ledger):
        self.ledger = ledger
        self.rng = ledger.rng
        self.render = Renderer(ledger.rng)
        self.used = set()
        self.transactions = []
        self.truth = {}

    def run(self, count):
        names, weights = zip(*self.CATEGORIES, strict=True)
        attempts = 0
        while len(self.transactions) < count and attempts < count * 20:
            attempts += 1
            category = self.rng.choices(names, weights=weights)[0]
            getattr(self, f"make_{category}")(category)
        return self.transactions, self.truth

    # -- helpers ---------------------------------------------------------------------------

    def pick(self, types=("out_invoice",), currency="PLN", predicate=None):
        by_kind = self.ledger.by_kind
        if len(types) == 1:
            pool = by_kind.get((types[0], currency), ())
        else:
            pool = [doc for kind in types for doc in by_kind.get((kind, currency), ())]
        for _attempt in range(60):
            if not pool:
                return None
            doc = self.rng.choice(pool)
            if doc.id not in self.used and (predicate is None or predicate(doc)):
                return doc
        return None

    def money(self, value, sign=1):
        value = Decimal(value) * sign
        return float(value) if self.rng.random() < 0.5 else f"{value:.2f}"

    def pay_date(self, docs):
        latest = max(doc.date for doc in docs)
        return latest + datetime.timedelta(days=self.rng.randint(0, 40))

    def emit(self, category, amount, title, name, iban, pays, *, exact=True, currency="PLN"):
        rng = self.rng
        number = len(self.transactions) + 1
        identifier = f"T{number:05d}" if rng.random() < 0.7 else number
        date = self.pay_date(pays) if pays else self.ledger.base_date
        date += datetime.timedelta(days=0 if pays else rng.randint(0, 20))
        record = {
            "id": identifier,
            "date": date.isoformat(),
            "amount": amount,
            "currency": currency,
            "counterparty": {"name": name, "iban": iban},
            "title": title,
        }
        if rng.random() < 0.02:  # fields may be missing or null
            record["counterparty"] = None if rng.random() < 0.5 else {"name": name}
        self.transactions.append(record)
        self.truth[str(identifier)] = {
            "invoice_ids": [str(doc.id) for doc in pays],
            "category": category,
            "amount_exact": exact,
        }
        self.used.update(doc.id for doc in pays)
        return True

    def pay_invoice(self, category, doc, title, *, name=None):
        name = self.render.sender_name(doc.party) if name is None else name
        iban = self.render.sender_iban(doc.party)
        return self.emit(category, self.money(doc.residual), title, name, iban, [doc])

    # -- categories that pay documents --------------------------------------------------

    def make_invoice_exact(self, category, rewrite=False):
        doc = self.pick()
        if doc is None:
            return False
        number = self.render.number(doc, rewrite=rewrite)
        title = self.render.decorate(self.render.wrap(self.render.invoice_title([number], doc)))
        name = self.render.sender_name(doc.party) if self.rng.random() < 0.93 else ""
        return self.pay_invoice(category, doc, title, name=name)

    def make_invoice_rewritten(self, category):
        return self.make_invoice_exact(category, rewrite=True)

    def make_invoice_typo(self, category):
        doc = self.pick()
        if doc is None:
            return False
        number = self.render.typo(self.render.number(doc, rewrite=False))
        title = self.render.decorate(self.render.wrap(self.render.invoice_title([number], doc)))
        return self.pay_invoice(category, doc, title)

    def make_split_payment(self, category):
        doc = self.pick()
        if doc is None:
            return False
        rng = self.rng
        idc = COMPANY["vat"] if rng.random() < 0.85 else (doc.party.vat or COMPANY["vat"])
        vat = f"{doc.tax:.2f}".replace(".", ",")
        number = self.render.number(doc, rewrite=rng.random() < 0.3)
        text = rng.choice(("ZAPLATA", "ZAPLATA FAKTURY", "PLATNOSC", "", "FV"))
        title = f"/VAT/{vat}/IDC/{idc}/INV/{number}/TXT/{text}"
        if rng.random() < 0.15:
            title = (
                f"Numer faktury VAT lub okres płatności zbiorczej :  {doc.number} "
                f"Identyfikator odbiorcy : {idc} Kwota VAT : {vat} PLN"
            )
        return self.pay_invoice(category, doc, self.render.wrap(title))

    def make_multi_listed(self, category, listed=True):
        rng = self.rng
        party = rng.choice(self.ledger.parties)
        docs = [
            doc
            for doc in self.ledger.open_docs(party)
            if doc.type == "out_invoice" and doc.id not in self.used
        ]
        if len(docs) < 2:
            return False
        chosen = sorted(rng.sample(docs, rng.randint(2, min(4, len(docs)))), key=lambda d: d.date)
        total = sum(doc.residual for doc in chosen)
        if listed:
            numbers = [self.render.number(doc) for doc in chosen]
            months = {(doc.scheme, doc.date.year, doc.date.month) for doc in chosen}
            if len(months) == 1 and chosen[0].scheme == "odoo_m" and rng.random() < 0.4:
                numbers = [chosen[0].number] + [f"{doc.counter:04d}" for doc in chosen[1:]]
            title = self.render.invoice_title(numbers, chosen[0])
            title = self.render.decorate(self.render.wrap(title))
            iban = self.render.sender_iban(party)
        else:
            title = rng.choice(_GENERIC_TITLES)
            iban = format_nrb(rng.choice(party.ibans), rng.randrange(4))
        name = self.render.sender_name(party)
        return self.emit(category, self.money(total), title, name, iban, chosen)

    def make_multi_unlisted(self, category):
        return self.make_multi_listed(category, listed=False)

    def make_partial(self, category, over=False):
        doc = self.pick(predicate=lambda d: d.residual > 50)
        if doc is None:
            return False
        rng = self.rng
        if over:
            paid = doc.residual + Decimal(rng.choice(("0.01", "1.00", "10.00", "40.00", "100.00")))
        elif rng.random() < 0.7:
            share = Decimal(rng.choice(("0.5", "0.3", "0.25", "0.9", "0.6")))
            paid = (doc.residual * share).quantize(Decimal("0.01"))
        else:
            paid = doc.residual - Decimal(rng.choice(("0.01", "1.00", "5.00", "10.00")))
        number = self.render.number(doc)
        title = rng.choice(
            (
                f"{number} czesc 1",
                f"FV {number} rata 1/2",
                f"zaliczka na poczet {number}",
                f"{number}",
                f"Zapłata za fakturę {number}",
                f"{number} cz. płatności",
            )
        )
        title = self.render.decorate(self.render.wrap(title))
        name = self.render.sender_name(doc.party)
        iban = self.render.sender_iban(doc.party)
        return self.emit(category, self.money(paid), title, name, iban, [doc], exact=False)

    def make_overpayment(self, category):
        return self.make_partial(category, over=True)

    def make_vendor_bill(self, category):
        doc = self.pick(types=("in_invoice",))
        if doc is None:
            return False
        rng = self.rng
        ref = doc.vendor_ref if rng.random() < 0.85 else doc.number
        if rng.random() < 0.25:
            vat = f"{doc.tax:.2f}".replace(".", ",")
            text = rng.choice(("ZAPLATA", "FV", ""))
            title = self.render.wrap(f"/VAT/{vat}/IDC/{doc.party.vat}/INV/{ref}/TXT/{text}")
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
        name = self.render.sender_name(doc.party)
        iban = format_nrb(doc.party.ibans[0], rng.randrange(4)) if rng.random() < 0.9 else None
        return self.emit(category, self.money(doc.residual, -1), title, name, iban, [doc])

    def make_refund_out(self, category):
        return self._refund(
            category, "out_refund", -1, ("Zwrot do korekty {}", "ZWROT {}", "korekta {} zwrot")
        )

    def make_refund_in(self, category):
        return self._refund(
            category, "in_refund", 1, ("Zwrot nadpłaty {}", "korekta {}", "ZWROT WG KOREKTY {}")
        )

    def _refund(self, category, move_type, sign, templates):
        """A credit note settled: we pay a customer's out (-1), a vendor pays ours in (+1)."""
        doc = self.pick(types=(move_type,))
        if doc is None:
            return False
        title = self.rng.choice(templates).format(doc.vendor_ref or doc.number)
        name = self.render.sender_name(doc.party)
        iban = format_nrb(doc.party.ibans[0], 0)
        return self.emit(category, self.money(doc.residual, sign), title, name, iban, [doc])

    def _unique_amount_doc(self):
        doc = self.pick()
        if doc is None:
            return None
        same = [d for d in self.ledger.open_docs(doc.party) if d.residual == doc.residual]
        return doc if len(same) == 1 else None

    def make_name_amount(self, category):
        doc = self._unique_amount_doc()
        if doc is None:
            return False
        rng = self.rng
        party = doc.party
        iban = format_nrb(rng.choice(party.ibans), rng.randrange(4)) if rng.random() < 0.7 else None
        name = self.render.sender_name(party)
        title = rng.choice(_GENERIC_TITLES)
        return self.emit(category, self.money(doc.residual), title, name, iban, [doc])

    def make_name_in_title(self, category):
        doc = self._unique_amount_doc()
        if doc is None:
            return False
        word = self.rng.choice(("Zaplata", "Przelew", "Wplata"))
        title = f"{word} {doc.party.name} {doc.party.address}"
        return self.emit(category, self.money(doc.residual), title, "", None, [doc])

    def make_nip_in_title(self, category):
        doc = self._unique_amount_doc()
        if doc is None or not doc.party.vat:
            return False
        vat = doc.party.vat
        if self.rng.random() < 0.5:
            vat = f"PL{vat[:3]}-{vat[3:6]}-{vat[6:8]}-{vat[8:]}"
        name = self.render.sender_name(doc.party) if self.rng.random() < 0.5 else ""
        return self.emit(
            category, self.money(doc.residual), f"NIP {vat} zaplata", name, None, [doc]
        )

    def make_eur_invoice(self, category):
        doc = self.pick(currency="EUR")
        if doc is None:
            return False
        title = self.render.invoice_title([self.render.number(doc)], doc)
        name = self.render.sender_name(doc.party)
        iban = self.render.sender_iban(doc.party)
        amount = self.money(doc.residual)
        return self.emit(category, amount, title, name, iban, [doc], currency="EUR")

    def make_near_number(self, category):
        """Two customers' numbers differ by two swapped digits and share the amount; the
        title quotes one exactly and must not be given to the other."""
        doc = self.pick(predicate=lambda d: d.scheme == "odoo_m" and d.counter >= 10)
        if doc is None:
            return False
        counter = f"{doc.counter:04d}"
        swapped = counter[:2] + counter[3] + counter[2]
        twin_number = f"FV/{doc.date.year}/{doc.date.month:02d}/{swapped}"
        if swapped == counter or twin_number in self.ledger.numbers:
            return False
        others = [p for p in self.ledger.parties if p is not doc.party and p.kind != "vendor"]
        twin = doc.copy(
            id=self.ledger.new_id(),
            party=self.rng.choice(others),
            number=twin_number,
            counter=int(swapped),
            payment_reference=None,
        )
        self.ledger.add(twin)
        return self.pay_invoice(category, doc, self.render.invoice_title([doc.number], doc))

    def make_gateway(self, category):
        doc = self.pick()
        if doc is None:
            return False
        gateway, code = self.rng.choice(_GATEWAYS)
        reference = f"{code}-{self.rng.randint(100, 999)}-{self.rng.randint(100, 999)}"
        title = f"{reference} {doc.number} {doc.party.name}"
        iban = format_nrb(make_nrb(self.rng), 0)
        return self.emit(category, self.money(doc.residual), title, gateway, iban, [doc])

    def make_junk(self, category):
        doc = self.pick()
        if doc is None:
            return False
        padding = "&nbsp;" * self.rng.randint(10, 3000)
        return self.pay_invoice(category, doc, f"<div>{padding}<b>{doc.number}</b></div>")

    def make_multi_one_named(self, category):
        """Two invoices paid at once, only the first named (the payer forgot the second)."""
        party = self.rng.choice(self.ledger.parties)
        docs = [
            doc
            for doc in self.ledger.open_docs(party)
            if doc.type == "out_invoice" and doc.id not in self.used
        ]
        if len(docs) < 2:
            return False
        chosen = sorted(self.rng.sample(docs, 2), key=lambda doc: doc.date)
        title = self.render.invoice_title([self.render.number(chosen[0])], chosen[0])
        total = sum(doc.residual for doc in chosen)
        iban = format_nrb(self.rng.choice(party.ibans), 0)
        name = self.render.sender_name(party)
        return self.emit(category, self.money(total), title, name, iban, chosen)

    def make_partial_no_number(self, category):
        """A partial payment with no number from a customer with one open invoice."""
        doc = self.pick(predicate=lambda d: d.residual > 100)
        if doc is None or len(self.ledger.open_docs(doc.party)) != 1:
            return False
        paid = (doc.residual * Decimal(self.rng.choice(("0.5", "0.4", "0.8")))).quantize(
            Decimal("0.01")
        )
        title = self.rng.choice(("czesc naleznosci", "rata 1", "wplata czesciowa", "przelew"))
        iban = format_nrb(self.rng.choice(doc.party.ibans), 0)
        name = self.render.sender_name(doc.party)
        return self.emit(category, self.money(paid), title, name, iban, [doc], exact=False)

    def make_typo_unknown_sender(self, category):
        """A mistyped number from an account and a name we do not know."""
        doc = self.pick()
        if doc is None:
            return False
        number = self.render.typo(self.render.number(doc, rewrite=False))
        title = self.render.invoice_title([number], doc)
        first, last = self.ledger.person()
        iban = format_nrb(make_nrb(self.rng), 0)
        return self.emit(category, self.money(doc.residual), title, f"{first} {last}", iban, [doc])

    def make_counter_only(self, category):
        """Only the counter of the number ("za fakture 43"), from a known account."""
        doc = self.pick(predicate=lambda d: d.scheme in ("odoo_m", "fv_y", "legacy_m"))
        if doc is None:
            return False
        word = self.rng.choice(("za fakture", "FV", "faktura nr", "fv nr"))
        iban = format_nrb(self.rng.choice(doc.party.ibans), 0)
        name = self.render.sender_name(doc.party)
        title = f"{word} {doc.counter}"
        return self.emit(category, self.money(doc.residual), title, name, iban, [doc])

    def make_vendor_partial(self, category):
        """We pay part of a vendor bill, quoting the vendor's number."""
        doc = self.pick(types=("in_invoice",), predicate=lambda d: d.residual > 100)
        if doc is None:
            return False
        paid = (doc.residual * Decimal("0.5")).quantize(Decimal("0.01"))
        title = f"{doc.vendor_ref} czesc 1"
        iban = format_nrb(doc.party.ibans[0], 0)
        name = self.render.sender_name(doc.party)
        return self.emit(category, self.money(paid, -1), title, name, iban, [doc], exact=False)

    def make_owner_pays(self, category):
        """The owner of a company pays its invoice from a private account."""
        doc = self.pick(predicate=lambda d: d.party.kind == "company")
        if doc is None:
            return False
        first, last = self.ledger.person()
        title = self.render.invoice_title([self.render.number(doc)], doc)
        iban = format_nrb(make_nrb(self.rng), 0)
        name = f"{first} {last}".upper()
        return self.emit(category, self.money(doc.residual), title, name, iban, [doc])

    # -- categories that pay nothing ---------------------------------------------------------

    def make_stranger(self, category):
        doc = self.rng.choice(self.ledger.docs)
        if doc.type != "out_invoice" or doc.currency != "PLN":
            return False
        first, last = self.ledger.person()
        if (first, last) in self.ledger.person_names:
            return False  # a namesake of a customer is not a stranger
        title = self.rng.choice(_STRANGER_TITLES + _GENERIC_TITLES)
        iban = format_nrb(make_nrb(self.rng), 0)
        name = f"{first} {last}".upper()
        return self.emit(category, self.money(doc.residual), title, name, iban, [])

    def _coincidental_amount(self, low, high):
        if self.rng.random() < 0.3:
            return self.rng.choice(self.ledger.docs).residual
        return Decimal(self.rng.randint(low, high)) / 100

    def make_tax_office(self, category):
        period = self.rng.randint(1, 10)
        form = self.rng.choice(("VAT-7", "PIT-4R", "CIT-8", "PPL", "PIT-5L"))
        title = self.render.wrap(
            f"/TI/N{COMPANY['vat']}/OKR/26M{period:02d}/SFP/{form}/TXT/{form} {period:02d}/2026"
        )
        name = "URZĄD SKARBOWY W WARSZAWIE" if self.rng.random() < 0.5 else ""
        iban = format_nrb(make_nrb(self.rng, TAX_OFFICE_SORT_CODE), 0)
        amount = self.money(self._coincidental_amount(10000, 900000), -1)
        return self.emit(category, amount, title, name, iban, [])

    def make_zus(self, category):
        title = self.rng.choice(("Składki ZUS 10/2026", "ZUS DRA 11/2026", "skladka zus"))
        iban = format_nrb(make_nrb(self.rng, ZUS_SORT_CODE), 0)
        amount = self.money(Decimal(self.rng.randint(40000, 250000)) / 100, -1)
        return self.emit(category, amount, title, "ZAKŁAD UBEZPIECZEŃ SPOŁECZNYCH", iban, [])

    def make_salary(self, category):
        first, last = self.ledger.person()
        title = self.rng.choice(
            (
                "Wynagrodzenie 10/2026",
                "WYNAGRODZENIE ZA 11/2026",
                "pensja listopad",
                "Wypłata premii",
            )
        )
        amount = self.money(self._coincidental_amount(300000, 1200000), -1)
        iban = format_nrb(make_nrb(self.rng), 0)
        return self.emit(category, amount, title, f"{first} {last}".upper(), iban, [])

    def make_card_fee(self, category):
        title = self.rng.choice(
            (
                "OPŁATA PRZELEW ZEW.DOWOL.BIEŻĄCY",
                "Opłata za prowadzenie rachunku",
                "PROWIZJA",
                "Zakup przy użyciu karty BIEDRONKA 1234 WARSZAWA",
                "Zakup BLIK ref:86011223344",
                "Opłata za kartę",
            )
        )
        amount = Decimal(self.rng.choice(("1.50", "5.00", "12.00", "29.99", "245.79", "199.00")))
        name = "BIEDRONKA" if "Zakup" in title else ""
        return self.emit(category, self.money(amount, -1), title, name, None, [])

    def make_own_transfer(self, category):
        amount = self.money(
            Decimal(self.rng.randint(10000, 5000000)) / 100, self.rng.choice((1, -1))
        )
        name = COMPANY["name"].upper()
        title = "PRZELEW WŁASNY NA RACHUNEK VAT"
        return self.emit(category, amount, title, name, COMPANY["iban"], [])

    def make_paid_quote(self, category):
        """The title quotes an invoice that is already paid, for an amount nothing else has."""
        party = self.rng.choice(self.ledger.parties)
        if party.kind == "vendor":
            return False
        paid = self.ledger.invoice(party, paid=True)
        if any(doc.residual == paid.residual for doc in self.ledger.open_docs(party)):
            return False
        title = self.render.invoice_title([paid.number], paid)
        name = self.render.sender_name(party)
        iban = self.render.sender_iban(party)
        return self.emit(category, self.money(paid.residual), title, name, iban, [])

    def make_currency_mismatch(self, category):
        doc = self.pick()
        if doc is None:
            return False
        title = self.render.invoice_title([doc.number], doc)
        name = self.render.sender_name(doc.party)
        iban = self.render.sender_iban(doc.party)
        return self.emit(category, self.money(doc.residual), title, name, iban, [], currency="EUR")


def generate(seed=20261126, *, transfers=3000, customers=None, vendors=None):
    """Return ``(invoices, transactions, truth)`` as JSON-able lists and a dict.

    ``truth`` maps each transaction id to ``{"invoice_ids": [...], "category": str,
    "amount_exact": bool}``: the documents the transfer pays (empty when it pays none), the
    generator's category, and whether the amount equals their open residuals.
    """
    rng = random.Random(seed)
    ledger = Ledger(
        rng,
        customers=customers or max(60, transfers // 3),
        vendors=vendors or max(12, transfers // 15),
    )
    transactions, truth = TransferFactory(ledger).run(transfers)
    invoices = [doc.as_json(rng) for doc in ledger.docs]
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
    print(f"{len(invoices)} documents, {len(transactions)} transfers -> {args.out}")  # pylint: disable=print-used


if __name__ == "__main__":
    main()
