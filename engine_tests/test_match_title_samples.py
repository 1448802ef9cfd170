"""The hand-written tricky titles of research/title_samples.md §A, against its fixture ledger.

Each row is (sample number, title, sender name, amount, documents expected, auto expected).
``None`` for auto means "either is acceptable" (the sample itself says it depends on a
setting). Where the expectation differs from the sample's own note, the row says why.
"""

import pytest
from match_fixtures import match

W = "\n"  # a bank's line break at 35 characters

SAMPLES = [
    (1, "FV/2026/11/0042", "ZIELONY OGROD SP. Z O.O.", "2460.00", {"a42"}, True),
    (2, "Faktura VAT nr FV/2026/11/0042", "Zielony Ogród Sp. z o.o.", "2460.00", {"a42"}, True),
    (
        3,
        "ZAPŁATA ZA FAKTURĘ FV/2026/11/0043",
        "ZIELONY OGRÓD SPÓŁKA Z OGRANICZONĄ ODPOWIEDZIALNOŚCIĄ",
        "1230.00",
        {"a43"},
        True,
    ),
    (4, "zaplata za fv 107/10/26", "EWA NOWICKA", "615.00", {"b107"}, True),
    (5, "FV 2026/10/107", "PHU NOWICKA EWA NOWICKA", "615.00", {"b107"}, True),
    (6, "FV2026100107", "PHU NOWICKA", "615.00", {"b107"}, True),
    (7, "FV/2026/10/0107/ZAPLATA", "NOWICKA EWA", "615.00", {"b107"}, True),
    (8, "F.2026/10/0108", "NOWICKA EWA UL. LIPOWA 3 05-800 PRUSZKOW", "307.50", {"b108"}, True),
    (9, "FAKT. NR FV/2026/11/42", "ZIELONY OGROD", "2460.00", {"a42"}, True),
    (10, "Fakóra FV/2026/11/0042", "ZIELONY OGROD SP Z O O", "2460.00", {"a42"}, True),
    # 11, 12: the sample suggests "don't auto"; the number differs only by a letter FW/FV or
    # O/0 and the name and the exact amount corroborate it: two independent signals.
    (11, "FW/2026/11/0042", "ZIELONY OGROD SP.Z O.O.", "2460.00", {"a42"}, True),
    (12, "FV/2026/11/OO42", "ZIELONY OGROD", "2460.00", {"a42"}, True),
    (
        13,
        "FV/2026/11/0042, FV/2026/11/0043",
        "ZIELONY OGROD SP. Z O.O.",
        "3690.00",
        {"a42", "a43"},
        True,
    ),
    (14, "FV/2026/11/0042,0043", "ZIELONY OGROD", "3690.00", {"a42", "a43"}, True),
    (15, "FV/2026/11/0042 i 0043", "ZIELONY OGRÓD", "3690.00", {"a42", "a43"}, True),
    (
        16,
        "Zapłata za FV/2026/11/0042;FV/2026/11/0043 minus korekta FKOR/2026/11/0003",
        "ZIELONY OGROD SP. Z O.O.",
        "3444.00",
        {"a42", "a43"},  # money in never settles a credit note: see MatchOptions.allow_netting
        False,  # a netted credit note waits for a person
    ),
    (17, "FV 107, 108/10/2026", "EWA NOWICKA", "922.50", {"b107", "b108"}, True),
    (18, "FS 7/2026 oraz FV/2026/10/0108", "PHU NOWICKA EWA", "1537.50", {"bfs7", "b108"}, True),
    (19, "12/11/2026", "KOWALCZYK-BUD SP.J.", "1845.00", {"c12"}, True),
    (20, "FA 12/11/2026 z dn. 12.11.2026", "KOWALCZYK BUD SPOLKA JAWNA", "1845.00", {"c12"}, True),
    (21, "ZAPL ZA FV 13/11/26 Z DN 13.11.26", "KOWALCZYK-BUD S.J.", "990.00", {"c13"}, True),
    (22, "12/11/26 13/11/26", "KOWALCZYK-BUD", "2835.00", {"c12", "c13"}, True),
    # 23: the period is not an invoice number; the partner and a unique amount remain.
    (23, "czynsz 11/2026", "KOWALCZYK-BUD SP. J.", "1845.00", {"c12"}, None),
    (24, "FV/2026/11/0042 czesc 1", "ZIELONY OGROD", "1000.00", {"a42"}, True),
    (25, "FV/2026/11/0042 RATA 2/2", "ZIELONY OGROD", "1460.00", {"a42"}, True),
    (26, "FV/2026/11/0042", "ZIELONY OGROD SP. Z O.O.", "2459.99", {"a42"}, True),
    (27, "FV/2026/11/0042", "ZIELONY OGROD SP. Z O.O.", "2500.00", {"a42"}, True),
    (28, "FV/2026/11/0042 po potraceniu prowizji", "ZIELONY OGROD", "2410.80", {"a42"}, True),
    (
        29,
        "/VAT/460,00/IDC/7114710499/INV/FV/2026/11/0042/TXT/ZAPLATA",
        "ZIELONY OGROD SP. Z O.O.",
        "2460.00",
        {"a42"},
        True,
    ),
    (
        30,
        f"/VAT/3450,00/IDC/7114710499/INV/FV/{W}2026/11/0051/TXT/ZAPLATA FAKTURY",
        "KOWALCZYK-BUD SPÓŁKA JAWNA",
        "18450.00",
        {"c51"},
        True,
    ),
    (
        31,
        "/VAT/3450,00/IDC/7127684261/INV/FV/2026/11/0051",
        "KOWALCZYK-BUD SP.J.",
        "18450.00",
        {"c51"},
        True,
    ),
    (
        32,
        "/VAT/690,00/IDC/7114710499/INV/FV 42 i 43 11 2026/TXT/",
        "ZIELONY OGROD",
        "3690.00",
        {"a42", "a43"},
        True,
    ),
    # 33: an aggregated MPP names a period; the sum of A's open invoices fits it.
    (
        33,
        "/VAT/690,00/IDC/7114710499/INV/ZBIORCZO 01.11.2026-30.11.2026",
        "ZIELONY OGROD",
        "3690.00",
        {"a42", "a43"},
        True,
    ),
    (
        34,
        (
            "Numer faktury VAT lub okres płatności zbiorczej :  FV/2026/11/0042 "
            "Identyfikator odbiorcy : 7114710499 Kwota VAT : 460,00 PLN"
        ),
        "ZIELONY OGROD SP. Z O.O.",
        "2460.00",
        {"a42"},
        True,
    ),
    (
        36,
        "KSEF 7114710499-20261103-4F2A9C-81D03E-7B FV/2026/11/0042",
        "ZIELONY OGROD",
        "2460.00",
        {"a42"},
        True,
    ),
    (42, "Przelew na telefon BLIK od JAN WISNIEWSKI", "JAN WISNIEWSKI", "199.00", {"d9"}, True),
    (44, "ZAMÓWIENIE 2026-0815", "JAN WIŚNIEWSKI", "199.00", {"d9"}, True),
    (45, "za fakture", "ZIELONY OGROD SP. Z O.O.", "1230.00", {"a43"}, True),
    (46, "03105014451318609139099603", "Z.O. SP. Z O.O.", "1230.00", {"a43"}, True),
    (47, "NIP 7465075290 FV 43", "ZIELONY OGROD", "1230.00", {"a43"}, True),
    (48, "Nowicka FV 108", "E. NOWICKA", "307.50", {"b108"}, True),
    (49, "REMITTANCE ISSUED", "ZIELONY OGROD SP Z O O", "3690.00", {"a42", "a43"}, True),
    (
        50,
        "ABCP12(3101)2.11.5521. ZAPL ZA FV FV/2026/11/0043 Z DN 03.11.26 RM 1101",
        "ZIELONY OGROD",
        "1230.00",
        {"a43"},
        True,
    ),
    (51, "FV/2026/11/0042 FV/2026/11/0042", "ZIELONY OGROD", "2460.00", {"a42"}, True),
    (52, "fv/2026/11/0042zaplata", "zielony ogrod", "2460.00", {"a42"}, True),
    (53, "FV 42/11/2026", "ZIELONY OGROD", "2460.00", {"a42"}, True),
    (
        54,
        "ZAPLATA ZA FV/2026/11/0042 ZIELONY OGROD SP Z O O UL. KWIATOWA 12 00-950 WARSZAWA",
        "",
        "2460.00",
        {"a42"},
        True,
    ),
    (56, "Zaplata FV/2026/11/0042 – dziękujemy! 🙂", "ZIELONY OGROD", "2460.00", {"a42"}, True),
    (57, "ZAP£ATA ZA FV/2026/10/0107", "PHU NOWICKA EWA £ÓD¬", "615.00", {"b107"}, True),
    # 58: "1 10/2026" matches nothing; partner and amount are a suggestion only.
    (58, "Faktura 1 10/2026", "NOWICKA EWA", "615.00", {"b107"}, False),
]

