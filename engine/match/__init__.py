"""Invoice matching: which open invoices or bills does a bank transfer pay, and why.

Pure Python (no Odoo); the Odoo reconciliation service translates its records to these objects
and back. Inside Odoo the package is ``odoo.addons.account_bank_psd2.engine.match``, in tests
and tools ``engine.match``; it exports ``BankTransfer``, ``Matcher``, ``MatchOptions``,
``OpenDocument``, ``Party`` and the rest listed below. Typical use::

    matcher = Matcher(documents, parties=known_partners)  # once per run: builds the indexes
    options = MatchOptions(allow_differences=True, auto_threshold=0.9,
                           company_vats=("7114710499",), company_ibans=(our_iban,))
    for suggestion in matcher.match(transfers, options):
        if suggestion.auto:
            ...  # reconcile suggestion.allocations, book suggestion.difference per settings
        elif suggestion.document_ids:
            ...  # show suggestion.confidence and suggestion.reasons in the wizard
        if suggestion.partner_key:
            ...  # set the partner on the statement line, even without a document

Objects (:mod:`.model`), all frozen dataclasses:

- :class:`Party` ``(key, name, vat, ibans)``: ``key`` is yours (the commercial partner id).
- :class:`OpenDocument` ``(id, number, move_type, partner, amount_total, amount_residual,
  currency, date, due_date, payment_reference, references, amount_tax)``: amounts are positive
  :class:`~decimal.Decimal` in the document currency; ``move_type`` is Odoo's
  (``out_invoice``, ``out_refund``, ``in_invoice``, ``in_refund``); for a vendor bill
  ``payment_reference`` is the vendor's own invoice number.
- :class:`BankTransfer` ``(id, amount, currency, date, counterparty_name, counterparty_iban,
  title)``: ``amount`` is signed, money in positive.
- :class:`MatchOptions` ``(allow_differences, auto_threshold, company_vats, company_ibans,
  max_combination, date_tolerance_days, suggest_amount_only, allow_netting)``.
- :class:`Suggestion` ``(transaction_id, document_ids, confidence, auto, reasons, partner_key,
  allocations, difference, kind)`` with :class:`Allocation` ``(document_id, amount)``.

:class:`Matcher` ``(documents, parties=())`` builds its indexes once (linear in the number of
documents); :meth:`Matcher.match` ``(transfers, options=None) -> list[Suggestion]`` answers in
input order and never applies one document automatically to two transfers of the same call.
Matching a transfer costs dictionary lookups plus work proportional to the documents of the
partners it points to, so 10,000 transfers against 50,000 documents take seconds
(``bench/bench_match_engine.py``).

Rules in brief (details in each module): money in settles ``out_invoice`` and ``in_refund``,
money out settles ``in_invoice`` and ``out_refund``, never the other way round (with
``allow_netting``, on by default, the partner's credit notes may be netted against the
invoices a transfer pays, automatically only when the title names every invoice);
currencies must be equal; tax-office (``/TI/``), ZUS and own-account transfers are never
invoice payments; ``auto`` needs two independent signals (a number and the amount, a number
and the partner, the partner and a unique amount), an amount equal to the residual unless
``allow_differences``, and no equally good alternative.

``kind`` tells the Odoo layer what a line with no document is (``KIND_TAX``,
``KIND_SOCIAL_INSURANCE``, ``KIND_BANK_FEE``, ``KIND_OWN_TRANSFER``, ``KIND_MALFORMED``,
``KIND_NONE``). The command line (``python -m engine.match``, :mod:`.cli`) reads the JSON of
issue 3 through :mod:`.jsonio`; its ``--details`` flag adds the partner and allocations.
"""

from .matcher import Matcher
from .model import (
    INBOUND_TYPES,
    IN_INVOICE,
    IN_REFUND,
    KIND_BANK_FEE,
    KIND_DOCUMENTS,
    KIND_MALFORMED,
    KIND_NONE,
    KIND_OWN_TRANSFER,
    KIND_SOCIAL_INSURANCE,
    KIND_TAX,
    MOVE_TYPES,
    OUT_INVOICE,
    OUT_REFUND,
    OUTBOUND_TYPES,
    Allocation,
    BankTransfer,
    MatchOptions,
    OpenDocument,
    Party,
    Suggestion,
)
