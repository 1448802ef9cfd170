from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression

from ..engine.reconcile import parse_search_query
from ..models.psd2_match_service import DOCUMENT_TYPES
from ..models.psd2_reconcile_service import by_due_date

#: Most transactions one wizard shows (the oldest first); the rest wait for the next round.
MAX_WIZARD_LINES = 200
#: Most documents a search shows.
MAX_FOUND = 40
#: Amounts typed in a search match documents within half a cent.
AMOUNT_SLACK = 0.005


class Psd2ReconcileWizard(models.TransientModel):
    """Review open bank transactions with their suggestions, in Odoo's own UI.

    Works in Community without any reconciliation widget: each row is one transaction with
    the matcher's best suggestion, its confidence and reasons. A person accepts a row, accepts
    every row from a chosen confidence, picks other documents for a row, or leaves it for
    later; every reconciliation goes through ``psd2.reconcile.service``.
    """

    _name = "psd2.reconcile.wizard"
    _description = "Reconcile Bank Transactions"

    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, default=lambda self: self.env.company
    )
    journal_id = fields.Many2one("account.journal", readonly=True)
    min_confidence = fields.Float(
        string="Accept From",
        default=lambda self: self.env.company.psd2_reconcile_threshold,
        help="'Accept All' reconciles every row whose suggestion is at least this sure.",
    )
    line_ids = fields.One2many("psd2.reconcile.wizard.line", "wizard_id", string="Transactions")
    ready_count = fields.Integer(
        compute="_compute_ready_count", help="Rows 'Accept All' would reconcile."
    )
    result_message = fields.Char(readonly=True)

    @api.depends("line_ids.confidence", "line_ids.move_ids", "min_confidence")
    def _compute_ready_count(self):
        for wizard in self:
            wizard.ready_count = len(wizard._psd2_ready_lines())

    # -- Opening ---------------------------------------------------------------------------
    @api.model
    def _psd2_open(self, st_lines, journal=None):
        """Return the action opening a wizard on ``st_lines`` (open ones, suggestions first).

        Lines never matched (imported from a file, typed in) are matched first, so that every
        row shows a suggestion when there is one.
        """
        st_lines = st_lines._psd2_open_lines().sorted(lambda line: (line.date, line.id))
        st_lines = st_lines[:MAX_WIZARD_LINES]
        st_lines.filtered(lambda line: not line.psd2_matched_at)._psd2_suggest()
        # Rows with a suggestion first, most confident first: that is where the work is.
        st_lines = st_lines.sorted(
            lambda line: (
                not line.psd2_match_move_ids,
                -line.psd2_match_confidence,
                line.date,
                line.id,
            )
        )
        wizard = self.create(
            {
                "company_id": (journal.company_id if journal else st_lines[:1].company_id).id
                or self.env.company.id,
                "journal_id": journal.id if journal else False,
                "line_ids": [
                    Command.create(
                        {
                            "statement_line_id": line.id,
                            "move_ids": [Command.set(line.psd2_match_move_ids.ids)],
                        }
                    )
                    for line in st_lines
                ],
            }
        )
        return wizard._psd2_reopen()

    def _psd2_reopen(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Reconcile Bank Transactions"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "context": {"dialog_size": "extra-large"},
        }

    # -- Actions ---------------------------------------------------------------------------
    def action_accept_above(self):
        """Reconcile every row whose suggestion reaches ``min_confidence``; keep the others.

        A row that fails (its invoice was paid meanwhile) stays, with the reason shown.
        """
        self.ensure_one()
        ready = self._psd2_ready_lines()
        if not ready:
            raise UserError(_("No row has documents and a confidence this high."))
        requests = [(line.statement_line_id, line._psd2_documents()) for line in ready]
        done, failures = self.env["psd2.reconcile.service"]._psd2_reconcile_isolated(
            requests, "manual"
        )
        for line in ready:
            line.error = failures.get(line.statement_line_id, False)
        ready.filtered(lambda line: line.statement_line_id in done).unlink()
        self.result_message = _(
            "%(done)s transactions reconciled, %(failed)s could not be.",
            done=len(done),
            failed=len(failures),
        )
        return self._psd2_reopen()

    def action_refresh(self):
        """Match the rows again (new invoices may have been posted) and reset their choices."""
        self.ensure_one()
        self.line_ids.filtered(lambda line: line.statement_line_id.is_reconciled).unlink()
        self.line_ids.statement_line_id._psd2_suggest()
        for line in self.line_ids:
            line.move_ids = line.statement_line_id.psd2_match_move_ids
            line.error = False
        self.result_message = _("Suggestions refreshed.")
        return self._psd2_reopen()

    def _psd2_ready_lines(self):
        return self.line_ids.filtered(
            lambda line: line.move_ids and line.confidence >= self.min_confidence
        )


