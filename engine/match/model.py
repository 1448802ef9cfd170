"""The plain objects the matcher reads and returns.

The Odoo layer builds :class:`OpenDocument` and :class:`BankTransfer` from its records and
turns each :class:`Suggestion` back into a reconciliation proposal. Conventions, shared with
:mod:`engine.records`:

- amounts are :class:`~decimal.Decimal`. A document's ``amount_total`` and
  ``amount_residual`` are *positive*, in the document's currency, whatever its direction; a
  transfer's ``amount`` is signed from the account holder's point of view (money in is
  positive);
- currencies are ISO 4217 codes in upper case;
- ids are strings chosen by the caller (Odoo passes ``str(record.id)``); the engine only
  compares them and hands them back.
"""

import dataclasses
import datetime
from decimal import Decimal

#: Customer invoice: the customer pays it *in*.
OUT_INVOICE = "out_invoice"
#: Credit note to a customer: we pay it *out* (refund).
OUT_REFUND = "out_refund"
#: Vendor bill: we pay it *out*.
IN_INVOICE = "in_invoice"
#: Credit note from a vendor: the vendor refunds us, money comes *in*.
IN_REFUND = "in_refund"
MOVE_TYPES = (OUT_INVOICE, OUT_REFUND, IN_INVOICE, IN_REFUND)

#: Move types settled by money coming in (positive transfer amount) and going out.
INBOUND_TYPES = frozenset((OUT_INVOICE, IN_REFUND))
OUTBOUND_TYPES = frozenset((IN_INVOICE, OUT_REFUND))

#: What a suggestion is about (``Suggestion.kind``). Only ``KIND_DOCUMENTS`` ever names
#: documents; the others tell the Odoo layer why none were named, so that it can route the
#: line (a tax payment to the tax account, a bank fee to the fee model, ...).
KIND_DOCUMENTS = "documents"
KIND_NONE = "none"
KIND_TAX = "tax"
KIND_SOCIAL_INSURANCE = "social_insurance"
KIND_BANK_FEE = "bank_fee"
KIND_OWN_TRANSFER = "own_transfer"
KIND_MALFORMED = "malformed"


@dataclasses.dataclass(frozen=True)
class Party:
    """A business partner as the matcher knows it.

    ``key`` is the caller's stable identity (Odoo: the commercial partner's id) and is what a
    :class:`Suggestion` reports as ``partner_key``. ``vat`` may carry a ``PL`` prefix and
    dashes; ``ibans`` may be IBANs or bare 26-digit Polish NRBs, with or without spaces: the
    matcher normalizes both.
    """

    key: str
    name: str = ""
    vat: str = ""
    ibans: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class OpenDocument:
    """A posted invoice, bill or credit note that is not fully paid.

    ``number`` is our own document number (``FV/2026/11/0012``); ``payment_reference`` is the
    reference the payer is expected to quote: for a vendor bill, the *vendor's* invoice
    number, which is what our own outgoing transfer titles carry. ``references`` holds any
    other identifier a payer may quote (the KSeF number, an order number): each is looked up
    exactly. ``amount_tax`` (optional) lets the matcher check the ``/VAT/`` amount of a
    split-payment title.
    """

    id: str
    number: str
    move_type: str
    partner: Party
    amount_total: Decimal
    amount_residual: Decimal
    currency: str = "PLN"
    date: datetime.date | None = None
    due_date: datetime.date | None = None
    payment_reference: str = ""
    references: tuple[str, ...] = ()
    amount_tax: Decimal | None = None

    def __post_init__(self):
        if self.move_type not in MOVE_TYPES:
            raise ValueError(f"Unknown move type {self.move_type!r}.")
        if not isinstance(self.amount_residual, Decimal) or not isinstance(
            self.amount_total, Decimal
        ):
            raise TypeError("Document amounts must be Decimal values.")

    @property
    def is_inbound(self):
        """True when the document is settled by money coming in (see :data:`INBOUND_TYPES`)."""
        return self.move_type in INBOUND_TYPES


