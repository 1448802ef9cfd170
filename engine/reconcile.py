"""How one bank transaction settles open items: the arithmetic of a reconciliation.

The Odoo layer decides *which* invoices and bills a transaction pays (the matcher, or a person
in the wizard); this module decides *how much* of each, what happens to a difference, and how
the company-currency value of the transaction is spread over the journal items it becomes.
It is shared by the automatic reconciliation and the wizard, so that both book the same way.

Sign convention: everything is seen from the transaction. ``paid`` is what it brings
(positive, whatever its direction); a *due* is an open item's residual expressed in the
transaction's currency, positive when the transaction settles it (a customer invoice paid by
money coming in, a vendor bill paid by money going out) and negative when the item runs the
other way (a credit note netted against the invoices).
"""

import dataclasses
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

ZERO = Decimal(0)


@dataclasses.dataclass(frozen=True)
class Settlement:
    """What a transaction settles; ``sum(settled) + writeoff + left_open == paid``.

    - ``settled``: one amount per due, in the same order and with the same sign; an item the
      money did not reach gets zero (the caller leaves it alone).
    - ``writeoff``: a difference small enough to be booked on the write-off account; positive
      when the transaction brought more than was due (an overpayment), negative when it
      brought less and the items were closed anyway.
    - ``left_open``: money left over that stays on the partner's account (never negative).
    """

    settled: tuple
    writeoff: Decimal = ZERO
    left_open: Decimal = ZERO

    @property
    def difference(self):
        """What the transaction brought beyond the items (negative: short of them)."""
        return self.writeoff + self.left_open


def plan_settlement(paid, dues, tolerance=ZERO, can_write_off=False):
    """Spread ``paid`` over ``dues`` (see the module docstring for signs).

    Items running the other way (credit notes) are netted first, then the money settles the
    items in the order given (the caller orders them: the engine's order, or by due date);
    the last one reached may be settled partially. A difference is written off when
    ``can_write_off`` and its size is at most ``tolerance`` (an underpayment then closes the
    items in full); otherwise an underpayment leaves the last item partially paid and an
    overpayment stays open on the partner.

    >>> exact = plan_settlement(Decimal("1230.00"), [Decimal("1230.00")])
    >>> exact.settled, exact.difference
    ((Decimal('1230.00'),), Decimal('0.00'))
    >>> plan_settlement(Decimal("500"), [Decimal("300"), Decimal("400")]).settled
    (Decimal('300'), Decimal('200'))
    >>> plan_settlement(Decimal("1300"), [Decimal("1230")]).left_open
    Decimal('70')
    >>> plan_settlement(Decimal("1230.40"), [Decimal("1230")], Decimal("1"), True).writeoff
    Decimal('0.40')
    >>> over = plan_settlement(Decimal("1229.50"), [Decimal("1230")], Decimal("1"), True)
    >>> over.settled, over.writeoff
    ((Decimal('1230'),), Decimal('-0.50'))
    >>> plan_settlement(Decimal("700"), [Decimal("1000"), Decimal("-300")]).settled
    (Decimal('1000'), Decimal('-300'))
    """
    if paid < 0:
        raise ValueError("The amount a transaction brings is positive.")
    if tolerance < 0:
        raise ValueError("The write-off tolerance cannot be negative.")
    money = paid
    settled = [ZERO] * len(dues)
    for index, due in enumerate(dues):
        if due < 0:
            settled[index] = due
            money -= due
    for index, due in enumerate(dues):
        if due > 0:
            settled[index] = min(due, money) if money > 0 else ZERO
            money -= settled[index]
    shortfall = sum((due for due in dues if due > 0), ZERO) - sum(
        (amount for amount in settled if amount > 0), ZERO
    )
    if shortfall > 0 and can_write_off and shortfall <= tolerance:
        return Settlement(
            tuple(due if due > 0 else amount for due, amount in zip(dues, settled, strict=True)),
            writeoff=-shortfall,
        )
    if money > 0 and can_write_off and money <= tolerance:
        return Settlement(tuple(settled), writeoff=money)
    return Settlement(tuple(settled), left_open=max(money, ZERO))


