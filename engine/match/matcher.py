"""The matcher: indexes built once from the open documents, then one pass per transfer.

Cost model (``bench/bench_match_engine.py`` measures it): building the indexes is linear in
the number of documents; matching one transfer costs a few hundred dictionary lookups for its
title plus work proportional to the open documents of the partners it points to and of the
documents with its exact amount, never to the whole ledger. No step compares a transfer with
every document.

Matching one transfer (:meth:`Matcher._evaluate`):

1. classify what is never an invoice payment: our own accounts, tax-office and ZUS transfers;
2. find partners: sender account, accounts and NIPs in the title, split-payment ``/IDC/``,
   sender name, names in the title;
3. find documents whose number or reference appears in the title (:mod:`.numbers` keys);
   then, among the found partners' documents and the documents with the exact amount, bare
   counters (``FV 108``) and one-character typos;
4. build candidate sets: each document alone, the documents a title lists, and combinations
   of one partner's residuals equal to the amount (:mod:`.combinations`);
5. score every set with :mod:`.scoring`, keep the best, and refuse ``auto`` when another set
   is as good.

:meth:`Matcher.match` then resolves conflicts between transfers of the same run.
"""

import contextlib
import dataclasses
import datetime
import gc
from decimal import ROUND_HALF_UP, Decimal

from ..i18n import _lt
from . import combinations, identifiers, scoring
from .evidence import FuzzyChoices, TransferEvidence
from .model import (
    KIND_BANK_FEE,
    KIND_DOCUMENTS,
    KIND_MALFORMED,
    KIND_NONE,
    KIND_OWN_TRANSFER,
    KIND_SOCIAL_INSURANCE,
    KIND_TAX,
    Allocation,
    MatchOptions,
    Suggestion,
)
from .names import name_similarity, name_tokens
from .normalize import fold
from .numbers import EXACT, FUZZY, NONE, NORMALIZED, WEAK, document_keys
from .title import parse_title

#: Sender-name similarity (0-100) from which a name identifies a partner, and from which it
#: is a weak hint.
NAME_MATCH = 88
NAME_HINT = 70
#: Name words shared by more parties than this are too common to look parties up by.
MAX_PARTIES_PER_NAME_TOKEN = 400
#: Most parties whose names are compared with one sender name.
MAX_NAME_CANDIDATES = 8
#: An account shared by more parties than this (a payment gateway's) identifies nobody.
MAX_PARTIES_PER_ACCOUNT = 3
#: Most documents of one partner examined for counters, typos and combinations.
MAX_PARTNER_DOCUMENTS = 400
#: Most documents with the transfer's exact amount examined.
MAX_SAME_AMOUNT_DOCUMENTS = 60
#: Documents with the transfer's amount are searched for a mistyped number only when no more
#: than this many share the amount.
MAX_TYPO_SAME_AMOUNT = 12
#: Most candidate sets kept per transfer (the best is the suggestion; the others are the
#: fallbacks when another transfer of the run takes its documents).
MAX_KEPT_CANDIDATES = 6
#: References of one document that are indexed (the KSeF number, an order number).
MAX_REFERENCES = 2
#: An overpayment above this (in cents) and above 5 % of the residual is not taken for granted:
#: people overpay by a rounding or a fee, not by thousands.
MAX_PLAIN_OVERPAYMENT_CENTS = 10000
#: How much a sender whose name is another partner's lowers the confidence.
NAME_RIVAL_PENALTY = 0.04
#: Suggestions less likely than this are not worth a person's time: none is made.
MIN_CONFIDENCE = 0.3
#: Most documents the title may list for one partner before listing is ignored.
MAX_LISTED_DOCUMENTS = 12

_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#: Letters payers put before any invoice number, whatever its series: they say "invoice",
#: not which series.
GENERIC_PREFIXES = frozenset(("F", "FV", "FA", "FAK", "FAKT", "FRA", "FVAT", "NR", "R", "RACH"))
_SOURCE_LABELS = (
    _lt("invoice number"),
    _lt("payment reference"),
    _lt("reference"),
    _lt("reference"),
)
_ZUS_NAMES = ("ZAKLAD UBEZPIECZEN SPOLECZNYCH", "ZUS ")


@contextlib.contextmanager
def _no_cyclic_gc():
    """Pause the cyclic garbage collector while building or matching.

    Both create hundreds of thousands of small objects and no reference cycles; Python's
    collector would otherwise walk them again and again (a third of the build time for 50,000
    documents). Reference counting still frees everything; the previous state is restored.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        # The objects made meanwhile all sit in the youngest generation, which the collector
        # would walk at its next run (a tenth of a second for a 50,000-document index). Moving
        # every tracked object to the oldest generation (freeze, then unfreeze: two list
        # splices) spares that walk; the next full collection still sees them all.
        gc.freeze()
        gc.unfreeze()
        if was_enabled:
            gc.enable()


def _name_reason(side, name, partner, similarity):
    """The reason for a name that matches a partner's, from the sender's or the payee's side."""
    if side == "sender":
        return _lt(
            "sender name '%(name)s' matches %(partner)s (%(similarity)s %%)",
            name=name,
            partner=partner,
            similarity=round(similarity),
        )
    return _lt(
        "payee name '%(name)s' matches %(partner)s (%(similarity)s %%)",
        name=name,
        partner=partner,
        similarity=round(similarity),
    )


def _owner_of(tokens, party_tokens):
    """Whether ``tokens`` (a bank name) are a person's full name inside a partner's name.

    A sole trader is registered as "FHU ROLBIS Jakub Wójcik" and pays from "JAKUB WÓJCIK":
    every word of the payer's first and last name is in the partner's name. Initials
    ("J. WÓJCIK") are not enough.
    """
    return (
        len(tokens) >= 2
        and all(len(token) >= 3 for token in tokens)
        and set(tokens) <= set(party_tokens)
    )


def _cents(amount):
    """Return an amount as whole grosze (cents), the unit every amount comparison uses."""
    return int(abs(amount).scaleb(2).to_integral_value(rounding=ROUND_HALF_UP))


class _Index(dict):
    """Key -> document codes (or positions). A single one is stored bare: most keys have one
    document, and 50,000 one-element lists would cost a third of the index's memory and build
    time."""

    __slots__ = ()

    def add(self, key, code):
        # One dictionary operation for the common case, a new key (the same code is never
        # added twice under one key, so ``is`` tells whether ``setdefault`` stored it).
        known = self.setdefault(key, code)
        if known is code:
            return
        if type(known) is int:
            self[key] = [known, code]
        else:
            known.append(code)

    def find(self, key):
        known = self.get(key)
        if known is None:
            return ()
        return (known,) if type(known) is int else known


def _codes(known):
    """The document codes of an :class:`_Index` value (a bare code or a list of codes)."""
    return (known,) if type(known) is int else known


@dataclasses.dataclass
class _Party:
    """One partner of the index: its name words, and its open documents (indexes)."""

    key: str
    name: str
    tokens: tuple
    legal_form: str
    documents: list = dataclasses.field(default_factory=list)
    #: Open documents by (currency, inbound), oldest due first; filled on first use.
    by_class: dict = dataclasses.field(default_factory=dict)
    #: The last :class:`~.model.Party` object read for this key (skips re-reading it).
    source: object = None


@dataclasses.dataclass
class _Candidate:
    """One set of documents that could be what a transfer pays, with its score."""

    documents: tuple
    confidence: float
    reasons: list
    amount_equal: bool
    party: str
    netting: bool = False
    #: Netting that may be applied without a person: the title names every invoice, and the
    #: amount is exactly the invoices less the credit notes.
    netting_confirmed: bool = False
    ambiguous: bool = False
    number_level: int = NONE


@dataclasses.dataclass
class _Evaluation:
    """Everything one transfer's matching found, before the run's conflicts are resolved."""

    kind: str
    candidates: list
    partner_key: str | None
    notes: list


