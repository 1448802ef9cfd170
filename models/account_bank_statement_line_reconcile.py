from odoo import _, fields, models
from odoo.exceptions import UserError


class AccountBankStatementLine(models.Model):
    """The matcher's best suggestion for a bank transaction, and how it was reconciled.

    The suggestion is stored (not computed on the fly) so that the wizard, the dashboard and
    the list filters can search it, and so that a person sees the same reasons the automatic
    run acted on. The work itself is done by ``psd2.match.service`` (suggest) and
    ``psd2.reconcile.service`` (book); these methods are the entry points.
    """

    _inherit = "account.bank.statement.line"

    psd2_match_move_ids = fields.Many2many(
        "account.move",
        "account_bank_statement_line_psd2_match_rel",
        "statement_line_id",
        "move_id",
        string="Suggested Documents",
        readonly=True,
        copy=False,
        help="The invoices, bills or credit notes the matcher thinks this transaction pays.",
    )
    psd2_match_confidence = fields.Float(
        string="Confidence",
        readonly=True,
        copy=False,
        help="How likely the suggestion is right (0 to 1).",
    )
    psd2_match_reasons = fields.Text(
        string="Why", readonly=True, copy=False, help="The matcher's reasons, strongest first."
    )
    psd2_match_partner_id = fields.Many2one(
        "res.partner",
        string="Recognised Partner",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The partner the matcher recognised (by bank account, NIP or name), even when no "
        "document fits.",
    )
    psd2_match_auto = fields.Boolean(
        string="Automatic Match",
        readonly=True,
        copy=False,
        help="The suggestion was good enough to be applied without a person.",
    )
    psd2_matched_at = fields.Datetime(string="Matched At", readonly=True, copy=False)
    psd2_reconcile_mode = fields.Selection(
        [("auto", "Automatically"), ("manual", "By a person")],
        string="Reconciled",
        readonly=True,
        copy=False,
        help="How this module last reconciled the transaction. A transaction once reconciled "
        "automatically and then undone is never reconciled automatically again.",
    )

    # -- Actions ---------------------------------------------------------------------------
    def action_psd2_auto_reconcile(self):
        """Match the selected transactions again and reconcile the confident ones."""
        lines = self._psd2_open_lines()
        reconciled = lines._psd2_auto_reconcile()
        suggested = (lines - reconciled).filtered("psd2_match_move_ids")
        return self._psd2_notify(
            _(
                "%(reconciled)s transactions reconciled, %(suggested)s with a suggestion "
                "waiting for you, %(other)s without one.",
                reconciled=len(reconciled),
                suggested=len(suggested),
                other=len(lines) - len(reconciled) - len(suggested),
            )
        )

    def action_psd2_open_reconcile_wizard(self):
        """Open the reconciliation wizard on the selected transactions still open."""
        lines = self._psd2_open_lines()
        if not lines:
            raise UserError(_("The selected transactions are already reconciled."))
        return self.env["psd2.reconcile.wizard"]._psd2_open(lines)

    # -- Entry points for code -------------------------------------------------------------
    def _psd2_suggest(self):
        """Store the best suggestion of each line; set the partner found (see the service)."""
        return self.env["psd2.match.service"]._psd2_suggest(self)

    def _psd2_auto_reconcile(self):
        """Suggest, then reconcile the lines whose suggestion is applied automatically.

        :return: the lines reconciled.
        """
        return self.env["psd2.match.service"]._psd2_auto_reconcile(self)

    def _psd2_reconcile_with(self, documents, mode="manual"):
        """Reconcile this one line with ``documents`` (invoices, bills, credit notes)."""
        self.ensure_one()
        return self.env["psd2.reconcile.service"]._psd2_reconcile([(self, documents)], mode)

    def _psd2_open_lines(self):
        return self.filtered(lambda line: not line.is_reconciled and line.state == "posted")

    def _psd2_notify(self, message):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "message": message,
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }
