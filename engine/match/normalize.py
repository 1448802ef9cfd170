"""Text clean-up shared by titles and names: HTML, mojibake, diacritics, case.

Polish banks deliver the same text in many shapes: upper case, with or without diacritics, with
ISO-8859-2 bytes read as Windows-1252 (``ZAK£AD US£UG`` for ``ZAKŁAD USŁUG``, see
``research/polish_domain_ux.md`` §1.1), HTML entities from web banking, emoji from mobile apps.
Everything the matcher compares goes through :func:`fold` first, so that all those shapes meet
as plain upper-case ASCII.
"""

import html
import re
import unicodedata

#: Longest piece of a title the matcher reads. An Elixir title is 4 x 35 characters and a
#: SEPA one 140; providers concatenate a few fields and sometimes pad them with junk (10 kB
#: titles happen). A reference buried deeper than this is not looked for: reading kilobytes of
#: junk for every transfer would cost more than the rare match it could bring.
MAX_TITLE_CHARS = 4000

# Mojibake of Polish letters: ISO-8859-2 or Windows-1250 bytes shown as Latin-1/Windows-1252.
# Only characters that never occur in Polish text are mapped, and straight to the ASCII letter
# :func:`fold` would give the real one (``£`` is ``Ł`` in ISO-8859-2 -> ``L``).
_MOJIBAKE = str.maketrans(
    {
        "£": "L",
        "³": "l",
        "¦": "S",
        "¶": "s",
        "Œ": "S",
        "œ": "s",
        "¬": "Z",
        "¼": "z",
        "¿": "z",
        "¯": "Z",
        "Ÿ": "z",
        "\u008f": "Z",
        "\u009f": "z",
        "\u008c": "S",
        "\u009c": "s",
        "¹": "a",
        "±": "a",
        "¥": "A",
        "¡": "A",
        "æ": "c",
        "Æ": "C",
        # Letters NFKD does not decompose.
        "Ł": "L",
        "ł": "l",
        "Đ": "D",
        "đ": "d",
        "Ø": "O",
        "ø": "o",
        "ß": "ss",
        # Dashes and quotes of modern apps.
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u2018": "'",
        "\u2019": "'",
        "\u201e": '"',
        "\u201c": '"',
        "\u201d": '"',
        "\u00a0": " ",
        "\u202f": " ",
    }
)

_TAG_RE = re.compile(r"<[^<>]{0,200}>")
_NON_ASCII_RE = re.compile(r"[^\x00-\x7f]")
# Combining marks NFKD splits off letters (the ogonek of Ą, the acute of Ó, ...).
_COMBINING_RE = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_SPACES_RE = re.compile(r"[ \t\r\f\v]+")


class _FoldTable(dict):
    """``str.translate`` table: each character to what :func:`fold` makes of it, filled on use.

    Folding character by character gives what folding the whole string gives (NFKD decomposes
    each character on its own and only reorders combining marks, which all become "" or a
    space), but a translation through cached entries costs one pass in C instead of a Unicode
    normalization and three regular expressions per string: a ledger has tens of thousands of
    names and titles with diacritics, written with a few dozen distinct letters.
    """

    __slots__ = ()

    def __missing__(self, code):
        char = chr(code)
        if code < 128:
            folded = char
        else:
            folded = unicodedata.normalize("NFKD", char.translate(_MOJIBAKE))
            folded = _NON_ASCII_RE.sub(" ", _COMBINING_RE.sub("", folded))
        if len(self) < _FOLD_TABLE_SIZE:  # junk titles may hold any of a million code points
            self[code] = folded
        return folded


_FOLD_TABLE_SIZE = 20000
_FOLD_TABLE = _FoldTable()


def strip_html(text):
    """Remove HTML tags and decode entities (``&amp;``, ``&#47;``): web banking leaks both."""
    if "<" in text:
        text = _TAG_RE.sub(" ", text)
    if "&" in text:
        # "&nbsp;" padding is common enough in web-banking exports to skip the slow path.
        text = html.unescape(text.replace("&nbsp;", " "))
    return text


def fold(text, *, keep_newlines=False):
    """Return ``text`` as upper-case ASCII: HTML removed, mojibake repaired, accents dropped.

    Line breaks become spaces unless ``keep_newlines`` (title parsing needs them to join values
    a bank wrapped). Runs of spaces collapse to one. Characters with no ASCII form (emoji,
    CJK) become spaces, so they separate words instead of gluing them.

    >>> fold("Zapłata za FV/2026/11/0042 – dziękujemy! 🙂")
    'ZAPLATA ZA FV/2026/11/0042 - DZIEKUJEMY!'
    >>> fold("ZAP£ATA ZA FV")
    'ZAPLATA ZA FV'
    """
    if not text:
        return ""
    if text.isascii() and "<" not in text and "&" not in text and not keep_newlines:
        # The common case (numbers, most names): nothing to repair or strip.
        return " ".join(text[:MAX_TITLE_CHARS].upper().split())
    # Markup and entities first (``&nbsp;`` padding shrinks to nothing), then the bound.
    text = strip_html(text[: MAX_TITLE_CHARS * 8])[: MAX_TITLE_CHARS * 2]
    text = text.translate(_FOLD_TABLE).upper()[:MAX_TITLE_CHARS]
    if keep_newlines:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        lines = (_SPACES_RE.sub(" ", line).strip() for line in text.split("\n"))
        return "\n".join(line for line in lines if line)
    return " ".join(text.split())
