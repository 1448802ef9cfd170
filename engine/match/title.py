"""Reading a transfer title: split payment, tax payments, identifiers, number windows.

:func:`parse_title` turns the raw remittance text into a :class:`ParsedTitle` once per transfer;
the matcher then only does dictionary lookups on it. The order matters and follows
``research/polish_domain_ux.md`` §1.4 and §2:

1. lines a bank wrapped at 27 or 35 characters are joined *without* a space (a wrap may cut a
   value in two), other line breaks become spaces;
2. a split-payment message (``/VAT/…/IDC/…/INV/…/TXT/…``, or PKO's labelled rendering) is
   parsed, and a tax-office message (``/TI/…/OKR/…/SFP/…``) is recognised;
3. identifiers (accounts, NIPs, KSeF numbers) and things that only look like invoice numbers
   (dotted dates, amounts, periods such as ``czynsz 11/2026``) are taken out of the text;
4. what is left is cut into number windows (:mod:`.numbers`) and name words.
"""

import dataclasses
import itertools
import re
from decimal import Decimal, InvalidOperation

from . import identifiers
from .normalize import fold
from .numbers import MAX_TITLE_SEGMENTS, segments, title_windows

#: Longest title whose unmatched invoice-like references are taken as meant by the payer.
MAX_REFERENCE_TITLE = 600
#: Line lengths at which banks wrap titles (Elixir 4 x 35; forms and some MT940 dialects 27).
WRAP_WIDTHS = (27, 35)

_MPP_TAG_RE = re.compile(r"/(VAT|IDC|INV|TXT)/")
_TAX_RE = re.compile(r"/TI/.{0,40}?/(?:OKR|SFP)/")
_SFP_RE = re.compile(r"/SFP/([A-Z0-9-]{1,12})")
_PKO_INV_RE = re.compile(
    r"NUMER FAKTURY VAT LUB OKRES PLATNOSCI ZBIORCZEJ\s*:?\s*(.+?)"
    r"(?=\s+IDENTYFIKATOR ODBIORCY|\s+KWOTA VAT|$)"
)
_PKO_IDC_RE = re.compile(r"IDENTYFIKATOR ODBIORCY\s*:?\s*([A-Z0-9 -]{10,20}?)(?=\s+[A-Z]{3}|$)")
_PKO_VAT_RE = re.compile(r"KWOTA VAT\s*:?\s*([\d ]+(?:[,.]\d{1,2})?)")
_DOTTED_DATE_RE = re.compile(r"(?<![\d.])\d{1,2}\.\d{1,2}\.(?:\d{4}|\d{2})(?![\d.])")
_AMOUNT_RE = re.compile(
    r"(?<![\d/.,-])\d{1,3}(?:[ .]\d{3})*,\d{2}(?![\d/])(?:\s*(?:PLN|ZL|EUR|USD))?"
    r"|(?<![\d/.,-])\d+\.\d{2}\s*(?:PLN|ZL|EUR|USD)\b"
)
# Ten digits, possibly grouped: the least any identifier (NIP, NRB, KSeF) has.
_TEN_DIGITS_RE = re.compile(r"(?:\d[ -]?){10}")
# A Polish postcode in an address written into the title ("00-950 WARSZAWA").
_POSTCODE_RE = re.compile(r"(?<![\w/-])\d{2}-\d{3}(?=\s+[A-Z])")
_TOKEN_SPLIT_RE = re.compile(r"[\s,;+&]+")
# The letter O typed for a zero inside a number (``FV/2026/11/OO42``), but not the O of a
# word glued to digits (``PRO2026``).
_SPACED_SLASH_RE = re.compile(r"\s*/\s*")
_WORD_RE = re.compile(r"[A-Z]{2,}")
_LETTER_O_RE = re.compile(r"(?<![A-Z])O+(?=\d)|(?<=\d)O+(?![A-Z])")

#: Words after which ``MM/YYYY`` is a period (rent for November), not an invoice number.
_PERIOD_WORDS_TEXT = """
CZYNSZ CZYNSZU ABONAMENT ABONAMENTU WYNAGRODZENIE WYNAGRODZENIA PENSJA PENSJI WYPLATA
OKRES MIESIAC MIESIACU ZALICZKA ZALICZKI SKLADKA SKLADKI RATA LEASING LEASINGU NAJEM NAJMU
DZIERZAWA ZUS PODATEK VAT-7 JPK
"""
PERIOD_WORDS = frozenset(_PERIOD_WORDS_TEXT.split())
#: Words that announce an invoice number; a number after them that matches no open
#: document is a *foreign* reference, which makes an amount-only match doubtful.
_INVOICE_WORDS_TEXT = """
FV FA FS FAK FAKT FAKTURA FAKTURY FAKTURE FAKTUR FAKTUROWY FRA F-RA FVS FK FKOR KOREKTA
KOREKTY NR INV INVOICE RACHUNEK RACHUNKU RACH
"""
INVOICE_WORDS = frozenset(_INVOICE_WORDS_TEXT.split())
#: Words of a salary or social-insurance title; with no invoice number, such a transfer is
#: not an invoice payment however well its amount fits.
_PAYROLL_WORDS_TEXT = """
WYNAGRODZENIE WYNAGRODZENIA PENSJA PENSJI WYPLATA PREMIA DELEGACJA ZUS SKLADKA SKLADKI
"""
PAYROLL_WORDS = frozenset(_PAYROLL_WORDS_TEXT.split())
_FEE_WORDS_TEXT = """
OPLATA OPLATY PROWIZJA PROWIZJE KOSZT KOSZTY ODSETKI FEE COMMISSION KAPITALIZACJA
"""
FEE_WORDS = frozenset(_FEE_WORDS_TEXT.split())


@dataclasses.dataclass(frozen=True)
class SplitPayment:
    """A parsed split-payment (MPP) message. ``vat`` is None when unreadable."""

    vat: Decimal | None
    idc: str
    invoice: str
    text: str


@dataclasses.dataclass(slots=True)  # not frozen: built once per transfer, never changed
class ParsedTitle:
    """Everything the matcher reads from one title (see :func:`parse_title`)."""

    text: str
    split_payment: SplitPayment | None
    tax_form: str | None
    nips: tuple[str, ...]
    accounts: tuple[str, ...]
    ksef_numbers: tuple[str, ...]
    windows: tuple
    #: Integers written alone (``FV 107, 108/10/2026`` gives 107): a short-form list or a bare
    #: counter, only trusted next to other evidence.
    standalone_numbers: frozenset
    #: The standalone integers written right after an invoice word (``FV 108``).
    announced_numbers: frozenset
    words: frozenset
    #: Windows announced by an invoice word: references the payer meant as invoice numbers.
    invoice_windows: tuple
    #: Windows of the split-payment ``/INV/`` value alone (empty without one).
    split_payment_windows: tuple

    @property
    def is_tax_payment(self):
        return self.tax_form is not None

    @property
    def looks_like_payroll(self):
        return bool(self.words & PAYROLL_WORDS)

    @property
    def looks_like_fee(self):
        return bool(self.words & FEE_WORDS)


def join_wrapped_lines(raw):
    """Join the lines of a raw title, without a space where the bank wrapped a full line.

    >>> join_wrapped_lines("/VAT/3450,00/IDC/7114710499/INV/FV/\\n2026/11/0051/TXT/X")
    '/VAT/3450,00/IDC/7114710499/INV/FV/2026/11/0051/TXT/X'
    """
    if "\n" not in raw and "\r" not in raw:
        return raw
    lines = raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    joined = lines[0]
    for previous, line in itertools.pairwise(lines):
        joined += ("" if len(previous) in WRAP_WIDTHS else " ") + line
    return joined


