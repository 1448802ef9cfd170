"""De-duplication keys: the one rule that decides whether a transaction is new.

Every statement line we create stores its key, and the database refuses a second line with
the same key in the same journal. The key must therefore be *stable*: the same bank
transaction read again (next sync, overlap window, backfill, resumed sync) yields the same key.

- When the provider gives an immutable id, the key is that id (``id:<provider id>``). Which of
  a provider's ids is immutable is the adapter's decision (Enable Banking's
  ``entry_reference``, not its ``transaction_id``).
- Otherwise (Kontomatik, bank files) the key is a fingerprint of the transaction's content
  plus an *occurrence counter*: two identical card payments of 12.99 at the same shop on the
  same day are two transactions, keyed ``fp:<hash>:1`` and ``fp:<hash>:2``.

The counter is only stable if every transaction of a booking date is seen in one counting
pass. Sync windows always cover whole days, and :class:`KeyAssigner` carries its counters
across pages (and, through :meth:`KeyAssigner.state`, across a resumed sync), so a pair of
twins split over two pages still gets ``:1`` and ``:2``. What could make a pass count a
transaction twice (a page served again, a listing that moved before a resumed run reads on)
is caught by :class:`~.sync.WindowReader`; its module docstring lists the cases and limits.

>>> import datetime
>>> from decimal import Decimal
>>> from engine.records import Transaction
>>> coffee = Transaction("", datetime.date(2026, 11, 2), Decimal("-12.99"), "PLN",
...                      counterparty_name="ZABKA Z1234 WARSZAWA")
>>> keys = KeyAssigner()
>>> first, second = keys.key_for(coffee), keys.key_for(coffee)
>>> first != second and first.endswith(":1") and second.endswith(":2")
True
>>> KeyAssigner().key_for(coffee) == first
True
"""

import hashlib
import unicodedata

#: Longest key stored as is; longer provider ids are hashed (the database column is bounded).
MAX_KEY_LENGTH = 128


def normalize_for_fingerprint(text):
    """Fold ``text`` so that cosmetic differences between two reads do not change a key.

    Banks re-wrap titles, change case and collapse spaces between reads of the same
    transaction; none of that makes it a different transaction.
    """
    text = unicodedata.normalize("NFKC", text or "").casefold()
    return " ".join(text.split())


def fingerprint(transaction):
    """Return the content hash of ``transaction`` (without occurrence counter).

    Uses what a bank never changes once booked: booking date, signed amount, currency,
    counterparty account and name, and the remittance text. The value date is left out on
    purpose: some banks (seen with PolishAPI banks) fill it in only after booking.
    """
    parts = (
        transaction.booking_date.isoformat(),
        format(transaction.amount.normalize(), "f"),
        transaction.currency,
        normalize_for_fingerprint(transaction.counterparty_account).replace(" ", ""),
        normalize_for_fingerprint(transaction.counterparty_name),
        normalize_for_fingerprint(transaction.remittance),
    )
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:40]


def provider_id_key(provider_id):
    """Return the key of a transaction identified by the provider's immutable id."""
    key = f"id:{provider_id}"
    if len(key) <= MAX_KEY_LENGTH:
        return key
    return "idh:" + hashlib.sha256(provider_id.encode("utf-8")).hexdigest()


class KeyAssigner:
    """Assign de-duplication keys during one pass over a sync window.

    :param state: the value of :meth:`state` saved by an interrupted pass, to resume counting
        where it stopped.
    """

    def __init__(self, state=None):
        self._occurrences = dict(state or {})

    def key_for(self, transaction):
        """Return the key of ``transaction``; call it once per transaction, in bank order."""
        if transaction.provider_id:
            return provider_id_key(transaction.provider_id)
        content = fingerprint(transaction)
        count = self._occurrences.get(content, 0) + 1
        self._occurrences[content] = count
        return f"fp:{content}:{count}"

    def state(self):
        """Return the counters as a JSON-able dict, to store in a sync cursor."""
        return dict(self._occurrences)