NOTHING = [
    (
        38,
        "/TI/N7114710499/OKR/26M10/SFP/VAT-7/TXT/JPK V7M",
        "TECHMAR SERWIS SP. Z O.O.",
        "-5320.00",
    ),
    (39, "OPŁATA PRZELEW ZEW.DOWOL.BIEŻĄCY", "", "-1.50"),
    (43, "Zakup BLIK ref:86011223344", "PAYU S.A.", "-245.79"),
]


@pytest.mark.parametrize(
    ("title", "name", "amount", "expected", "auto"),
    [row[1:] for row in SAMPLES],
    ids=[f"sample-{row[0]}" for row in SAMPLES],
)
def test_title_sample_is_matched_as_expected(title, name, amount, expected, auto):
    suggestion = match(title, amount, name=name)
    assert set(suggestion.document_ids) == expected, suggestion.reasons
    if auto is not None:
        assert suggestion.auto is auto, suggestion.reasons


@pytest.mark.parametrize(
    ("title", "name", "amount"),
    [row[1:] for row in NOTHING],
    ids=[f"sample-{row[0]}" for row in NOTHING],
)
def test_title_sample_that_pays_no_invoice_gets_no_document(title, name, amount):
    suggestion = match(title, amount, name=name)
    assert suggestion.document_ids == ()
