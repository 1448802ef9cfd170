from decimal import Decimal

from odoo import _, api, fields, models
from odoo.exceptions import AccessError
from odoo.fields import Command
from odoo.tools import float_repr

from ..engine.match import BankTransfer, Matcher, MatchOptions, OpenDocument, Party
from .engine_text import engine_text
from .psd2_reconcile_service import by_due_date

#: Open documents a bank transaction may pay.
DOCUMENT_TYPES = ("out_invoice", "out_refund", "in_invoice", "in_refund")
#: Fields of ``account.move`` read for the matcher, in one query.
DOCUMENT_FIELDS = [
    "name",
    "move_type",
    "commercial_partner_id",
    "amount_total",
    "amount_residual",
    "amount_tax",
    "currency_id",
    "invoice_date",
    "invoice_date_due",
    "payment_reference",
    "ref",
]
#: A suggestion this sure names the partner the transaction comes from; below it, the
#: documents' partner may be a coincidence (an amount that happens to be someone's invoice).
MIN_PARTNER_CONFIDENCE = 0.6
#: Statement lines reconciled per batch: bounds memory, and what one bad line costs (its
#: batch is retried line by line).
RECONCILE_BATCH = 200


class Psd2MatchService(models.AbstractModel):
    """Bridge between Odoo records and the matching engine (``engine.match``).

    Reads every open document of a company in a few queries, builds the engine's indexes
    once per call, matches all the given statement lines together (so one invoice is never
    applied twice), and stores each line's best suggestion. The engine decides; this model
    only translates, so its rules are tested once, in pytest, and the Odoo tests check the
    translation and the bookkeeping.
    """

    _name = "psd2.match.service"
    _description = "Bank Transaction Matching"

    @api.model
    def _psd2_suggest(self, st_lines, set_partners=True):
        """Match ``st_lines`` with their company's open documents and store the results.

        Also sets the recognised partner on lines that have none (and nothing booked yet),
        unless ``set_partners`` is False (the caller books the lines next, and sets it then).
        Query count does not depend on the number of lines, except one journal-entry update
        per partner set.

        :return: ``{statement line id: engine Suggestion}``.
        """
        if not self.env.su and not self.env.user.has_group("account.group_account_invoice"):
            raise AccessError(_("Only invoicing users and accountants may match transactions."))
        st_lines.check_access("read")
        suggestions = {}
        for company, lines in st_lines.sudo().grouped("company_id").items():
            service = self.sudo().with_company(company)
            matcher = service._psd2_matcher(company)
            transfers = [service._psd2_transfer(line) for line in lines]
            results = matcher.match(transfers, service._psd2_options(company))
            service._psd2_store(lines, results)
            if set_partners:
                service._psd2_set_found_partners(lines)
            suggestions.update(zip(lines.ids, results, strict=True))
        return suggestions

    @api.model
    def _psd2_auto_reconcile(self, st_lines):
        """Suggest, then reconcile the lines whose suggestion the engine marked ``auto``.

        :return: the statement lines reconciled.
        """
        st_lines = st_lines._psd2_open_lines()
        suggestions = self._psd2_suggest(st_lines, set_partners=False)
        reconciled = self._psd2_apply_auto(st_lines, suggestions)
        self._psd2_set_found_partners((st_lines - reconciled).sudo())
        return reconciled

    @api.model
    def _psd2_apply_auto(self, st_lines, suggestions):
        """Reconcile the lines whose suggestion is ``auto``, in batches.

        Skips companies that switched automatic reconciliation off, and lines this module
        reconciled before (someone undid it: a person decides now). A line that cannot be
        booked keeps its suggestion, with the reason added to it.

        :param suggestions: ``{statement line id: Suggestion}`` from :meth:`_psd2_suggest`.
        :return: the statement lines reconciled.
        """
        requests, notes = [], {}
        # One read of every suggested document (ordering them reads their due dates).
        self.env["account.move"].browse(
            {int(key) for suggestion in suggestions.values() for key in suggestion.document_ids}
        ).fetch(["invoice_date_due", "date"])
        for line in st_lines:
            suggestion = suggestions[line.id]
            if (
                suggestion.auto
                and suggestion.document_ids
                and line.company_id.psd2_auto_reconcile
                and not line.psd2_reconcile_mode
            ):
                documents = self.env["account.move"].browse(
                    [int(key) for key in suggestion.document_ids]
                )
                requests.append((line, by_due_date(documents)))
                notes[line.id] = self._psd2_note(line, suggestion)
        service = self.env["psd2.reconcile.service"]
        reconciled = self.env["account.bank.statement.line"]
        for start in range(0, len(requests), RECONCILE_BATCH):
            batch = requests[start : start + RECONCILE_BATCH]
            done, failures = service._psd2_reconcile_isolated(batch, "auto", notes)
            reconciled |= done
            for line, message in failures.items():
                line.sudo().psd2_match_reasons = "\n".join(
                    [line.psd2_match_reasons or "", _("Not reconciled: %(error)s", error=message)]
                ).strip()
        return reconciled

    # -- Reading Odoo ----------------------------------------------------------------------
    @api.model
    def _psd2_open_domain(self, company):
        return [
            ("company_id", "child_of", company.root_id.id),
            ("state", "=", "posted"),
            ("move_type", "in", DOCUMENT_TYPES),
            ("payment_state", "in", ("not_paid", "partial")),
        ]

    @api.model
    def _psd2_matcher(self, company):
        """Build the engine's matcher from the company's open documents and known partners."""
        moves = self.env["account.move"].search_fetch(
            self._psd2_open_domain(company), DOCUMENT_FIELDS, order="id"
        )
        partners = moves.commercial_partner_id | self._psd2_known_partners(company)
        accounts = self._psd2_partner_accounts(partners)
        parties = {
            partner.id: Party(
                key=str(partner.id),
                name=partner.name or "",
                vat=partner.vat or "",
                ibans=tuple(accounts.get(partner.id, ())),
            )
            for partner in partners
        }
        documents = [
            self._psd2_document(move, parties[move.commercial_partner_id.id]) for move in moves
        ]
        return Matcher(documents, parties=parties.values())

    @api.model
    def _psd2_known_partners(self, company):
        """Partners worth recognising without an open document: customers, vendors, and
        anyone whose bank account we know (our own company excepted)."""
        return self.env["res.partner"].search_fetch(
            [
                *self.env["res.partner"]._check_company_domain(company),
                "|",
                ("parent_id", "=", False),
                ("is_company", "=", True),
                "|",
                "|",
                ("customer_rank", ">", 0),
                ("supplier_rank", ">", 0),
                ("bank_ids", "!=", False),
                ("id", "not in", self.env["res.company"].sudo().search([]).partner_id.ids),
            ],
            ["name", "vat"],
        )

    @api.model
    def _psd2_partner_accounts(self, partners):
        """``{commercial partner id: [account numbers]}``, their contacts' accounts included."""
        accounts = {}
        banks = self.env["res.partner.bank"].search_fetch(
            [("partner_id.commercial_partner_id", "in", partners.ids)], ["acc_number", "partner_id"]
        )
        for bank in banks:
            key = bank.partner_id.commercial_partner_id.id
            accounts.setdefault(key, []).append(bank.acc_number)
        return accounts

    @api.model
    def _psd2_document(self, move, party):
        """One open document as the engine sees it; a bill's reference is the vendor's number."""
        is_bill = move.move_type in ("in_invoice", "in_refund")
        reference = (move.ref if is_bill else move.payment_reference) or ""
        other = (move.payment_reference if is_bill else move.ref) or ""
        currency = move.currency_id
        return OpenDocument(
            id=str(move.id),
            number=move.name or "",
            move_type=move.move_type,
            partner=party,
            amount_total=_decimal(abs(move.amount_total), currency),
            amount_residual=_decimal(abs(move.amount_residual), currency),
            currency=currency.name,
            date=move.invoice_date or None,
            due_date=move.invoice_date_due or None,
            payment_reference=reference,
            references=(other,) if other and other not in (reference, move.name) else (),
            amount_tax=_decimal(abs(move.amount_tax), currency),
        )

    @api.model
    def _psd2_transfer(self, line):
        """A statement line as the engine sees it: what is still open of it, money in positive."""
        currency = line.foreign_currency_id or line.currency_id
        return BankTransfer(
            id=str(line.id),
            amount=_decimal(-line.amount_residual, currency),
            currency=currency.name,
            date=line.date,
            counterparty_name=line.partner_name or line.partner_id.name or "",
            counterparty_iban=line.account_number or "",
            title=line.payment_ref or "",
        )

    @api.model
    def _psd2_options(self, company):
        own_accounts = company.partner_id.bank_ids.mapped("acc_number")
        own_accounts += (
            self.env["account.journal"]
            .search([("company_id", "=", company.id), ("type", "=", "bank")])
            .mapped("bank_acc_number")
        )
        return MatchOptions(
            allow_differences=company.psd2_allow_payment_differences,
            auto_threshold=company.psd2_reconcile_threshold,
            company_vats=tuple({vat for vat in (company.vat, company.partner_id.vat) if vat}),
            company_ibans=tuple({number for number in own_accounts if number}),
        )

    # -- Writing Odoo ----------------------------------------------------------------------
    @api.model
    def _psd2_store(self, lines, suggestions):
        """Store each line's suggestion; the documents of all lines in one relation write."""
        now = fields.Datetime.now()
        for line, suggestion in zip(lines, suggestions, strict=True):
            line.write(
                {
                    "psd2_match_confidence": suggestion.confidence,
                    "psd2_match_reasons": "\n".join(self._psd2_reasons(line, suggestion)) or False,
                    "psd2_match_partner_id": self._psd2_partner_id(suggestion),
                    "psd2_match_auto": suggestion.auto,
                    "psd2_matched_at": now,
                }
            )
        # One batched write instead of one relation query per line (what write() would do).
        lines._fields["psd2_match_move_ids"].write_batch(
            [
                (line, [Command.set([int(key) for key in suggestion.document_ids])])
                for line, suggestion in zip(lines, suggestions, strict=True)
            ]
        )

    @api.model
    def _psd2_set_found_partners(self, lines):
        """Put the recognised partner on lines without one, while nothing is booked on them."""
        self.env["psd2.reconcile.service"]._psd2_set_partners(
            {line: line.psd2_match_partner_id for line in lines}
        )

    @api.model
    def _psd2_partner_id(self, suggestion):
        """The partner a suggestion recognised, unless it only came with a weak document."""
        if not suggestion.partner_key:
            return False
        if suggestion.document_ids and suggestion.confidence < MIN_PARTNER_CONFIDENCE:
            return False
        return int(suggestion.partner_key)

    @api.model
    def _psd2_reasons(self, line, suggestion):
        """The suggestion's reasons in the language of the line's company.

        They are stored on the line and in its chatter, which every user of the company
        reads: the company's language, not the language of whoever ran the sync (the
        scheduler runs without one).
        """
        lang = line.company_id.partner_id.lang or self.env.lang
        env = self.env if self.env.lang == lang else self.with_context(lang=lang).env
        return [engine_text(env, reason) for reason in suggestion.reasons]

    @api.model
    def _psd2_note(self, line, suggestion):
        return _(
            "Confidence %(confidence)s %%: %(reasons)s.",
            confidence=round(suggestion.confidence * 100),
            reasons="; ".join(self._psd2_reasons(line, suggestion)),
        )


def _decimal(amount, currency):
    """An Odoo float amount as the engine's Decimal, rounded to the currency."""
    return Decimal(float_repr(currency.round(amount), currency.decimal_places))
