"""What is known about one transfer while it is being matched.

:class:`TransferEvidence` gathers, for one transfer, the partners the evidence points to (and
how strongly), the documents whose numbers the title quotes (:class:`Hit`) and the documents
examined for typos and counters. The :class:`~.matcher.Matcher` fills it step by step and
scores candidate sets from it; it lives only for the duration of one ``match`` call.
"""

import dataclasses

from rapidfuzz import process
from rapidfuzz.distance import OSA

from . import scoring
from .model import MatchOptions
from .numbers import NORMALIZED, homoglyph_fold


@dataclasses.dataclass
class Hit:
    """How one document's number was found in one title."""

    level: int
    reason: str
    #: The document whose number the same title quotes exactly while this one only matched
    #: with a typo: the typo match must then not be trusted alone.
    shadowed_by: int | None = None


class FuzzyChoices:
    """The title's number windows, ready for one-edit comparisons with document keys."""

    #: Most distinct windows compared (a junk title has thousands; real ones a few dozen).
    LIMIT = 400

    def __init__(self, context):
        self.compacts = {}
        self.digits = {}
        for window, from_split in context.all_windows():
            if window.joins_digits or len(window.compact) < 5:
                continue
            if len(self.compacts) < self.LIMIT:
                self.compacts.setdefault(homoglyph_fold(window.compact), (window, from_split))
            if len(window.digits) >= 6:
                by_groups = self.digits.setdefault(window.numeric_groups, {})
                if len(by_groups) < self.LIMIT:
                    by_groups.setdefault(window.digits, (window, from_split))
        self.compact_list = list(self.compacts)
        self.digit_lists = {groups: list(found) for groups, found in self.digits.items()}

    def find(self, keys):
        """Return ``(window, from_split)`` one edit away from the document's keys, or None."""
        if not keys.specific or len(keys.compact) < 6:
            return None
        best = process.extractOne(
            homoglyph_fold(keys.compact), self.compact_list, scorer=OSA.distance, score_cutoff=1
        )
        if best is not None:
            window, from_split = self.compacts[best[0]]
            # Equal as written means the number was found (or deliberately set aside) already.
            return None if window.compact == keys.compact else (window, from_split)
        if len(keys.digits) >= 6:
            candidates = self.digit_lists.get(keys.numeric_groups)
            if candidates:
                best = process.extractOne(
                    keys.digits, candidates, scorer=OSA.distance, score_cutoff=1
                )
                if best is not None and best[0] != keys.digits:
                    return self.digits[keys.numeric_groups][best[0]]
        return None


@dataclasses.dataclass(slots=True)
class TransferEvidence:
    """What is known about one transfer while it is being matched."""

    transfer: object
    options: MatchOptions
    parsed: object
    inbound: bool
    currency: str
    cents: int
    account: str
    own_accounts: set
    own_vats: set
    sender_name: str
    doc_class: tuple = ()
    partners: dict = dataclasses.field(default_factory=dict)
    hits: dict = dataclasses.field(default_factory=dict)
    notes: list = dataclasses.field(default_factory=list)
    pool: set = dataclasses.field(default_factory=set)
    same_amount: list = dataclasses.field(default_factory=list)
    number_windows: list = dataclasses.field(default_factory=list)
    combination_search: dict = dataclasses.field(default_factory=dict)
    amount_only_allowed: bool | None = None
    #: A document named in the title has exactly the transfer's amount.
    perfect: bool = False
    #: Strongest evidence for a partner that makes the others' documents doubtful: an account
    #: or NIP, or a name of a partner that has documents this transfer could settle.
    rival_level: int = scoring.PARTNER_NONE
    _foreign: list | None = None

    def add_partner(self, key, level, reason):
        """Record evidence for a partner; its level is the strongest piece seen."""
        known = self.partners.get(key)
        if known is None:
            self.partners[key] = [level, [reason]]
            return
        known[0] = max(known[0], level)
        if reason not in known[1]:
            known[1].append(reason)

    def best_partner_level(self):
        """The strongest partner evidence found so far (``PARTNER_NONE`` without any)."""
        return max((level for level, _reasons in self.partners.values()), default=0)

    def best_partner(self):
        """The partner the evidence points to, when it points to exactly one."""
        best = self.best_partner_level()
        if best < scoring.PARTNER_WEAK:
            return None
        keys = [key for key, (level, _reasons) in self.partners.items() if level == best]
        return keys[0] if len(keys) == 1 else None

    def partner_level(self, key):
        """This partner's evidence level; ``PARTNER_CONFLICT`` when an account names another."""
        known = self.partners.get(key)
        if known is not None:
            return known[0]
        if self.rival_level >= scoring.PARTNER_STRONG:
            # The account or NIP points to someone else and nothing to this partner.
            return scoring.PARTNER_CONFLICT
        return scoring.PARTNER_NONE

    def partner_reasons(self, key):
        """The reasons that name this partner, strongest first."""
        known = self.partners.get(key)
        return list(known[1]) if known else []

    def add_hit(self, index, level, reason, shadowed_by=None):
        """Record how a document's number was found, keeping the strongest way."""
        known = self.hits.get(index)
        if known is None or level > known.level:
            self.hits[index] = Hit(level, reason, shadowed_by)

    def all_windows(self):
        """The title's number windows, each with whether it came from a split-payment ``/INV/``."""
        yield from ((window, False) for window in self.parsed.windows)
        yield from ((window, True) for window in self.parsed.split_payment_windows)

    def exact_for(self, window, from_split):
        """A document the title names (not by a typo) where ``window`` is, or None."""
        for other, other_split, index, level in self.number_windows:
            if (
                other is not None
                and other_split == from_split
                and level >= NORMALIZED
                and other.start < window.end
                and window.start < other.end
            ):
                return index
        return None

    def foreign_references(self):
        """Invoice-like references in the title that matched no document at all."""
        if self._foreign is None:
            self._foreign = self._compute_foreign_references()
        return self._foreign

    def _compute_foreign_references(self):
        found = [window for window, split, _i, _l in self.number_windows if window and not split]
        foreign = []
        for window in self.parsed.invoice_windows:
            if any(other.start < window.end and window.start < other.end for other in found):
                continue
            if any(other.contains(window) for other in foreign):
                continue
            foreign = [other for other in foreign if not window.contains(other)]
            foreign.append(window)
        return foreign
