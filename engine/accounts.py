"""Re-linking bank accounts after a renewed consent.

Every provider gives accounts new ids under a new consent (Enable Banking ``uid``s "valid
only until the session … is AUTHORIZED"; GoCardless account ids change with each
requisition), while the Odoo journals must stay linked. Enable Banking's
``identification_hash`` "can be used for matching accounts between multiple sessions"
(``marefr/enablebankinggo`` ``AccountResource``); elsewhere the IBAN is the stable key.

>>> from engine.records import RemoteAccount
>>> old = [RemoteAccount("uid-1", "PLN", iban="PL61 1090 1014", identification_hash="h1")]
>>> new = [RemoteAccount("uid-9", "PLN", iban="PL6110901014", identification_hash="h1")]
>>> relink(old, new)["uid-1"].remote_id
'uid-9'
"""


def relink(previous, renewed):
    """Map each previous account's ``remote_id`` to its :class:`RemoteAccount` under the
    renewed consent (accounts no longer visible are absent from the result).

    Matches on ``identification_hash`` when both sides have one, else on the IBAN with
    spaces removed and upper-cased; an ambiguous match (two renewed accounts with the same
    key) links nothing rather than the wrong journal.
    """
    by_hash, by_iban = {}, {}
    for account in renewed:
        if account.identification_hash:
            by_hash.setdefault(account.identification_hash, []).append(account)
        if account.iban:
            by_iban.setdefault(_iban(account.iban), []).append(account)
    links = {}
    for account in previous:
        candidates = []
        if account.identification_hash:
            candidates = by_hash.get(account.identification_hash, [])
        if not candidates and account.iban:
            candidates = by_iban.get(_iban(account.iban), [])
        if len(candidates) == 1:
            links[account.remote_id] = candidates[0]
    return links


def _iban(text):
    return "".join(text.split()).upper()
