"""Invoice numbers: the keys a document is indexed by and the ones a title is searched for.

Payers rewrite invoice numbers freely (``research/polish_domain_ux.md`` §1.2-1.4): they drop
separators (``FV2026110012``), leading zeros (``FV/2026/11/12``) or the series prefix
(``2026/11/0012``), reorder the parts (``12/11/2026`` for ``FV/2026/11/0012``), write a
two-digit year (``107/10/26``), glue the number to words (``FV/2026/10/0107/ZAPLATA``) and
mistype one character. Whitespace tokens (Fakturownia) or digits-only tokens (Odoo) each catch
a few of these; here a number is cut into *segments* (runs of letters, runs of digits) and
compared through several keys, each with the strength it deserves:

========================  ==========================  ===================================
key                       ``FV/2026/11/0012`` gives   catches
========================  ==========================  ===================================
``compact``               ``FV2026110012``            exact, any separators
``loose``                 ``FV.2026.11.12``           dropped leading zeros
``numeric``               ``2026.11.12``              prefix missing or mistyped (FW, F.)
``digits``                ``2026110012``              prefix missing and no separators
``semantic``              ``(12, 11, 2026)``          reordered parts, two-digit year
========================  ==========================  ===================================

A title is searched with *windows*: contiguous runs of its segments. A window may not cut
between two digit segments of the same token (``2026/11`` inside ``FV/2026/11/0012`` is not a
window), which is what stops ``11/2026`` of another customer from matching inside a longer
number. Windows may span two to four whitespace tokens (``FV 12/2026``, a number wrapped by the
bank); one that joins two *digit* tokens is trusted one level less.
"""

import dataclasses
import re

# Strengths of a number match, strongest first. Values are ordered: a higher one is stronger.
EXACT = 4
NORMALIZED = 3
WEAK = 2
FUZZY = 1
NONE = 0

_SEGMENT_RE = re.compile(r"[A-Z]+|\d+")
#: Most segments a window spans; ``PREFIX/YYYY/MM/NNNN`` plus a glued word is 6.
MAX_WINDOW_SEGMENTS = 7
#: Most whitespace tokens a window spans.
MAX_WINDOW_TOKENS = 4
#: Longest letter run a window may start with (a series prefix: FV, FKOR, INV, FAKT).
MAX_PREFIX_LETTERS = 6
#: Longest letter run inside or at the end of a window (``410F1163``, ``FV/2026/11/0012/K``).
MAX_INNER_LETTERS = 3
#: Most segments of one title that are read, and most windows made of them: a title padded
#: with junk has thousands, a real one a few dozen.
MAX_TITLE_SEGMENTS = 300
MAX_TITLE_WINDOWS = 600


def segments(text):
    """Return the letter and digit runs of upper-case ``text``, in order."""
    return _SEGMENT_RE.findall(text)


def _year(value, length):
    """Return ``value`` as a four-digit year when it can be one (2000-2099 or 15-40), or None."""
    if length == 4 and 1990 <= value <= 2099:
        return value
    if length == 2 and 15 <= value <= 40:
        return 2000 + value
    return None


def semantic_keys(groups):
    """Return the ``(counter, month, year)`` readings of digit groups ``[(value, length)]``.

    ``month`` is 0 for a yearly counter. Only the shapes Polish numbering uses are read:
    ``N/YYYY``, ``YYYY/N``, ``N/MM/YYYY`` and ``YYYY/MM/N`` (two-digit years too).

    >>> semantic_keys([(107, 3), (10, 2), (26, 2)])
    [(107, 10, 2026)]
    >>> semantic_keys([(2026, 4), (11, 2), (12, 4)])
    [(12, 11, 2026)]
    """
    readings = []
    if len(groups) == 2:
        (first, first_len), (last, last_len) = groups
        year = _year(last, last_len)
        if year and first_len <= 6:
            readings.append((first, 0, year))
        year = _year(first, first_len)
        if year and first_len == 4 and last_len <= 6:
            readings.append((last, 0, year))
    elif len(groups) == 3:
        (first, first_len), (month, month_len), (last, last_len) = groups
        if not 1 <= month <= 12 or month_len > 2:
            return readings
        year = _year(last, last_len)
        if year and first_len <= 6:
            readings.append((first, month, year))
        year = _year(first, first_len)
        if year and last_len <= 6:
            readings.append((last, month, year))
    return readings


# Not frozen: a frozen dataclass sets each field through object.__setattr__, which makes
# building the 50,000 keys of a ledger (and the windows of every title) several times slower.
# Nothing mutates them after construction.
@dataclasses.dataclass(slots=True)
class NumberKeys:
    """The lookup keys of one document number (see the module docstring)."""

    text: str
    compact: str
    loose: str
    numeric: str
    digits: str
    semantic: tuple
    counter: int | None
    #: True when the number is specific enough to identify a document on its own:
    #: ``FV/2026/11/0012`` is, ``12/2026`` (also a month) and ``0042`` are not.
    specific: bool
    numeric_groups: int