class Psd2ReconcileWizardLine(models.TransientModel):
    """One bank transaction in the wizard: its suggestion, and the documents a person chose."""

    _name = "psd2.reconcile.wizard.line"
    _description = "Bank Transaction to Reconcile"
    _order = "id"

    wizard_id = fields.Many2one("psd2.reconcile.wizard", required=True, ondelete="cascade")
    statement_line_id = fields.Many2one(
        "account.bank.statement.line", required=True, readonly=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="statement_line_id.company_id")
    root_company_id = fields.Many2one(related="statement_line_id.company_id.root_id")
    date = fields.Date(related="statement_line_id.date")
    payment_ref = fields.Char(related="statement_line_id.payment_ref", string="Title")
    partner_name = fields.Char(related="statement_line_id.partner_name", string="Counterparty")
    account_number = fields.Char(related="statement_line_id.account_number")
    partner_id = fields.Many2one(related="statement_line_id.partner_id")
    amount = fields.Monetary(related="statement_line_id.amount")
    currency_id = fields.Many2one(related="statement_line_id.currency_id")
    suggested_move_ids = fields.Many2many(
        related="statement_line_id.psd2_match_move_ids", string="Suggestion"
    )
    confidence = fields.Float(related="statement_line_id.psd2_match_confidence")
    reasons = fields.Text(related="statement_line_id.psd2_match_reasons")
    move_ids = fields.Many2many(
        "account.move",
        "psd2_reconcile_wizard_line_move_rel",
        "wizard_line_id",
        "move_id",
        string="Pays",
        help="The invoices, bills and credit notes this transaction pays.",
    )
    selected_amount = fields.Monetary(
        compute="_compute_selected_amount",
        help="What the chosen documents still ask for, signed like the transaction.",
    )
    difference = fields.Monetary(
        compute="_compute_selected_amount",
        help="Transaction minus chosen documents: an overpayment when positive for money in.",
    )
    search_text = fields.Char(
        string="Find", help="Invoice number, reference, partner name, NIP or amount."
    )
    found_move_ids = fields.Many2many(
        "account.move", compute="_compute_found_move_ids", string="Found"
    )
    error = fields.Char(readonly=True)

    @api.depends("move_ids", "statement_line_id")
    def _compute_selected_amount(self):
        for line in self:
            st_line = line.statement_line_id
            total = 0.0
            for move in line.move_ids:
                sign = 1 if move.move_type in ("out_invoice", "in_refund") else -1
                total += sign * move.currency_id._convert(
                    move.amount_residual, line.currency_id, st_line.company_id, st_line.date
                )
            line.selected_amount = total
            line.difference = line.amount - total if line.move_ids else 0.0

    @api.depends("search_text", "statement_line_id")
    def _compute_found_move_ids(self):
        for line in self:
            domain = line._psd2_search_domain()
            line.found_move_ids = (
                self.env["account.move"].search(
                    domain, limit=MAX_FOUND, order="invoice_date_due, id"
                )
                if domain
                else False
            )

    def _psd2_search_domain(self):
        """Open documents of the company matching every term of ``search_text``, or None.

        Words match the number, references, partner name or NIP; amounts match the open
        residual or the total; a bare number may be either.
        """
        query = parse_search_query(self.search_text)
        if not query.words and not query.amounts:
            return None
        conditions = []
        for word in query.words:
            condition = expression.OR([[(field, "ilike", word)] for field in SEARCH_FIELDS])
            if word.isdigit():
                condition = expression.OR([condition, _amount_domain(float(word))])
            conditions.append(condition)
        digit_words = {float(word) for word in query.words if word.isdigit()}
        conditions += [
            _amount_domain(float(amount))
            for amount in query.amounts
            if float(amount) not in digit_words
        ]
        return expression.AND(
            [
                [
                    ("company_id", "child_of", self.root_company_id.id),
                    ("state", "=", "posted"),
                    ("move_type", "in", DOCUMENT_TYPES),
                    ("payment_state", "in", ("not_paid", "partial")),
                ],
                *conditions,
            ]
        )

    # -- Actions ---------------------------------------------------------------------------
    def action_accept(self):
        """Reconcile this transaction with the chosen documents."""
        self.ensure_one()
        if not self.move_ids:
            raise UserError(_("Choose the invoices or bills this transaction pays."))
        st_line = self.statement_line_id
        st_line._psd2_reconcile_with(self._psd2_documents(), mode="manual")
        wizard = self.wizard_id
        wizard.result_message = _(
            "Reconciled: %(transaction)s.", transaction=st_line.payment_ref or st_line.display_name
        )
        self.unlink()
        return wizard._psd2_reopen()

    def action_later(self):
        """Take the transaction out of this round; it stays open and keeps its suggestion."""
        self.ensure_one()
        wizard = self.wizard_id
        self.unlink()
        return wizard._psd2_reopen()

    def action_add_found(self):
        """Add the documents the search found to the chosen ones."""
        self.ensure_one()
        if not self.found_move_ids:
            raise UserError(_("The search found no open invoice or bill."))
        self.write({"move_ids": [Command.link(move.id) for move in self.found_move_ids]})
        return self.wizard_id._psd2_reopen()

    def _psd2_documents(self):
        """The chosen documents, oldest due date first: the order the money settles them."""
        return by_due_date(self.move_ids)


#: Document fields a search word is looked for in.
SEARCH_FIELDS = (
    "name",
    "ref",
    "payment_reference",
    "commercial_partner_id.name",
    "commercial_partner_id.vat",
)


def _amount_domain(amount):
    return expression.OR(
        [
            [(field, ">=", amount - AMOUNT_SLACK), (field, "<=", amount + AMOUNT_SLACK)]
            for field in ("amount_residual", "amount_total")
        ]
    )
