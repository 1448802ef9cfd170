from markupsafe import Markup, escape

from odoo import _, api, fields, models

from ..engine import alerts


class Psd2BankConnection(models.Model):
    """Alerts of a bank connection: consent reminders and failure streaks.

    One incident raises one activity for the responsible user and one e-mail to them and to
    the bank connection managers of the company; the consent reminder speaks again only when
    it gets more urgent (14, 7, 1 days, expired), and recovery (a renewed consent, a
    successful run) closes the activity. Nothing is repeated run after run.
    """

    _inherit = "psd2.bank.connection"

    alert_consent_level = fields.Integer(
        readonly=True,
        copy=False,
        default=-1,
        help="Days-left level of the last consent reminder sent (0: expired; -1: none).",
    )
    alert_consent_activity_id = fields.Many2one("mail.activity", readonly=True, copy=False)
    is_alert_failing = fields.Boolean(readonly=True, copy=False)
    alert_failing_activity_id = fields.Many2one("mail.activity", readonly=True, copy=False)
    alert_message = fields.Char(
        compute="_compute_alert_message", help="What the dashboard card warns about."
    )

    @api.depends("alert_consent_level", "is_alert_failing", "state", "consent_valid_until")
    def _compute_alert_message(self):
        for connection in self:
            if connection.state == "revoked":
                message = _("Consent revoked: renew it to sync again.")
            elif connection.alert_consent_level == alerts.EXPIRED or connection.state == "expired":
                message = _("Consent expired: renew it to sync again.")
            elif connection.is_alert_failing:
                message = _("The last syncs failed: %(error)s", error=connection.last_error or "")
            elif connection.alert_consent_level > 0:
                message = _(
                    "Consent ends in %(days)s days: renew it.",
                    days=max(0, connection._psd2_consent_days_left() or 0),
                )
            else:
                message = False
            connection.alert_message = message

    # -- Deciding --------------------------------------------------------------------------
    def _psd2_update_alerts(self):
        """Raise, escalate or clear the alerts of each connection from its current state."""
        now = fields.Datetime.now()
        for connection in self:
            company = connection.company_id
            thresholds = company._psd2_consent_reminder_days()
            level = alerts.consent_reminder_level(
                connection.consent_valid_until or None, now, thresholds
            )
            if connection.state == "revoked":
                level = alerts.EXPIRED
            announced = (
                connection.alert_consent_level if connection.alert_consent_level >= 0 else None
            )
            if level is None and announced is not None:
                connection._psd2_clear_alert("consent")
            elif alerts.is_more_urgent(level, announced):
                connection._psd2_raise_consent_alert(level)
            failing = connection.state == "error" and alerts.is_failing(
                connection.failure_count, company.psd2_alert_failure_count
            )
            if failing and not connection.is_alert_failing:
                connection._psd2_raise_failing_alert()
            elif not failing and connection.is_alert_failing:
                connection._psd2_clear_alert("failing")

    @api.model
    def _cron_check_consents(self):
        """Daily: move consents to expiring/expired and send the reminders that are due."""
        connections = self.search([("state", "not in", ("draft",))])
        now = fields.Datetime.now()
        for connection in connections:
            if connection.state in ("active", "expiring", "expired"):
                state = connection._psd2_consent_state(now)
                if state != connection.state:
                    connection.sudo().state = state
        connections._psd2_update_alerts()

    # -- Speaking --------------------------------------------------------------------------
    def _psd2_raise_consent_alert(self, level):
        self.ensure_one()
        if level == alerts.EXPIRED:
            summary = _("Renew the expired bank consent")
            body = _(
                "The consent of the bank connection %(name)s has ended: its accounts are no "
                "longer synced. Renew it from the connection or the journal's dashboard card.",
                name=self.name,
            )
        else:
            summary = _("Renew the bank consent within %(days)s days", days=level)
            body = _(
                "The consent of the bank connection %(name)s ends on %(date)s. Renew it before "
                "then so that its accounts keep syncing.",
                name=self.name,
                date=fields.Date.to_string(self.consent_valid_until.date()),
            )
        activity = self._psd2_schedule_alert_activity(self.alert_consent_activity_id, summary, body)
        self.sudo().write({"alert_consent_level": level, "alert_consent_activity_id": activity.id})
        self._psd2_notify(summary, body)

    def _psd2_raise_failing_alert(self):
        self.ensure_one()
        summary = _("Bank sync is failing")
        body = _(
            "The bank connection %(name)s failed %(count)s runs in a row. Last error: %(error)s",
            name=self.name,
            count=self.failure_count,
            error=self.last_error or "",
        )
        activity = self._psd2_schedule_alert_activity(self.alert_failing_activity_id, summary, body)
        self.sudo().write({"is_alert_failing": True, "alert_failing_activity_id": activity.id})
        self._psd2_notify(summary, body)

    def _psd2_clear_alert(self, kind):
        """Close the alert's activity: the problem went away (renewed consent, a good run)."""
        self.ensure_one()
        if kind == "consent":
            activity = self.alert_consent_activity_id
            self.sudo().write({"alert_consent_level": -1, "alert_consent_activity_id": False})
        else:
            activity = self.alert_failing_activity_id
            self.sudo().write({"is_alert_failing": False, "alert_failing_activity_id": False})
        if activity.exists():
            activity.sudo().action_feedback(
                feedback=_("Resolved: the bank connection works again.")
            )

    def _psd2_schedule_alert_activity(self, current, summary, body):
        """Update the incident's open activity, or schedule one for the responsible user."""
        values = {
            "summary": summary,
            "note": Markup("<p>%s</p>") % body,
            "date_deadline": fields.Date.context_today(self),
        }
        if current.exists():
            current.sudo().write(values)
            return current
        return self.sudo().activity_schedule(
            "mail.mail_activity_data_todo", user_id=(self.user_id or self.env.user).id, **values
        )

    def _psd2_notify(self, summary, body):
        """One e-mail to the responsible user and the company's bank connection managers."""
        managers = (
            self.env.ref("account_bank_psd2.group_psd2_manager")
            .sudo()
            .users.filtered(lambda user: self.company_id in user.company_ids and not user.share)
        )
        partners = (self.user_id | managers).partner_id
        self.sudo().message_post(
            body=Markup("<p><strong>%s</strong></p><p>%s</p>") % (escape(summary), escape(body)),
            partner_ids=partners.ids,
            subject=summary,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
