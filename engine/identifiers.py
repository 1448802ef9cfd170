"""Polish and international bank and tax identifiers: normalization, validation, synthesis.

Validation follows the published check-digit rules (IBAN: ISO 13616 mod 97; NIP: weights
6-5-7-2-3-4-5-6-7 mod 11; Polish sort code: weights 3-9-7-1-3-9-7 mod 10, as described by
NBP for the NRB number). The synthesis helpers build *valid* numbers for the Sandbox Bank and
test corpora, so that python-stdnum and banks' validators accept them.

>>> normalize_iban("pl61 1090 1014 0000 0712 1981 2874")
'PL61109010140000071219812874'
>>> is_valid_iban("PL61109010140000071219812874")
True
>>> is_valid_nip("PL 526-025-09-95")
True
"""

import hashlib
import re

_NIP_WEIGHTS = (6, 5, 7, 2, 3, 4, 5, 6, 7)
_SORT_CODE_WEIGHTS = (3, 9, 7, 1, 3, 9, 7)
#: Length of a Polish NRB (domestic account number): 2 check digits + 8 sort code + 16.
NRB_LENGTH = 26


def normalize_iban(text):
    """Return ``text`` without spaces, dashes and case; a bare 26-digit NRB becomes ``PL...``."""
    compact = re.sub(r"[\s\-]", "", text or "").upper()
    if len(compact) == NRB_LENGTH and compact.isdigit():
        compact = "PL" + compact
    return compact


def iban_check_digits(country, bban):
    """Return the two IBAN check digits for ``country`` and ``bban`` (ISO 13616)."""
    rearranged = bban + country + "00"
    number = int("".join(str(int(char, 36)) for char in rearranged))
    return f"{98 - number % 97:02d}"


def is_valid_iban(text):
    """Tell whether ``text`` is a well-formed IBAN with correct check digits."""
    iban = normalize_iban(text)
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}", iban):
        return False
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(char, 36)) for char in rearranged)) % 97 == 1


def normalize_nip(text):
    """Return the 10 digits of a Polish NIP written as ``PL 526-025-09-95`` or similar."""
    digits = re.sub(r"[\s\-]", "", text or "").upper()
    digits = digits.removeprefix("PL")
    return digits


def is_valid_nip(text):
    """Tell whether ``text`` is a Polish NIP with a correct check digit."""
    digits = normalize_nip(text)
    if not re.fullmatch(r"\d{10}", digits):
        return False
    checksum = sum(int(d) * w for d, w in zip(digits, _NIP_WEIGHTS, strict=False)) % 11
    return checksum != 10 and checksum == int(digits[9])


def _digits_from(seed_text, count):
    digest = hashlib.sha256(seed_text.encode("utf-8")).hexdigest()
    digits = "".join(str(int(char, 16) % 10) for char in digest)
    while len(digits) < count:
        digest = hashlib.sha256(digest.encode()).hexdigest()
        digits += "".join(str(int(char, 16) % 10) for char in digest)
    return digits[:count]


def make_nip(seed_text):
    """Return a valid NIP derived from ``seed_text`` (same text, same NIP)."""
    for attempt in range(100):
        body = _digits_from(f"{seed_text}/{attempt}", 9)
        if body[0] == "0":
            continue
        checksum = sum(int(d) * w for d, w in zip(body, _NIP_WEIGHTS, strict=False)) % 11
        if checksum != 10:
            return body + str(checksum)
    raise ValueError(f"No NIP for {seed_text!r}.")  # pragma: no cover - astronomically rare


def make_polish_iban(seed_text, bank_code="1140"):
    """Return a valid Polish IBAN at bank ``bank_code`` (4 digits), derived from ``seed_text``.

    The sort code is the bank code, a 3-digit branch and its check digit; the last 16
    digits are the account number.
    """
    digits = _digits_from(seed_text, 19)
    sort_code = bank_code + digits[:3]
    check = sum(int(d) * w for d, w in zip(sort_code, _SORT_CODE_WEIGHTS, strict=False)) % 10
    bban = sort_code + str((10 - check) % 10) + digits[3:19]
    return "PL" + iban_check_digits("PL", bban) + bban


def make_iban(seed_text, country, bban_length):
    """Return a check-digit-valid IBAN of another country with a numeric BBAN."""
    bban = _digits_from(seed_text, bban_length)
    return country + iban_check_digits(country, bban) + bban


def format_iban(iban):
    """Group an IBAN by four characters, as printed on statements."""
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