class Matcher:
    """Index of open documents; call :meth:`match` for each batch of transfers.

    :param documents: the open :class:`~.model.OpenDocument` objects (fully paid ones are
        ignored). Ids must be unique.
    :param parties: optional :class:`~.model.Party` objects with no open document (or with more
        accounts than the documents carry): they let the matcher recognise a partner, report
        it as ``partner_key`` and refuse to give its money to another partner's invoice.

    Building is linear in the number of documents; keep the instance for as long as the open
    documents do not change (a cron run, a wizard session).
    """

    def __init__(self, documents, parties=()):
        self._documents = []
        self._doc_party = []
        self._doc_inbound = []
        self._doc_class = []
        self._doc_cents = []
        self._doc_keys = []
        self._parties = {}
        self._by_account = {}
        self._by_vat = {}
        self._by_name_token = {}
        self._name_token_sets = {}
        self._name_token_order = {}
        self._by_compact = _Index()
        self._by_loose = _Index()
        self._by_numeric = _Index()
        self._by_digits = _Index()
        self._by_semantic = _Index()
        #: (currency, inbound) -> residual in cents -> document codes (positions). Nested, so
        #: that no (currency, inbound, cents) tuple nor one-element list is kept per amount.
        self._by_amount = {}
        # One shared (currency, inbound) tuple per kind of document, not one per document.
        self._classes = {}
        with _no_cyclic_gc():
            for party in parties:
                self._add_party(party)
            for document in documents:
                if document.amount_residual <= 0:
                    continue
                self._add_document(document)
            self._name_token_sets = {
                token: frozenset(keys) for token, keys in self._by_name_token.items()
            }
            sizes = {key: len(party.tokens) for key, party in self._parties.items()}
            self._name_token_order = {
                token: sorted(keys, key=lambda key: (sizes[key], key))
                for token, keys in self._by_name_token.items()
                if len(keys) > 1
            }

    # -- building -------------------------------------------------------------------------

    def _add_party(self, party):
        """Index a partner's name words, NIP and accounts; a partner seen before is merged."""
        known = self._parties.get(party.key)
        if known is not None and (known.source is party or known.source == party):
            return known  # the same partner as on its previous document: nothing new
        if known is None:
            tokens, legal_form = name_tokens(party.name)
            known = self._parties[party.key] = _Party(party.key, party.name, tokens, legal_form)
            for token in tokens:
                self._by_name_token.setdefault(token, []).append(party.key)
        known.source = party
        vat = identifiers.normalize_vat(party.vat)
        if vat:
            keys = self._by_vat.setdefault(vat, [])
            if party.key not in keys:
                keys.append(party.key)
        for iban in party.ibans:
            account = identifiers.normalize_account(iban)
            if account:
                keys = self._by_account.setdefault(account, [])
                if party.key not in keys:
                    keys.append(party.key)
        return known

    def _add_document(self, document):
        """Index one open document by amount and by every key of its number and references.

        Documents are addressed by position; an index entry is ``position * 4 + source``,
        where source 0 is the number, 1 the payment reference, 2-3 other references: the hit
        then tells which of them the title quoted.
        """
        index = len(self._documents)
        party = self._add_party(document.partner)
        party.documents.append(index)
        self._documents.append(document)
        self._doc_party.append(party.key)
        currency, inbound = document.currency, document.is_inbound
        self._doc_inbound.append(inbound)
        doc_class = self._classes.setdefault((currency, inbound), (currency, inbound))
        self._doc_class.append(doc_class)
        cents = _cents(document.amount_residual)
        self._doc_cents.append(cents)
        by_cents = self._by_amount.get(doc_class)
        if by_cents is None:
            by_cents = self._by_amount[doc_class] = _Index()
        by_cents.add(cents, index)
        number = document.number
        year = document.date.year if document.date else None
        first = document_keys(fold(number), year) if number else None
        if first is not None:
            self._index_keys(first, index * 4)
        all_keys = [first]
        sources = [document.payment_reference]
        sources.extend(document.references[:MAX_REFERENCES])
        for source, text in enumerate(sources, 1):
            if not text or text == number:
                all_keys.append(None)  # the payment reference repeats the number
                continue
            keys = document_keys(fold(text), year)
            all_keys.append(keys)
            if keys is not None and (first is None or keys.compact != first.compact):
                self._index_keys(keys, index * 4 + source)
        self._doc_keys.append(tuple(all_keys))

    def _index_keys(self, keys, code):
        """Add one number's keys (see :mod:`.numbers`) to the five key indexes."""
        compact = keys.compact
        self._by_compact.add(compact, code)
        if keys.loose != compact:
            self._by_loose.add(keys.loose, code)
        if keys.numeric_groups >= 2:
            self._by_numeric.add(keys.numeric, code)
        if len(keys.digits) >= 7 and keys.digits != compact:
            self._by_digits.add(keys.digits, code)
        if keys.semantic:
            self._by_semantic.add(keys.semantic, code)

    # -- public API -----------------------------------------------------------------------

    def match(self, transfers, options=None):
        """Return one :class:`~.model.Suggestion` per transfer, in the same order.

        Within one call a document is never applied automatically to two transfers: the most
        confident transfer keeps it (as long as its residual covers both, partial payments may
        share it), the other falls back to its next candidate, without ``auto``.
        """
        options = options or MatchOptions()
        transfers = list(transfers)
        with _no_cyclic_gc():
            own = (
                frozenset(identifiers.normalize_account(iban) for iban in options.company_ibans),
                frozenset(identifiers.normalize_vat(vat) for vat in options.company_vats),
            )
            evaluations = [self._evaluate(transfer, options, own) for transfer in transfers]
            suggestions = self._resolve(transfers, evaluations, options)
            # Free the working data while the collector is still off, or re-enabling it
            # would make it walk every window and candidate of the run once more.
            del evaluations
        return suggestions

    def match_one(self, transfer, options=None):
        """Return the suggestion for one transfer alone (no conflict resolution)."""
        return self.match([transfer], options)[0]

    # -- one transfer ---------------------------------------------------------------------

    def _evaluate(self, transfer, options, own):
        """Find and score the candidate documents of one transfer (see the module docstring).

        ``own`` holds our normalized accounts and NIPs. Never raises on odd input: a transfer
        that cannot be read gets an empty evaluation of kind ``KIND_MALFORMED``.
        """
        amount = transfer.amount
        if not amount or not amount.is_finite():
            return _Evaluation(KIND_MALFORMED, [], None, ["transfer amount is zero or missing"])
        inbound = amount > 0
        currency = (transfer.currency or "").upper()
        cents = _cents(amount)
        parsed = parse_title(transfer.title)
        account = identifiers.normalize_account(transfer.counterparty_iban)
        own_accounts, own_vats = own
        sender_name = transfer.counterparty_name or ""
        if "ZUS" in sender_name.upper() or "UBEZPIECZE" in sender_name.upper():
            sender_name = fold(sender_name)  # only then worth folding (ZAKŁAD UBEZPIECZEŃ ...)

        if account and account in own_accounts:
            return _Evaluation(KIND_OWN_TRANSFER, [], None, ["transfer between our own accounts"])
        if parsed.is_tax_payment or identifiers.is_tax_account(account):
            note = (
                _lt(
                    "tax-office payment (form %(form)s): not an invoice payment",
                    form=parsed.tax_form,
                )
                if parsed.tax_form
                else _lt("tax-office payment: not an invoice payment")
            )
            return _Evaluation(KIND_TAX, [], None, [note])
        if identifiers.is_social_insurance_account(account) or any(
            name in f"{sender_name} " for name in _ZUS_NAMES
        ):
            return _Evaluation(
                KIND_SOCIAL_INSURANCE, [], None, ["ZUS contribution: not an invoice payment"]
            )

        context = TransferEvidence(
            transfer=transfer,
            options=options,
            parsed=parsed,
            inbound=inbound,
            currency=currency,
            cents=cents,
            account=account,
            own_accounts=own_accounts,
            own_vats=own_vats,
            sender_name=sender_name,
            doc_class=(currency, inbound),
        )
        self._find_partners(context)
        self._find_numbers(context)
        self._find_partners_by_name(context)
        self._find_in_pool(context)
        candidates = self._build_candidates(context)
        kind = KIND_DOCUMENTS if candidates else KIND_NONE
        if not candidates and not inbound and parsed.looks_like_fee and not account:
            kind = KIND_BANK_FEE
            context.notes.append(_lt("bank fee or charge: not an invoice payment"))
        partner_key = candidates[0].party if candidates else context.best_partner()
        return _Evaluation(kind, candidates, partner_key, context.notes)

    # -- partners -------------------------------------------------------------------------

    def _find_partners(self, context):
        """Collect the evidence that names partners for certain: accounts and NIPs.

        The sender account, accounts and NIPs written in the title, and the split-payment
        ``/IDC/`` (our own NIP on a customer payment is only a check; on an outgoing payment
        it names the vendor). Names come later (:meth:`_find_partners_by_name`).
        """
        parsed = context.parsed
        if context.account:
            keys = self._by_account.get(context.account, ())
            if 0 < len(keys) <= MAX_PARTIES_PER_ACCOUNT:
                for key in keys:
                    partner = self._name(key)
                    reason = (
                        _lt("sender IBAN belongs to %(partner)s", partner=partner)
                        if context.inbound
                        else _lt("payee IBAN belongs to %(partner)s", partner=partner)
                    )
                    context.add_partner(key, scoring.PARTNER_STRONG, reason)
        for account in parsed.accounts:
            if account in context.own_accounts or account == context.account:
                continue
            keys = self._by_account.get(account, ())
            if 0 < len(keys) <= MAX_PARTIES_PER_ACCOUNT:
                for key in keys:
                    context.add_partner(
                        key,
                        scoring.PARTNER_STRONG,
                        _lt(
                            "account number in title belongs to %(partner)s",
                            partner=self._name(key),
                        ),
                    )
        split_payment = parsed.split_payment
        for nip in parsed.nips:
            is_idc = split_payment is not None and nip == split_payment.idc
            if nip in context.own_vats:
                if is_idc and context.inbound:
                    context.notes.append(_lt("split-payment IDC is our NIP"))
                continue
            for key in self._by_vat.get(nip, ()):
                if is_idc and context.inbound:
                    reason = _lt(
                        "split-payment IDC %(nip)s is the NIP of %(partner)s "
                        "(the payer's own, where ours was expected)",
                        nip=nip,
                        partner=self._name(key),
                    )
                elif is_idc:
                    reason = _lt(
                        "split-payment IDC %(nip)s is the NIP of %(partner)s",
                        nip=nip,
                        partner=self._name(key),
                    )
                else:
                    reason = _lt(
                        "NIP %(nip)s in title belongs to %(partner)s",
                        nip=nip,
                        partner=self._name(key),
                    )
                context.add_partner(key, scoring.PARTNER_STRONG, reason)

    def _find_partners_by_name(self, context):
        """Compare the sender's name (or words of the title) with our partners' names.

        When the account or NIP named the partner, or the title names exactly the only open
        document with this amount, the name is only compared with those partners: it can
        confirm them, and a look-alike elsewhere would not change the outcome.
        """
        side = "sender" if context.inbound else "payee"
        focus = [
            key
            for key, (level, _reasons) in context.partners.items()
            if level >= scoring.PARTNER_STRONG
        ]
        if not focus:
            bucket = self._same_amount(context)
            if len(bucket) == 1 and bucket[0] in context.hits:
                # The title names, exactly, the one document with this amount: no rival can
                # have the amount too, so a look-alike name elsewhere changes nothing.
                only = bucket[0]
                if context.hits[only].level == EXACT:
                    focus = [self._doc_party[only]]
        if context.transfer.counterparty_name:
            self._match_name(context, context.transfer.counterparty_name, side, focus)
        if context.best_partner_level() < scoring.PARTNER_NAME:
            self._match_title_words(context)

    def _name(self, key):
        """The partner's name as our ledger spells it, for reasons."""
        party = self._parties.get(key)
        return party.name if party and party.name else key

    def _candidate_parties(self, tokens):
        """Parties worth comparing with a name, found through its rarest words.

        A partner's name shares its distinctive words with the bank's spelling of it; one
        common word (``JAN``, ``KOWALSKI``, ``BUD``) is shared by hundreds of parties. Starting
        from each of the two rarest words, the parties are narrowed to those that also have
        the next words, skipping words no such party has (an added owner, a trade name, a
        spouse on a joint account). Set intersections keep this cheap however common the
        words are.
        """
        found = []
        for token in frozenset(tokens):
            keys = self._name_token_sets.get(token)
            if keys and len(keys) <= MAX_PARTIES_PER_NAME_TOKEN:
                found.append((len(keys), token, keys))
        if not found:
            return ()
        found.sort(key=lambda item: (item[0], item[1]))
        candidates = []
        for first in range(min(2, len(found))):
            chain = found[first][2]
            for _count, _token, keys in found[first + 1 :]:
                narrower = chain & keys
                if narrower:
                    chain = narrower
            # Parties with the fewest other words first ("GEO PLAN" is "Geo-Plan" before
            # "Geo-Plan Nowak"); then by key, as sets iterate in a random order.
            fresh = chain.difference(candidates) if candidates else chain
            room = MAX_NAME_CANDIDATES - len(candidates)
            if len(fresh) <= room:
                candidates.extend(sorted(fresh))
            else:
                # All of them have the words so far: the shortest names lack the fewest. The
                # word's parties are kept in that order, so the first ones found are taken.
                for key in self._name_token_order[found[first][1]]:
                    if key in fresh:
                        candidates.append(key)
                        room -= 1
                        if not room:
                            break
            if len(candidates) >= MAX_NAME_CANDIDATES:
                break
        # Beyond this, the parties share the same words and compare alike: more would only
        # confirm that the name alone is ambiguous.
        return candidates[:MAX_NAME_CANDIDATES]

    def _match_name(self, context, name, side, focus):
        """Add name evidence: the parties whose names resemble ``name`` (or, with ``focus``,
        only those parties)."""
        tokens, legal_form = name_tokens(name)
        if not tokens:
            return
        for key in focus or self._candidate_parties(tokens):
            party = self._parties[key]
            similarity = name_similarity(party.tokens, party.legal_form, tokens, legal_form)
            if similarity >= NAME_MATCH or (
                similarity >= NAME_HINT and _owner_of(tokens, party.tokens)
            ):
                level = scoring.PARTNER_NAME
            elif similarity >= NAME_HINT:
                level = scoring.PARTNER_WEAK
            else:
                continue
            context.add_partner(
                key,
                level,
                _name_reason(side, " ".join(tokens), party.name, similarity),
            )

    def _match_title_words(self, context):
        """Add name evidence from the title's words, for payers who write their name there.

        All of a partner's name words in the title identify it; one distinctive word (a
        surname only that partner has) is a weak hint.
        """
        words = [word for word in context.parsed.words if len(word) >= 3]
        if not words:
            return
        word_set = set(words)
        for key in self._candidate_parties(words):
            party = self._parties[key]
            found = [token for token in party.tokens if token in word_set]
            if not found:
                continue
            if len(found) == len(party.tokens) and (
                len(found) >= 2
                or len(found[0]) >= 6
                or (len(found[0]) >= 5 and len(self._by_name_token.get(found[0], ())) == 1)
            ):
                level = scoring.PARTNER_NAME
            elif any(
                len(token) >= 5 and len(self._by_name_token.get(token, ())) == 1 for token in found
            ):
                level = scoring.PARTNER_WEAK
            else:
                continue
            context.add_partner(
                key, level, _lt("partner name %(name)s in title", name=" ".join(found))
            )

    # -- numbers --------------------------------------------------------------------------

    def _lookup(self, window):
        """Return ``[(code, level)]`` for every document key a title window equals.

        Runs for every window of every title, and most windows find nothing: the indexes are
        read with ``get`` and a list is returned, which costs less than a generator and a
        method call per index.
        """
        found = []
        doc_keys = self._doc_keys
        known = self._by_compact.get(window.compact)
        if known is not None:
            for code in _codes(known):
                found.append((code, EXACT if doc_keys[code // 4][code % 4].specific else WEAK))
        known = self._by_loose.get(window.loose)
        if known is not None:
            for code in _codes(known):
                # "109" is "000109" without its zeros, but three digits prove little.
                strong = doc_keys[code // 4][code % 4].specific and (
                    window.prefix or len(window.digits) >= 4
                )
                found.append((code, NORMALIZED if strong else WEAK))
        if window.numeric_groups >= 2:
            known = self._by_numeric.get(window.numeric)
            if known is not None:
                for code in _codes(known):
                    keys = doc_keys[code // 4][code % 4]
                    strong = keys.specific and (window.numeric_groups >= 3 or len(keys.digits) >= 7)
                    found.append((code, NORMALIZED if strong else WEAK))
        if len(window.digits) >= 7:
            known = self._by_digits.get(window.digits)
            if known is not None:
                for code in _codes(known):
                    keys = doc_keys[code // 4][code % 4]
                    found.append((code, NORMALIZED if keys.specific else WEAK))
        for reading in window.semantic:
            known = self._by_semantic.get(reading)
            if known is None:
                continue
            for code in _codes(known):
                keys = doc_keys[code // 4][code % 4]
                if window.prefix and window.prefix not in GENERIC_PREFIXES:
                    letters = keys.compact[: len(keys.compact) - len(keys.compact.lstrip(_LETTERS))]
                    if letters and letters != window.prefix:
                        continue  # "INV-2026-00667" is not "FV 667/2026": another series
                same_prefix = bool(window.prefix) and keys.compact.startswith(window.prefix)
                strong = keys.specific and (reading[1] != 0 or same_prefix)
                found.append((code, NORMALIZED if strong else WEAK))
        return found

    def _keys(self, code):
        """The :class:`NumberKeys` an index entry points to."""
        return self._doc_keys[code // 4][code % 4]

    def _title_hits(self, parsed):
        """Return ``[(code, level, window, from_split)]`` for every key a title window equals."""
        hits = []
        for window in parsed.windows:
            found = self._lookup(window)
            if not found:
                continue
            series = window.dropped_prefix
            if series in GENERIC_PREFIXES:
                series = ""
            prefix = "" if window.prefix in GENERIC_PREFIXES else window.prefix
            for code, level in found:
                if window.joins_digits:
                    level -= 1
                if series and not self._keys(code).compact.startswith(series):
                    # "INV-2026-08438" names an INV document: "2026/08/438" only shares its
                    # digits, a coincidence of two numbering schemes.
                    level = min(level, WEAK)
                elif prefix and level > WEAK:
                    compact = self._keys(code).compact
                    letters = compact[: len(compact) - len(compact.lstrip(_LETTERS))]
                    if letters and letters != prefix:
                        # "INV/2026/00001" is not the credit note "RINV/2026/00001": same
                        # digits, another series.
                        level = WEAK
                if level >= WEAK:
                    hits.append((code, level, window, False))
        for window in parsed.split_payment_windows:
            for code, level in self._lookup(window):
                if level >= WEAK:
                    hits.append((code, level, window, True))
        for ksef in parsed.ksef_numbers:
            for code in self._by_compact.find(identifiers.compact_ksef(ksef)):
                hits.append((code, EXACT, None, False))
        return hits

    def _find_numbers(self, context):
        """Find the documents whose number or references the title quotes, and how strongly.

        Every title window is looked up in the five key indexes; a window joining two digit
        tokens is trusted one level less; a hit inside a longer window that found another
        document more strongly is dropped. Short-form lists (``0042,0043``) are expanded from
        the numbers found (:meth:`_find_siblings`).
        """
        # Keep the strongest way each document was found (several keys often agree).
        best = {}
        for code, level, window, from_split in self._title_hits(context.parsed):
            known = best.get(code)
            if known is None or level > known[0]:
                best[code] = (level, window, from_split)
        # A window inside a longer one that found another document more strongly is a part
        # of that number, not a number of its own ("12/2026" inside "FV 12/2026").
        ranked = sorted(best.items(), key=lambda item: -item[1][0])
        kept = []
        for code, (level, window, from_split) in ranked:
            dominated = window is not None and any(
                other_level > level
                and other_window is not None
                and other_split == from_split
                and other_code // 4 != code // 4
                and other_window.contains(window)
                for other_code, (other_level, other_window, other_split) in ranked
                if other_level > level
            )
            if not dominated:
                kept.append((code, level, window, from_split))
        context.number_windows = [
            (window, from_split, code // 4, level) for code, level, window, from_split in kept
        ]
        for code, level, window, from_split in kept:
            index, source = divmod(code, 4)
            known = context.hits.get(index)
            if known is not None and known.level >= level:
                continue
            keys = self._doc_keys[index][source]
            label = _lt("split-payment /INV/ names") if from_split else None
            written = window.text if window is not None else keys.text
            context.add_hit(index, level, self._number_reason(index, source, level, written, label))
        self._find_siblings(context)

    def _number_reason(self, index, source, level, written, label=None):
        """The reason shown for a number found in the title."""
        document = self._documents[index]
        keys = self._doc_keys[index][source]
        if label:
            if level == EXACT:
                return _lt("%(label)s %(reference)s", label=label, reference=keys.text)
            return _lt(
                "%(label)s %(reference)s (as '%(written)s')",
                label=label,
                reference=keys.text,
                written=written,
            )
        if source == 1 and not document.is_inbound:
            kind = _lt("vendor reference")
        else:
            kind = _SOURCE_LABELS[source]
        compact_written = written.replace(" ", "")
        if level == EXACT or compact_written == keys.compact:
            return scoring.number_reason(EXACT, kind, keys.text, written)
        return scoring.number_reason(level, kind, keys.text, written)

    def _find_siblings(self, context):
        """Add documents a title lists in short form after a full number (``0042,0043``)."""
        numbers = context.parsed.standalone_numbers
        if not numbers:
            return
        for index, hit in list(context.hits.items()):
            if hit.level < NORMALIZED:
                continue
            party = self._doc_party[index]
            for keys in self._doc_keys[index]:
                if keys is None:
                    continue
                for number in numbers:
                    if number == keys.counter or not 0 < number < 1_000_000:
                        continue
                    codes = []
                    if keys.semantic:
                        _counter, month, year = keys.semantic
                        if number in (month, year, year % 100):
                            continue
                        codes.extend(self._by_semantic.find((number, month, year)))
                    head, _dot, tail = keys.loose.rpartition(".")
                    if head and tail.isdigit():
                        codes.extend(self._by_loose.find(f"{head}.{number}"))
                    for code in codes:
                        sibling = code // 4
                        if sibling == index or self._doc_party[sibling] != party:
                            continue
                        sibling_keys = self._keys(code)
                        context.add_hit(
                            sibling,
                            NORMALIZED,
                            _lt(
                                "%(reference)s listed in title after %(first)s",
                                reference=sibling_keys.text,
                                first=keys.text,
                            ),
                        )

    def _find_in_pool(self, context):
        """Look for bare counters and typos among the documents other evidence points to."""
        pool = set()
        for key, (level, _reasons) in context.partners.items():
            if level >= scoring.PARTNER_WEAK:
                documents = self._open_documents(context, key)
                pool.update(documents)
                if level >= scoring.PARTNER_STRONG or (level >= scoring.PARTNER_NAME and documents):
                    context.rival_level = max(context.rival_level, level)
        same_amount = self._same_amount(context)
        context.same_amount = list(same_amount[:MAX_SAME_AMOUNT_DOCUMENTS])
        context.pool = pool
        parsed = context.parsed
        perfect = context.perfect = any(
            hit.level >= NORMALIZED
            and self._eligible(index, context)
            and self._doc_cents[index] == context.cents
            and context.partner_level(self._doc_party[index]) >= scoring.PARTNER_NONE
            # A sender recognised as *another* partner may have mistyped its own number.
            and (
                context.rival_level < scoring.PARTNER_NAME
                or self._doc_party[index] in context.partners
            )
            for index, hit in context.hits.items()
        )
        counters = parsed.announced_numbers | {
            number
            for number in parsed.standalone_numbers
            if number >= 100 and not 1990 <= number <= 2099
        }
        # Typos are looked for among the partner's documents, and among those with exactly
        # the amount when few share it (a one-edit match among hundreds proves little).
        typo_pool = set()
        if not perfect and (parsed.windows or parsed.split_payment_windows):
            typo_pool = set(pool)
            if len(same_amount) <= MAX_TYPO_SAME_AMOUNT:
                typo_pool.update(same_amount)
        choices = None
        for index in sorted(pool | typo_pool):
            if index in context.hits:
                continue
            for source, keys in enumerate(self._doc_keys[index]):
                if keys is None:
                    continue
                if index in pool and keys.counter in counters:
                    if source == 1:
                        reason = _lt(
                            "counter of vendor reference %(reference)s in title as '%(written)s'",
                            reference=keys.text,
                            written=keys.counter,
                        )
                    else:
                        reason = _lt(
                            "counter of invoice %(reference)s in title as '%(written)s'",
                            reference=keys.text,
                            written=keys.counter,
                        )
                    context.add_hit(index, WEAK, reason)
                    break
                if index not in typo_pool:
                    continue
                if choices is None:
                    choices = FuzzyChoices(context)
                typo = choices.find(keys)
                if typo is not None:
                    window, from_split = typo
                    reason = self._number_reason(index, source, FUZZY, window.text)
                    shadow = context.exact_for(window, from_split)
                    context.add_hit(index, FUZZY, reason, shadowed_by=shadow)
                    break

    def _same_amount(self, context):
        """The documents the transfer may settle whose residual is exactly its amount."""
        by_cents = self._by_amount.get(context.doc_class)
        return by_cents.find(context.cents) if by_cents is not None else ()

    def _eligible(self, index, context):
        """Whether the transfer may settle this document: same currency, right direction."""
        return self._doc_class[index] == context.doc_class

    # -- candidates -----------------------------------------------------------------------

    def _build_candidates(self, context):
        """Score every set of documents the evidence suggests; return them ranked, best first."""
        sets = {}

        def add(indexes, netting=False):
            key = tuple(sorted(indexes))
            if key and key not in sets:
                sets[key] = netting

        hits_by_party = {}
        for index in context.hits:
            if self._documents[index].currency == context.currency:
                hits_by_party.setdefault(self._doc_party[index], []).append(index)
                if self._eligible(index, context):
                    add((index,))
        # When the title names a document of exactly this amount, documents found by their
        # amount alone cannot compete (they are capped well below it): they are not scored.
        if not context.perfect:
            for index in context.pool:
                if self._doc_cents[index] == context.cents:
                    add((index,))
            if self._amount_only_allowed(context):
                for index in context.same_amount:
                    add((index,))
        for party, indexes in hits_by_party.items():
            self._listed_sets(context, party, indexes, add)
        self._partner_combinations(context, add)
        candidates = []
        for key, netting in sets.items():
            candidate = self._score(context, key, netting)
            if candidate is not None and candidate.confidence >= MIN_CONFIDENCE:
                candidates.append(candidate)
        if not candidates:
            fallback = self._partner_fallback(context)
            if fallback is not None:
                candidates.append(fallback)
        return self._rank(candidates)

    def _open_documents(self, context, party_key, opposite=False):
        """The party's documents this transfer may settle, oldest due first (bounded).

        With ``opposite``, the party's documents in the transfer's currency running the other
        way (credit notes against customer payments, vendor refunds against bill payments):
        a payer may deduct them from what it pays.

        Computed once per party and kind of transfer (currency, direction) for the lifetime
        of the matcher: the documents do not change after it is built.
        """
        party = self._parties.get(party_key)
        if party is None:
            return []
        currency, inbound = context.doc_class
        doc_class = (currency, not inbound) if opposite else context.doc_class
        indexes = party.by_class.get(doc_class)
        if indexes is None:
            indexes = [
                index
                for index in party.documents[-MAX_PARTNER_DOCUMENTS:]
                if self._doc_class[index] == doc_class
            ]
            indexes.sort(key=self._due_key)
            party.by_class[doc_class] = indexes
        return indexes

    def _deducted_credit_notes(self, context, party, indexes, shortfall):
        """Open credit notes of the party whose residuals add up to ``shortfall`` (cents).

        "FV 42 paid less FVK 7": customers deduct an open credit note from the invoice they
        pay, often without naming it. Returns up to two such sets (one or two notes each),
        so that the caller can tell a unique explanation from a coincidence.
        """
        if shortfall <= 0:
            return []
        notes = [
            index
            for index in self._open_documents(context, party, opposite=True)
            if index not in indexes
        ][: combinations.MAX_CANDIDATES]
        if not notes:
            return []
        found, _complete = combinations.find_combinations(
            [self._doc_cents[index] for index in notes], shortfall, 2, min_size=1, limit=2
        )
        return [[notes[position] for position in combination] for combination in found]

    def _due_key(self, index):
        """Sort key: oldest due first (people pay the oldest), then id for stable results."""
        document = self._documents[index]
        return (document.due_date or document.date or datetime.date.max, document.id)

    def _listed_sets(self, context, party, indexes, add):
        """Add the sets a title lists: all named documents, subsets equal to the amount,
        named invoices net of named credit notes, named documents plus unnamed ones."""
        same = [index for index in indexes if self._eligible(index, context)]
        opposite = [index for index in indexes if not self._eligible(index, context)]
        if len(same) + len(opposite) > MAX_LISTED_DOCUMENTS:
            return
        same_cents = [self._doc_cents[index] for index in same]
        if len(same) >= 2:
            add(same)
            found, _complete = combinations.find_combinations(
                same_cents, context.cents, len(same), limit=3
            )
            for combination in found:
                add([same[position] for position in combination])
        if opposite and not same and context.options.allow_netting:
            # "KOR FVK/183": only the credit note is named; the invoice it is deducted from is
            # one of the partner's open documents (found by the amount, never automatic).
            target = context.cents + sum(self._doc_cents[index] for index in opposite)
            for index in self._open_documents(context, party)[: combinations.MAX_CANDIDATES]:
                if self._doc_cents[index] == target:
                    add([index, *opposite], netting=True)
        if same and context.options.allow_netting:
            net = sum(same_cents) - sum(self._doc_cents[index] for index in opposite)
            if opposite and net == context.cents:
                add(same + opposite, netting=True)
            elif not opposite:
                # The named invoices (all, or one of them) less credit notes the title does
                # not name.
                for invoices in [same] + ([[index] for index in same] if len(same) > 1 else []):
                    shortfall = sum(self._doc_cents[index] for index in invoices) - context.cents
                    for notes in self._deducted_credit_notes(context, party, invoices, shortfall):
                        add(invoices + notes, netting=True)
        missing = context.cents - sum(same_cents)
        room = context.options.max_combination - len(same)
        if same and missing > 0 and room > 0:
            others = [index for index in self._open_documents(context, party) if index not in same]
            others = others[: combinations.MAX_CANDIDATES]
            found, _complete = combinations.find_combinations(
                [self._doc_cents[index] for index in others],
                missing,
                room,
                min_size=1,
                limit=2,
            )
            for combination in found:
                add(same + [others[position] for position in combination])

    def _partner_combinations(self, context, add):
        """Add combinations of one recognised partner's residuals equal to the amount.

        Not searched when the title names a document of exactly that amount, nor when one
        document of the partner has exactly that amount: one invoice paid in full is far more
        likely than several whose sum happens to be equal.
        """
        if context.perfect:
            return
        for key, (level, _reasons) in context.partners.items():
            if level < scoring.PARTNER_NAME:
                continue
            indexes = self._open_documents(context, key)[: combinations.MAX_CANDIDATES]
            if len(indexes) < 2 or any(
                self._doc_cents[index] == context.cents for index in indexes
            ):
                continue
            found, complete = combinations.find_combinations(
                [self._doc_cents[index] for index in indexes],
                context.cents,
                context.options.max_combination,
                limit=3,
            )
            context.combination_search[key] = (len(indexes), complete and len(found) <= 1)
            for combination in found:
                add([indexes[position] for position in combination])

    def _score(self, context, indexes, netting):
        """Return the :class:`_Candidate` for one set of documents, or None if it cannot be one.

        The number level is the weakest of the documents named in the title; a set mixing
        named and unnamed documents, or naming none, is scored by the partner and the amount
        only. :meth:`_adjust` then applies the doubts (typos of other documents, foreign
        references, early dates, split-payment VAT, documents left out).
        """
        documents = [self._documents[index] for index in indexes]
        party = self._doc_party[indexes[0]]
        if any(self._doc_party[index] != party for index in indexes):
            return None
        same = [index for index in indexes if self._eligible(index, context)]
        if not same:
            return None
        opposite = [index for index in indexes if index not in same]
        total = sum(self._doc_cents[index] for index in same) - sum(
            self._doc_cents[index] for index in opposite
        )
        amount_equal = total == context.cents
        levels = [context.hits[index].level if index in context.hits else NONE for index in indexes]
        named = [level for level in levels if level > NONE]
        partner_level = context.partner_level(party)
        reasons = [context.hits[index].reason for index in indexes if index in context.hits]
        if named and len(named) < len(levels):
            # Some documents named, others found by the amount: less sure than if all were
            # named, whatever the weakest named one.
            if not amount_equal:
                return None
            confidence = scoring.base_confidence(min(named), partner_level, True) - 0.05
        elif named:
            confidence = scoring.base_confidence(min(named), partner_level, amount_equal)
            if len(indexes) == 1 and amount_equal and partner_level >= scoring.PARTNER_WEAK:
                # A doubtful number must not make a document less likely than its amount
                # and partner alone make it.
                by_amount = self._partner_amount_confidence(context, party, partner_level, [])
                confidence = max(confidence, by_amount)
        elif len(indexes) > 1:
            if not amount_equal:
                return None
            confidence = self._combination_confidence(context, party, partner_level)
        else:
            if not amount_equal:
                return None
            if partner_level <= scoring.PARTNER_NONE:
                if not self._amount_only_allowed(context):
                    return None
                reasons.append(_lt("no other evidence: the amount alone points to this document"))
                confidence = scoring.base_confidence(NONE, partner_level, True)
            else:
                confidence = self._partner_amount_confidence(context, party, partner_level, reasons)
        reasons.extend(context.partner_reasons(party))
        if partner_level == scoring.PARTNER_CONFLICT:
            reasons.append(_lt("the sender's account or NIP belongs to another partner"))
        elif partner_level == scoring.PARTNER_NONE and context.rival_level >= scoring.PARTNER_NAME:
            # A name is weaker evidence than an account: a person may pay for a company, a
            # namesake may exist. Doubt, but do not refuse.
            reasons.append(_lt("the sender's name looks like another partner"))
            confidence -= NAME_RIVAL_PENALTY
        reasons.append(self._amount_reason(context, indexes, same, opposite, total))
        confidence = self._adjust(context, indexes, documents, named, confidence, reasons)
        return _Candidate(
            documents=tuple(indexes),
            confidence=round(max(0.0, min(1.0, confidence)), 3),
            reasons=reasons,
            amount_equal=amount_equal,
            party=party,
            netting=bool(opposite),
            netting_confirmed=bool(opposite)
            and amount_equal
            and all(index in context.hits and context.hits[index].level >= WEAK for index in same),
            number_level=min(named) if named else NONE,
        )

    def _partner_amount_confidence(self, context, party, partner_level, reasons):
        """Confidence that the partner pays its one document with exactly this amount.

        With two or more of its open documents at that amount, which one is paid is a guess:
        the confidence is capped so that it is never applied automatically.
        """
        siblings = sum(
            1
            for index in self._open_documents(context, party)
            if self._doc_cents[index] == context.cents
        )
        confidence = scoring.base_confidence(NONE, partner_level, True)
        if siblings > 1:
            reasons.append(
                _lt("%(count)s open documents of the partner have this amount", count=siblings)
            )
            return min(confidence, scoring.AMBIGUOUS_CAP)
        reasons.append(_lt("only open document of the partner with this amount"))
        return confidence

    def _combination_confidence(self, context, party, partner_level):
        """Confidence of a combination of a partner's residuals found by the amount alone:
        lower with many open documents (more sums fit by chance) or several solutions."""
        base = {scoring.PARTNER_STRONG: 0.92, scoring.PARTNER_NAME: 0.9}.get(partner_level, 0.0)
        pool_size, unique = context.combination_search.get(party, (0, False))
        if pool_size > 12:
            base -= 0.04  # more documents, more sums that fit by chance
        if not unique:
            base -= 0.1
        return base

    def _amount_only_allowed(self, context):
        if context.amount_only_allowed is None:
            context.amount_only_allowed = self._compute_amount_only_allowed(context)
        return context.amount_only_allowed

    def _compute_amount_only_allowed(self, context):
        """Whether a document may be suggested on its amount alone (never automatically).

        Only when one single open document has that amount (otherwise the guess is a lottery),
        the bank gave no sender name (a named sender we do not know is a stranger, not a
        customer), no partner was recognised, and the title does not read like a salary or a
        fee.
        """
        parsed = context.parsed
        same_amount = [index for index in context.same_amount if self._eligible(index, context)]
        return (
            context.options.suggest_amount_only
            and len(same_amount) == 1
            and not name_tokens(context.transfer.counterparty_name)[0]
            and not parsed.looks_like_payroll
            and not parsed.looks_like_fee
            and context.best_partner_level() < scoring.PARTNER_NAME
        )

    def _adjust(self, context, indexes, documents, named, confidence, reasons):
        """Apply the checks that lower (rarely raise) a table confidence, with reasons."""
        party = self._doc_party[indexes[0]]
        due = sum(self._doc_cents[index] for index in indexes)
        if due != context.cents:
            confidence = self._adjust_difference(context, indexes, party, due, confidence, reasons)
        others = [(index, hit) for index, hit in context.hits.items() if index not in indexes]
        if others:
            confidence = self._doubt_other_documents(
                context, indexes, party, due, others, confidence, reasons
            )
        if not named:
            foreign = context.foreign_references()
            if foreign and all(self._unreferenced_bill(document) for document in documents):
                # We never recorded the vendor's own number of these bills: the number the
                # title quotes is probably it, not a sign of another document.
                reasons.append(
                    _lt(
                        "title quotes '%(written)s', maybe the vendor's number, which the bill "
                        "does not record",
                        written=foreign[0].text,
                    )
                )
            elif foreign:
                reasons.append(
                    _lt(
                        "title quotes '%(written)s', which matches no open document",
                        written=foreign[0].text,
                    )
                )
                confidence = min(confidence, 0.85)
        transfer_date = context.transfer.date
        if transfer_date:
            tolerance = datetime.timedelta(days=context.options.date_tolerance_days)
            early = [doc for doc in documents if doc.date and transfer_date + tolerance < doc.date]
            if early:
                days = (early[0].date - transfer_date).days
                reasons.append(
                    _lt(
                        "transfer is dated %(days)s days before %(document)s",
                        days=days,
                        document=early[0].number,
                    )
                )
                confidence -= scoring.EARLY_DATE_PENALTY
        split_payment = context.parsed.split_payment
        if split_payment is not None and split_payment.vat is not None:
            confidence = self._check_split_payment_vat(
                split_payment.vat, documents, confidence, reasons
            )
        return confidence

    @staticmethod
    def _unreferenced_bill(document):
        """A vendor bill booked without the vendor's invoice number."""
        return (
            document.move_type == "in_invoice"
            and not document.payment_reference
            and not document.references
        )

    def _doubt_other_documents(self, context, indexes, party, due, others, confidence, reasons):
        """Lower the confidence when the title also points to documents outside this set."""
        level = context.partner_level(party)
        left_out, credit_notes = [], []
        for index, hit in others:
            eligible = self._eligible(index, context)
            same_party = self._doc_party[index] == party
            if same_party and eligible and hit.level >= WEAK:
                left_out.append(index)
            elif (
                same_party
                and not eligible
                and hit.level >= NORMALIZED
                and self._documents[index].currency == context.currency
            ):
                credit_notes.append(index)
        if due == context.cents:
            # The sender's own document, one character away from the number written, has
            # this amount too: the payer may have mistyped its own number.
            typo_rival = next(
                (
                    index
                    for index, hit in others
                    if hit.level == FUZZY
                    and self._doc_cents[index] == context.cents
                    and self._eligible(index, context)
                    and context.partner_level(self._doc_party[index]) > level
                ),
                None,
            )
            if typo_rival is not None:
                reasons.append(
                    _lt(
                        "%(document)s, one character away, is the sender's and has this amount too",
                        document=self._documents[typo_rival].number,
                    )
                )
                confidence = min(confidence, 0.85)
        if left_out:
            # The payer named more of its documents than this suggestion settles.
            named = ", ".join(self._documents[index].number for index in left_out[:3])
            reasons.append(_lt("the title also names %(documents)s", documents=named))
            confidence -= 0.03 if due == context.cents else 0.1
        if credit_notes:
            # "FV 42 and 43 minus correction FKOR 3": the payer netted a credit note, which a
            # transfer in this direction cannot settle. A person decides.
            reasons.append(
                _lt(
                    "the title also names %(document)s, which this transfer's direction cannot "
                    "settle",
                    document=self._documents[credit_notes[0]].number,
                )
            )
            confidence = min(confidence, 0.85)
        for index in indexes:
            hit = context.hits.get(index)
            if hit is not None and hit.shadowed_by is not None and hit.shadowed_by not in indexes:
                other = hit.shadowed_by
                reasons.append(
                    _lt(
                        "the title quotes %(document)s exactly, which is another document",
                        document=self._documents[other].number,
                    )
                )
                if self._doc_cents[other] == context.cents or context.partner_level(
                    self._doc_party[other]
                ) >= context.partner_level(self._doc_party[index]):
                    # The quoted document is as plausible as the one with the typo.
                    confidence = min(confidence, 0.85)
                else:
                    confidence -= 0.03
        if not any(index in context.hits for index in indexes):
            quoted = next(
                (
                    index
                    for index, hit in others
                    if hit.level >= NORMALIZED and self._eligible(index, context)
                ),
                None,
            )
            if quoted is not None:
                reasons.append(
                    _lt(
                        "the title names %(document)s instead",
                        document=self._documents[quoted].number,
                    )
                )
                confidence = min(confidence, 0.85)
        return confidence

    @staticmethod
    def _check_split_payment_vat(vat, documents, confidence, reasons):
        """Compare the split-payment ``/VAT/`` amount with the documents' VAT, when known."""
        taxes = [document.amount_tax for document in documents]
        if any(tax is None for tax in taxes):
            return confidence
        expected = sum(taxes)
        if expected == vat:
            reasons.append(
                _lt(
                    "split-payment VAT %(vat)s equals the documents' VAT",
                    vat=scoring.format_amount(vat),
                )
            )
            return confidence + 0.005
        reasons.append(
            _lt(
                "split-payment VAT %(vat)s differs from the documents' VAT %(expected)s",
                vat=scoring.format_amount(vat),
                expected=scoring.format_amount(expected),
            )
        )
        return confidence - 0.05

    def _adjust_difference(self, context, indexes, party, due, confidence, reasons):
        """Doubts about a partial or over-payment: was it really meant for these documents?"""
        # Another document found in the title (even by a typo) has exactly the amount.
        rival = next(
            (
                index
                for index in context.hits
                if index not in indexes
                and self._doc_cents[index] == context.cents
                and self._eligible(index, context)
                and context.partner_level(self._doc_party[index]) >= scoring.PARTNER_NONE
            ),
            None,
        )
        if rival is not None:
            reasons.append(
                _lt("%(document)s has exactly this amount", document=self._documents[rival].number)
            )
            return min(confidence, 0.85)
        surplus = context.cents - due
        if surplus < 0 and not any(not self._eligible(index, context) for index in indexes):
            # Short by exactly an open credit note of the partner: the payer deducted it,
            # this is not a partial payment (the netted set is a candidate of its own).
            deducted = self._deducted_credit_notes(context, party, indexes, -surplus)
            if deducted:
                numbers = ", ".join(self._documents[index].number for index in deducted[0])
                reasons.append(
                    _lt(
                        "the shortfall equals the open credit note %(documents)s", documents=numbers
                    )
                )
                return min(confidence, 0.85)
            near = next(
                (
                    index
                    for index in self._open_documents(context, party, opposite=True)
                    if abs(self._doc_cents[index] + surplus) * 10 <= self._doc_cents[index]
                ),
                None,
            )
            if near is not None:
                # Within a tenth of an open credit note: the payer probably deducted it and
                # rounded, or paid a fee; a person decides.
                reasons.append(
                    _lt(
                        "the shortfall is close to the open credit note %(document)s",
                        document=self._documents[near].number,
                    )
                )
                return min(confidence, 0.85)
        if surplus > 0:
            # The surplus is exactly another open document of the partner: several documents
            # paid with one number written, not an overpayment.
            extra = next(
                (
                    index
                    for index in self._open_documents(context, party)
                    if index not in indexes and self._doc_cents[index] == surplus
                ),
                None,
            )
            if extra is not None:
                reasons.append(
                    _lt("the surplus equals %(document)s", document=self._documents[extra].number)
                )
                return min(confidence, 0.85)
            paid_total = len(indexes) == 1 and (
                _cents(self._documents[indexes[0]].amount_total) == context.cents
                and indexes[0] in context.hits
            )
            if surplus > max(due // 20, MAX_PLAIN_OVERPAYMENT_CENTS) and not paid_total:
                # (Paying the named document's total again, forgetting an earlier partial
                # payment, is a common overpayment, not a sign of another document.)
                reasons.append(_lt("the overpayment is large"))
                return min(confidence, 0.85)
        return confidence

    def _amount_reason(self, context, indexes, same, opposite, total):
        """The reason describing how the amount compares with the documents' residuals."""
        difference = Decimal(context.cents - total) / 100
        if opposite:
            if difference == 0:
                return _lt("amount equals the invoices minus the credit notes")
            return _lt("amount differs from the invoices minus the credit notes")
        if len(indexes) > 1:
            if difference == 0:
                return _lt(
                    "amount equals the sum of the residuals of %(count)s documents",
                    count=len(indexes),
                )
            if difference < 0:
                return _lt(
                    "amount is %(difference)s less than the sum of the residuals of %(count)s "
                    "documents (partial payment)",
                    difference=scoring.format_amount(-difference),
                    count=len(indexes),
                )
            return _lt(
                "amount exceeds the sum of the residuals of %(count)s documents by "
                "%(difference)s (overpayment)",
                count=len(indexes),
                difference=scoring.format_amount(difference),
            )
        document = self._documents[same[0]]
        if difference == 0:
            return _lt("amount equals residual")
        residual = scoring.format_amount(document.amount_residual)
        if _cents(document.amount_total) == context.cents:
            return _lt(
                "amount equals the document total, not its residual %(residual)s",
                residual=residual,
            )
        if difference < 0:
            return _lt(
                "amount is %(difference)s less than the residual %(residual)s (partial payment)",
                difference=scoring.format_amount(-difference),
                residual=residual,
            )
        return _lt(
            "amount exceeds the residual %(residual)s by %(difference)s (overpayment)",
            residual=residual,
            difference=scoring.format_amount(difference),
        )

    def _partner_fallback(self, context):
        """When nothing fits, suggest the recognised partner's oldest open document."""
        key = context.best_partner()
        if key is None or context.number_windows or context.foreign_references():
            return None  # the title names documents: guessing another would mislead
        level = context.partner_level(key)
        if level < scoring.PARTNER_NAME:
            return None
        indexes = self._open_documents(context, key)
        # A payment far above the oldest residual is not its partial payment.
        if not indexes or context.cents > self._doc_cents[indexes[0]] * 21 // 20:
            return None
        only = len(indexes) == 1
        confidence = scoring.base_confidence(NONE, level, False) + (0.2 if only else -0.1)
        reasons = [
            "only open document of the partner" if only else "oldest open document of the partner"
        ]
        reasons.extend(context.partner_reasons(key))
        index = indexes[0]
        total = self._doc_cents[index]
        reasons.append(self._amount_reason(context, (index,), [index], [], total))
        confidence = self._adjust(
            context, (index,), [self._documents[index]], [], confidence, reasons
        )
        return _Candidate(
            documents=(index,),
            confidence=round(max(0.0, min(1.0, confidence)), 3),
            reasons=reasons,
            amount_equal=False,
            party=key,
        )

    def _rank(self, candidates):
        """Sort candidates best first and mark the best ambiguous when the next is as good.

        Ties are broken by the number evidence, then fewer documents, then the oldest due;
        an ambiguous best is capped at :data:`scoring.AMBIGUOUS_CAP` and never automatic.
        """
        candidates.sort(
            key=lambda candidate: (
                -candidate.confidence,
                -candidate.number_level,
                len(candidate.documents),
                min(self._due_key(index) for index in candidate.documents),
            )
        )
        if len(candidates) >= 2:
            best, second = candidates[0], candidates[1]
            if second.confidence >= best.confidence - scoring.AMBIGUITY_MARGIN:
                best.ambiguous = True
                numbers = ", ".join(self._documents[index].number for index in second.documents)
                best.reasons.append(_lt("ambiguous: %(documents)s fits as well", documents=numbers))
                best.confidence = min(best.confidence, scoring.AMBIGUOUS_CAP)
        return candidates[:MAX_KEPT_CANDIDATES]

    # -- the run --------------------------------------------------------------------------

    def _allocate(self, candidate, transfer):
        """Return ``(allocations, difference)`` for a candidate (see :class:`Allocation`)."""
        inbound = transfer.amount > 0
        money = abs(transfer.amount)
        same, opposite = [], []
        for index in candidate.documents:
            (same if self._doc_inbound[index] == inbound else opposite).append(index)
        allocations = {}
        for index in opposite:
            residual = self._documents[index].amount_residual
            allocations[index] = residual
            money += residual
        for index in sorted(same, key=self._due_key):
            residual = self._documents[index].amount_residual
            allocations[index] = min(residual, money) if money > 0 else Decimal(0)
            money -= allocations[index]
        due = sum(self._documents[index].amount_residual for index in same)
        due -= sum(self._documents[index].amount_residual for index in opposite)
        return allocations, abs(transfer.amount) - due

    def _resolve(self, transfers, evaluations, options):
        """Give each transfer its suggestion, most confident transfers first.

        A document's residual is consumed by the suggestions that allocate to it; a transfer
        whose best candidate needs a residual already taken falls back to its next candidate
        (never automatic) or to none, with a reason naming the transfer that took it.
        """
        remaining = {}
        taken_by = {}
        chosen = [None] * len(transfers)
        fallback_reasons = [[] for _ in transfers]
        order = sorted(
            range(len(transfers)),
            key=lambda position: (
                -(
                    evaluations[position].candidates[0].confidence
                    if evaluations[position].candidates
                    else 0.0
                )
            ),
        )
        for position in order:
            transfer = transfers[position]
            for rank, candidate in enumerate(evaluations[position].candidates):
                allocations, difference = self._allocate(candidate, transfer)
                blocked = [
                    index
                    for index, amount in allocations.items()
                    if remaining.get(index, self._documents[index].amount_residual) < amount
                    or (amount == 0 and index in taken_by)
                ]
                if blocked:
                    index = blocked[0]
                    fallback_reasons[position].append(
                        _lt(
                            "%(document)s is already matched to transaction %(transaction)s",
                            document=self._documents[index].number,
                            transaction=transfers[taken_by[index]].id,
                        )
                    )
                    continue
                for index, amount in allocations.items():
                    remaining[index] = (
                        remaining.get(index, self._documents[index].amount_residual) - amount
                    )
                    taken_by.setdefault(index, position)
                chosen[position] = (rank, candidate, allocations, difference)
                break
        return [
            self._suggestion(
                transfers[position],
                evaluations[position],
                chosen[position],
                fallback_reasons[position],
                options,
            )
            for position in range(len(transfers))
        ]

    def _suggestion(self, transfer, evaluation, choice, fallback_reasons, options):
        """Build the public :class:`Suggestion`, deciding ``auto`` (see its docstring)."""
        if choice is None:
            reasons = list(evaluation.notes) + fallback_reasons
            if evaluation.kind in (KIND_DOCUMENTS, KIND_NONE) and not fallback_reasons:
                reasons.insert(0, _lt("no open document fits"))
            kind = KIND_NONE if evaluation.kind == KIND_DOCUMENTS else evaluation.kind
            return Suggestion(
                transaction_id=transfer.id,
                reasons=tuple(reasons),
                partner_key=evaluation.partner_key,
                kind=kind,
            )
        rank, candidate, allocations, difference = choice
        reasons = list(candidate.reasons) + list(evaluation.notes) + fallback_reasons
        confidence = candidate.confidence
        auto = (
            rank == 0
            and confidence >= options.auto_threshold
            and not candidate.ambiguous
            and (candidate.netting_confirmed or not candidate.netting)
            and (candidate.amount_equal or options.allow_differences)
        )
        if rank > 0:
            confidence = min(confidence, scoring.AMBIGUOUS_CAP)
        if (
            not auto
            and rank == 0
            and not candidate.amount_equal
            and not options.allow_differences
            and confidence >= options.auto_threshold
        ):
            reasons.append(_lt("amount differs and payment differences are not allowed"))
        if (
            candidate.netting
            and not candidate.netting_confirmed
            and confidence >= (options.auto_threshold)
        ):
            reasons.append(
                _lt(
                    "credit notes netted against invoices the title does not name are left for "
                    "a person to confirm"
                )
            )
        ordered = list(candidate.documents)
        return Suggestion(
            transaction_id=transfer.id,
            document_ids=tuple(self._documents[index].id for index in ordered),
            confidence=confidence,
            auto=auto,
            reasons=tuple(dict.fromkeys(reasons)),
            partner_key=candidate.party,
            allocations=tuple(
                Allocation(self._documents[index].id, allocations[index]) for index in ordered
            ),
            difference=difference,
            kind=KIND_DOCUMENTS,
        )