def document_keys(number, year=None):
    """Return the :class:`NumberKeys` of a document number, or None when it has no digits.

    ``year`` (the document's date year) picks the right reading of an ambiguous number such as
    ``12/11/26``.
    """
    segs = _SEGMENT_RE.findall(number)
    digit_segs = [seg for seg in segs if seg.isdigit()]
    if not digit_segs:
        return None
    numeric_parts = [seg.lstrip("0") or "0" for seg in digit_segs]
    numeric = ".".join(numeric_parts)
    has_letters = len(digit_segs) < len(segs)
    if has_letters:
        loose = ".".join([(seg.lstrip("0") or "0") if seg.isdigit() else seg for seg in segs])
    else:
        loose = numeric
    group_count = len(digit_segs)
    if group_count in (2, 3):
        readings = semantic_keys([(int(seg), len(seg)) for seg in digit_segs])
        if year is not None and len(readings) > 1:
            readings.sort(key=lambda reading: abs(reading[2] - year))
        semantic = readings[0] if readings else ()
    else:
        semantic = ()
    digits = "".join(digit_segs)
    digit_count = len(digits)
    specific = (
        (has_letters and digit_count >= 4)
        or group_count >= 3
        or digit_count >= 7
        or (group_count == 1 and digit_count >= 6)  # a fixed-width id: 000524, 123456
        or (group_count == 2 and digit_count >= 5 and not semantic)
    )
    # Positional arguments: this runs once per number of the ledger.
    return NumberKeys(
        number,
        "".join(segs),
        loose,
        numeric,
        digits,
        semantic,
        semantic[0] if semantic else int(digit_segs[-1]),
        specific,
        group_count,
    )


@dataclasses.dataclass(slots=True)
class Window:
    """A run of title segments that may be an invoice number.

    ``start``/``end`` index the title's segment list (end exclusive); ``joins_digits`` is True
    when the window glues two whitespace tokens that both end and start with digits.
    """

    start: int
    end: int
    text: str
    compact: str
    loose: str
    numeric: str
    digits: str
    numeric_groups: int
    semantic: tuple
    joins_digits: bool
    crosses_tokens: bool
    #: The letters before the first digit (``FV`` of ``FV 12/2026``), or "".
    prefix: str
    #: Index of the whitespace token holding the first digit segment.
    digit_token: int
    #: Letters glued right before the window in its token, which it leaves out ("" if none).
    dropped_prefix: str

    def contains(self, other):
        return (
            self.start <= other.start
            and other.end <= self.end
            and (self.end - self.start) > (other.end - other.start)
        )


def title_windows(segs):
    """Yield every :class:`Window` of a title's ``[(segment, token_index)]`` list.

    Keys are built incrementally while a window grows, so a title costs a few string
    concatenations per window (titles padded with kilobytes of junk have thousands).
    """
    count = len(segs)
    budget = MAX_TITLE_WINDOWS
    texts = [seg for seg, _token in segs]
    tokens = [token for _seg, token in segs]
    digit = [seg[0].isdigit() for seg in texts]
    stripped = [
        (seg.lstrip("0") or "0") if is_digit else seg
        for seg, is_digit in zip(texts, digit, strict=True)
    ]
    groups_of = [
        (int(seg), len(seg)) if is_digit else None
        for seg, is_digit in zip(texts, digit, strict=True)
    ]
    # Where a window may end: not between two digit segments of one token.
    may_end = [
        not (digit[i] and i + 1 < count and digit[i + 1] and tokens[i + 1] == tokens[i])
        for i in range(count)
    ]
    for start in range(count):
        seg = texts[start]
        token = tokens[start]
        # Do not start between two digit segments of one token, nor with a long word, nor
        # with a word that no digits follow (most of a title: a window needs a digit, and
        # letters after letters end it).
        if digit[start]:
            if start > 0 and digit[start - 1] and tokens[start - 1] == token:
                continue
        elif len(seg) > MAX_PREFIX_LETTERS or start + 1 == count or not digit[start + 1]:
            continue
        prefix = "" if digit[start] else seg
        # Letters glued before the window that it leaves out ("INV" of "INV-2026-08438").
        dropped = (
            texts[start - 1]
            if start > 0 and not digit[start - 1] and tokens[start - 1] == token
            else ""
        )
        digit_token = -1
        text = compact = loose = numeric = digits = ""
        groups = []
        joins_digits = crosses = False
        previous_token = token
        for end in range(start, min(count, start + MAX_WINDOW_SEGMENTS)):
            part = texts[end]
            part_token = tokens[end]
            is_digit = digit[end]
            if part_token - token >= MAX_WINDOW_TOKENS:
                break
            if end > start:
                if not is_digit and (
                    len(part) > MAX_INNER_LETTERS
                    or not digit[end - 1]
                    or part_token != previous_token
                ):
                    # A word, a second word before the number, or letters after a space: the
                    # number ended.
                    break
                if part_token != previous_token:
                    crosses = True
                    if is_digit and digit[end - 1]:
                        joins_digits = True
                text += " "
                loose += "."
            text += part
            compact += part
            loose += stripped[end]
            previous_token = part_token
            if is_digit:
                if digit_token < 0:
                    digit_token = part_token
                    numeric = stripped[end]
                else:
                    numeric += "." + stripped[end]
                digits += part
                groups.append(groups_of[end])
            if not groups or not may_end[end]:
                continue
            budget -= 1
            if budget < 0:
                return
            group_count = len(groups)
            yield Window(
                start,
                end + 1,
                text,
                compact,
                loose,
                numeric,
                digits,
                group_count,
                tuple(semantic_keys(groups)) if 2 <= group_count <= 3 else (),
                joins_digits,
                crosses,
                prefix,
                digit_token,
                dropped,
            )


def homoglyph_fold(compact):
    """Map letters people type for digits (``O`` for ``0``) so a fuzzy compare forgives them."""
    return compact.replace("O", "0")
