import datetime

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..engine import schedule, sync


class Psd2BackfillWizard(models.TransientModel):
    """Re-read a past date range of a connected account, as far back as the bank allows.

    The range is read in the background by the backfill scheduled action (Odoo's cron
    progress shows how far it got; the sync logs show what came), with the same
    de-duplication as every sync: what is already in the journal is not imported again.
    """

    _name = "psd2.backfill.wizard"
    _description = "Backfill Bank Transactions"

    account_id = fields.Many2one(
        "psd2.bank.account",
        string="Bank Account",
        required=True,
        domain="[('journal_id', '!=', False)]",
    )
    date_from = fields.Date(required=True)
    date_to = fields.Date(required=True, default=fields.Date.context_today)
    earliest_date = fields.Date(compute="_compute_earliest_date")

    @api.depends("account_id")
    def _compute_earliest_date(self):
        for wizard in self:
            days = wizard.account_id.connection_id.max_history_days
            wizard.earliest_date = (
                wizard._today() - datetime.timedelta(days=days) if days else False
            )

    def _today(self):
        company = self.account_id.company_id or self.env.company
        return schedule.local_today(fields.Datetime.now(), company.psd2_sync_tz)

    def action_start(self):
        """Queue the range on the account and wake the backfill scheduled action."""
        self.ensure_one()
        today = self._today()
        if self.date_from > self.date_to:
            raise UserError(_("The backfill starts after it ends."))
        if self.date_to > today:
            raise UserError(_("The bank has no transactions after today."))
        if self.earliest_date and self.date_from < self.earliest_date:
            raise UserError(
                _(
                    "The bank keeps transactions back to %(date)s only; start the backfill on "
                    "or after that day.",
                    date=self.earliest_date,
                )
            )
        if self.account_id.connection_id.state not in ("active", "expiring", "error"):
            raise UserError(_("Renew the bank consent before backfilling."))
        # (Not named "cursor": Odoo's _() looks for a database cursor under that name.)
        start = sync.SyncCursor(sync.SyncWindow(self.date_from, self.date_to))
        self.account_id.sudo().backfill_cursor = start.to_dict()
        self.env.ref("account_bank_psd2.ir_cron_psd2_backfill").sudo()._trigger()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "message": _(
                    "Backfill of %(account)s from %(start)s to %(end)s started; its progress "
                    "shows in the sync logs.",
                    account=self.account_id.display_name,
                    start=self.date_from,
                    end=self.date_to,
                ),
            },
        }