def _parse_decimal(text):
    cleaned = re.sub(r"\s", "", text).replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def parse_split_payment(text):
    """Return the :class:`SplitPayment` in folded ``text``, or None.

    Tags are read in any order; a value ends at the next tag. Spaces inside ``/VAT/`` and
    ``/IDC/`` values are dropped (a bank may have wrapped there); the ``/INV/`` value is kept
    as written, because it is sometimes a free-form list (``FV 42 i 43 11 2026``).
    """
    tags = list(_MPP_TAG_RE.finditer(text))
    values = {}
    for index, tag in enumerate(tags):
        end = tags[index + 1].start() if index + 1 < len(tags) else len(text)
        values.setdefault(tag.group(1), text[tag.end() : end].strip())
    if "INV" not in values and "IDC" not in values:
        if "NUMER FAKTURY" not in text:
            return None
        match = _PKO_INV_RE.search(text)
        if not match:
            return None
        values["INV"] = match.group(1)
        idc = _PKO_IDC_RE.search(text)
        values["IDC"] = idc.group(1) if idc else ""
        vat = _PKO_VAT_RE.search(text)
        values["VAT"] = vat.group(1) if vat else ""
    return SplitPayment(
        vat=_parse_decimal(values.get("VAT", "")) if values.get("VAT") else None,
        idc=identifiers.normalize_vat(re.sub(r"[\s-]", "", values.get("IDC", ""))),
        invoice=values.get("INV", ""),
        text=values.get("TXT", ""),
    )


def _blank(text, spans):
    """Replace each ``(start, end)`` span of ``text`` with spaces (positions stay valid)."""
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def parse_title(raw):
    """Return the :class:`ParsedTitle` of a raw title (``None`` or junk give an empty one)."""
    text = fold(join_wrapped_lines(raw or ""))
    tax_form = None
    if "/TI/" in text and _TAX_RE.search(text):
        sfp = _SFP_RE.search(text)
        tax_form = sfp.group(1) if sfp else ""
    split_payment = None
    if tax_form is None and ("/" in text or "NUMER FAKTURY" in text):
        split_payment = parse_split_payment(text)

    body = text
    if split_payment is not None:
        # Numbers are read from the /INV/ value separately; the tags' other values (the VAT
        # amount, our own NIP) must not be read as invoice numbers.
        body = _MPP_TAG_RE.sub(" ", _strip_split_payment_values(text))
    accounts, nips, ksef_numbers = [], [], []
    if _TEN_DIGITS_RE.search(body):
        body = _read_identifiers(body, accounts, nips, ksef_numbers)
    if "." in body:
        body = _DOTTED_DATE_RE.sub(" ", body)
    if "," in body or "." in body:
        body = _AMOUNT_RE.sub(" ", body)
    if "-" in body:
        body = _POSTCODE_RE.sub(" ", body)

    numbers = _read_numbers(body)
    standalone, announced = set(numbers.standalone), set(numbers.announced)
    split_windows = ()
    if split_payment is not None and split_payment.invoice:
        inv = split_payment.invoice
        variants = [inv] if " " not in inv else [inv, inv.replace(" ", "")]
        found = []
        for variant in variants:
            inv_numbers = _read_numbers(variant)
            found.extend(inv_numbers.windows)
            standalone |= inv_numbers.standalone
            announced |= inv_numbers.announced
        split_windows = tuple(found)
        if split_payment.idc and split_payment.idc not in nips:
            nips.append(split_payment.idc)
    return ParsedTitle(
        text=text,
        split_payment=split_payment,
        tax_form=tax_form,
        nips=tuple(dict.fromkeys(nips)),
        accounts=tuple(dict.fromkeys(accounts)),
        ksef_numbers=tuple(dict.fromkeys(ksef_numbers)),
        windows=numbers.windows,
        standalone_numbers=frozenset(standalone),
        announced_numbers=frozenset(announced),
        words=numbers.words,
        # Invoice-like words in kilobytes of junk are noise, not references the payer meant.
        invoice_windows=numbers.invoice_windows if len(text) <= MAX_REFERENCE_TITLE else (),
        split_payment_windows=split_windows,
    )