def distribute(total, weights, quantum=Decimal("0.01")):
    """Split ``total`` in proportion to ``weights``, rounded to ``quantum``, summing exactly.

    Used to give each journal item of a transaction its company-currency value: the weights
    are the items' amounts in the transaction's currency, the total is what the bank line is
    worth in the company's currency. The rounding remainder goes to the (first) largest item, so a
    transaction in the company's own currency gets its amounts back unchanged.

    >>> distribute(Decimal("100.00"), [Decimal("1"), Decimal("1"), Decimal("1")])
    [Decimal('33.34'), Decimal('33.33'), Decimal('33.33')]
    >>> distribute(Decimal("-430.00"), [Decimal("-60"), Decimal("-40")])
    [Decimal('-258.00'), Decimal('-172.00')]
    >>> distribute(Decimal("1230.00"), [Decimal("1300.00"), Decimal("-70.00")])
    [Decimal('1300.00'), Decimal('-70.00')]
    """
    weights = list(weights)
    if not weights:
        return []
    weight_sum = sum(weights, ZERO)
    if not weight_sum:
        raise ValueError("Cannot distribute over weights that sum to zero.")
    parts = [
        (total * weight / weight_sum).quantize(quantum, rounding=ROUND_HALF_UP)
        for weight in weights
    ]
    remainder = total - sum(parts, ZERO)
    if remainder:
        largest = max(range(len(weights)), key=lambda index: abs(weights[index]))
        parts[largest] += remainder
    return parts


@dataclasses.dataclass(frozen=True)
class SearchQuery:
    """What a person typed to find open documents: amounts, and words for numbers or names."""

    amounts: tuple = ()
    words: tuple = ()


# An amount as people type it: 1230 / 1230,5 / 1 230,00 / 1.230,00 / 1,230.00 / 1230.00
_AMOUNT = re.compile(
    r"(?<![\w/.,-])-?(?:\d{1,3}(?:[ \u00a0.,]\d{3})+|\d+)(?:[.,]\d{1,2})?(?![\w/])"
)


def parse_search_query(text):
    """Split a search text into amounts and words.

    A term that reads as an amount (Polish or English separators) is an amount; a bare number
    is also kept as a word, because ``0012`` may be the end of an invoice number as well.
    Words keep their case-insensitive text; punctuation around them is dropped.

    >>> parse_search_query("Nowak 1 230,00")
    SearchQuery(amounts=(Decimal('1230.00'),), words=('Nowak',))
    >>> parse_search_query("FV/2026/11/0012")
    SearchQuery(amounts=(), words=('FV/2026/11/0012',))
    >>> parse_search_query("0012")
    SearchQuery(amounts=(Decimal('12'),), words=('0012',))
    >>> parse_search_query("1,230.50 Kowalski")
    SearchQuery(amounts=(Decimal('1230.50'),), words=('Kowalski',))
    """
    text = text or ""
    amounts, words = [], []
    for found in _AMOUNT.finditer(text):
        amount = _read_amount(found.group())
        if amount is not None:
            amounts.append(amount)
            if found.group().isdigit():
                words.append(found.group())
    rest = _AMOUNT.sub(" ", text)
    words.extend(word for word in (term.strip(",.;:()\"'") for term in rest.split()) if word)
    return SearchQuery(tuple(dict.fromkeys(amounts)), tuple(dict.fromkeys(words)))


def _read_amount(text):
    """Read ``1 230,00``, ``1.230,00``, ``1,230.00`` or ``1230.5``; None if it is not one."""
    compact = text.replace(" ", "").replace("\u00a0", "")
    decimals = re.search(r"[.,](\d{1,2})$", compact)
    integer = compact[: decimals.start()] if decimals else compact
    integer = integer.replace(".", "").replace(",", "")
    try:
        value = Decimal(f"{integer}.{decimals.group(1)}" if decimals else integer)
    except InvalidOperation:
        return None
    return abs(value)