@dataclasses.dataclass(frozen=True)
class BankTransfer:
    """One bank statement line to match.

    ``amount`` is signed (money in is positive) and never zero for a real transfer.
    ``counterparty_name`` and ``counterparty_iban`` are the *other* side: the payer of an
    incoming transfer, the payee of an outgoing one. ``title`` is the remittance text as the
    bank delivered it; line breaks are welcome (they help to join values a bank wrapped at 35
    characters), HTML and junk are tolerated.
    """

    id: str
    amount: Decimal
    currency: str = "PLN"
    date: datetime.date | None = None
    counterparty_name: str = ""
    counterparty_iban: str = ""
    title: str = ""

    def __post_init__(self):
        if not isinstance(self.amount, Decimal):
            raise TypeError("Transfer amounts must be Decimal values.")


@dataclasses.dataclass(frozen=True)
class MatchOptions:
    """How eager the matcher may be; the Odoo layer fills this from the company settings.

    - ``allow_differences``: a transfer may settle documents for an amount other than their
      open residual (partial payment, overpayment). When False, no suggestion whose amount
      differs is ever ``auto``; it is still *suggested*, for a person to decide.
    - ``auto_threshold``: the confidence from which a suggestion is applied without a person.
    - ``company_vats`` / ``company_ibans``: our own NIPs and accounts. A split-payment
      ``/IDC/`` equal to one of our NIPs confirms that the money is ours; a transfer from or
      to one of our accounts is an internal transfer, never an invoice payment.
    - ``max_combination``: the most documents one transfer may settle when the title does not
      list them (found by a bounded subset sum over one partner's open documents).
    - ``date_tolerance_days``: a transfer dated more than this many days *before* a
      document's date is suspicious (it cannot pay an invoice that did not exist yet).
    - ``suggest_amount_only``: when nothing but the amount points to a document (unknown
      sender, generic title), still suggest it with a low confidence (never ``auto``).
    - ``allow_netting``: a transfer may settle invoices *and* credit notes of the same
      partner when it pays the invoices less the notes ("FV 42 and FV 43 minus correction
      FKOR 3", or just "FV 42" for its amount less an open note), although money in never
      settles a credit note to a customer on its own. Such a suggestion is ``auto`` only when
      the title names every invoice and the amount is exactly the invoices less the notes.
      When False, a suggestion never names a document whose direction contradicts the
      transfer's.
    """

    allow_differences: bool = False
    auto_threshold: float = 0.9
    company_vats: tuple[str, ...] = ()
    company_ibans: tuple[str, ...] = ()
    max_combination: int = 4
    date_tolerance_days: int = 7
    suggest_amount_only: bool = True
    allow_netting: bool = True


@dataclasses.dataclass(frozen=True)
class Allocation:
    """How much of one document's residual a transfer settles (positive, document currency).

    For an overpayment the allocation is the full residual and the surplus is
    :attr:`Suggestion.difference`; for a partial payment it is less than the residual.
    """

    document_id: str
    amount: Decimal


@dataclasses.dataclass(frozen=True)
class Suggestion:
    """The matcher's answer for one transfer.

    - ``document_ids`` is empty when nothing is suggested; ``allocations`` has one entry per
      document, in the same order.
    - ``confidence`` in [0, 1] estimates how likely the suggestion is right; ``auto`` is True
      only when it reached the threshold, no equally good alternative exists, the amount
      fits (or differences are allowed) and no earlier suggestion of the same run took the
      documents.
    - ``reasons`` are English sentences for the person reviewing it, strongest first.
    - ``partner_key`` is the partner the transfer comes from or goes to, when it was found
      (even with no document): the Odoo layer sets it on the statement line.
    - ``difference`` is the transfer's absolute amount minus the allocated total: positive
      for an overpayment, negative for a partial payment, zero for an exact match.
    - ``kind`` is one of the ``KIND_*`` constants of this module.
    """

    transaction_id: str
    document_ids: tuple[str, ...] = ()
    confidence: float = 0.0
    auto: bool = False
    reasons: tuple[str, ...] = ()
    partner_key: str | None = None
    allocations: tuple[Allocation, ...] = ()
    difference: Decimal = Decimal(0)
    kind: str = KIND_NONE
