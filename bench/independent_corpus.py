"""Independent, seeded generator of a realistic Polish ledger and bank feed (evaluation only).

Written from the engine's command-line contract (issue 3) and from domain knowledge, without
looking at the engine or at the project's own corpus, so that it estimates how the engine does on
data it was not tuned on. Writes ``invoices.json`` and ``transactions.json`` in the contract's
shape plus ``truth.json`` (per transfer: the ids it really pays, whether its amount equals the sum
of their residuals, and tags naming the patterns used), and ``ledger.json`` (context for people).

    python bench/independent_corpus.py --out DIR [--seed N] [--transfers N]

Realism notes (where each pattern comes from)
=============================================
Ledger
  * One company (a mid-size Polish B2B seller), a year of documents (Dec 2025 - Nov 2026), a bank
    feed of Sep - Nov 2026 (PLN account plus a EUR account) matched in one batch at the end,
    against every document still open when the feed starts or issued during it.
  * Customers: companies with legal forms in the shapes KRS/GUS and bank exports print them
    (``Sp. z o.o.``, ``S.A.``, ``Sp.j.``, ``Sp. z o.o. Sp.k.``, ``s.c.``), sole traders named the
    CEIDG way (``PHU JANEX Jan Kowalski``), consumers without a NIP, and a few EU customers
    invoiced in EUR. Some partner names are stored upper-case with the long legal form, as a GUS
    lookup fills them. Surnames follow the frequency of the most common Polish surnames, so
    namesakes occur as often as they do in a real customer list.
  * NIPs carry a valid checksum and a real tax-office prefix; NRBs have a real bank id, a valid
    sort-code check digit and valid IBAN check digits; German/Czech VAT ids and IBANs are valid.
    Partners store accounts as Odoo users type them (``PL`` + 26 digits, bare NRB, groups of 4).
    Some partners have several accounts, some none, and many pay from an account Odoo does not
    know yet (a new account, a director's private account, a parent company's account).
  * Sales series are those Polish tools print (fakturowo ``n/M/R`` templates, inFakt/Fakturownia
    ``FV 12/11/2026`` style, Subiekt/Optima ``FS 123/26``, Odoo ``FV/2026/11/0012`` and
    ``FV/2026/00012``, ``2026/11/12``, ``F/0012/11/2026``, ``FVS/012/2026``); a corpus uses an Odoo
    main series, two other concurrent series (branch, shop) and an export series in EUR, plus a
    correction series. Counters run per series and per month or year, so ``0012`` and ``0021``
    of different customers both exist. From April 2026 documents get a KSeF number (NIP-date-
    12 hex-CRC-8, the algorithm of the KSeF documentation).
  * Vendors number their own bills in every shape (utility ``P/12345678/0001/26``, telecom
    ``F/20261100123``, branch codes ``410F01163``, digits only, ``INV-2026-001234`` ...). In Odoo
    the bill's ``number`` is our purchase-journal name and ``payment_reference`` the vendor's
    number (Odoo copies the bill reference into it); a few bills have no reference.
  * Payment terms of 7-60 days; customers pay around the due date with a per-customer
    punctuality (some late by months, a few never). Some invoices were partly paid before the
    feed (residual < total); some get credit notes (corrections are routine in Poland).
  * VAT 23 % mostly, 8 %/5 % for some lines, 0 % on EU supplies; many nets are round, so the same
    gross amount (1 230,00, 615,00 ...) recurs across customers, as in real ledgers; subscription
    customers get the same amount every month.
Titles (as people write them; public statement samples summarised in the research notes)
  * Habits per payer: accounting departments paste the exact number (alone or after ``Faktura
    VAT nr``), small firms and consumers type it loosely (lower case, dropped leading zeros,
    two-digit year, separators missing or changed, prefix dropped or replaced by ``F.``/``FA``,
    counter/month/year reordered, counter only), some write only ``faktura``/``zapłata``/their
    name/an order or contract number, corporations use their own remittance references and pay
    several invoices at once. One-character typos (transposed digits, ``O`` for ``0``, ``FW`` for
    ``FV``) in a few per cent of typed numbers.
  * Several invoices per title: full numbers joined by ``, ; i oraz``, short forms
    (``FV/2026/11/0042,0043``, ``FV 42, 43/11/2026``), net of a credit note; titles longer than
    the 140 Elixir characters are cut, losing the last numbers.
  * Split payment ``/VAT/…/IDC/…/INV/…/TXT/…`` (ZBP recommendation: VAT 10n,2n, IDC 14x = the
    payee's NIP, INV 35x one invoice, TXT 33x): mandatory above 15 000 PLN for Annex-15 goods and
    used voluntarily by some payers; a few software packages write ``.`` as decimal separator, a
    few payers put their own NIP in IDC or two numbers in INV. Titles are delivered in 35- (or
    27-) character lines that some banks join with a space or a newline, also in mid-value.
  * KSeF numbers in titles (art. 108g), alone or next to the invoice number, sometimes without
    hyphens; NIP in the title; the payer's own account number in the title; dates ``z dn.
    03.11.2026`` next to numbers; emoji and Unicode dashes from mobile apps; upper case without
    diacritics, occasionally ISO-8859-2 mojibake (``ZAP£ATA``) from old bank exports.
  * Counterparty names as banks deliver them: upper case, diacritics stripped, long or short
    legal form, address appended, cut at 35 characters, reversed first/last name, joint accounts,
    spouse or director paying, empty name, missing account.
Amounts
  * Mostly the exact residual; partial payments and instalments (``rata 1/3``), the remainder of
    an earlier partial payment, overpayments (paying the total although part was paid, rounding
    up), 0,01 differences, early-payment discount (skonto 2 %), SHA bank charges on EUR transfers.
Noise (truth: nothing)
  * ZUS (individual 6000 0002 account), tax micro-account ``/TI/N…/OKR/26M10/SFP/VAT-7``,
    salaries, card and BLIK purchases, bank fees and interest, transfers between own accounts and
    to/from the VAT account, payment-gateway payouts (P24, PayU, Tpay), strangers (some with an
    amount that equals an open invoice of somebody else), customers paying pro formas, advances
    or invoices already paid, our payments of bills not booked yet, leases and rents without a
    booked bill.
"""

# A command-line tool: printing is its interface.
# pylint: disable=print-used

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import math
import pathlib
import random
import re
import unicodedata

# ------------------------------------------------------------------------------------ calendar

LEDGER_START = dt.date(2025, 12, 1)
FEED_START = dt.date(2026, 9, 1)
FEED_END = dt.date(2026, 11, 30)
KSEF_FROM = dt.date(2026, 4, 1)

# --------------------------------------------------------------------------------- identifiers

DIGITS = "0123456789"
NIP_WEIGHTS = (6, 5, 7, 2, 3, 4, 5, 6, 7)
TAX_OFFICE_PREFIXES = [
    "525",
    "526",
    "527",
    "521",
    "522",
    "113",
    "118",
    "123",
    "534",
    "676",
    "677",
    "678",
    "679",
    "944",
    "779",
    "778",
    "781",
    "782",
    "783",
    "894",
    "895",
    "897",
    "898",
    "899",
    "583",
    "584",
    "586",
    "587",
    "588",
    "957",
    "958",
    "712",
    "713",
    "714",
    "716",
    "946",
    "922",
    "813",
    "816",
    "851",
    "852",
    "731",
    "732",
    "734",
    "749",
    "754",
    "771",
    "821",
    "822",
    "839",
    "842",
    "872",
    "871",
    "665",
    "666",
    "634",
    "633",
    "641",
    "644",
    "954",
    "627",
    "645",
    "969",
    "548",
    "555",
    "556",
    "557",
    "561",
    "562",
    "563",
    "774",
    "796",
    "799",
]
# Bank ids with a rough market-share weight (business accounts).
BANKS = (
    ("102", 22),
    ("105", 12),
    ("109", 12),
    ("114", 14),
    ("116", 7),
    ("124", 11),
    ("249", 5),
    ("160", 4),
    ("203", 3),
    ("175", 2),
    ("187", 2),
    ("193", 2),
    ("156", 2),
    ("132", 1),
    ("195", 1),
)


def nip_check(first9):
    return sum(int(d) * w for d, w in zip(first9, NIP_WEIGHTS, strict=True)) % 11


def make_nip(rng):
    while True:
        first9 = rng.choice(TAX_OFFICE_PREFIXES) + "".join(rng.choice(DIGITS) for _ in range(6))
        check = nip_check(first9)
        if check != 10:
            return first9 + str(check)


def iban_check(country, bban):
    numeric = "".join(str(int(c, 36)) for c in bban + country + "00")
    return f"{98 - int(numeric) % 97:02d}"


def sort_code(rng, bank=None):
    if bank is None:
        bank = rng.choices([b for b, _ in BANKS], [w for _, w in BANKS])[0]
    seven = bank + "".join(rng.choice(DIGITS) for _ in range(4))
    check = (10 - sum(int(d) * w for d, w in zip(seven, (3, 9, 7, 1, 3, 9, 7), strict=True))) % 10
    return seven + str(check)


def make_nrb(rng, sort=None, account=None):
    bban = (sort or sort_code(rng)) + (account or "".join(rng.choice(DIGITS) for _ in range(16)))
    return iban_check("PL", bban) + bban


def make_foreign_iban(rng, country):
    if country == "DE":
        bban = "".join(rng.choice(DIGITS) for _ in range(18))
    else:  # CZ: bank 4 + prefix 6 + account 10
        bban = rng.choice(("0100", "0300", "0800", "2010", "5500")) + "".join(
            rng.choice(DIGITS) for _ in range(16)
        )
    return country + iban_check(country, bban) + bban


def make_foreign_vat(rng, country):
    if country == "DE":
        while True:
            body = str(rng.randint(1, 9)) + "".join(rng.choice(DIGITS) for _ in range(7))
            product = 10
            for digit in body:
                total = (int(digit) + product) % 10 or 10
                product = (2 * total) % 11
            check = (11 - product) % 10
            return "DE" + body + str(check)
    while True:
        body = str(rng.randint(1, 8)) + "".join(rng.choice(DIGITS) for _ in range(6))
        total = sum(int(d) * w for d, w in zip(body, range(8, 1, -1), strict=True))
        check = (11 - total % 11) % 11
        if check < 10:
            return "CZ" + body + str(check)


def crc8(data):
    crc = 0
    for byte in data.encode("ascii"):
        crc ^= byte
        for _ in range(8):
            crc = ((crc << 1) ^ 0x07) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return crc


def make_ksef(rng, seller_nip, date):
    tech = "".join(rng.choice("0123456789ABCDEF") for _ in range(12))
    data = f"{seller_nip}-{date:%Y%m%d}-{tech}"
    return f"{data}-{crc8(data):02X}"


def stored_account(rng, iban):
    """The account as somebody typed it into Odoo."""
    if not iban.startswith("PL"):
        return iban if rng.random() < 0.7 else " ".join(iban[i : i + 4] for i in range(0, 28, 4))
    shape = rng.random()
    if shape < 0.55:
        return iban
    if shape < 0.8:
        return iban[2:]
    if shape < 0.92:
        nrb = iban[2:]
        return nrb[:2] + " " + " ".join(nrb[i : i + 4] for i in range(2, 26, 4))
    return " ".join(iban[i : i + 4] for i in range(0, 28, 4))


def feed_account(rng, iban):
    """The counterparty account as a PSD2 feed delivers it."""
    if iban is None:
        return None
    if iban.startswith("PL") and rng.random() < 0.2:
        return iban[2:]
    return iban


# ----------------------------------------------------------------------------------- names

