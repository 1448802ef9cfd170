"""How sure the matcher is: one table from evidence to confidence, and the reasons' wording.

Confidence is read from a table rather than summed from weights so that every figure can be
explained to an accountant ("number in title and amount equal, sender unknown: 0.96") and
tuned in one place. The three axes are independent pieces of evidence:

- how the document's *number* was found in the title (:mod:`.numbers` levels);
- how the *partner* was recognised (``PARTNER_*``);
- whether the *amount* equals the open residual (or the sum of several).

The figures were set from the failure modes in ``research/polish_domain_ux.md`` and checked
on the generated corpus (``engine_tests/match_corpus.py``): only combinations of at least two
independent signals reach the default auto threshold of 0.9, and a typo in the number, a
short number such as ``12/2026`` or an amount alone never does without a second signal.
"""

from decimal import Decimal

from ..i18n import _lt
from .numbers import EXACT, FUZZY, NONE, NORMALIZED, WEAK

#: Partner found by its bank account (sender or in the title) or its NIP.
PARTNER_STRONG = 3
#: Partner found by a name that matches well (or its full name in the title).
PARTNER_NAME = 2
#: Partner found by a partial name (a surname in the title, a name that matches loosely).
PARTNER_WEAK = 1
PARTNER_NONE = 0
#: The account or NIP belongs to *another* known partner and nothing points to this one.
PARTNER_CONFLICT = -1

_PARTNER_COLUMNS = (PARTNER_STRONG, PARTNER_NAME, PARTNER_WEAK, PARTNER_NONE, PARTNER_CONFLICT)

# (number level, amount equal?) -> confidence for each partner column, in _PARTNER_COLUMNS order.
_TABLE = {
    (EXACT, True): (0.99, 0.985, 0.975, 0.96, 0.80),
    (EXACT, False): (0.96, 0.95, 0.93, 0.88, 0.35),
    (NORMALIZED, True): (0.985, 0.975, 0.96, 0.93, 0.75),
    (NORMALIZED, False): (0.94, 0.93, 0.91, 0.85, 0.25),
    (WEAK, True): (0.96, 0.94, 0.91, 0.75, 0.50),
    (WEAK, False): (0.85, 0.80, 0.70, 0.30, 0.20),
    (FUZZY, True): (0.95, 0.93, 0.91, 0.86, 0.55),
    (FUZZY, False): (0.80, 0.75, 0.65, 0.30, 0.20),
    (NONE, True): (0.94, 0.92, 0.80, 0.35, 0.0),
    (NONE, False): (0.60, 0.55, 0.40, 0.0, 0.0),
}

#: Below this difference two suggestions are equally good: neither may be applied alone.
AMBIGUITY_MARGIN = 0.01
#: Confidence an ambiguous suggestion is capped at, so that "accept all above X" skips it.
AMBIGUOUS_CAP = 0.6
#: Penalty for a transfer dated long before the document.
EARLY_DATE_PENALTY = 0.3


def base_confidence(number_level, partner_level, amount_equal):
    """Return the table's confidence for one combination of evidence.

    >>> base_confidence(EXACT, PARTNER_STRONG, True)
    0.99
    >>> base_confidence(NONE, PARTNER_NONE, True)  # a stranger paying a coincidental amount
    0.35
    """
    row = _TABLE[(number_level, bool(amount_equal))]
    return row[_PARTNER_COLUMNS.index(partner_level)]


def format_amount(value):
    """Return an amount the Polish way, as the reasons show it: ``2 460,00``."""
    quantized = Decimal(value).quantize(Decimal("0.01"))
    sign = "-" if quantized < 0 else ""
    integer, _dot, decimals = f"{abs(quantized):.2f}".partition(".")
    groups = []
    while integer:
        groups.insert(0, integer[-3:])
        integer = integer[:-3]
    return f"{sign}{' '.join(groups)},{decimals}"


def number_reason(level, label, reference, written):
    """Return the reason for a number found in the title.

    ``label`` names the kind of reference ("invoice number", "vendor reference"),
    ``reference`` is how our ledger spells it, ``written`` how the title does.
    """
    if level == EXACT:
        return _lt("%(label)s %(reference)s in title", label=label, reference=reference)
    if level == FUZZY:
        return _lt(
            "%(label)s %(reference)s in title with one character different ('%(written)s')",
            label=label,
            reference=reference,
            written=written,
        )
    if level == WEAK:
        return _lt(
            "%(label)s %(reference)s in title as '%(written)s' (short form)",
            label=label,
            reference=reference,
            written=written,
        )
    return _lt(
        "%(label)s %(reference)s in title as '%(written)s'",
        label=label,
        reference=reference,
        written=written,
    )
