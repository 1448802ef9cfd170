"""Polish identifiers in titles and on partners: NIP, NRB/IBAN, KSeF numbers.

Every identifier found in free text is *validated* before it is believed (python-stdnum's
checksums), because titles are full of digit runs that merely look like one: order numbers,
phone numbers, amounts. Rules and check algorithms: ``research/polish_domain_ux.md`` §3.
"""

import re

from stdnum import iban as stdnum_iban
from stdnum.pl import nip as stdnum_nip

# A NIP as people write it: 10 digits, optionally "PL", grouped 3-3-2-2 or 3-2-2-3.
_NIP_RE = re.compile(
    r"(?<![0-9A-Z])(?:PL[ -]?)?(\d{3}[ -]?\d{3}[ -]?\d{2}[ -]?\d{2}|\d{3}-\d{2}-\d{2}-\d{3})(?!\d)"
)
# A Polish account: 26 digits (NRB) or PL + 26 digits (IBAN), in groups of 2+4x6 or solid.
_NRB_RE = re.compile(r"(?<![0-9A-Z])(?:PL ?)?(\d{2}(?: ?\d{4}){6})(?!\d)")
# A foreign IBAN written solid (a Polish one is caught by _NRB_RE).
_IBAN_RE = re.compile(r"(?<![0-9A-Z])([A-Z]{2}\d{2}[A-Z0-9]{11,30})(?![A-Z0-9])")
# KSeF invoice number: NIP-YYYYMMDD-12 hex-12-2 hex (35 characters); some sources show the
# technical part split 6+6 (36), and banks may wrap the number (a space) or strip the hyphens.
_KSEF_RE = re.compile(
    r"(?<![0-9A-Z])(\d{10})[ -]?(20\d{6})[ -]?([0-9A-F]{6})[ -]?([0-9A-F]{6})[ -]?([0-9A-F]{2})"
    r"(?![0-9A-Z])"
)

_NON_ALNUM_RE = re.compile(r"[^0-9A-Z]+")

#: Start of the NRB (after its two check digits) of the tax offices' individual micro-accounts
#: ("mikrorachunek podatkowy": NBP sort code 1010 0071, then 222). Transfers there pay taxes.
TAX_MICRO_ACCOUNT_PREFIX = "10100071222"
#: Start of the NRB (after its check digits) of ZUS individual contribution accounts.
ZUS_ACCOUNT_PREFIX = "60000002026"


def is_tax_account(account):
    """True for a tax micro-account (normalized NRB): a tax payment, never an invoice's."""
    return len(account) == 26 and account[2:].startswith(TAX_MICRO_ACCOUNT_PREFIX)


def is_social_insurance_account(account):
    """True for a ZUS contribution account (normalized NRB)."""
    return len(account) == 26 and account[2:].startswith(ZUS_ACCOUNT_PREFIX)


def normalize_account(value):
    """Return an account number in the form the matcher compares, or ``""``.

    A Polish account becomes its 26-digit NRB whether it was written as an IBAN or not, with or
    without spaces; a foreign IBAN keeps its country code. Only letters and digits are kept.
    The result is *not* validated: use :func:`is_valid_account` for text found in titles.

    >>> normalize_account("PL61 1090 1014 0000 0712 1981 2874")
    '61109010140000071219812874'
    """
    if not value:
        return ""
    compact = _NON_ALNUM_RE.sub("", str(value).upper())
    if compact.startswith(("IBAN", "NRB")):
        compact = compact[4:] if compact.startswith("IBAN") else compact[3:]
    if compact.startswith("PL") and len(compact) == 28 and compact[2:].isdigit():
        return compact[2:]
    return compact


def is_valid_account(account):
    """True when a normalized account passes the IBAN check (an NRB is checked as ``PL…``)."""
    if len(account) == 26 and account.isdigit():
        return stdnum_iban.is_valid("PL" + account)
    return len(account) >= 15 and stdnum_iban.is_valid(account)


def normalize_vat(value):
    """Return a Polish NIP as 10 digits, another VAT number compacted, or ``""``.

    >>> normalize_vat("PL 711-471-04-99")
    '7114710499'
    """
    if not value:
        return ""
    compact = _NON_ALNUM_RE.sub("", str(value).upper())
    if compact.startswith("PL") and compact[2:].isdigit():
        compact = compact[2:]
    return compact


def find_nips(folded_text):
    """Yield ``(nip, start, end)`` for every *valid* NIP in upper-case text."""
    for match in _NIP_RE.finditer(folded_text):
        digits = re.sub(r"\D", "", match.group(1))
        if len(digits) == 10 and stdnum_nip.is_valid(digits):
            yield digits, match.start(), match.end()


def find_accounts(folded_text):
    """Yield ``(account, start, end)`` for every valid NRB or IBAN in upper-case text."""
    for match in _NRB_RE.finditer(folded_text):
        account = match.group(1).replace(" ", "")
        if is_valid_account(account):
            yield account, match.start(), match.end()
    for match in _IBAN_RE.finditer(folded_text):
        account = match.group(1)
        if not account.startswith("PL") and is_valid_account(account):
            yield account, match.start(), match.end()


def find_ksef_numbers(folded_text):
    """Yield ``(ksef_number, start, end)``; the number is returned in its 35-character form.

    The KSeF checksum is not verified (its algorithm is not public in our sources); the seller
    NIP inside it is, which is enough to tell a KSeF number from a random run of digits.
    """
    for match in _KSEF_RE.finditer(folded_text):
        nip, day, tech1, tech2, check = match.groups()
        if stdnum_nip.is_valid(nip):
            yield f"{nip}-{day}-{tech1}{tech2}-{check}", match.start(), match.end()


def compact_ksef(value):
    """Return a KSeF number without separators, the key the matcher indexes it by."""
    return "".join(char for char in value.upper() if char.isalnum())
