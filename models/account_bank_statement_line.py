from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..engine.identifiers import normalize_iban


class AccountBankStatementLine(models.Model):
    """Bank-feed data on statement lines: the import's key, and matching and reconciliation.

    The matcher's best suggestion is stored (not computed on the fly) so that the wizard, the
    dashboard and the list filters can search it, and so that a person sees the same reasons
    the automatic run acted on. The work itself is done by ``psd2.match.service`` (suggest)
    and ``psd2.reconcile.service`` (book); the methods below are the entry points.
    """

    _inherit = "account.bank.statement.line"

    psd2_dedup_key = fields.Char(
        string="Bank Transaction Key",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Stable key of the bank transaction (the provider's id, or a content fingerprint "
        "with an occurrence counter); the same key is never imported twice into a journal.",
    )
    psd2_booking_status = fields.Selection(
        [("booked", "Booked"), ("pending", "Pending")],
        string="Booking Status",
        readonly=True,
        copy=False,
    )

    _sql_constraints = [
        (
            "psd2_dedup_key_unique",
            "UNIQUE(journal_id, psd2_dedup_key)",
            "This bank transaction is already imported in this journal.",
        ),
    ]

    # -- Matching and reconciliation ------------------------------------------------------
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

    @api.model_create_multi
    def create(self, vals_list):
        self._psd2_partners_from_accounts(vals_list)
        return super().create(vals_list)

    @api.model
    def _psd2_partners_from_accounts(self, vals_list):
        """Give new lines without a partner the one whose bank account sent or received them.

        Done before the lines exist, in one query for the batch, because choosing a partner
        afterwards rewrites each line's posted entry (OCA's statement import also does it at
        import). An account number known for several partners names nobody; neither does
        one known only for another company, or our own.
        """
        wanted = [v for v in vals_list if v.get("account_number") and not v.get("partner_id")]
        if not wanted:
            return
        holders = self._psd2_account_holders(
            {number for vals in wanted for number in _account_variants(vals["account_number"])}
        )
        journals = self.env["account.journal"].browse({vals.get("journal_id") for vals in wanted})
        for vals in wanted:
            company = journals.browse(vals.get("journal_id")).company_id
            found = {
                partner
                for number in _account_variants(vals["account_number"])
                for partner in holders[number]
                if (not partner.company_id or partner.company_id in company.parent_ids)
                and partner != company.partner_id
            }
            if company and len(found) == 1:
                vals["partner_id"] = found.pop().id

    @api.model
    def _psd2_account_holders(self, numbers):
        """``{sanitized account number: {commercial partners}}`` for ``numbers``."""
        holders = defaultdict(set)
        banks = (
            self.env["res.partner.bank"]
            .sudo()
            .search_fetch(
                [("sanitized_acc_number", "in", list(numbers))],
                ["sanitized_acc_number", "partner_id"],
            )
        )
        for bank in banks:
            holders[bank.sanitized_acc_number].add(bank.partner_id.commercial_partner_id)
        return holders

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


def _account_variants(number):
    """The spellings a Polish account may be stored under: ``PL61...`` and the bare NRB."""
    iban = normalize_iban(number)
    return (iban, iban[2:]) if iban.startswith("PL") and len(iban) == 28 else (iban,)
