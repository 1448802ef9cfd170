"""A small realistic ledger for the matching tests (``research/title_samples.md`` fixture).

Our company is Techmar Serwis Sp. z o.o.; customers A (Zielony Ogród, a limited company), B (Ewa
Nowicka, a sole trader), C (Kowalczyk-Bud, a general partnership), D (Jan Wiśniewski, a
consumer) and vendor V (Hurtownia Elektryczna Volt). NIPs pass the NIP checksum and accounts
pass mod 97, so the matcher's validators accept them.
"""

import datetime
from decimal import Decimal

from engine.match import BankTransfer, Matcher, MatchOptions, OpenDocument, Party

OUR_NIP = "7114710499"
OUR_IBAN = "PL78114020045260181590830166"

ZIELONY = Party(
    "A", "Zielony Ogród Sp. z o.o.", "7465075290", ("PL03 1050 1445 1318 6091 3909 9603",)
)
NOWICKA = Party("B", "PHU Nowicka Ewa Nowicka", "PL1703423666", ("77109010140824628194821993",))
KOWALCZYK = Party(
    "C", "Kowalczyk-Bud Spółka Jawna", "712-768-42-61", ("84116022025181909378657975",)
)
WISNIEWSKI = Party("D", "Jan Wiśniewski", "", ("59124010374323194875749118",))
VOLT = Party("V", "Hurtownia Elektryczna Volt S.A.", "8465632124", ("21102010266252760189555979",))

ZIELONY_IBAN = "03105014451318609139099603"
NOWICKA_IBAN = "77109010140824628194821993"
KOWALCZYK_IBAN = "84116022025181909378657975"
WISNIEWSKI_IBAN = "59124010374323194875749118"
VOLT_IBAN = "21102010266252760189555979"

TODAY = datetime.date(2026, 11, 20)


def document(
    id,
    number,
    partner,
    amount,
    *,
    move_type="out_invoice",
    residual=None,
    currency="PLN",
    date=datetime.date(2026, 11, 3),
    due_date=None,
    payment_reference="",
    tax=None,
):
    """Return an :class:`OpenDocument`; amounts are given as text (``"2460.00"``)."""
    total = Decimal(amount)
    return OpenDocument(
        id=id,
        number=number,
        move_type=move_type,
        partner=partner,
        amount_total=total,
        amount_residual=total if residual is None else Decimal(residual),
        currency=currency,
        date=date,
        due_date=due_date or date + datetime.timedelta(days=14),
        payment_reference=payment_reference,
        amount_tax=None if tax is None else Decimal(tax),
    )


def ledger():
    """The open documents of the fixture (see the module docstring)."""
    return [
        document("a42", "FV/2026/11/0042", ZIELONY, "2460.00", tax="460.00"),
        document("a43", "FV/2026/11/0043", ZIELONY, "1230.00", date=datetime.date(2026, 11, 4)),
        document("b107", "FV/2026/10/0107", NOWICKA, "615.00", date=datetime.date(2026, 10, 20)),
        document("b108", "FV/2026/10/0108", NOWICKA, "307.50", date=datetime.date(2026, 10, 21)),
        document("bfs7", "FS 7/2026", NOWICKA, "1230.00", date=datetime.date(2026, 7, 1)),
        document("c51", "FV/2026/11/0051", KOWALCZYK, "18450.00", tax="3450.00"),
        document("c12", "12/11/2026", KOWALCZYK, "1845.00", date=datetime.date(2026, 11, 12)),
        document("c13", "13/11/2026", KOWALCZYK, "990.00", date=datetime.date(2026, 11, 13)),
        document("d9", "FV/2026/09/0009", WISNIEWSKI, "199.00", date=datetime.date(2026, 9, 5)),
        document("akor3", "FKOR/2026/11/0003", ZIELONY, "246.00", move_type="out_refund"),
        document(
            "v1",
            "FZ/2026/11/0001",
            VOLT,
            "5000.00",
            move_type="in_invoice",
            payment_reference="FA/1234/11/2026",
            tax="934.96",
        ),
        document(
            "vkor",
            "RBILL/2026/0004",
            VOLT,
            "120.00",
            move_type="in_refund",
            payment_reference="KOR/77/2026",
        ),
    ]


def transfer(title, amount, *, name="", iban="", currency="PLN", date=TODAY, id="t1"):
    """Return a :class:`BankTransfer`; ``amount`` is text, signed (money in is positive)."""
    return BankTransfer(
        id=id,
        amount=Decimal(amount),
        currency=currency,
        date=date,
        counterparty_name=name,
        counterparty_iban=iban,
        title=title,
    )


def match(title, amount, *, documents=None, allow_differences=True, allow_netting=False, **fields):
    """Match one transfer against the fixture ledger (or ``documents``), return its suggestion.

    ``fields`` are the transfer's other fields (``name``, ``iban``, ``currency``, ``date``).
    """
    matcher = Matcher(ledger() if documents is None else documents)
    options = MatchOptions(
        allow_differences=allow_differences,
        allow_netting=allow_netting,
        company_vats=(OUR_NIP,),
        company_ibans=(OUR_IBAN,),
    )
    return matcher.match([transfer(title, amount, **fields)], options)[0]
