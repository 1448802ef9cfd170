from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_datetime


class AccountJournal(models.Model):
    _inherit = "account.journal"

    psd2_account_ids = fields.One2many("psd2.bank.account", "journal_id")
    psd2_account_id = fields.Many2one(
        "psd2.bank.account",
        string="Connected Bank Account",
        compute="_compute_psd2_account_id",
        help="The bank account (reached through a PSD2 connection) that feeds this journal.",
    )
    psd2_connection_id = fields.Many2one(
        "psd2.bank.connection", string="Bank Connection", compute="_compute_psd2_account_id"
    )

    @api.depends("psd2_account_ids.connection_id")
    def _compute_psd2_account_id(self):
        for journal in self:
            journal.psd2_account_id = journal.psd2_account_ids[:1]
            journal.psd2_connection_id = journal.psd2_account_id.connection_id

    def action_psd2_connect_bank(self):
        """Open the connect wizard with this journal proposed for the first account."""
        self.ensure_one()
        return self.env["psd2.connect.wizard"].action_open(journal=self)

    def action_psd2_sync_now(self):
        """Sync the connection feeding this journal now (the other accounts of it too)."""
        self.ensure_one()
        connection = self.psd2_account_id.connection_id
        if not connection:
            raise UserError(
                _("The journal %(journal)s is not connected to a bank.", journal=self.name)
            )
        return connection.sudo().action_sync_now()

    def action_psd2_renew_consent(self):
        self.ensure_one()
        return self.psd2_connection_id.action_renew_consent()

    def _fill_bank_cash_dashboard_data(self, dashboard_data):
        """Add the bank connection's state, last sync, consent end and balance to the card.

        The balance is added only for members of the "Bank balances" group: the dashboard
        data is JSON sent to the browser, so hiding it in the view would not be enough.
        """
        super()._fill_bank_cash_dashboard_data(dashboard_data)
        can_see_balance = self.env.user.has_group("account_bank_psd2.group_psd2_balances")
        accounts = self.env["psd2.bank.account"].sudo().search([("journal_id", "in", self.ids)])
        for account in accounts:
            connection = account.connection_id
            data = {
                "connection_id": connection.id,
                "state": connection.state,
                "state_label": dict(connection._fields["state"].selection)[connection.state],
                "last_sync": format_datetime(self.env, connection.last_sync_at)
                if connection.last_sync_at
                else False,
                "last_sync_status": connection.last_sync_status or False,
                "last_error": connection.last_error or False,
                "consent_days_left": connection._psd2_consent_days_left(),
                "alert": connection.alert_message or False,
            }
            if can_see_balance and account.balance_date:
                data["balance"] = account.currency_id.format(account.balance_amount)
                data["balance_date"] = format_datetime(self.env, account.balance_date)
            dashboard_data.setdefault(account.journal_id.id, {})["psd2"] = data
