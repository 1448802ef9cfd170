"""Partner names as banks print them, compared with the names in our ledger.

The same company reaches us as ``ZIELONY OGRÓD SPÓŁKA Z OGRANICZONĄ ODPOWIEDZIALNOŚCIĄ``,
``ZIELONY OGROD SP.Z O.O.`` or ``ZIELONY OGROD SP. Z O.O. UL. KWIATOWA 12 00-950 WARSZAWA``; a
person as ``NOWICKA EWA`` or ``E. NOWICKA``. :func:`name_tokens` reduces a name to the words
that identify it (legal form, trade prefixes like ``PHU`` and the address removed) and
remembers the legal form, because ``VOLT S.A.`` and ``VOLT SA SPÓŁKA KOMANDYTOWA`` are two
different companies (``research/title_samples.md`` §B).
"""

import functools
import re

from rapidfuzz import fuzz

from .normalize import fold

# Legal forms, matched on folded text whose punctuation became spaces. Longest first; the
# truncated spellings are what 35-character name fields leave of the long forms.
_LEGAL_FORMS = (
    (r"SPOLKA KOMANDYTOWO AKCYJNA|S K A", "SKA"),
    (
        (
            r"SPOLKA Z OGRANICZONA ODPOWIEDZIALNOSC\w*|SPOLKA Z OGRANICZ\w*"
            r"|SPOLKA Z O O|SP Z O O|SP ZO O|SP ZOO|SPZOO"
        ),
        "ZOO",
    ),
    (r"SPOLKA AKCYJNA|S A|SA", "SA"),
    (r"SPOLKA KOMANDYTOWA|SP K|SPK", "SK"),
    (r"SPOLKA JAWNA|SP J|S J|SPJ", "SJ"),
    (r"SPOLKA PARTNERSKA|SP P", "SP"),
    (r"SPOLKA CYWILNA|S C", "SC"),
    (r"SPOLDZIELNIA", "SPOLDZIELNIA"),
    (r"FUNDACJA", "FUNDACJA"),
    (r"STOWARZYSZENIE", "STOWARZYSZENIE"),
)
# Every legal form above starts with a word beginning with SP (SP, SPÓŁKA, SPZOO, SPK, ...),
# the word S or SA, FUNDACJA or STOWARZYSZENIE. Names without one (most persons' names) skip
# the full expression, and inside it this lookahead spares trying its ten alternatives at
# every position of the name.
_LEGAL_FORM_HINT = r"\b(?:SP|SA?\b|FUNDACJA|STOWARZYSZENIE)"
_LEGAL_FORM_HINT_RE = re.compile(_LEGAL_FORM_HINT)
_LEGAL_FORM_RE = re.compile(
    f"(?={_LEGAL_FORM_HINT})(?:"
    + "|".join(
        f"(?P<f{index}>\\b(?:{pattern})\\b)" for index, (pattern, _c) in enumerate(_LEGAL_FORMS)
    )
    + ")"
)
_LEGAL_CODES = {f"f{index}": code for index, (_p, code) in enumerate(_LEGAL_FORMS)}

# Words that describe a trade rather than name a party (PHU = Przedsiębiorstwo
# Handlowo-Usługowe, ...). They are ignored when names are compared.
_GENERIC_WORDS_TEXT = """
PHU PPHU FHU PHPU FPHU PW PUH ZUH PPUH FH PH PU ZPU PHUP P H U F
FIRMA PRZEDSIEBIORSTWO HANDLOWO USLUGOWE USLUGOWO HANDLOWE PRODUKCYJNE PRODUKCYJNO
HANDLOWA USLUGOWA PRODUKCYJNA HANDEL USLUGI GRUPA POLSKA POLAND THE AND I ORAZ
"""
GENERIC_WORDS = frozenset(_GENERIC_WORDS_TEXT.split())
# Where the address starts: street markers, a postcode, "ODDZIAŁ W ...".
_ADDRESS_RE = re.compile(r"\b(?:UL|ULICA|AL|ALEJA|ALEJE|OS|OSIEDLE|PLAC|ODDZIAL)\b|\b\d{2}-\d{3}\b")
_PUNCT_RE = re.compile(r"[^A-Z0-9 ]+")