MALE_FIRST = [
    "Jan",
    "Piotr",
    "Krzysztof",
    "Andrzej",
    "Tomasz",
    "Paweł",
    "Michał",
    "Marcin",
    "Grzegorz",
    "Józef",
    "Łukasz",
    "Adam",
    "Zbigniew",
    "Jerzy",
    "Tadeusz",
    "Mateusz",
    "Dariusz",
    "Mariusz",
    "Wojciech",
    "Ryszard",
    "Jakub",
    "Henryk",
    "Robert",
    "Kazimierz",
    "Jacek",
    "Maciej",
    "Kamil",
    "Janusz",
    "Marek",
    "Stanisław",
    "Sławomir",
    "Rafał",
    "Przemysław",
    "Dawid",
    "Szymon",
]
FEMALE_FIRST = [
    "Anna",
    "Maria",
    "Katarzyna",
    "Małgorzata",
    "Agnieszka",
    "Barbara",
    "Ewa",
    "Krystyna",
    "Elżbieta",
    "Magdalena",
    "Joanna",
    "Zofia",
    "Monika",
    "Teresa",
    "Danuta",
    "Natalia",
    "Aleksandra",
    "Karolina",
    "Marta",
    "Beata",
    "Dorota",
    "Halina",
    "Jadwiga",
    "Jolanta",
    "Grażyna",
    "Iwona",
    "Paulina",
    "Justyna",
    "Renata",
    "Urszula",
    "Sylwia",
    "Agata",
    "Żaneta",
    "Bożena",
]
SURNAMES = [
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
    "Wojciechowski",
    "Kwiatkowski",
    "Krawczyk",
    "Kaczmarek",
    "Piotrowski",
    "Grabowski",
    "Zając",
    "Pawłowski",
    "Michalski",
    "Król",
    "Wieczorek",
    "Jabłoński",
    "Wróbel",
    "Nowakowski",
    "Majewski",
    "Olszewski",
    "Stępień",
    "Malinowski",
    "Jaworski",
    "Adamczyk",
    "Dudek",
    "Nowicki",
    "Pawlak",
    "Górski",
    "Witkowski",
    "Walczak",
    "Sikora",
    "Baran",
    "Rutkowski",
    "Michalak",
    "Szewczyk",
    "Ostrowski",
    "Tomaszewski",
    "Pietrzak",
    "Zalewski",
    "Wróblewski",
    "Marciniak",
    "Jasiński",
    "Zawadzki",
    "Bąk",
    "Jakubowski",
    "Sadowski",
    "Duda",
    "Włodarczyk",
    "Wilk",
    "Chmielewski",
    "Borkowski",
    "Sokołowski",
    "Szczepański",
    "Sawicki",
    "Lis",
    "Kucharski",
    "Mazurek",
    "Kubiak",
    "Kalinowski",
    "Wysocki",
    "Czarnecki",
    "Kołodziej",
    "Urbański",
    "Błaszczyk",
    "Żak",
    "Łuczak",
    "Głowacki",
    "Ślusarczyk",
    "Gołębiowski",
    "Żurawski",
    "Brzeziński",
    "Kręcisz",
    "Fijałkowski",
]
BRAND_A = [
    "Pol",
    "Trans",
    "Bud",
    "Agro",
    "Elektro",
    "Inter",
    "Tech",
    "Med",
    "Eko",
    "Stal",
    "Drew",
    "Max",
    "Gaz",
    "Term",
    "Hydro",
    "Auto",
    "Mar",
    "Kom",
    "Bis",
    "Tex",
    "Chem",
    "Lux",
    "Net",
    "Soft",
    "Data",
    "Info",
    "Pro",
    "Plast",
    "Glob",
    "Nord",
    "Euro",
    "Mega",
    "Fin",
    "Kar",
    "Rol",
    "Met",
    "Dom",
]
BRAND_B = [
    "mex",
    "pol",
    "bud",
    "trans",
    "serwis",
    "tech",
    "stal",
    "med",
    "hurt",
    "sped",
    "plast",
    "met",
    "lux",
    "tex",
    "rol",
    "gaz",
    "net",
    "kom",
    "bis",
    "san",
    "dent",
    "car",
]
ADJ_NOUN = [
    "Zielony Ogród",
    "Złota Rybka",
    "Biały Dom",
    "Stary Młyn",
    "Nowa Przestrzeń",
    "Czysty Świat",
    "Dobre Meble",
    "Szybki Kurier",
    "Mazowieckie Centrum Handlu",
    "Śląskie Zakłady Metalowe",
    "Pomorska Spółdzielnia",
    "Wielkopolskie Hurtownie",
    "Górski Potok",
    "Leśna Polana",
    "Słoneczny Dom",
    "Bałtycki Port",
    "Żółty Tulipan",
    "Łódzka Fabryka Mebli",
    "Kujawskie Młyny",
    "Podlaskie Mleczarnie",
    "Karpacka Woda",
    "Warszawskie Okna",
    "Nadwiślańskie Sady",
    "Czerwony Mak",
    "Srebrna Góra",
    "Dębowy Las",
    "Miejski Ogród",
    "Polskie Przyprawy",
]
SECTORS = [
    "Przedsiębiorstwo Budowlane",
    "Biuro Rachunkowe",
    "Hurtownia Spożywcza",
    "Transport Międzynarodowy",
    "Usługi Remontowe",
    "Zakład Mechaniki Pojazdowej",
    "Kancelaria Radcy Prawnego",
    "Studio Projektowe",
    "Gabinet Stomatologiczny",
    "Pracownia Architektoniczna",
    "Sklep Wielobranżowy",
    "Piekarnia",
    "Drukarnia",
    "Zakład Stolarski",
    "Usługi Transportowe",
    "Serwis Komputerowy",
    "Instalatorstwo Elektryczne",
    "Firma Handlowa",
    "Agencja Reklamowa",
]
SOLE_PREFIX = (
    ("PHU", "Przedsiębiorstwo Handlowo-Usługowe", "P.H.U."),
    ("FHU", "Firma Handlowo-Usługowa", "F.H.U."),
    ("PPHU", "Przedsiębiorstwo Produkcyjno-Handlowo-Usługowe", "P.P.H.U."),
    ("ZUH", "Zakład Usługowo-Handlowy", "Z.U.H."),
)
CITIES = (
    ("Warszawa", "00-950"),
    ("Kraków", "30-001"),
    ("Łódź", "90-001"),
    ("Wrocław", "50-001"),
    ("Poznań", "60-001"),
    ("Gdańsk", "80-001"),
    ("Szczecin", "70-001"),
    ("Bydgoszcz", "85-001"),
    ("Lublin", "20-001"),
    ("Białystok", "15-001"),
    ("Katowice", "40-001"),
    ("Gdynia", "81-001"),
    ("Częstochowa", "42-200"),
    ("Radom", "26-600"),
    ("Toruń", "87-100"),
    ("Kielce", "25-001"),
    ("Rzeszów", "35-001"),
    ("Gliwice", "44-100"),
    ("Olsztyn", "10-001"),
    ("Bielsko-Biała", "43-300"),
    ("Zielona Góra", "65-001"),
    ("Opole", "45-001"),
    ("Tychy", "43-100"),
    ("Płock", "09-400"),
    ("Pruszków", "05-800"),
    ("Piaseczno", "05-500"),
    ("Nowy Sącz", "33-300"),
    ("Gorzów Wielkopolski", "66-400"),
    ("Łomża", "18-400"),
    ("Żyrardów", "96-300"),
)
STREETS = [
    "Lipowa",
    "Polna",
    "Leśna",
    "Słoneczna",
    "Kwiatowa",
    "Ogrodowa",
    "Szkolna",
    "Krótka",
    "Długa",
    "Kościuszki",
    "Mickiewicza",
    "Sienkiewicza",
    "Piłsudskiego",
    "Warszawska",
    "Kolejowa",
    "Przemysłowa",
    "Łąkowa",
    "Zielona",
    "Wiśniowa",
    "Żeromskiego",
    "Słowackiego",
    "Reymonta",
    "Grunwaldzka",
    "Poznańska",
    "Krakowska",
    "Fabryczna",
]
FOREIGN_NAMES = {
    "DE": [
        "Müller Logistik GmbH",
        "Schäfer Maschinenbau GmbH",
        "Becker & Söhne KG",
        "Weiß Handels GmbH",
        "Nordlicht Vertrieb GmbH",
        "Krüger Bau AG",
        "Fischer Elektronik GmbH",
        "Hoffmann Möbel GmbH",
    ],
    "CZ": [
        "Novák a syn s.r.o.",
        "Dvořák Stavby s.r.o.",
        "Černý Trans a.s.",
        "Svoboda Obchod s.r.o.",
        "Procházka Technik s.r.o.",
    ],
}
LEGAL_FORMS = {
    "spzoo": (
        "Sp. z o.o.",
        "SPÓŁKA Z OGRANICZONĄ ODPOWIEDZIALNOŚCIĄ",
        ("SP. Z O.O.", "SP Z O O", "SP.Z O.O.", "SPÓŁKA Z O.O.", "SP. Z O. O.", "SP Z OO"),
    ),
    "sa": ("S.A.", "SPÓŁKA AKCYJNA", ("S.A.", "SA", "S. A.")),
    "spj": ("Sp.j.", "SPÓŁKA JAWNA", ("SP.J.", "SP. J.", "S.J.", "SPÓŁKA JAWNA", "SP J")),
    "spk": (
        "Sp. z o.o. Sp.k.",
        "SPÓŁKA Z OGRANICZONĄ ODPOWIEDZIALNOŚCIĄ SPÓŁKA KOMANDYTOWA",
        ("SP. Z O.O. SP.K.", "SP Z O O SP K", "SP. Z O.O. SP. K.", "SP. Z O.O. SPÓŁKA KOMANDYTOWA"),
    ),
    "sc": ("s.c.", "SPÓŁKA CYWILNA", ("S.C.", "SC", "SPÓŁKA CYWILNA")),
}
MONTHS_PL = [
    "styczeń",
    "luty",
    "marzec",
    "kwiecień",
    "maj",
    "czerwiec",
    "lipiec",
    "sierpień",
    "wrzesień",
    "październik",
    "listopad",
    "grudzień",
]
MONTHS_PL_GEN = [
    "stycznia",
    "lutego",
    "marca",
    "kwietnia",
    "maja",
    "czerwca",
    "lipca",
    "sierpnia",
    "września",
    "października",
    "listopada",
    "grudnia",
]


def fold(text):
    """Upper case without Polish diacritics, as many banks print."""
    text = text.replace("ł", "l").replace("Ł", "L")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).upper()


def mojibake(text):
    """ISO-8859-2 bytes read as Latin-1 (old MT940/CSV exports): ``ZAKŁAD`` -> ``ZAK£AD``."""
    try:
        return text.encode("iso-8859-2").decode("latin-1")
    except UnicodeEncodeError:
        return text


def female(surname):
    for end, repl in (("ski", "ska"), ("cki", "cka"), ("dzki", "dzka")):
        if surname.endswith(end):
            return surname[: -len(end)] + repl
    return surname


def title_case_brand(rng):
    shape = rng.random()
    if shape < 0.45:
        return rng.choice(BRAND_A) + rng.choice(BRAND_B)
    if shape < 0.65:
        return rng.choice(BRAND_A) + "-" + rng.choice(BRAND_B).capitalize()
    if shape < 0.9:
        return rng.choice(ADJ_NOUN)
    return rng.choice(BRAND_A).upper() + rng.choice(BRAND_B).upper()


# -------------------------------------------------------------------------------- partners


@dataclasses.dataclass
class Person:
    first: str
    last: str

    @property
    def name(self):
        return f"{self.first} {self.last}"


@dataclasses.dataclass
class Partner:
    key: str
    role: str  # customer | vendor
    kind: str  # company | sole | consumer | foreign
    name: str  # as stored in Odoo
    nip: str | None
    vat: str | None  # as stored in Odoo
    accounts: list  # IBANs known in Odoo
    stored_accounts: list  # the same, formatted as typed
    other_accounts: list  # IBANs it pays from that Odoo does not know
    brand: str = ""
    form: str = ""
    person: Person | None = None
    spouse: Person | None = None
    director: Person | None = None
    director_account: str | None = None
    city: tuple = ("Warszawa", "00-950")
    street: str = "Lipowa 1"
    habit: str = "exact"
    term: int = 14
    lateness: float = 0.0
    never_pays: bool = False
    currency: str = "PLN"
    weight: float = 1.0
    subscription: int | None = None  # monthly gross in grosze
    parent: Partner | None = None
    mpp: bool = False
    batcher: bool = False
    scheme: str = ""  # vendors: their own numbering
    customer_no: str = ""  # vendors (utilities): our customer number with them
    country: str = "PL"
    fixed: dict = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class Doc:
    id: str
    type: str
    partner: Partner
    date: dt.date
    due: dt.date
    total: int  # grosze
    vat: int
    currency: str
    series: str
    tokens: list
    number: str
    payment_reference: str | None
    vendor_tokens: list | None = None
    vendor_number: str | None = None
    ksef: str | None = None
    residual: int = 0
    paid_before: int = 0  # grosze paid before the feed
    mpp_flag: bool = False
    origin: Doc | None = None  # refunds: the corrected invoice
    state: str = "open"  # open | paid_before | gone

    @property
    def ref(self):
        """The number a payer writes: ours for sales, the vendor's for purchases."""
        return self.vendor_number if self.vendor_number else self.number

    @property
    def ref_tokens(self):
        return self.vendor_tokens if self.vendor_tokens else self.tokens


@dataclasses.dataclass
class Tx:
    date: dt.date
    amount: int  # grosze, signed
    currency: str
    name: str | None
    iban: str | None
    title: str
    truth: list
    category: str
    tags: list
    id: str = ""

    def key(self):
        return (self.date, self.id)


# ---------------------------------------------------------------------------- numbering

