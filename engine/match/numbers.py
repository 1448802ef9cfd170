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
import itertools
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
#: Most segments of one title that are read (a 10 kB junk title has thousands).
MAX_TITLE_SEGMENTS = 600


def segments(text):
    """Return the letter and digit runs of upper-case ``text``, in order."""
    return _SEGMENT_RE.findall(text)


def _strip_zeros(digits):
    return digits.lstrip("0") or "0"


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


@dataclasses.dataclass(frozen=True)
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
    segs = segments(number)
    digit_segs = [seg for seg in segs if seg.isdigit()]
    if not digit_segs:
        return None
    groups = [(int(seg), len(seg)) for seg in digit_segs]
    readings = semantic_keys(groups) if len(groups) in (2, 3) else []
    if year is not None and len(readings) > 1:
        readings.sort(key=lambda reading: abs(reading[2] - year))
    semantic = readings[0] if readings else ()
    counter = semantic[0] if semantic else int(digit_segs[-1])
    digit_count = sum(len(seg) for seg in digit_segs)
    has_letters = len(digit_segs) < len(segs)
    specific = (
        (has_letters and digit_count >= 4)
        or len(digit_segs) >= 3
        or digit_count >= 7
        or (len(digit_segs) == 2 and digit_count >= 5 and not semantic)
    )
    return NumberKeys(
        text=number,
        compact="".join(segs),
        loose=".".join(_strip_zeros(seg) if seg.isdigit() else seg for seg in segs),
        numeric=".".join(_strip_zeros(seg) for seg in digit_segs),
        digits="".join(digit_segs),
        semantic=semantic,
        counter=counter,
        specific=specific,
        numeric_groups=len(digit_segs),
    )


@dataclasses.dataclass(frozen=True)
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

    def contains(self, other):
        return (
            self.start <= other.start
            and other.end <= self.end
            and (self.end - self.start) > (other.end - other.start)
        )


def title_segments(tokens):
    """Return ``[(segment, token_index)]`` for whitespace tokens of a folded title."""
    result = []
    for token_index, token in enumerate(tokens):
        for seg in segments(token):
            result.append((seg, token_index))
            if len(result) >= MAX_TITLE_SEGMENTS:
                return result
    return result


def title_windows(segs):
    """Yield every :class:`Window` of a title's ``[(segment, token_index)]`` list."""
    count = len(segs)
    for start in range(count):
        seg, token = segs[start]
        # Do not start between two digit segments of one token, nor with a long word.
        if seg.isdigit():
            if start > 0 and segs[start - 1][1] == token and segs[start - 1][0].isdigit():
                continue
        elif len(seg) > MAX_PREFIX_LETTERS:
            continue
        parts = []
        for end in range(start, min(count, start + MAX_WINDOW_SEGMENTS)):
            part, part_token = segs[end]
            if part_token - token >= MAX_WINDOW_TOKENS:
                break
            if (
                end > start
                and not part.isdigit()
                and (len(part) > MAX_INNER_LETTERS or not parts[-1][0].isdigit())
            ):
                break  # a word, or a second word before the number: not one number
            parts.append((part, part_token))
            following = segs[end + 1] if end + 1 < count else None
            if (
                following is not None
                and following[1] == part_token
                and following[0].isdigit()
                and part.isdigit()
            ):
                continue  # would cut between two digit segments of one token
            window = _make_window(start, end + 1, parts)
            if window is not None:
                yield window


def _make_window(start, end, parts):
    digit_parts = [part for part, _token in parts if part.isdigit()]
    if not digit_parts:
        return None
    joins_digits = False
    crosses = False
    for (previous, previous_token), (part, token) in itertools.pairwise(parts):
        if token != previous_token:
            crosses = True
            if previous.isdigit() and part.isdigit():
                joins_digits = True
    groups = [(int(part), len(part)) for part in digit_parts]
    return Window(
        start=start,
        end=end,
        text=" ".join(part for part, _token in parts),
        compact="".join(part for part, _token in parts),
        loose=".".join(_strip_zeros(part) if part.isdigit() else part for part, _t in parts),
        numeric=".".join(_strip_zeros(part) for part in digit_parts),
        digits="".join(digit_parts),
        numeric_groups=len(digit_parts),
        semantic=tuple(semantic_keys(groups)) if len(groups) in (2, 3) else (),
        joins_digits=joins_digits,
        crosses_tokens=crosses,
        prefix=parts[0][0] if not parts[0][0].isdigit() else "",
    )


def homoglyph_fold(compact):
    """Map letters people type for digits (``O`` for ``0``) so a fuzzy compare forgives them."""
    return compact.replace("O", "0")
