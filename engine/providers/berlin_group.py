"""Berlin Group NextGenPSD2 JSON → normalized records.

GoCardless Bank Account Data returns accounts, balances and transactions in Berlin Group
shape ("Transactions will be returned in Berlin Group PSD2 format", ``nordigen/nordigen-
python`` ``nordigen/api/accounts.py``); so does any Berlin Group bank, and the Sandbox Bank's
``raw`` records. A future Berlin Group adapter reuses this module unchanged.

Field names and meanings: GoCardless "Account Transactions Output"
(developer.gocardless.com/bank-account-data/transactions) and the OCA mapping in
``OCA/bank-statement-import`` ``account_statement_import_online_gocardless``:

- ``transactionAmount.amount`` is a **signed** string (negative for money out);
- the counterparty is the debtor for money in and the creditor for money out;
- the remittance is ``remittanceInformationUnstructured``, else the joined
  ``remittanceInformationUnstructuredArray``, else the structured variants.
"""

from .. import errors
from ..i18n import _lt
from ..records import (
    BALANCE_TYPES,
    BOOKED,
    MAX_NAME_LENGTH,
    Balance,
    Transaction,
    clean_text,
    parse_amount,
    parse_currency,
    parse_date,
)
from .common import bounded, require_dict

#: Fields tried, in order, for the transaction's immutable id (see :func:`transaction_id`).
DEFAULT_ID_FIELDS = ("entryReference", "transactionId")


def transaction_id(raw, id_fields=DEFAULT_ID_FIELDS):
    """Return the first non-empty id among ``id_fields`` (text), or ``""``."""
    for field in id_fields:
        value = raw.get(field)
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if isinstance(value, str) and value.strip():
            return clean_text(value, max_length=MAX_NAME_LENGTH)
    return ""


def remittance_text(raw):
    """Return the payment title a Berlin Group transaction carries (may be ``""``)."""
    for field in (
        "remittanceInformationUnstructured",
        "remittanceInformationUnstructuredArray",
        "remittanceInformationStructured",
        "remittanceInformationStructuredArray",
    ):
        value = raw.get(field)
        if isinstance(value, dict):
            value = value.get("reference")
        if value:
            return clean_text(value)
    return clean_text(raw.get("additionalInformation"))


def transaction_from_berlin_group(raw, *, status=BOOKED, id_fields=DEFAULT_ID_FIELDS):
    """Return the :class:`~..records.Transaction` of one Berlin Group record.

    :param status: ``booked`` or ``pending``: Berlin Group lists them in separate arrays.
    :raise BadPayload: the record has no usable amount, currency or date.
    """
    raw = require_dict(raw, "A transaction")
    money = require_dict(raw.get("transactionAmount"), "transactionAmount")
    currency = parse_currency(money.get("currency"))
    amount = parse_amount(money.get("amount"), currency=currency)
    date_text = raw.get("bookingDate") or raw.get("bookingDateTime")
    if status != BOOKED:
        date_text = date_text or raw.get("valueDate") or raw.get("valueDateTime")
    if not date_text:
        raise errors.BadPayload(_lt("The transaction has no booking date."))
    value_text = raw.get("valueDate") or raw.get("valueDateTime")
    side = "debtor" if amount > 0 else "creditor"
    party_account = raw.get(f"{side}Account")
    return Transaction(
        provider_id=transaction_id(raw, id_fields),
        booking_date=parse_date(date_text),
        value_date=parse_date(value_text) if value_text else None,
        amount=amount,
        currency=currency,
        counterparty_name=clean_text(raw.get(f"{side}Name"), max_length=MAX_NAME_LENGTH),
        counterparty_account=_account_number(party_account),
        remittance=remittance_text(raw),
        status=status,
        end_to_end_id=_reference(raw.get("endToEndId")),
        bank_reference=_reference(raw.get("transactionId") or raw.get("entryReference")),
        raw=bounded(raw),
    )


def balance_from_berlin_group(raw):
    """Return the :class:`~..records.Balance` of one Berlin Group balance record.

    :raise BadPayload: no usable amount or currency. Unknown balance types are kept with
        their own name (``nonInvoiced``...); :func:`~..sync.pick_balance` ranks known ones.
    """
    raw = require_dict(raw, "A balance")
    money = require_dict(raw.get("balanceAmount"), "balanceAmount")
    currency = parse_currency(money.get("currency"))
    balance_type = raw.get("balanceType")
    if not isinstance(balance_type, str) or not balance_type:
        raise errors.BadPayload(_lt("The balance has no type."))
    reference = raw.get("referenceDate")
    return Balance(
        balance_type=balance_type if balance_type in BALANCE_TYPES else clean_text(balance_type),
        amount=parse_amount(money.get("amount"), currency=currency),
        currency=currency,
        reference_date=parse_date(reference) if reference else None,
    )


def _account_number(value):
    if isinstance(value, dict):
        value = value.get("iban") or value.get("bban") or value.get("maskedPan")
    if not isinstance(value, str):
        return ""
    return clean_text(value, max_length=64).replace(" ", "")


def _reference(value):
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or value.strip().upper() == "NOTPROVIDED":
        return ""
    return clean_text(value, max_length=MAX_NAME_LENGTH)