def _read_identifiers(body, accounts, nips, ksef_numbers):
    """Collect KSeF numbers, accounts and NIPs of ``body``; return it with them blanked."""
    spans = []
    for ksef, start, end in identifiers.find_ksef_numbers(body):
        ksef_numbers.append(ksef)
        spans.append((start, end))
    body = _blank(body, spans)
    spans = []
    for account, start, end in identifiers.find_accounts(body):
        accounts.append(account)
        spans.append((start, end))
    body = _blank(body, spans)
    spans = []
    for nip, start, end in identifiers.find_nips(body):
        nips.append(nip)
        spans.append((start, end))
    return _blank(body, spans)


def _strip_split_payment_values(text):
    """Blank the ``/VAT/`` and ``/IDC/`` values, keep ``/INV/`` and ``/TXT/`` as text."""
    tags = list(_MPP_TAG_RE.finditer(text))
    spans = []
    for index, tag in enumerate(tags):
        if tag.group(1) in ("VAT", "IDC", "INV"):
            end = tags[index + 1].start() if index + 1 < len(tags) else len(text)
            spans.append((tag.end(), end))
    return _blank(text, spans)


@dataclasses.dataclass(slots=True)
class _Numbers:
    windows: tuple
    standalone: frozenset
    announced: frozenset
    words: frozenset
    invoice_windows: tuple


def _read_numbers(body):
    # The regular expressions below only rewrite text holding an O or a slash.
    if "O" in body:
        body = _LETTER_O_RE.sub(lambda match: "0" * len(match.group()), body)
    if "/" in body:
        # "FV / 2026 / 11 / 0042": a slash with spaces around it still joins one number.
        body = _SPACED_SLASH_RE.sub("/", body)
    tokens, segs = [], []
    period_starts = set()
    words = []
    for token in _TOKEN_SPLIT_RE.split(body):
        if len(segs) >= MAX_TITLE_SEGMENTS:
            break  # the rest of a junk-padded title
        found = segments(token)
        if not found:
            continue
        index = len(tokens)
        tokens.append(token)
        segs.extend([(seg, index) for seg in found])
        words.extend([seg for seg in found if len(seg) >= 2 and not seg[0].isdigit()])
        if token in PERIOD_WORDS or token == "ZA" and index in period_starts:
            period_starts.add(index + 1)
    del segs[MAX_TITLE_SEGMENTS:]
    # Where a window starting at each segment is announced by an invoice word ("FV 108").
    announced_at = [
        (position == 0 or segs[position - 1][1] != token)
        and ((token > 0 and tokens[token - 1] in INVOICE_WORDS) or seg in INVOICE_WORDS)
        for position, (seg, token) in enumerate(segs)
    ]
    windows = []
    standalone = set()
    announced = set()
    invoice_windows = []
    for window in title_windows(segs):
        if (
            window.numeric_groups == 2
            and window.digit_token in period_starts
            and window.semantic
            and window.semantic[0][1] == 0
            and window.semantic[0][0] <= 12
        ):
            continue  # "czynsz 11/2026": a month, not an invoice
        windows.append(window)
        announced_by_word = announced_at[window.start]
        if window.numeric_groups == 1 and not window.crosses_tokens and len(window.digits) <= 6:
            standalone.add(int(window.digits))
            if announced_by_word:
                announced.add(int(window.digits))
        if (
            announced_by_word
            and (len(window.digits) >= 3 or window.numeric_groups >= 2)
            and window.end - window.start - window.numeric_groups <= 2
        ) or (window.numeric_groups == 3 and window.semantic and not window.crosses_tokens):
            # Announced by an invoice word, or shaped like N/MM/YYYY or YYYY/MM/N.
            invoice_windows.append(window)
    return _Numbers(
        windows=tuple(windows),
        standalone=frozenset(standalone),
        announced=frozenset(announced),
        words=frozenset(words),
        invoice_windows=tuple(invoice_windows),
    )