SALES_MAIN = ("FV/{Y}/{m}/{n4}", "FV/{Y}/{n5}")
SALES_OTHER = (
    "FV {n}/{m}/{Y}",
    "{n}/{m}/{Y}",
    "FS {n}/{y}",
    "FS-{n}/{y}",
    "{Y}/{m}/{n}",
    "F/{n4}/{m}/{Y}",
    "FV {n}/{Y}",
    "FA/{n}/{m}/{y}",
    "FVS/{n3}/{Y}",
    "FV {Y}/{m}/{n}",
    "{n}/{Y}",
)
SALES_EUR = ("FVE/{Y}/{n4}", "EXP {n}/{Y}", "FV/EUR/{Y}/{n3}", "WDT/{n}/{m}/{Y}")
REFUND_SERIES = ("KOR/{Y}/{m}/{n4}", "RFV/{Y}/{n5}", "FK {n}/{Y}", "KOR {n}/{m}/{Y}", "FVK/{n}/{y}")
PURCHASE_SERIES = (
    ("FZ/{Y}/{m}/{n4}", "KFZ/{Y}/{m}/{n4}"),
    ("BILL/{Y}/{m}/{n4}", "RBILL/{Y}/{m}/{n4}"),
)
VENDOR_SCHEMES = (
    "FV/{n}/{Y}",
    "FV {n}/{m}/{Y}",
    "{n}/{m}/{Y}",
    "F-{Y}-{n5}",
    "FA/{n4}/{y}",
    "{n10}",
    "P/{c8}/{n4}/{y}",
    "F/{Y}{m}{n5}",
    "FRA/{n}/{y}",
    "{Y}/FS/{n6}",
    "FVS/{y}/{m}/{n4}",
    "{b}F{n5}",
    "INV-{Y}-{n6}",
    "S{y}-{n6}",
    "FS {n}/MAG/{Y}",
    "FV {Y}/{m}/{n}",
    "{n}/{y}",
    "FV{n4}/{m}/{Y}",
    "{n}/K/{Y}",
    "FVAT/{n}/{Y}",
    "{n5}/{Y}/ZAK",
    "FS/{Y}/{n5}/W1",
)
VENDOR_REFUND_PREFIX = ("KOR", "FK", "FVK", "KFV", "K")
TOKEN_RE = re.compile(r"\{(\w+)\}|([A-Za-z]+)|([^A-Za-z{]+)")


def render_scheme(fmt, counter, date, fixed=None):
    """Tokens of a document number: (kind, text) with kind in alpha/sep/n/m/Y/y/fixed."""
    tokens = []
    for placeholder, alpha, other in TOKEN_RE.findall(fmt):
        if alpha:
            tokens.append(("alpha", alpha))
        elif other:
            kind = "sep" if not other.strip(" /-.").isdigit() else "fixed"
            tokens.append((kind, other))
        elif placeholder.startswith("n"):
            width = int(placeholder[1:] or 0)
            tokens.append(("n", str(counter).zfill(width)))
        elif placeholder == "m":
            tokens.append(("m", f"{date.month:02d}"))
        elif placeholder == "Y":
            tokens.append(("Y", str(date.year)))
        elif placeholder == "y":
            tokens.append(("y", str(date.year)[2:]))
        else:  # c8, b: fixed per vendor
            tokens.append(("fixed", (fixed or {}).get(placeholder, "0")))
    return tokens


def _prefix(fmt):
    return "".join(text for kind, text in render_scheme(fmt, 1, LEDGER_START) if kind == "alpha")


def join_tokens(tokens):
    return "".join(text for _, text in tokens)


def scheme_resets_monthly(fmt):
    return "{m}" in fmt


# -------------------------------------------------------------------- number variants in titles


def _strip_seps(text):
    return text.strip(" /-.")


def variant(rng, tokens, style):
    """Render a document number the way a payer may write it (``style`` names how)."""
    exact = join_tokens(tokens)
    if style == "exact":
        return exact
    if style == "lower":
        return exact.lower()
    if style == "nosep":
        return "".join(t for k, t in tokens if k != "sep").replace(" ", "")
    if style in ("space", "dash"):
        sep = " " if style == "space" else "-"
        return "".join(sep if k == "sep" else t for k, t in tokens)
    if style == "unpad":
        return "".join(str(int(t)) if k in ("n", "m") and t.isdigit() else t for k, t in tokens)
    if style == "year2":
        return "".join(t[2:] if k == "Y" else t for k, t in tokens)
    if style == "noprefix":
        return _strip_seps("".join(t for k, t in tokens if k != "alpha")) or exact
    if style == "altprefix":
        return _alt_prefix(rng, tokens) or exact
    if style == "reorder":
        return _reorder(rng, tokens) or exact
    if style == "short":
        return _short(rng, tokens) or exact
    if style == "glued":
        return rng.choice((exact + "/ZAPLATA", exact + "zaplata", "FV" + exact, exact + "-OPLATA"))
    if style == "unpad_lower":
        return variant(rng, tokens, "unpad").lower()
    if style == "typo":
        return typo(rng, exact)
    raise ValueError(style)


def _alt_prefix(rng, tokens):
    rest = _strip_seps("".join(t for k, t in tokens if k != "alpha"))
    if not rest or not any(k == "alpha" for k, _ in tokens):
        return None
    return rng.choice(("F.", "FA ", "F ", "FAKT. ", "FV", "FAK ", "F-RA ", "FRA ")) + rest


def _parts(tokens):
    found = {k: t for k, t in tokens if k in ("n", "m", "Y", "y")}
    alpha = next((t for k, t in tokens if k == "alpha"), "")
    return found, alpha


def _reorder(rng, tokens):
    found, alpha = _parts(tokens)
    if "n" not in found or "m" not in found or not ("Y" in found or "y" in found):
        return None
    year = found.get("Y") or found["y"]
    counter = str(int(found["n"]))
    prefix = (alpha + " ") if alpha else ""
    order = [t for k, t in tokens if k in ("n", "m", "Y", "y")]
    if order[0] == found["n"]:  # n/m/Y written as Y/m/n
        return f"{prefix}{year}/{found['m']}/{counter}"
    return f"{prefix}{counter}/{found['m']}/{year}"


def _short(rng, tokens):
    found, alpha = _parts(tokens)
    if "n" not in found:
        return None
    return f"{alpha or 'FV'} {int(found['n'])}"


def typo(rng, text):
    """One-character slip: transposed digits, letter O for zero, wrong or missing digit."""
    positions = [i for i, c in enumerate(text) if c.isdigit()]
    options = ["swap", "wrong", "drop"]
    if "0" in text:
        options.append("oh")
    if text.startswith("FV"):
        options.append("fw")
    kind = rng.choice(options)
    if kind == "fw":
        return "FW" + text[2:]
    if kind == "oh":
        zeros = [i for i, c in enumerate(text) if c == "0"]
        i = rng.choice(zeros)
        return text[:i] + "O" + text[i + 1 :]
    pairs = [i for i in positions if i + 1 in positions and text[i] != text[i + 1]]
    if kind == "swap" and pairs:
        i = rng.choice(pairs[-3:])
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    i = rng.choice(positions[-4:])
    if kind == "drop" and text[i] != "0":
        return text[:i] + text[i + 1 :]
    neighbour = {"0": "9", "1": "2", "2": "3", "3": "2", "4": "5", "5": "4", "6": "7"}
    neighbour |= {"7": "8", "8": "9", "9": "8"}
    return text[:i] + neighbour[text[i]] + text[i + 1 :]


def compact_list(rng, docs):
    """Several numbers written short: ``FV/2026/11/0042,0043`` or ``FV 42, 43/11/2026``."""
    tokens = [d.ref_tokens for d in docs]
    counters = [next((t for k, t in tk if k == "n"), None) for tk in tokens]
    if None in counters:
        return None
    if rng.random() < 0.5:
        last_n = max(i for i, (k, _) in enumerate(tokens[0]) if k == "n")
        if last_n != len(tokens[0]) - 1:
            return None
        head = join_tokens(tokens[0])
        return head + "," + ",".join(counters[1:])
    found, alpha = _parts(tokens[0])
    if "m" not in found and "Y" not in found:
        return None
    tail = "/".join(t for t in (found.get("m"), found.get("Y") or found.get("y")) if t)
    numbers = ", ".join(str(int(c)) for c in counters)
    return f"{alpha or 'FV'} {numbers}/{tail}"


# --------------------------------------------------------------------------------- helpers


def money(grosze):
    return round(grosze / 100, 2)


def pl_amount(grosze, sep=","):
    return f"{grosze // 100}{sep}{grosze % 100:02d}"


def lognormal_amount(rng, median, sigma):
    return max(1000, int(math.exp(rng.gauss(math.log(median), sigma))))


