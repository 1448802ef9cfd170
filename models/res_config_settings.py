from odoo import _, fields, models
from odoo.exceptions import AccessError


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    psd2_sync_times = fields.Char(related="company_id.psd2_sync_times", readonly=False)
    psd2_sync_tz = fields.Selection(related="company_id.psd2_sync_tz", readonly=False)
    psd2_first_sync_days = fields.Integer(related="company_id.psd2_first_sync_days", readonly=False)
    psd2_overlap_days = fields.Integer(related="company_id.psd2_overlap_days", readonly=False)
    psd2_consent_reminder_days = fields.Char(
        related="company_id.psd2_consent_reminder_days", readonly=False
    )
    psd2_alert_failure_count = fields.Integer(
        related="company_id.psd2_alert_failure_count", readonly=False
    )
    psd2_connection_count = fields.Integer(
        string="Bank Connection Count", compute="_compute_psd2_connection_count"
    )
    psd2_auto_reconcile = fields.Boolean(related="company_id.psd2_auto_reconcile", readonly=False)
    psd2_reconcile_threshold = fields.Float(
        related="company_id.psd2_reconcile_threshold", readonly=False
    )
    psd2_allow_payment_differences = fields.Boolean(
        related="company_id.psd2_allow_payment_differences", readonly=False
    )
    psd2_writeoff_tolerance = fields.Monetary(
        related="company_id.psd2_writeoff_tolerance", readonly=False
    )
    psd2_writeoff_account_id = fields.Many2one(
        related="company_id.psd2_writeoff_account_id", readonly=False
    )

    def _compute_psd2_connection_count(self):
        for settings in self:
            settings.psd2_connection_count = self.env["psd2.bank.connection"].search_count(
                [("company_id", "=", settings.company_id.id)]
            )

    def action_psd2_connect_bank(self):
        return self.env["psd2.connect.wizard"].action_open()

    def action_psd2_open_connections(self):
        return self.env["ir.actions.act_window"]._for_xml_id(
            "account_bank_psd2.psd2_bank_connection_action"
        )

    def action_psd2_rotate_secrets(self):
        """Re-encrypt every bank secret with the current key (system administrators only)."""
        if not self.env.user.has_group("base.group_system"):
            raise AccessError(_("Only system administrators can rotate the bank secret keys."))
        rotated, failed = self.env["psd2.secret.vault"]._psd2_rotate_all()
        message = _("%(count)s bank secrets re-encrypted with the current key.", count=rotated)
        if failed:
            message += " " + _(
                "%(count)s could not be opened and were left as they were; see the server log.",
                count=len(failed),
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"type": "warning" if failed else "success", "message": message},
        }
