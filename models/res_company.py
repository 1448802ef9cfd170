from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.base.models.res_partner import _tz_get

from ..engine import alerts, schedule, sync
from .engine_text import engine_text


class ResCompany(models.Model):
    _inherit = "res.company"

    psd2_sync_times = fields.Char(
        string="Bank Sync Times",
        default=schedule.DEFAULT_SYNC_TIMES,
        required=True,
        help="Times of day (company time zone) when bank accounts are synced, e.g. "
        "'11:45, 15:15, 18:30': after the Elixir clearing sessions post. At most four: "
        "PSD2 allows four unattended reads a day.",
    )
    psd2_sync_tz = fields.Selection(
        _tz_get,
        string="Bank Sync Time Zone",
        default=lambda self: self.env.user.tz or "Europe/Warsaw",
        required=True,
    )
    psd2_first_sync_days = fields.Integer(
        string="First Sync Days",
        default=sync.DEFAULT_FIRST_SYNC_DAYS,
        help="How many days back the first sync of a bank account reads.",
    )
    psd2_overlap_days = fields.Integer(
        string="Sync Overlap Days",
        default=sync.DEFAULT_OVERLAP_DAYS,
        help="Each sync re-reads this many days before the last one ended, to catch "
        "transactions the bank books late with a past date. Nothing is imported twice.",
    )

    psd2_consent_reminder_days = fields.Char(
        string="Consent Reminders",
        default=alerts.DEFAULT_REMINDER_DAYS,
        required=True,
        help="Days before a bank consent ends when its responsible user is reminded.",
    )
    psd2_alert_failure_count = fields.Integer(
        string="Failed Runs Before Alert",
        default=alerts.DEFAULT_FAILURES_BEFORE_ALERT,
        help="A connection failing this many runs in a row alerts its responsible user and "
        "the bank connection managers, once per incident.",
    )

    @api.constrains("psd2_consent_reminder_days")
    def _check_psd2_consent_reminder_days(self):
        for company in self:
            try:
                alerts.parse_reminder_days(company.psd2_consent_reminder_days)
            except ValueError as error:
                raise ValidationError(
                    _("Consent reminders: %(error)s", error=engine_text(self.env, error))
                ) from error

    # -- Reconciliation (see psd2.match.service and psd2.reconcile.service) -----------------
    psd2_auto_reconcile = fields.Boolean(
        string="Reconcile Automatically",
        default=True,
        help="After each bank sync, reconcile the new transactions whose suggested invoices "
        "reach the confidence threshold. The others wait for a person in the reconciliation "
        "wizard.",
    )
    psd2_reconcile_threshold = fields.Float(
        string="Auto-Reconcile Confidence",
        default=0.9,
        help="Confidence (0 to 1) from which a suggestion is applied without a person. A "
        "stranger paying an amount that happens to equal an open invoice never reaches it.",
    )
    psd2_allow_payment_differences = fields.Boolean(
        string="Allow Payment Differences",
        help="Let transfers that pay less or more than the open amount be reconciled "
        "automatically (partial payments, overpayments). Without it they are only suggested.",
    )
    psd2_writeoff_tolerance = fields.Monetary(
        string="Write-off Tolerance",
        currency_field="currency_id",
        help="A payment difference up to this amount is booked on the write-off account and "
        "the invoices are closed; a larger one stays open (partial payment, or a credit on "
        "the partner). Zero: never write off.",
    )
    psd2_writeoff_account_id = fields.Many2one(
        "account.account",
        string="Write-off Account",
        check_company=True,
        domain="[('account_type', 'not in', ('asset_receivable', 'liability_payable', "
        "'asset_cash', 'liability_credit_card', 'off_balance'))]",
        help="Where small payment differences are booked (e.g. other operating income or "
        "expenses). Without it, differences are never written off.",
    )

    @api.constrains("psd2_sync_times")
    def _check_psd2_sync_times(self):
        for company in self:
            try:
                schedule.parse_sync_times(company.psd2_sync_times)
            except ValueError as error:
                raise ValidationError(
                    _("Bank sync times: %(error)s", error=engine_text(self.env, error))
                ) from error

    @api.constrains("psd2_first_sync_days", "psd2_overlap_days")
    def _check_psd2_sync_days(self):
        for company in self:
            if not 0 <= company.psd2_first_sync_days <= 730:
                raise ValidationError(_("The first sync can read between 0 and 730 days back."))
            if not 0 <= company.psd2_overlap_days <= 30:
                raise ValidationError(_("The sync overlap must be between 0 and 30 days."))

    @api.constrains("psd2_reconcile_threshold", "psd2_writeoff_tolerance")
    def _check_psd2_reconcile_settings(self):
        for company in self:
            if not 0.5 <= company.psd2_reconcile_threshold <= 1:
                raise ValidationError(
                    _("The auto-reconcile confidence must be between 50% and 100%.")
                )
            if company.psd2_writeoff_tolerance < 0:
                raise ValidationError(_("The write-off tolerance cannot be negative."))

    def write(self, vals):
        result = super().write(vals)
        if {"psd2_sync_times", "psd2_sync_tz"} & set(vals):
            connections = (
                self.env["psd2.bank.connection"].sudo().search([("company_id", "in", self.ids)])
            )
            connections._psd2_plan_next_sync()
            connections._psd2_schedule_cron()
        return result

    def _psd2_sync_times(self):
        """The company's sync times as ``datetime.time`` values (see engine.schedule)."""
        self.ensure_one()
        return schedule.parse_sync_times(self.psd2_sync_times)

    def _psd2_consent_reminder_days(self):
        """The reminder thresholds in days, most distant first (see engine.alerts)."""
        self.ensure_one()
        return alerts.parse_reminder_days(self.psd2_consent_reminder_days)