def net_amount(rng, scale=1.0):
    if rng.random() < 0.5:
        unit = rng.choice((50, 80, 100, 120, 150, 200, 250, 300, 350, 400, 500, 600, 750, 800))
        unit = rng.choice((unit, unit * 10)) if rng.random() < 0.3 else unit
        return int(unit * rng.choice((1, 1, 1, 2, 2, 3, 4, 5, 10)) * 100 * scale)
    return int(lognormal_amount(rng, 180000 * scale, 1.1) // 1)


def wrap_lines(rng, text, joiner):
    """Bank delivery of a long title: lines of 35 (sometimes 27) joined by ``joiner``."""
    width = 27 if rng.random() < 0.1 else 35
    lines = [text[i : i + width] for i in range(0, len(text), width)]
    return joiner.join(lines)


# ------------------------------------------------------------------------------ the builder


class Builder:
    """Builds the ledger, then the bank feed, from one ``random.Random``."""

    def __init__(self, seed, transfers):
        self.rng = random.Random(seed)
        self.n = transfers
        self.docs = []
        self.txs = []
        self.partners = []
        self.used_ids = set()
        self.counters = {}
        self.billed = set()
        rng = self.rng
        self.company = {
            "name": "Techmar Serwis Sp. z o.o.",
            "nip": make_nip(rng),
            "pln": "PL" + make_nrb(rng, sort_code(rng, "114")),
            "eur": "PL" + make_nrb(rng, sort_code(rng, "114")),
            "vat_account": "PL" + make_nrb(rng, sort_code(rng, "114")),
            "savings": "PL" + make_nrb(rng, sort_code(rng, "114")),
        }
        main = rng.choice(SALES_MAIN)
        # Series used side by side carry different prefixes (``FV``, ``FS``, none ...), or two
        # invoices of the same month could print alike; the legacy series ended before the
        # switch to Odoo, so it may share the prefix.
        branch, shop = None, None
        while branch is None or _prefix(branch) == _prefix(shop):
            branch, shop = rng.sample([f for f in SALES_OTHER if _prefix(f) != _prefix(main)], 2)
        self.series = {
            "main": main,
            "branch": branch,
            "shop": shop,
            "legacy": rng.choice([f for f in SALES_OTHER if f not in (branch, shop)]),
            "eur": rng.choice(SALES_EUR),
            "refund": rng.choice(REFUND_SERIES),
        }
        self.purchase, self.purchase_refund = rng.choice(PURCHASE_SERIES)
        # How the PSD2 feed joins the 35-character lines of long titles.
        self.joiner = rng.choice((" ", "\n"))
        self.join_share = rng.uniform(0.2, 0.45)

    # ------------------------------------------------------------------ ids

    def new_id(self, prefix):
        while True:
            ident = f"{prefix}-{self.rng.getrandbits(40):010x}"
            if ident not in self.used_ids:
                self.used_ids.add(ident)
                return ident

    # ------------------------------------------------------------------ partners

    def make_person(self):
        rng = self.rng
        last = rng.choices(SURNAMES, [1 / (i + 3) for i in range(len(SURNAMES))])[0]
        if rng.random() < 0.5:
            return Person(rng.choice(MALE_FIRST), last)
        return Person(rng.choice(FEMALE_FIRST), female(last))

    def make_accounts(self, kind, country="PL"):
        rng = self.rng
        if kind == "foreign":
            known = [make_foreign_iban(rng, country) for _ in range(rng.choice((0, 1, 1, 1, 2)))]
            return known, [make_foreign_iban(rng, country)]
        count = {
            "company": rng.choices((0, 1, 2, 3), (15, 55, 22, 8))[0],
            "sole": rng.choices((0, 1, 2), (30, 55, 15))[0],
            "consumer": rng.choices((0, 1), (55, 45))[0],
        }[kind]
        known = ["PL" + make_nrb(rng) for _ in range(count)]
        other = ["PL" + make_nrb(rng) for _ in range(rng.choices((0, 1, 2), (45, 45, 10))[0])]
        return known, other

    def make_company_name(self, form, brand):
        rng = self.rng
        short, long, _ = LEGAL_FORMS[form]
        style = rng.random()
        if form == "sc":
            a, b = self.make_person(), self.make_person()
            return f"{rng.choice(SECTORS)} {brand} s.c. {a.name}, {b.name}"
        if style < 0.62:
            return f"{brand} {short}"
        if style < 0.82:
            return f"{brand} {long}".upper()
        if style < 0.9:
            return f"{rng.choice(SECTORS)} {brand} {short}"
        return f"{brand} spółka z o.o." if form == "spzoo" else f"{brand} {short}"

    def make_partner(self, role, kind):
        rng = self.rng
        country = "PL"
        person = director = None
        form = brand = ""
        if kind == "company":
            form = rng.choices(("spzoo", "sa", "spj", "spk", "sc"), (62, 6, 14, 9, 9))[0]
            brand = title_case_brand(rng)
            name = self.make_company_name(form, brand)
            director = self.make_person()
        elif kind == "sole":
            person = self.make_person()
            brand = (rng.choice(BRAND_A) + rng.choice(BRAND_B)).upper()
            abbr, long, _dots = rng.choice(SOLE_PREFIX)
            name = rng.choice(
                (
                    f"{abbr} {brand} {person.name}",
                    f"{long} {brand} {person.name}",
                    f"{person.name} {brand}",
                    f"{rng.choice(SECTORS)} {person.name}",
                    f"{abbr} {person.first} {person.last}",
                )
            )
        elif kind == "consumer":
            person = self.make_person()
            name = person.name
        else:
            country = rng.choice(("DE", "DE", "CZ"))
            name = rng.choice(FOREIGN_NAMES[country])
        nip = make_nip(rng) if kind in ("company", "sole") else None
        if kind == "foreign":
            vat = make_foreign_vat(rng, country)
        elif nip:
            vat = ("PL" + nip) if rng.random() < 0.55 else nip
        else:
            vat = None
        known, other = self.make_accounts(kind, country)
        partner = Partner(
            key=f"{role[0]}{len(self.partners)}",
            role=role,
            kind=kind,
            name=name,
            nip=nip,
            vat=vat,
            accounts=known,
            stored_accounts=[stored_account(rng, a) for a in known],
            other_accounts=other,
            brand=brand,
            form=form,
            person=person,
            director=director,
            director_account=("PL" + make_nrb(rng)) if director else None,
            city=rng.choice(CITIES),
            street=f"{rng.choice(STREETS)} {rng.randint(1, 140)}",
            country=country,
        )
        if person and rng.random() < 0.4:
            partner.spouse = Person(
                rng.choice(FEMALE_FIRST if person.first in MALE_FIRST else MALE_FIRST),
                female(person.last) if person.first in MALE_FIRST else _male(person.last),
            )
        self.partners.append(partner)
        return partner

    def build_partners(self):
        rng = self.rng
        n_customers = max(60, int(self.n * 0.15))
        n_vendors = max(25, int(self.n * 0.05))
        self.customers = []
        for _ in range(n_customers):
            kind = rng.choices(("company", "sole", "consumer", "foreign"), (55, 28, 11, 6))[0]
            customer = self.make_partner("customer", kind)
            self.setup_customer(customer)
            self.customers.append(customer)
        companies = [c for c in self.customers if c.kind == "company"]
        for child in rng.sample(companies, max(2, len(companies) // 25)):
            parent = rng.choice(companies)
            if parent is not child and parent.parent is None:
                child.parent = parent
        self.vendors = [
            self.setup_vendor(self.make_partner("vendor", "company")) for _ in range(n_vendors)
        ]

    def setup_customer(self, c):
        rng = self.rng
        if c.kind == "consumer":
            habits = (("casual", 45), ("minimal", 35), ("exact", 20))
        elif c.kind == "sole":
            habits = (("exact", 30), ("casual", 40), ("minimal", 15), ("mpp", 5), ("mixed", 10))
        elif c.kind == "foreign":
            habits = (("exact", 50), ("casual", 25), ("corporate", 25))
        else:
            habits = (
                ("exact", 40),
                ("casual", 17),
                ("minimal", 6),
                ("corporate", 12),
                ("mpp", 13),
                ("mixed", 12),
            )
        c.habit = rng.choices([h for h, _ in habits], [w for _, w in habits])[0]
        c.term = rng.choices((0, 7, 14, 21, 30, 45, 60), (3, 20, 35, 8, 25, 4, 5))[0]
        c.lateness = rng.choices((0.0, 5.0, 15.0, 40.0), (45, 30, 18, 7))[0]
        c.never_pays = rng.random() < 0.03
        c.currency = "EUR" if c.kind == "foreign" or rng.random() < 0.02 else "PLN"
        c.weight = min(rng.paretovariate(1.3), 8.0)  # the largest customer: a few per cent
        c.mpp = c.habit == "mpp"
        c.batcher = c.habit == "corporate" or rng.random() < 0.12
        if rng.random() < 0.12 and c.kind != "foreign":
            c.subscription = int(net_amount(rng, 0.4) * 1.23)

    def setup_vendor(self, v):
        rng = self.rng
        v.scheme = rng.choice(VENDOR_SCHEMES)
        v.term = rng.choice((7, 14, 14, 21, 30, 30, 45, 60))
        v.weight = min(rng.paretovariate(1.5), 6.0)
        v.customer_no = str(rng.randint(100000, 99999999))
        v.fixed = {"c8": f"{rng.randint(10**7, 10**8 - 1)}", "b": str(rng.randint(100, 999))}
        v.subscription = int(net_amount(rng, 0.5) * 1.23) if rng.random() < 0.35 else None
        if not v.accounts:  # we always have the account we pay to somewhere
            v.other_accounts.insert(0, "PL" + make_nrb(rng))
        return v

    # ------------------------------------------------------------------ documents

    def next_counter(self, series, date):
        fmt = series
        key = (fmt, date.year, date.month if scheme_resets_monthly(fmt) else 0)
        self.counters[key] = self.counters.get(key, 0) + 1
        return self.counters[key]

    def subscription_due(self, partner, date):
        """A subscription is billed once a month; other documents of the partner vary."""
        key = (partner.key, date.year, date.month)
        if not partner.subscription or key in self.billed:
            return False
        self.billed.add(key)
        return True

    def amounts(self, partner, date=None):
        rng = self.rng
        if date is not None and self.subscription_due(partner, date):
            gross = partner.subscription
            net = round(gross / 1.23)
            return gross, gross - net
        net = net_amount(rng, 1.0 if partner.kind != "consumer" else 0.3)
        if partner.kind == "foreign":
            return net, 0
        rate = rng.choices((23, 8, 5), (85, 12, 3))[0]
        gross = round(net * (100 + rate) / 100)
        return gross, gross - net

    def sales_series(self, partner, date):
        if partner.currency == "EUR":
            return "eur"
        if date < dt.date(2026, 3, 1):
            return "legacy" if self.rng.random() < 0.7 else "main"
        return self.rng.choices(("main", "branch", "shop"), (60, 25, 15))[0]

    def add_sale(self, partner, date):
        rng = self.rng
        series_key = self.sales_series(partner, date)
        fmt = self.series[series_key]
        counter = self.next_counter(fmt, date)
        tokens = render_scheme(fmt, counter, date)
        number = join_tokens(tokens)
        gross, vat = self.amounts(partner, date)
        if partner.currency == "EUR":
            gross = round(gross / 4.3)
            if gross < 10000:
                gross = rng.randint(10000, 60000)
        due = date + dt.timedelta(days=partner.term)
        doc = Doc(
            id=self.new_id("inv"),
            type="out_invoice",
            partner=partner,
            date=date,
            due=due,
            total=gross,
            vat=vat,
            currency=partner.currency,
            series=series_key,
            tokens=tokens,
            number=number,
            payment_reference=number if rng.random() < 0.9 else None,
            residual=gross,
        )
        doc.mpp_flag = gross >= 1500000 and partner.kind == "company" and rng.random() < 0.5
        if date >= KSEF_FROM and partner.kind != "consumer":
            doc.ksef = make_ksef(rng, self.company["nip"], date)
        self.docs.append(doc)
        return doc

    def add_bill(self, vendor, date):
        rng = self.rng
        counter = rng.randint(1, 40) + self.counters.get(("vendor", vendor.key), 0)
        if scheme_resets_monthly(vendor.scheme):
            counter = rng.randint(1, 400)
        elif vendor.scheme.startswith("{n10}"):
            counter = rng.randint(10**8, 10**9)
        self.counters[("vendor", vendor.key)] = counter + rng.randint(5, 300)
        vtokens = render_scheme(vendor.scheme, counter, date, vendor.fixed)
        vnumber = join_tokens(vtokens)
        fmt = self.purchase
        tokens = render_scheme(fmt, self.next_counter(fmt, date), date)
        if self.subscription_due(vendor, date):
            gross = vendor.subscription
            vat = gross - round(gross / 1.23)
        else:
            gross, vat = self.amounts(vendor)
        ref_roll = rng.random()
        reference = vnumber if ref_roll < 0.88 else (None if ref_roll < 0.95 else vnumber.lower())
        doc = Doc(
            id=self.new_id("bill"),
            type="in_invoice",
            partner=vendor,
            date=date,
            due=date + dt.timedelta(days=vendor.term),
            total=gross,
            vat=vat,
            currency="PLN",
            series="purchase",
            tokens=tokens,
            number=join_tokens(tokens),
            payment_reference=reference,
            vendor_tokens=vtokens,
            vendor_number=vnumber,
            residual=gross,
        )
        doc.mpp_flag = gross >= 1500000 and rng.random() < 0.5
        if date >= dt.date(2026, 2, 1) and rng.random() < 0.8:
            doc.ksef = make_ksef(rng, vendor.nip, date)
        self.docs.append(doc)
        return doc

    def add_refund(self, origin, date, amount):
        rng = self.rng
        if origin.type == "out_invoice":
            fmt = self.series["refund"]
            tokens = render_scheme(fmt, self.next_counter(fmt, date), date)
            vtokens = vnumber = None
            kind = "out_refund"
        else:
            fmt = self.purchase_refund
            tokens = render_scheme(fmt, self.next_counter(fmt, date), date)
            prefix = rng.choice(VENDOR_REFUND_PREFIX)
            vtokens = render_scheme(f"{prefix}/{{n}}/{{Y}}", rng.randint(1, 300), date)
            vnumber = join_tokens(vtokens)
            kind = "in_refund"
        doc = Doc(
            id=self.new_id("ref"),
            type=kind,
            partner=origin.partner,
            date=date,
            due=date + dt.timedelta(days=7),
            total=amount,
            vat=round(amount * origin.vat / max(origin.total, 1)),
            currency=origin.currency,
            series="refund",
            tokens=tokens,
            number=join_tokens(tokens),
            payment_reference=vnumber if vnumber else join_tokens(tokens),
            vendor_tokens=vtokens,
            vendor_number=vnumber,
            residual=amount,
            origin=origin,
        )
        self.docs.append(doc)
        return doc

    def build_ledger(self):
        """A year of invoices and bills; volumes scaled so the feed gets enough payments."""
        rng = self.rng
        sales_per_month = max(40, int(self.n * 0.52 / 3 * 1.12))
        bills_per_month = max(12, int(self.n * 0.12 / 3 * 1.1))
        weights = [c.weight for c in self.customers]
        vweights = [v.weight for v in self.vendors]
        day = LEDGER_START
        while day <= FEED_END:
            if day.weekday() < 5:
                for customer in rng.choices(
                    self.customers, weights, k=_poisson(rng, sales_per_month / 21)
                ):
                    self.add_sale(customer, day)
                for vendor in rng.choices(
                    self.vendors, vweights, k=_poisson(rng, bills_per_month / 21)
                ):
                    self.add_bill(vendor, day - dt.timedelta(days=rng.randint(0, 6)))
            day += dt.timedelta(days=1)

    # ------------------------------------------------------------------ payment schedule

    def schedule(self):
        """Decide when each document gets paid; return the documents paid during the feed."""
        rng = self.rng
        plan = []
        for doc in list(self.docs):
            if doc.type != "out_invoice" and doc.type != "in_invoice":
                continue
            partner = doc.partner
            if doc.type == "out_invoice":
                if partner.never_pays and rng.random() < 0.8:
                    continue
                delay = (
                    rng.gauss(0, 3) + rng.expovariate(1 / partner.lateness)
                    if partner.lateness
                    else rng.gauss(-1, 3)
                )
                if rng.random() < 0.04:
                    delay += rng.randint(30, 150)
            else:
                delay = rng.gauss(-1, 2) if rng.random() < 0.9 else rng.randint(5, 60)
            pay = max(doc.date, doc.due + dt.timedelta(days=round(delay)))
            if pay > FEED_END:
                continue
            if pay < FEED_START:
                doc.state = "paid_before"
                continue
            plan.append((pay, doc))
        self.add_corrections(plan)
        return plan

    def add_corrections(self, plan):
        """Credit notes: netted in a payment, refunded, or left open."""
        rng = self.rng
        self.netted = {}
        for _pay, doc in plan:
            if rng.random() < 0.035:
                amount = (
                    doc.total if rng.random() < 0.15 else int(doc.total * rng.uniform(0.03, 0.5))
                )
                date = doc.date + dt.timedelta(days=rng.randint(2, 12))
                if date > FEED_END:
                    continue
                refund = self.add_refund(doc, min(date, FEED_END), max(amount, 500))
                if refund.total >= doc.total:
                    refund.state = "gone"  # fully reversed: both reconciled off the open list
                    doc.state = "gone"
                elif rng.random() < 0.6:
                    self.netted[doc.id] = refund
        for doc in self.docs:
            if doc.state == "paid_before" and rng.random() < 0.012:
                refund_date = FEED_START - dt.timedelta(days=rng.randint(5, 60))
                self.add_refund(doc, refund_date, max(500, int(doc.total * rng.uniform(0.05, 0.5))))

    def partial_history(self, plan):
        """Some invoices paid in the feed had a partial payment before it."""
        rng = self.rng
        for pay, doc in plan:
            if doc.state != "open":
                continue
            if (
                doc.type == "out_invoice"
                and rng.random() < 0.06
                and doc.date < pay - dt.timedelta(days=10)
            ):
                part = int(doc.total * rng.choice((0.2, 0.3, 0.5, 0.5)))
                doc.paid_before = part
                doc.residual = doc.total - part

    # ------------------------------------------------------------------ output

    def open_docs(self):
        return [d for d in self.docs if d.state == "open" and d.residual > 0]

    def doc_json(self, doc):
        p = doc.partner
        return {
            "id": doc.id,
            "number": doc.number,
            "type": doc.type,
            "partner": {"name": p.name, "vat": p.vat, "ibans": list(p.stored_accounts)},
            "payment_reference": doc.payment_reference,
            "amount_total": money(doc.total),
            "amount_residual": money(doc.residual),
            "currency": doc.currency,
            "date": doc.date.isoformat(),
            "due_date": doc.due.isoformat(),
        }


def _male(surname):
    for end, repl in (("ska", "ski"), ("cka", "cki"), ("dzka", "dzki")):
        if surname.endswith(end):
            return surname[: -len(end)] + repl
    return surname


def _poisson(rng, lam):
    # Knuth for small lambdas, normal approximation above.
    if lam > 30:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


# ------------------------------------------------------------------------ bank-side names


def company_stem(partner):
    """The company name without its legal form."""
    name = partner.name
    for form in LEGAL_FORMS.values():
        for text in (form[0], form[1], "spółka z o.o."):
            idx = name.upper().find(text.upper())
            if idx > 0:
                return name[:idx].strip(" ,")
    return name


def address(partner, fold_it):
    city, code = partner.city
    text = f"UL. {partner.street} {code} {city}"
    return fold(text) if fold_it else text.upper()


def _finish_name(rng, text, partner, allow_address=True):
    fold_it = rng.random() < 0.55
    if allow_address and rng.random() < 0.12:
        text = f"{text} {address(partner, False)}"
    text = fold(text) if fold_it else text.upper()
    if len(text) > 35 and rng.random() < 0.25:
        text = text[:35].rstrip()
    if rng.random() < 0.01:
        text = mojibake(text)
    return text[:140]


def bank_name(rng, partner):
    """The counterparty name as a bank delivers it."""
    kind = partner.kind
    if kind == "company":
        if partner.form == "sc":
            return _finish_name(rng, partner.name, partner)
        stem = company_stem(partner)
        short, long, abbrs = LEGAL_FORMS[partner.form]
        roll = rng.random()
        if roll < 0.12:
            text = stem
        elif roll < 0.3:
            text = f"{stem} {long}"
        elif roll < 0.35:
            text = f'"{stem}" {short}'
        else:
            text = f"{stem} {rng.choice((short.upper(),) + abbrs)}"
        return _finish_name(rng, text, partner)
    if kind in ("sole", "consumer"):
        return _finish_name(rng, person_variant(rng, partner), partner)
    text = partner.name
    if rng.random() < 0.4:
        text = text.replace("ü", "ue").replace("ö", "oe").replace("ä", "ae").replace("ß", "ss")
    text = fold(text) if rng.random() < 0.6 else text
    if rng.random() < 0.3:
        cities = (
            ("HAMBURG", "BERLIN", "MUENCHEN", "KOELN")
            if partner.country == "DE"
            else ("PRAHA", "BRNO")
        )
        text += " " + rng.choice(cities)
    return text


def person_variant(rng, partner):
    p = partner.person
    options = [(p.name, 30), (f"{p.last} {p.first}", 18), (f"{p.first[0]}. {p.last}", 4)]
    if partner.kind == "sole":
        abbr, long, dots = (
            next(s for s in SOLE_PREFIX if s[0] in partner.name or s[1] in partner.name)
            if any(s[0] in partner.name or s[1] in partner.name for s in SOLE_PREFIX)
            else ("", "", "")
        )
        options += [(partner.name, 20), (f"{partner.brand} {p.name}", 8)]
        if abbr:
            options += [(f"{dots} {partner.brand}", 5), (f"{long} {p.name}", 4)]
    elif partner.spouse:
        options += [(f"{p.name} I {partner.spouse.name}", 6)]
    texts, weights = zip(*options, strict=True)
    return rng.choices(texts, weights)[0]


# --------------------------------------------------------------------------- title pieces

NUMBER_STYLES = {
    "exact": {
        "exact": 82,
        "lower": 2,
        "unpad": 2,
        "noprefix": 3,
        "nosep": 1,
        "space": 1,
        "glued": 2,
        "altprefix": 2,
        "typo": 2,
        "year2": 1,
        "reorder": 1,
        "short": 1,
    },
    "casual": {
        "exact": 28,
        "lower": 10,
        "unpad": 12,
        "unpad_lower": 5,
        "year2": 6,
        "nosep": 5,
        "space": 5,
        "dash": 2,
        "noprefix": 8,
        "altprefix": 6,
        "reorder": 4,
        "short": 4,
        "glued": 2,
        "typo": 3,
    },
    "corporate": {"exact": 86, "nosep": 4, "noprefix": 4, "lower": 4, "typo": 1, "space": 1},
    "ours": {"exact": 90, "lower": 2, "nosep": 2, "unpad": 2, "noprefix": 3, "typo": 1},
}
NUMBER_STYLES["minimal"] = dict(NUMBER_STYLES["casual"], short=12)
NUMBER_STYLES["mpp"] = NUMBER_STYLES["exact"]
SINGLE_TEMPLATES = (
    ("{num}", 30),
    ("Faktura {num}", 8),
    ("Faktura VAT nr {num}", 6),
    ("FAKTURA NR {num}", 4),
    ("Zapłata za fakturę {num}", 8),
    ("zapłata za fv {num}", 5),
    ("Płatność za fakturę nr {num}", 3),
    ("FV {num}", 5),
    ("{num} zapłata", 2),
    ("Opłata za fakturę {num}", 2),
    ("fakt. {num}", 2),
    ("Przelew za fakturę {num}", 2),
    ("{num} {payer}", 3),
    ("{payer} {num}", 3),
    ("Zapłata za {num} z dnia {date_long}", 3),
    ("{num} z dn. {date_short}", 2),
    ("NIP {nip} {num}", 1.5),
    ("{num} NIP{nip}", 1),
    ("{num} {num}", 0.4),
    ("Zapłata {num} – dziękujemy! 🙂", 0.4),
    ("Rachunek {num}", 0.5),
    ("{ownref} ZAPL ZA FV {num}", 1.5),
    ("Fakóra {num}", 0.3),
    ("fakura {num}", 0.3),
    ("ZAPŁATA ZA FAKTURĘ NR {num} {payer}", 1),
)
GENERIC_TITLES = (
    ("Faktura", 6),
    ("zapłata za fakturę", 8),
    ("przelew", 4),
    ("Zapłata", 6),
    ("ZAPLATA ZA USLUGI", 3),
    ("za usługi {month}", 3),
    ("{payer}", 6),
    ("wg faktury", 2),
    ("płatność", 3),
    ("", 3),
    ("Przelew środków", 3),
    ("zamówienie {orderno}", 4),
    ("Zlecenie nr {orderno}", 2),
    ("umowa nr {contract}", 2),
    ("NIP {nip}", 2),
    ("{payer_nrb}", 1),
    ("za fakturę z dnia {date_long}", 2),
    ("faktura za {month}", 2),
    ("Zapłata za towar", 2),
    ("usługa transportowa {date_short}", 1),
    ("Przelew na telefon BLIK od {payer}", 2),
    ("REMITTANCE ISSUED", 1),
)
SUBSCRIPTION_TITLES = (
    ("abonament {month}", 3),
    ("czynsz {period}", 2),
    ("opłata za {month} {year}", 2),
    ("abonament {period}", 2),
    ("serwis {period}", 1),
)
CORPORATE_REFS = (
    ("PO 4500{d6}", 3),
    ("REMITTANCE ADVICE {d7}", 2),
    ("Płatność wg zestawienia nr {d6}", 2),
    ("PAYMENT {d8}", 1),
    ("Przelew zbiorczy {date_long}", 2),
    ("{ownref}", 2),
    ("ZAPLATA ZOBOWIAZAN {date_long} ID {d6}", 1),
)
PARTIAL_TEMPLATES = (
    ("{num} część 1", 3),
    ("{num} rata 1/2", 3),
    ("częściowa zapłata {num}", 2),
    ("{num} - I rata", 2),
    ("zaliczka na poczet {num}", 1),
    ("{num}", 5),
)
REMAINDER_TEMPLATES = (
    ("dopłata do {num}", 3),
    ("{num} reszta", 2),
    ("pozostała kwota za {num}", 2),
    ("{num} rata 2/2", 2),
    ("{num}", 6),
)
EUR_TEMPLATES = (
    ("Invoice {num}", 6),
    ("INV {num}", 3),
    ("RE {num}", 3),
    ("Rechnung {num}", 3),
    ("Payment for invoice {num}", 2),
    ("{num}", 6),
    ("Zahlung {num} vom {date_short}", 1),
    ("Faktura č. {num}", 1),
    ("NOTPROVIDED {num}", 1),
)


def pick(rng, weighted, exclude=None):
    if exclude:
        weighted = tuple(item for item in weighted if exclude not in item[0])
    texts, weights = zip(*weighted, strict=True)
    return rng.choices(texts, weights)[0]


def own_ref(rng):
    """Payer-side reference noise (shape from public statement samples)."""
    return (
        f"{rng.choice(('ABCP', 'XK', 'ZZP', 'REF'))}{rng.randint(1, 99)}"
        f"({rng.randint(1000, 9999)}){rng.randint(1, 9)}.{rng.randint(1, 12)}."
        f"{rng.randint(1000, 9999)}."
    )


# ------------------------------------------------------------------------ feed builder


class FeedBuilder(Builder):
    """Adds the bank feed to the ledger."""

    def build(self):
        self.build_partners()
        self.build_ledger()
        plan = self.schedule()
        self.partial_history(plan)
        self.employees = [
            (
                self.make_person(),
                "PL" + make_nrb(self.rng),
                lognormal_amount(self.rng, 520000, 0.35),
            )
            for _ in range(max(8, self.n // 40))
        ]
        payable = self.pay_plan(plan)
        payable += self.pay_open_refunds()
        target = round(self.n * self.rng.uniform(0.63, 0.69))
        self.rng.shuffle(payable)
        for tx in payable[target:]:
            for doc_id in tx.truth:
                self.unpay(doc_id)
        payable = payable[:target]
        self.txs = payable
        self.add_noise(self.n - len(self.txs))
        self.finish()

    def unpay(self, doc_id):
        """A payment left out of the feed: its document simply stays open."""

    # ------------------------------------------------------------------ grouping

    def pay_plan(self, plan):
        rng = self.rng
        plan.sort(key=lambda item: (item[0], item[1].id))
        groups = {}
        singles = []
        for pay, doc in plan:
            if doc.state != "open":
                continue
            p = doc.partner
            batch = p.batcher or (p.role == "vendor" and rng.random() < 0.5) or rng.random() < 0.06
            if batch and p.currency == "PLN":
                week = (pay - FEED_START).days // (10 if p.role == "customer" else 7)
                groups.setdefault((p.key, week), []).append((pay, doc))
            else:
                singles.append((pay, [doc]))
        for members in groups.values():
            partner = members[0][1].partner
            limit = 7 if partner.habit == "corporate" or partner.role == "vendor" else 3
            for extra in members[limit:]:
                singles.append((extra[0], [extra[1]]))
            members = members[:limit]
            pay = max(m[0] for m in members)
            singles.append((min(pay, FEED_END), [m[1] for m in members]))
        singles.sort(key=lambda item: (item[0], item[1][0].id))
        txs = []
        for pay, docs in singles:
            txs.extend(self.pay_docs(pay, docs))
        return txs

    def pay_docs(self, pay, docs):
        netted = [self.netted[d.id] for d in docs if d.id in self.netted]
        for refund in netted:
            refund.date = min(refund.date, pay)
        if docs[0].type == "in_invoice":
            return [self.vendor_payment(pay, docs, netted)]
        return self.customer_payment(pay, docs, netted)

    # ------------------------------------------------------------------ customer payments

    def customer_amount(self, docs, netted, pay):
        """(amount in grosze, amount tag); several documents: mostly the exact sum."""
        rng = self.rng
        due = sum(d.residual for d in docs) - sum(r.residual for r in netted)
        doc = docs[0]
        roll = rng.random()
        if len(docs) > 1 or netted:
            if roll < 0.95:
                return due, "amount_exact"
            return due + rng.choice((-1, 1)) * rng.randint(1, 5000), "amount_off"
        if doc.currency == "EUR" and roll < 0.15:
            return due - rng.randint(500, 2500), "sha_fee"
        if doc.paid_before and roll < 0.12:
            return doc.total, "overpay_total"
        if roll < 0.05:
            return int(due * rng.choice((0.2, 0.3, 1 / 3, 0.4, 0.5, 0.5, 0.6))), "partial"
        if roll < 0.065:
            return due - rng.choice((1, 1, 2, 10, 100)), "cent_under"
        if roll < 0.075:
            return ((due // 1000) + 1) * 1000 if due % 1000 else due + 1000, "overpay_round"
        if roll < 0.085 and pay <= doc.due - dt.timedelta(days=3):
            return due - round(due * 0.02), "skonto"
        if roll < 0.09:
            return due + rng.randint(100, 20000), "overpay"
        return due, "amount_exact"

    def customer_payment(self, pay, docs, netted):
        rng = self.rng
        partner = docs[0].partner
        amount, amount_tag = self.customer_amount(docs, netted, pay)
        name, iban, payer_tags = self.payer(partner)
        title, title_tags = self.customer_title(
            partner, docs, netted, amount, amount_tag, name, iban
        )
        category = "customer_payment_eur" if docs[0].currency == "EUR" else "customer_payment"
        tx = Tx(
            date=pay,
            amount=amount,
            currency=docs[0].currency,
            name=name,
            iban=iban,
            title=title,
            truth=[d.id for d in docs] + [r.id for r in netted],
            category=category,
            tags=[amount_tag, *payer_tags, *title_tags] + (["netted_credit"] if netted else []),
        )
        txs = [tx]
        if amount_tag == "partial" and rng.random() < 0.5:
            later = pay + dt.timedelta(days=rng.randint(10, 40))
            if later <= FEED_END:
                rest = docs[0].residual - amount
                name, iban, payer_tags = self.payer(partner)
                num = variant(rng, docs[0].ref_tokens, "exact")
                title = pick(
                    rng, (("{num} rata 2/2", 2), ("dopłata {num}", 2), ("{num}", 3))
                ).format(num=num)
                txs.append(
                    Tx(
                        later,
                        rest,
                        docs[0].currency,
                        name,
                        iban,
                        title,
                        [docs[0].id],
                        category,
                        ["partial_second", *payer_tags, "num_exact"],
                    )
                )
        return txs

    def payer(self, partner):
        """Who the money comes from: (name, account, tags)."""
        rng = self.rng
        roll = rng.random()
        if partner.parent is not None and roll < 0.6:
            parent = partner.parent
            account = (parent.accounts or parent.other_accounts or [None])[0]
            if account is None:
                account = "PL" + make_nrb(rng)
                parent.other_accounts.append(account)
            tag = "payer_parent_known_iban" if account in parent.accounts else "payer_parent"
            return bank_name(rng, parent), feed_account(rng, account), [tag]
        if partner.kind == "company" and roll < 0.03:
            director = Partner("x", "x", "consumer", partner.director.name, None, None, [], [], [])
            director.person = partner.director
            return (
                _finish_name(rng, person_variant(rng, director), partner),
                feed_account(rng, partner.director_account),
                ["payer_director"],
            )
        if partner.kind == "sole" and roll < 0.2:
            private = Partner("x", "x", "consumer", partner.person.name, None, None, [], [], [])
            private.person = partner.person
            if not partner.other_accounts:
                partner.other_accounts.append("PL" + make_nrb(rng))
            return (
                _finish_name(rng, person_variant(rng, private), partner),
                feed_account(rng, partner.other_accounts[-1]),
                ["payer_private"],
            )
        tags = []
        if partner.accounts and (rng.random() < 0.86 or not partner.other_accounts):
            account = rng.choice(partner.accounts)
            tags.append("payer_known_iban")
        else:
            if not partner.other_accounts:
                partner.other_accounts.append(
                    make_foreign_iban(rng, partner.country)
                    if partner.kind == "foreign"
                    else "PL" + make_nrb(rng)
                )
            account = rng.choice(partner.other_accounts)
            tags.append("payer_unknown_iban")
        if partner.kind == "consumer" and partner.spouse and rng.random() < 0.15:
            name = _finish_name(rng, partner.spouse.name, partner)
            tags.append("payer_spouse")
        else:
            name = bank_name(rng, partner)
        if rng.random() < 0.02:
            name = ""
            tags.append("no_name")
        if rng.random() < 0.015:
            account = None
            tags.append("no_iban")
        return name, feed_account(rng, account), tags

    # ------------------------------------------------------------------ customer titles

    def fill(self, template, partner, doc, name, iban, num=""):
        rng = self.rng
        date = doc.date if doc else FEED_START
        payer_short = name.split(" UL.")[0][:30].strip() if name else fold(partner.name)[:30]
        return template.format(
            num=num,
            payer=payer_short,
            nip=partner.nip or "",
            date_long=f"{date:%d.%m.%Y}",
            date_short=f"{date:%d.%m.%y}",
            month=MONTHS_PL[date.month - 1],
            year=date.year,
            period=f"{date:%m/%Y}",
            orderno=f"{rng.choice(('', 'ZAM/', 'Z', 'ZO '))}{rng.randint(100, 9999)}",
            contract=f"{rng.randint(1, 300)}/{rng.choice((2024, 2025, 2026))}",
            payer_nrb=(iban or "")[-26:],
            ownref=own_ref(rng),
            d6=rng.randint(100000, 999999),
            d7=rng.randint(10**6, 10**7 - 1),
            d8=rng.randint(10**7, 10**8 - 1),
        )

    def number_text(self, habit, doc):
        styles = NUMBER_STYLES[habit]
        style = pick(self.rng, tuple(styles.items()))
        text = variant(self.rng, doc.ref_tokens, style)
        return text, f"num_{style}"

    def customer_title(self, partner, docs, netted, amount, amount_tag, name, iban):
        rng = self.rng
        habit = partner.habit
        if habit == "mixed":
            habit = rng.choice(("exact", "casual", "minimal", "mpp", "exact"))
        doc = docs[0]
        if doc.currency == "EUR":
            return self.eur_title(partner, docs, name, iban)
        mpp_due = doc.mpp_flag and rng.random() < 0.9
        mpp_habit = habit == "mpp" and rng.random() < 0.85
        voluntary = partner.kind in ("company", "sole") and rng.random() < 0.03
        if (
            len(docs) == 1
            and not netted
            and partner.kind != "consumer"
            and (mpp_due or mpp_habit or voluntary)
        ):
            return self.mpp_title(partner, docs, amount, name, outgoing=False)
        if len(docs) > 1 or netted:
            if habit == "mpp" and rng.random() < 0.4:
                return self.mpp_title(partner, docs, amount, name, outgoing=False)
            return self.multi_title(partner, docs, netted, habit, name, iban)
        return self.single_title(partner, doc, habit, amount_tag, name, iban)

    def single_title(self, partner, doc, habit, amount_tag, name, iban):
        rng = self.rng
        no_number = {"exact": 0.04, "casual": 0.12, "minimal": 0.65, "corporate": 0.3, "mpp": 0.1}
        if doc.ksef and rng.random() < 0.05:
            return self.ksef_title(doc, habit)
        if rng.random() < no_number[habit]:
            if partner.subscription and doc.total == partner.subscription and rng.random() < 0.6:
                table = SUBSCRIPTION_TITLES
            elif habit == "corporate":
                table = CORPORATE_REFS
            else:
                table = GENERIC_TITLES
            text = self.fill(
                pick(rng, table, None if partner.nip else "{nip}"), partner, doc, name, iban
            )
            return self.deliver(text), ["no_number"]
        num, tag = self.number_text(habit if habit != "mpp" else "exact", doc)
        if amount_tag == "partial":
            table = PARTIAL_TEMPLATES
        elif doc.paid_before and rng.random() < 0.5:
            table = REMAINDER_TEMPLATES
        elif amount_tag == "skonto" and rng.random() < 0.5:
            table = (("{num} skonto 2%", 1), ("{num} po potrąceniu skonta", 1))
        else:
            table = SINGLE_TEMPLATES
        template = pick(rng, table, None if partner.nip else "{nip}")
        text = self.fill(template, partner, doc, name, iban, num=num)
        tags = [tag]
        if "{nip}" in template:
            tags.append("nip_in_title")
        return self.deliver(text), tags

    def ksef_title(self, doc, habit):
        rng = self.rng
        num, tag = self.number_text("exact", doc)
        ksef = doc.ksef
        shape = rng.random()
        if shape < 0.3:
            return self.deliver(ksef), ["ksef_only"]
        if shape < 0.4:
            return self.deliver("KSEF " + ksef.replace("-", "")), ["ksef_only", "ksef_nohyphen"]
        text = rng.choice((f"{num} KSeF {ksef}", f"{ksef} {num}", f"KSEF {ksef} {num}"))
        return self.deliver(text), ["ksef_plus", tag]

    def multi_title(self, partner, docs, netted, habit, name, iban):
        rng = self.rng
        tags = [f"multi_{len(docs)}"] if len(docs) > 1 else []
        if habit == "corporate" and rng.random() < 0.4 or habit == "minimal" and rng.random() < 0.5:
            table = CORPORATE_REFS if habit == "corporate" else GENERIC_TITLES
            return self.deliver(self.fill(pick(rng, table), partner, docs[0], name, iban)), [
                *tags,
                "no_number",
            ]
        compact = None
        if len(docs) > 1 and habit in ("casual", "minimal") and rng.random() < 0.5:
            compact = compact_list(rng, docs)
        if compact:
            body = compact
            tags.append("multi_compact")
        else:
            style_habit = habit if habit in NUMBER_STYLES else "exact"
            numbers = []
            for doc in docs:
                text, tag = self.number_text(style_habit, doc)
                numbers.append(text)
                if tag != "num_exact" or len(docs) == 1:
                    tags.append(tag)
            sep = rng.choice((", ", ",", " ", "; ", " i ", " oraz ", " + "))
            body = sep.join(numbers)
            if len(docs) > 1:
                tags.append("multi_full")
        if netted:
            knum = variant(rng, netted[0].ref_tokens, "exact")
            body = pick(
                rng,
                (
                    (f"{body} minus korekta {knum}", 3),
                    (f"{body} - {knum}", 2),
                    (f"{body}, {knum}", 2),
                    (f"{body} pomniejszone o {knum}", 1),
                    (body, 3),
                ),
            )
        prefix = pick(
            rng,
            (
                ("", 4),
                ("Faktury ", 2),
                ("Zapłata za faktury ", 2),
                ("FV ", 1),
                ("Płatność za fv ", 1),
                ("ZAPLATA ", 1),
            ),
        )
        text = prefix + body
        if len(text) > 140:
            tags.append("truncated")
        return self.deliver(text), tags

    def mpp_title(self, partner, docs, amount, name, outgoing):
        rng = self.rng
        doc = docs[0]
        tags = ["mpp"]
        due = sum(d.residual for d in docs)
        vat = sum(d.vat for d in docs)
        if due and abs(amount) != due:
            vat = round(vat * abs(amount) / due)
        vat_text = pl_amount(vat, "." if rng.random() < 0.06 else ",")
        idc = partner.nip if outgoing else self.company["nip"]
        if not outgoing and rng.random() < 0.05 and partner.nip:
            idc = partner.nip
            tags.append("mpp_idc_payer")
        if len(docs) > 1:
            inv = rng.choice(
                (f"ZBIORCZO {doc.date:%m/%Y}", f"01.{doc.date:%m.%Y}-{docs[-1].date:%d.%m.%Y}")
            )
            tags += ["mpp_aggregated", f"multi_{len(docs)}"]
        else:
            habit = "ours" if outgoing else ("exact" if rng.random() < 0.85 else "casual")
            inv, tag = self.number_text(habit, doc)
            tags.append(tag)
        inv = inv[:35]
        txt = pick(
            rng,
            (
                ("", 4),
                ("ZAPLATA", 2),
                ("ZAPLATA ZA FAKTURE", 2),
                (f"FV {doc.ref}", 1),
                ((name or "")[:33], 1),
                ("PLATNOSC", 1),
                ("/TXT/", 0),
            ),
        )
        text = f"/VAT/{vat_text}/IDC/{idc}/INV/{inv}"
        text += f"/TXT/{txt[:33]}" if txt else rng.choice(("", "/TXT/"))
        if not outgoing and rng.random() < 0.05:
            text = (
                f"Numer faktury VAT lub okres płatności zbiorczej :  {inv} "
                f"Identyfikator odbiorcy : {idc} Kwota VAT : {vat_text} PLN"
            )
            tags.append("mpp_labelled")
        return self.deliver(text, wrap_share=0.6), tags

    def eur_title(self, partner, docs, name, iban):
        rng = self.rng
        tags = []
        if len(docs) > 1:
            numbers = [self.number_text("corporate", d)[0] for d in docs]
            return self.deliver("Invoices " + ", ".join(numbers)), [
                f"multi_{len(docs)}",
                "multi_full",
            ]
        if rng.random() < 0.06:
            return self.deliver(rng.choice(("Payment", "Zahlung", partner.name.upper()))), [
                "no_number"
            ]
        num, tag = self.number_text(
            "corporate" if partner.habit == "corporate" else "casual", docs[0]
        )
        tags.append(tag)
        return self.deliver(
            self.fill(pick(rng, EUR_TEMPLATES), partner, docs[0], name, iban, num=num)
        ), tags

    def deliver(self, text, wrap_share=None):
        """Upper-case or not, diacritics or not, wrapped or not, cut at 140."""
        rng = self.rng
        roll = rng.random()
        if roll < 0.3:
            text = fold(text)
        elif roll < 0.4:
            text = text.upper()
        elif roll < 0.405:
            text = mojibake(text.upper())
        text = text[:140]
        share = self.join_share if wrap_share is None else wrap_share
        if len(text) > 35 and rng.random() < share:
            text = wrap_lines(rng, text, self.joiner)
        return text

    # ------------------------------------------------------------------ vendor payments

    def vendor_payment(self, pay, docs, netted):
        rng = self.rng
        vendor = docs[0].partner
        due = sum(d.residual for d in docs) - sum(r.residual for r in netted)
        amount, amount_tag = due, "amount_exact"
        if len(docs) == 1 and not netted and rng.random() < 0.02:
            amount, amount_tag = int(due * 0.5), "partial"
        if vendor.accounts and rng.random() < 0.9:
            account, payer_tag = rng.choice(vendor.accounts), "payee_known_iban"
        else:
            if not vendor.other_accounts:
                vendor.other_accounts.append("PL" + make_nrb(rng))
            account, payer_tag = vendor.other_accounts[0], "payee_unknown_iban"
        name = vendor.name if rng.random() < 0.5 else bank_name(rng, vendor)
        title, tags = self.vendor_title(vendor, docs, netted, amount)
        return Tx(
            date=pay,
            amount=-amount,
            currency="PLN",
            name=name[:140],
            iban=feed_account(rng, account),
            title=title,
            truth=[d.id for d in docs] + [r.id for r in netted],
            category="vendor_payment",
            tags=[amount_tag, payer_tag, *tags] + (["netted_credit"] if netted else []),
        )

    def vendor_title(self, vendor, docs, netted, amount):
        rng = self.rng
        doc = docs[0]
        if len(docs) == 1 and not netted and (doc.mpp_flag or rng.random() < 0.06):
            return self.mpp_title(vendor, docs, amount, vendor.name, outgoing=True)
        if len(docs) > 1 or netted:
            numbers = [self.number_text("ours", d)[0] for d in docs]
            if netted:
                numbers.append("KOR " + netted[0].ref)
            text = rng.choice(("", "Faktury ", "FV ")) + rng.choice((", ", " ", "; ")).join(numbers)
            tags = [f"multi_{len(docs)}", "multi_full"] if len(docs) > 1 else ["num_exact"]
            tags += ["truncated"] if len(text) > 140 else []
            return self.deliver_ours(text), tags
        num, tag = self.number_text("ours", doc)
        options = [
            ("{num}", 45),
            ("Faktura {num}", 12),
            ("FV {num}", 6),
            ("Zapłata za fakturę {num}", 8),
            ("Płatność {num}", 4),
            ("Faktura nr {num} z dnia {date_long}", 3),
            ("{num} TECHMAR SERWIS", 2),
        ]
        if vendor.customer_no and vendor.scheme.startswith(("P/", "{n10}", "F/")):
            options.append((f"Nr klienta {vendor.customer_no} {{num}}", 10))
        if doc.ksef:
            options += [(f"{{num}} KSeF {doc.ksef}", 3), (doc.ksef, 1)]
        if vendor.subscription and doc.total == vendor.subscription:
            options += [("czynsz {period}", 3), ("abonament {month} {year}", 2)]
        template = pick(rng, options)
        text = self.fill(template, vendor, doc, vendor.name, None, num=num)
        tags = [tag] if "{num}" in template else ["no_number"]
        if doc.ksef and doc.ksef in template:
            tags.append("ksef_only" if "{num}" not in template else "ksef_plus")
        return self.deliver_ours(text), tags

    def deliver_ours(self, text):
        """Our own outgoing titles: our bank keeps them as typed, upper-cased by some banks."""
        text = fold(text) if self.rng.random() < 0.3 else text
        text = text[:140]
        if len(text) > 35 and self.rng.random() < self.join_share:
            text = wrap_lines(self.rng, text, self.joiner)
        return text

    # ------------------------------------------------------------------ refunds

    def pay_open_refunds(self):
        """Credit notes on invoices paid before the feed: money goes back during the feed."""
        rng = self.rng
        txs = []
        for ref in [d for d in self.docs if d.type in ("out_refund", "in_refund")]:
            if ref.state != "open" or ref.origin.state != "paid_before" or rng.random() < 0.3:
                continue
            pay = max(FEED_START, ref.date) + dt.timedelta(days=rng.randint(1, 25))
            if pay > FEED_END:
                continue
            partner = ref.partner
            knum, tag = self.number_text("ours", ref)
            orig = ref.origin.ref
            if ref.type == "out_refund":
                account = (partner.accounts or partner.other_accounts or ["PL" + make_nrb(rng)])[0]
                name = partner.name if rng.random() < 0.6 else bank_name(rng, partner)
                template = pick(
                    rng,
                    (
                        ("Zwrot nadpłaty", 2),
                        ("zwrot wg korekty {k}", 4),
                        ("Zwrot do faktury korygującej {k}", 3),
                        ("KOREKTA {k} zwrot", 2),
                        ("zwrot środków do faktury {o}", 2),
                        ("{k}", 2),
                    ),
                )
                title = self.deliver_ours(template.format(k=knum, o=orig))
                amount, category = -ref.residual, "refund_out"
            else:
                account = (partner.accounts or partner.other_accounts)[0]
                name = bank_name(rng, partner)
                template = pick(
                    rng,
                    (
                        ("Zwrot wg korekty {k}", 4),
                        ("{k}", 3),
                        ("Korekta faktury {o} zwrot", 2),
                        ("ZWROT NADPLATY", 2),
                        ("Zwrot środków dot. {k}", 2),
                    ),
                )
                title = self.deliver(template.format(k=knum, o=orig))
                amount, category = ref.residual, "refund_in"
            tags = ["amount_exact", "no_number" if "{" not in template else tag]
            if "{o}" in template:
                tags.append("cites_original")
            txs.append(
                Tx(
                    pay,
                    amount,
                    ref.currency,
                    name[:140],
                    feed_account(rng, account),
                    title,
                    [ref.id],
                    category,
                    tags,
                )
            )
        return txs

    # ------------------------------------------------------------------ noise

    NOISE_WEIGHTS = (
        ("salary", 16),
        ("card", 16),
        ("fee", 9),
        ("interest", 2),
        ("zus", 4),
        ("tax", 6),
        ("own", 6),
        ("stranger", 9),
        ("gateway", 4),
        ("customer_not_open", 9),
        ("vendor_not_open", 6),
        ("lease_rent", 5),
        ("refund_no_doc", 2),
        ("eur_noise", 2),
        ("blik_p2p", 3),
    )

    def add_noise(self, count):
        rng = self.rng
        self.open_pln = [
            d for d in self.open_docs() if d.currency == "PLN" and d.type == "out_invoice"
        ]
        for _ in range(count):
            kind = pick(rng, self.NOISE_WEIGHTS)
            date = FEED_START + dt.timedelta(days=rng.randint(0, (FEED_END - FEED_START).days))
            tx = getattr(self, f"noise_{kind}")(date)
            tx.category = f"noise_{kind}"
            self.txs.append(tx)

    def _tx(self, date, amount, name, iban, title, tags=(), currency="PLN"):
        return Tx(date, amount, currency, name, iban, title, [], "", list(tags))

    def noise_salary(self, date):
        rng = self.rng
        person, account, salary = rng.choice(self.employees)
        month = date.replace(day=1) - dt.timedelta(days=1)
        amount = salary if rng.random() < 0.8 else rng.randint(10000, 300000)
        title = pick(
            rng,
            (
                (f"Wynagrodzenie za {month:%m/%Y}", 5),
                (f"WYNAGRODZENIE {month:%m.%Y} {fold(person.name)}", 3),
                (f"wypłata {MONTHS_PL[month.month - 1]}", 2),
                ("Premia", 1),
                ("zwrot kosztów delegacji", 1),
                (f"Umowa zlecenie {month:%m/%Y}", 1),
            ),
        )
        return self._tx(
            date, -amount, fold(person.name), feed_account(rng, account), self.deliver_ours(title)
        )

    MERCHANTS = (
        "ORLEN STACJA NR {n}",
        "BIEDRONKA {n}",
        "ALLEGRO.PL",
        "IKEA RETAIL",
        "MEDIA EXPERT",
        "CASTORAMA POLSKA",
        "LEROY MERLIN {n}",
        "AMAZON EU SARL",
        "GOOGLE *ADS{n}",
        "MICROSOFT*365",
        "SHELL {n}",
        "CIRCLE K {n}",
        "LIDL {n}",
        "ZABKA Z{n}",
        "PKP INTERCITY",
        "UBER *TRIP",
        "BOLT.EU",
        "OFFICE DEPOT",
        "EMPIK {n}",
        "APTEKA DOZ",
        "HOTEL MERCURE",
        "LINKEDIN *ADS",
    )

    def noise_card(self, date):
        rng = self.rng
        merchant = rng.choice(self.MERCHANTS).format(n=rng.randint(10, 9999))
        city = fold(rng.choice(CITIES)[0])
        amount = lognormal_amount(rng, 12000, 1.0) + rng.randint(0, 99)
        card = f"{rng.choice(('4246', '5375', '4874'))} XXXX XXXX {rng.randint(1000, 9999)}"
        shape = rng.random()
        if shape < 0.5:
            title = f"ZAKUP PRZY UŻYCIU KARTY W KRAJU {merchant} {city} KARTA {card}"
        elif shape < 0.8:
            title = f"TR.KART {date:%d.%m.%Y} {merchant} {city}"
        else:
            title = f"Zakup BLIK ref:{rng.randint(10**10, 10**11)} {merchant}"
        return self._tx(date, -amount, merchant, None, title[:140])

    def noise_fee(self, date):
        rng = self.rng
        title, amount = pick(
            rng,
            (
                ((f"OPŁATA ZA PROWADZENIE RACHUNKU {date:%m/%Y}", 4900), 3),
                (("PROWIZJA ZA PRZELEW ZEWN.", 150), 4),
                (("OPŁATA PRZELEW ZEW.DOWOL.BIEŻĄCY", 150), 3),
                (("OPŁATA ZA KARTĘ", 1000), 1),
                (("Opłata za przelew natychmiastowy Express Elixir", 500), 1),
                (("PROWIZJA OD PRZELEWU ZAGRANICZNEGO SEPA", 2500), 1),
            ),
        )
        return self._tx(date, -amount, rng.choice(("", "MBANK S.A.")), None, title)

    def noise_interest(self, date):
        return self._tx(date, self.rng.randint(1, 4000), "", None, "KAPITALIZACJA ODSETEK")

    def noise_zus(self, date):
        rng = self.rng
        account = "PL" + make_nrb(
            rng, "60000002", "026" + "".join(rng.choice(DIGITS) for _ in range(13))
        )
        month = date.replace(day=1) - dt.timedelta(days=1)
        title = rng.choice(
            (
                f"SKŁADKI ZUS {month:%m/%Y}",
                f"ZUS {self.company['nip']} {month:%m.%Y}",
                f"DRA {month:%m/%Y}",
                "Składki ZUS",
            )
        )
        return self._tx(
            date,
            -lognormal_amount(rng, 900000, 0.6),
            "ZAKŁAD UBEZPIECZEŃ SPOŁECZNYCH",
            account,
            title,
        )

    def noise_tax(self, date):
        rng = self.rng
        account = "PL" + make_nrb(
            rng, "10100071", "222" + "".join(rng.choice(DIGITS) for _ in range(13))
        )
        month = date.replace(day=1) - dt.timedelta(days=1)
        form, text = rng.choice(
            (
                ("VAT-7", "JPK V7M"),
                ("PIT-4R", "ZALICZKA PIT"),
                ("CIT-8", "ZALICZKA CIT"),
                ("PPL", "PODATEK"),
            )
        )
        title = f"/TI/N{self.company['nip']}/OKR/{month:%y}M{month:%m}/SFP/{form}/TXT/{text}"
        name = rng.choice(
            (
                "MIKRORACHUNEK PODATKOWY",
                "URZĄD SKARBOWY WARSZAWA-MOKOTÓW",
                "PIERWSZY MAZOWIECKI URZĄD SKARBOWY W WARSZAWIE",
            )
        )
        return self._tx(
            date, -lognormal_amount(rng, 1500000, 0.8), name, account, self.deliver_ours(title)
        )

    def noise_own(self, date):
        rng = self.rng
        amount = (
            rng.choice((500000, 1000000, 2000000, 5000000))
            if rng.random() < 0.6
            else lognormal_amount(rng, 300000, 1)
        )
        title, other = pick(
            rng,
            (
                (("PRZELEW WŁASNY", self.company["savings"]), 3),
                (("Przelew między rachunkami", self.company["savings"]), 2),
                (("PRZEKSIĘGOWANIE ŚRODKÓW Z RACHUNKU VAT", self.company["vat_account"]), 2),
                (("Przelew na rachunek VAT", self.company["vat_account"]), 1),
                (("zasilenie rachunku", self.company["savings"]), 1),
            ),
        )
        sign = rng.choice((1, -1))
        return self._tx(
            date, sign * amount, fold(self.company["name"]), feed_account(rng, other), title
        )

    def random_stranger(self):
        rng = self.rng
        if rng.random() < 0.6:
            person = self.make_person()
            return fold(person.name), "PL" + make_nrb(rng)
        brand = title_case_brand(rng)
        return fold(f"{brand} {rng.choice(('SP. Z O.O.', 'S.A.', 'SP.J.'))}"), "PL" + make_nrb(rng)

    def noise_stranger(self, date):
        rng = self.rng
        name, account = self.random_stranger()
        tags = []
        if self.open_pln and rng.random() < 0.35:
            amount = rng.choice(self.open_pln).residual
            tags.append("decoy_amount")
        else:
            amount = lognormal_amount(rng, 80000, 1.2)
        title = pick(
            rng,
            (
                ("zwrot", 3),
                ("Przelew środków", 3),
                ("Zwrot pożyczki", 2),
                ("Zwrot kaucji", 1),
                ("Faktura", 2),
                ("zapłata za fakturę", 2),
                ("za usługę", 2),
                ("", 1),
                (f"FV {rng.randint(1, 400)}/{rng.randint(1, 12):02d}/2026", 1),
                (f"Faktura {rng.randint(1, 999)}/2026", 1),
                ("darowizna", 1),
            ),
        )
        return self._tx(date, amount, name, account, self.deliver(title), tags)

    def noise_gateway(self, date):
        rng = self.rng
        name, title = rng.choice(
            (
                (
                    "PAYPRO SA UL. PASTELOWA 8 60-198 POZNAN",
                    f"/OPT/X/////P24-{_code(rng)}-{_code(rng)}-{_code(rng)}",
                ),
                (
                    "PAYU S.A.",
                    f"Wypłata środków PayU {date:%Y-%m-%d} ID {rng.randint(10**6, 10**7)}",
                ),
                (
                    "KRAJOWY INTEGRATOR PŁATNOŚCI S.A.",
                    f"Rozliczenie transakcji Tpay {date:%d.%m.%Y}",
                ),
                ("AUTOPAY S.A.", f"Wypłata Autopay {rng.randint(10**5, 10**6)}"),
                ("STRIPE PAYMENTS EUROPE LTD", f"STRIPE PAYOUT {_code(rng)}{_code(rng)}"),
            )
        )
        return self._tx(date, lognormal_amount(rng, 250000, 0.9), name, "PL" + make_nrb(rng), title)

    def noise_customer_not_open(self, date):
        """A customer pays a pro forma, an advance, or an invoice already paid."""
        rng = self.rng
        customer = rng.choice([c for c in self.customers if c.currency == "PLN"])
        name, iban, tags = self.payer(customer)
        paid = [
            d
            for d in self.docs
            if d.partner is customer and d.state == "paid_before" and d.type == "out_invoice"
        ]
        roll = rng.random()
        if paid and roll < 0.4:
            doc = rng.choice(paid)
            num, tag = self.number_text("exact" if customer.habit != "casual" else "casual", doc)
            title = pick(rng, (("{n}", 3), ("Faktura {n}", 2), ("zapłata za fakturę {n}", 2)))
            return self._tx(
                date,
                doc.total,
                name,
                iban,
                self.deliver(title.format(n=num)),
                [*tags, "already_paid", tag],
            )
        fmt = rng.choice(("PRO/{Y}/{m}/{n4}", "PF {n}/{m}/{Y}", "Proforma {n}/{Y}", "ZAL/{Y}/{n3}"))
        number = join_tokens(render_scheme(fmt, rng.randint(1, 120), date))
        title = pick(
            rng,
            (
                (f"{number}", 3),
                (f"zaliczka wg {number}", 2),
                (f"przedpłata {number}", 2),
                (f"zaliczka do zamówienia {rng.randint(100, 9999)}", 2),
                ("przedpłata", 1),
            ),
        )
        return self._tx(date, net_amount(rng), name, iban, self.deliver(title), [*tags, "proforma"])

    def noise_vendor_not_open(self, date):
        """We pay a bill that nobody has booked yet."""
        rng = self.rng
        vendor = rng.choice(self.vendors)
        counter = self.counters.get(("vendor", vendor.key), 1) + rng.randint(1, 30)
        number = join_tokens(render_scheme(vendor.scheme, counter, date, vendor.fixed))
        title = pick(rng, (("{n}", 5), ("Faktura {n}", 2), ("FV {n}", 1), ("zaliczka wg umowy", 1)))
        account = (vendor.accounts or vendor.other_accounts)[0]
        gross, _vat = self.amounts(vendor)
        if vendor.subscription and "{n}" in title and rng.random() < 0.5:
            gross = vendor.subscription  # next month's bill, paid before anybody booked it
        return self._tx(
            date,
            -gross,
            vendor.name,
            feed_account(rng, account),
            self.deliver_ours(title.format(n=number)),
            ["unbooked_bill"],
        )

    def noise_lease_rent(self, date):
        rng = self.rng
        name = rng.choice(
            (
                "PKO LEASING S.A.",
                "MLEASING SP. Z O.O.",
                "PEKAO LEASING SP. Z O.O.",
                "SANTANDER LEASING S.A.",
                fold(self.make_person().name),
            )
        )
        kind, year = rng.choice(("L", "LS", "UL")), rng.choice((2023, 2024, 2025))
        contract = f"{rng.randint(1000, 99999)}/{kind}/{year}"
        title = rng.choice(
            (
                f"Rata leasingowa {rng.randint(1, 60)}/60 umowa {contract}",
                f"czynsz za {MONTHS_PL[date.month - 1]} {date.year}",
                f"umowa {contract} rata",
            )
        )
        return self._tx(
            date, -lognormal_amount(rng, 250000, 0.6), name, "PL" + make_nrb(rng), title
        )

    def noise_refund_no_doc(self, date):
        rng = self.rng
        with_credit = {d.partner.key for d in self.open_docs() if d.type == "out_refund"}
        customer = rng.choice([c for c in self.customers if c.key not in with_credit])
        account = (customer.accounts or customer.other_accounts or ["PL" + make_nrb(rng)])[0]
        title = rng.choice(("Zwrot nadpłaty", "zwrot podwójnej płatności", "Zwrot kaucji"))
        return self._tx(
            date,
            -rng.randint(1000, 200000),
            customer.name,
            feed_account(rng, account),
            title,
            ["customer_refund_without_document"],
        )

    def noise_eur_noise(self, date):
        rng = self.rng
        if rng.random() < 0.5:
            return self._tx(
                date,
                -rng.randint(500, 90000),
                "AMAZON WEB SERVICES EMEA SARL",
                None,
                "TR.KART AWS EMEA aws.amazon.co",
                currency="EUR",
            )
        return self._tx(
            date,
            rng.randint(5000, 500000),
            "UNKNOWN GMBH",
            make_foreign_iban(rng, "DE"),
            "Payment",
            currency="EUR",
        )

    def noise_blik_p2p(self, date):
        rng = self.rng
        consumers = [c for c in self.customers if c.kind == "consumer"]
        tags = []
        if consumers and rng.random() < 0.3:
            person = rng.choice(consumers).person
            tags.append("namesake")
        else:
            person = self.make_person()
        name = fold(person.name)
        title = rng.choice(
            (
                f"Przelew na telefon BLIK od {name}",
                "przelew BLIK",
                "zwrot za bilety",
                "za obiad",
                "oddaję",
            )
        )
        return self._tx(date, rng.randint(1000, 60000), name, "PL" + make_nrb(rng), title, tags)

    # ------------------------------------------------------------------ finishing

    def finish(self):
        rng = self.rng
        for tx in self.txs:
            tx.id = self.new_id("tx")
        self.txs.sort(key=Tx.key)
        open_docs = self.open_docs()
        by_id = {d.id: d for d in open_docs}
        by_partner_amount = {}
        for doc in open_docs:
            key = (doc.partner.key, doc.residual, doc.currency)
            by_partner_amount[key] = by_partner_amount.get(key, 0) + 1
        self.truth = []
        for tx in self.txs:
            missing = [i for i in tx.truth if i not in by_id]
            if missing:
                raise AssertionError(f"{tx.id} pays documents not open: {missing}")
            signed = sum(_signed(by_id[i]) for i in tx.truth)
            same_currency = all(by_id[i].currency == tx.currency for i in tx.truth)
            matches = bool(tx.truth) and same_currency and signed == tx.amount
            if len(tx.truth) == 1 and "no_number" in tx.tags:
                doc = by_id[tx.truth[0]]
                if by_partner_amount[(doc.partner.key, doc.residual, doc.currency)] > 1:
                    tx.tags.append("ambiguous_same_amount")
            self.truth.append(
                {
                    "transaction_id": tx.id,
                    "invoice_ids": list(tx.truth),
                    "amount_matches": matches,
                    "category": tx.category,
                    "tags": sorted(set(tx.tags)),
                }
            )
        del rng

    def tx_json(self, tx):
        return {
            "id": tx.id,
            "date": tx.date.isoformat(),
            "amount": money(tx.amount),
            "currency": tx.currency,
            "counterparty": {"name": tx.name, "iban": tx.iban},
            "title": tx.title,
        }

    # A plain class, not an Odoo model: there is no super().write to call.
    def write(self, out):  # pylint: disable=method-required-super
        out = pathlib.Path(out)
        out.mkdir(parents=True, exist_ok=True)
        invoices = [self.doc_json(d) for d in self.open_docs()]
        self.rng.shuffle(invoices)
        files = {
            "invoices.json": invoices,
            "transactions.json": [self.tx_json(t) for t in self.txs],
            "truth.json": self.truth,
            "ledger.json": {
                "company": self.company,
                "series": self.series,
                "purchase_series": [self.purchase, self.purchase_refund],
                "title_line_joiner": self.joiner,
                "feed": [FEED_START.isoformat(), FEED_END.isoformat()],
            },
        }
        for name, data in files.items():
            text = json.dumps(data, ensure_ascii=False, indent=1)
            (out / name).write_text(text + "\n", encoding="utf-8")
        return files


def _signed(doc):
    """A document's open amount as the bank sees it: money in positive."""
    return doc.residual if doc.type in ("out_invoice", "in_refund") else -doc.residual


def _code(rng):
    return "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(3))


def generate(out, seed=20261201, transfers=3000):
    """Build a corpus into ``out``; return the dict of written files."""
    builder = FeedBuilder(seed, transfers)
    builder.build()
    return builder.write(out)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True, type=pathlib.Path)
    parser.add_argument("--seed", type=int, default=20261201)
    parser.add_argument("--transfers", type=int, default=3000)
    args = parser.parse_args(argv)
    files = generate(args.out, args.seed, args.transfers)
    truth = files["truth.json"]
    payable = sum(1 for t in truth if t["invoice_ids"])
    print(
        f"{len(files['invoices.json'])} open documents, {len(truth)} transfers "
        f"({payable} payable, {sum(1 for t in truth if t['amount_matches'])} with the exact amount)"
    )


if __name__ == "__main__":
    main()
