"""Who the Sandbox Bank's account holder does business with.

Fictional but realistic Polish counterparties (names in the forms banks print them: upper
case, legal forms spelled out or abbreviated, addresses glued on), shops that appear on card
statements, public payees (ZUS, tax offices) and EU partners. NIPs and IBANs are derived from
the names, so they are stable across seeds and valid for every check-digit validator.
"""

from ..identifiers import iban_check_digits, make_iban, make_nip, make_polish_iban

#: (name as printed by the payer's bank, short name used in titles, bank code)
CUSTOMERS = (
    (
        "BUDMAX SPÓŁKA Z OGRANICZONĄ ODPOWIEDZIALNOŚCIĄ UL. POLNA 12 00-625 WARSZAWA",
        "Budmax",
        "1020",
    ),
    ("Hurtownia Elektryczna VOLT Sp. z o.o.", "VOLT", "1140"),
    ("POLMET S.A.", "Polmet", "1240"),
    ("Zakład Stolarski Jan Nowak", "Jan Nowak", "1090"),
    ("KOWALSKI ANDRZEJ USŁUGI TRANSPORTOWE", "Andrzej Kowalski", "1050"),
    ("AGRO-TECH Spółka Jawna M. Wiśniewski i Wspólnicy", "Agro-Tech", "1160"),
    ("Drukarnia Offsetowa PRINTEX s.c.", "Printex", "2490"),
    ("MEBLE-DĄB SP. Z O.O. SP.K.", "Meble-Dąb", "1020"),
    ("Biuro Rachunkowe Saldo Anna Zielińska", "Anna Zielińska", "1140"),
    ("INSTALBUD GRZEGORZ LEWANDOWSKI", "Instalbud", "1240"),
    ("Piekarnia Złoty Kłos Sp. z o.o.", "Złoty Kłos", "1090"),
    ("TRANS-POL LOGISTICS SPÓŁKA AKCYJNA", "Trans-Pol", "1050"),
    ("Kancelaria Radcy Prawnego Piotr Wójcik", "Piotr Wójcik", "1160"),
    ("GREEN ENERGY SOLUTIONS SP Z OO", "Green Energy", "2490"),
    ("Apteka Pod Lwem Małgorzata Kamińska", "Apteka Pod Lwem", "1020"),
    ("SOFTLAB SPÓŁKA Z O.O.", "Softlab", "1140"),
    ("Przedsiębiorstwo Handlowo-Usługowe MAREK Marek Szymański", "PHU Marek", "1240"),
    ("ELEKTRO-SERWIS Woźniak Tomasz", "Elektro-Serwis", "1090"),
    ("Dom Mody Kasia Sp. z o.o.", "Dom Mody Kasia", "1050"),
    ("AUTO-CZĘŚCI KRAWCZYK SPÓŁKA JAWNA", "Auto-Części Krawczyk", "1160"),
)

#: (name, short name, bank code): companies whose bills we pay.
SUPPLIERS = (
    ("PGE Obrót S.A.", "PGE", "1240"),
    ("ORANGE POLSKA SPÓŁKA AKCYJNA", "Orange", "1020"),
    ("Biuro Serwis Papier Sp. z o.o.", "Papier", "1140"),
    ("Wynajem Nieruchomości KRAKOWSKA 7 Sp. z o.o.", "Krakowska 7", "1090"),
    ("HOSTING24 SPÓŁKA Z OGRANICZONĄ ODPOWIEDZIALNOŚCIĄ", "Hosting24", "1050"),
    ("Stal-Hurt Kazimierz Dąbrowski", "Stal-Hurt", "1160"),
    ("LEASING POLSKA S.A.", "Leasing Polska", "1020"),
    ("Kurier Ekspres Sp. z o.o.", "Kurier Ekspres", "2490"),
)

#: Employees paid on the last business day of the month: (name, bank code).
EMPLOYEES = (
    ("Katarzyna Mazur", "1020"),
    ("Michał Jankowski", "1140"),
    ("Agnieszka Kwiatkowska", "1050"),
    ("Paweł Pawłowski", "1090"),
    ("Magdalena Michalska", "1240"),
)

#: Shops as card terminals print them; amounts are drawn around ``typical`` (PLN).
CARD_MERCHANTS = (
    ("ORLEN STACJA NR 4410 WARSZAWA", 280),
    ("ZABKA Z5231 K.1 KRAKOW", 25),
    ("ALLEGRO.PL POZNAN", 190),
    ("IKEA RETAIL SP. Z O.O. JANKI", 640),
    ("BP-OSKAR WARSZAWA", 250),
    ("MEDIA EXPERT 0123 LODZ", 410),
    ("LIDL SP. Z O.O. SP. K. WROCLAW", 120),
    ("MCDONALDS 122 GDANSK", 60),
    ("EMPIK SA KATOWICE", 85),
    ("JETBRAINS S.R.O. PRAHA", 420),
)

#: EU customers and suppliers of the EUR account: (name, country, BBAN length).
EU_PARTNERS = (
    ("Müller Maschinenbau GmbH", "DE", 18),
    ("Nordic Parts AB", "SE", 20),
    ("Brno Components s.r.o.", "CZ", 20),
    ("Atelier Dupont SARL", "FR", 23),
)

ZUS_NAME = "ZAKŁAD UBEZPIECZEŃ SPOŁECZNYCH"
TAX_OFFICE_NAME = "MIKRORACHUNEK PODATKOWY"

MONTHS_PL = (
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
)


def party(name, bank_code="1140"):
    """Return ``(name, nip, iban)`` for a Polish counterparty, derived from its name."""
    return name, make_nip(name), make_polish_iban(name, bank_code)


def eu_party(name, country, bban_length):
    """Return ``(name, iban)`` for an EU counterparty, derived from its name."""
    return name, make_iban(name, country, bban_length)


def zus_account(holder_nip):
    """ZUS gives every payer an individual account: NBP-held, ending with the payer's NIP."""
    return _nbp_account("60000002026", holder_nip)


def tax_micro_account(holder_nip):
    """The tax micro-account ("mikrorachunek podatkowy"): NBP-held, built on the payer's NIP."""
    return _nbp_account("10101010", holder_nip)


def _nbp_account(prefix, holder_nip):
    bban = prefix.ljust(24 - len(holder_nip), "0") + holder_nip
    return "PL" + iban_check_digits("PL", bban) + bban