@functools.lru_cache(maxsize=1 << 16)
def name_tokens(name):
    """Return ``(tokens, legal_form)`` for a party name as a bank or our ledger spells it.

    ``tokens`` is a tuple of distinct identifying words in order of appearance; ``legal_form``
    is the code of the *last* legal form written (``"ZOO"``, ``"SA"``, ``"SK"``, ...) or ``""``.
    Results are cached: the same senders pay again and again.

    >>> name_tokens("ZIELONY OGRÓD SPÓŁKA Z OGRANICZONĄ ODPOWIEDZIALNOŚCIĄ")
    (('ZIELONY', 'OGROD'), 'ZOO')
    >>> name_tokens("NOWICKA EWA UL. LIPOWA 3 05-800 PRUSZKOW")
    (('NOWICKA', 'EWA'), '')
    """
    text = fold(name)
    if not text:
        return (), ""
    address = _ADDRESS_RE.search(text)
    # A name that *starts* with a street or a postcode is not an address: cut after a word.
    if address and address.start() > 0:
        text = text[: address.start()]
    text = " ".join(_PUNCT_RE.sub(" ", text.replace("-", " ")).split())
    forms = []
    if _LEGAL_FORM_HINT_RE.search(text):  # most persons' names have no legal form: skip
        text = _LEGAL_FORM_RE.sub(lambda match: forms.append(match.lastgroup) or " ", text)
    legal_form = _LEGAL_CODES[forms[-1]] if forms else ""
    tokens = []
    for token in text.split():
        if token in GENERIC_WORDS or token.isdigit() or token in tokens:
            continue
        tokens.append(token)
    return tuple(tokens), legal_form


def _coverage(tokens, others, others_set):
    """Share (weighted by length) of ``tokens`` found among ``others``.

    A word counts fully when equal, 0.9 when one typo away (``fuzz.ratio`` >= 85, words of
    four letters or more), 0.5 when one side is the other's initial (``E.`` for ``EWA``).
    """
    total = covered = 0.0
    for token in tokens:
        weight = min(len(token), 8)
        total += weight
        if token in others_set:
            covered += weight
            continue
        best = 0.0
        for other in others:
            if len(token) == 1 or len(other) == 1:
                if token[0] == other[0]:
                    best = max(best, 0.5)
            elif min(len(token), len(other)) >= 4 and fuzz.ratio(token, other) >= 85:
                best = 0.9
                break
        covered += weight * best
    return covered / total


def name_similarity(tokens, legal_form, other_tokens, other_legal_form):
    """Return a similarity in [0, 100] between two :func:`name_tokens` results.

    The *ledger* name is the first argument: all its words must be found in the bank's name
    (which often adds a second owner, a trade name or a truncated legal form), and most of the
    bank's words must be found in it. First and last names may come in any order. Two
    different legal forms on both sides cut the score, so that a limited partnership is not
    taken for the company it is named after.

    >>> name_similarity(("ZIELONY", "OGROD"), "ZOO", ("ZIELONY", "OGROD"), "ZOO")
    100.0
    >>> name_similarity(("NOWICKA", "EWA"), "", ("EWA", "NOWICKA"), "")
    100.0
    """
    if not tokens or not other_tokens:
        return 0.0
    token_set, other_set = set(tokens), set(other_tokens)
    if token_set == other_set:
        coverage = other_coverage = 1.0
    else:
        coverage = _coverage(tokens, other_tokens, other_set)
        other_coverage = _coverage(other_tokens, tokens, token_set)
    score = 100.0 * (0.7 * coverage + 0.3 * other_coverage)
    if legal_form and other_legal_form and legal_form != other_legal_form:
        score *= 0.6
    return round(score, 1)
