import datetime
import logging

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..engine import budget, errors, schedule, webhooks
from ..engine.providers import get_provider_class, provider_classes, sandbox_data
from ..engine.records import Consent
from .engine_text import engine_text

_logger = logging.getLogger(__name__)

#: Where providers and bank relays notify (see controllers/webhook.py).
WEBHOOK_PATH = "/account_bank_psd2/webhook"

#: A consent ending within this many days puts the connection in the "expiring" state.
EXPIRING_DAYS = 14
#: Connections synced per cron call; the cron runner calls again while some remain.
CRON_BATCH_SIZE = 10

STATES = [
    ("draft", "Draft"),
    ("active", "Active"),
    ("expiring", "Consent Expiring"),
    ("expired", "Consent Expired"),
    ("error", "Error"),
    ("revoked", "Revoked"),
]
#: States in which the scheduler syncs a connection.
SYNCING_STATES = ("active", "expiring", "error")
#: Failures that concern the whole consent, not one account.
CONNECTION_WIDE_ERRORS = ("consent_expired", "consent_revoked", "auth")
#: Connection state after a run that failed with a sync log's ``error_kind``.
ERROR_KIND_STATES = {"consent_expired": "expired", "consent_revoked": "revoked"}


class Psd2BankConnection(models.Model):
    """Access to one bank through one provider, under one consent.

    A connection holds what the provider needs (settings, consent data: readable by system
    administrators only, and through :meth:`_psd2_provider` by the code) and the accounts the
    consent covers; each account feeds one bank journal. The state tells people whether data
    still flows: an expired or revoked consent stops syncing until it is renewed.
    """

    _name = "psd2.bank.connection"
    _description = "Bank Connection"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "name, id"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    provider = fields.Selection(
        selection="_selection_provider", required=True, default="sandbox", tracking=True
    )
    institution_id = fields.Char(string="Bank Identifier", readonly=True)
    institution_name = fields.Char(string="Bank", readonly=True)
    max_history_days = fields.Integer(
        string="History Kept (days)",
        readonly=True,
        help="How far back the bank serves transactions, as the provider reports it.",
    )
    state = fields.Selection(STATES, default="draft", required=True, tracking=True, index=True)
    consent_valid_until = fields.Datetime(
        readonly=True,
        tracking=True,
        help="End of the consent as the provider reports it; renew the consent before.",
    )
    consent_reference = fields.Char(readonly=True, groups="base.group_system", copy=False)
    consent_secret = fields.Text(
        readonly=True,
        groups="base.group_system",
        copy=False,
        help="What the provider needs to use the consent (session ids), sealed by the vault.",
    )
    provider_settings = fields.Json(
        groups="base.group_system",
        copy=False,
        help="Settings of this connection only (the Sandbox Bank's seed); the provider "
        "credentials live in the provider configuration.",
    )
    call_history = fields.Json(
        readonly=True,
        copy=False,
        help="Calls made to the bank that count against its daily limit, per scope and account.",
    )
    webhook_secret = fields.Text(
        readonly=True,
        groups="base.group_system",
        copy=False,
        help="Signs the calls the provider or a bank relay makes to the webhook address; sealed.",
    )
    has_webhook = fields.Boolean(compute="_compute_webhook")
    webhook_url = fields.Char(compute="_compute_webhook", string="Webhook Address")
    webhook_requested_at = fields.Datetime(
        readonly=True, copy=False, help="A valid webhook call asked for a sync at this moment."
    )
    blocked_until = fields.Datetime(
        readonly=True, copy=False, help="The provider asked us not to call before this moment."
    )
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        default=lambda self: self.env.user,
        tracking=True,
        help="Receives the alerts about this connection (failures, consent expiry).",
    )
    account_ids = fields.One2many("psd2.bank.account", "connection_id", string="Accounts")
    account_count = fields.Integer(compute="_compute_account_count")
    sync_log_ids = fields.One2many("psd2.sync.log", "connection_id", string="Sync Logs")
    last_sync_at = fields.Datetime(readonly=True)
    last_sync_status = fields.Selection(
        [("success", "Success"), ("warning", "Done with rejected records"), ("failed", "Failed")],
        readonly=True,
    )
    next_sync_at = fields.Datetime(
        readonly=True,
        index=True,
        help="When the scheduler syncs this connection next: the first company sync time "
        "after the last sync (a new connection syncs at once).",
    )
    last_error = fields.Text(readonly=True)
    failure_count = fields.Integer(
        readonly=True, help="Failed runs in a row; back to zero after a successful run."
    )

    # -- Compute and selection -------------------------------------------------------------
    @api.model
    def _selection_provider(self):
        return [(cls.code, cls.label) for cls in provider_classes()]

    def _compute_account_count(self):
        for connection in self:
            connection.account_count = len(connection.account_ids)

    @api.model_create_multi
    def create(self, vals_list):
        connections = super().create(vals_list)
        connections._psd2_plan_next_sync()
        connections._psd2_grant_balances_to_responsible()
        return connections

    def write(self, vals):
        result = super().write(vals)
        if vals.get("user_id"):
            self._psd2_grant_balances_to_responsible()
        return result

    def _psd2_grant_balances_to_responsible(self):
        """The responsible of a connection sees its balances: add them to the group."""
        group = self.env.ref("account_bank_psd2.group_psd2_balances")
        users = self.user_id.filtered(lambda user: group not in user.groups_id)
        if users:
            group.sudo().users = [fields.Command.link(user.id) for user in users]

    def _psd2_plan_next_sync(self):
        """Set ``next_sync_at`` from the last sync and the company's sync times.

        A plain stored field, written when its inputs change (a sync, new sync times), so
        the value is the one the scheduler will act on, never recomputed at a surprise time.
        """
        now = fields.Datetime.now()
        for connection in self:
            company = connection.company_id
            if connection.last_sync_at:
                next_at = schedule.next_sync_after(
                    connection.last_sync_at, company._psd2_sync_times(), company.psd2_sync_tz
                )
            else:
                next_at = now
            # Never before the bank allows the next call (daily limit, or a 429's wait).
            for account in connection.account_ids.filtered("journal_id"):
                next_at = max(next_at, connection._psd2_next_call_slot(account, next_at))
            connection.sudo().next_sync_at = next_at

    def _compute_webhook(self):
        secrets = {c.id: bool(c.webhook_secret) for c in self.sudo()}
        base_url = self.get_base_url() if self else ""
        for connection in self:
            connection.has_webhook = secrets.get(connection.id, False)
            connection.webhook_url = (
                f"{base_url}{WEBHOOK_PATH}/{connection.id}" if connection.id else False
            )

    # -- Actions ---------------------------------------------------------------------------
    def action_sync_now(self):
        """Sync every account of the connection now, and tell the user how it went."""
        self.ensure_one()
        self._psd2_check_can_sync()
        logs = self._psd2_sync(trigger="manual")
        return logs._psd2_notification()

    def action_renew_consent(self):
        self.ensure_one()
        return self.env["psd2.connect.wizard"].action_open(connection=self)

    def action_revoke(self):
        """Withdraw the consent at the provider (where possible) and stop syncing."""
        for connection in self:
            try:
                connection._psd2_provider().revoke_consent(connection._psd2_consent())
            except errors.ProviderError as error:
                _logger.warning(
                    "Revoking consent of connection %s failed: %s", connection.id, error
                )
            connection.sudo().write({"state": "revoked", "consent_secret": False})
            connection._psd2_update_alerts()
            connection.message_post(
                body=_("Consent revoked: the bank accounts are no longer synced.")
            )
        return True

    def action_generate_webhook_secret(self):
        """Make a new webhook secret and show it once, to give to the provider or relay."""
        self.ensure_one()
        secret = webhooks.generate_secret()
        self.sudo().webhook_secret = self.env["psd2.secret.vault"]._psd2_seal(
            self, "webhook_secret", secret
        )
        self.message_post(
            body=_("A new webhook secret was generated; the previous one no longer works.")
        )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "warning",
                "sticky": True,
                "title": _("Webhook secret (shown once)"),
                "message": _(
                    "Address: %(url)s  Secret: %(secret)s  Sign each call with HMAC-SHA256 in "
                    "the X-PSD2-Signature header (see the module documentation).",
                    url=self.webhook_url,
                    secret=secret,
                ),
            },
        }

    def _psd2_webhook_secret(self):
        """The webhook secret (opened), or None when the connection takes no webhooks."""
        self.ensure_one()
        if self.state not in SYNCING_STATES:
            return None
        return self.env["psd2.secret.vault"]._psd2_open(self, "webhook_secret")

    def _psd2_queue_webhook_sync(self):
        """Make the connection due now and wake the sync cron: no bank call in the request."""
        self.ensure_one()
        now = fields.Datetime.now()
        self.sudo().write({"webhook_requested_at": now, "next_sync_at": now})
        self.env.ref("account_bank_psd2.ir_cron_psd2_sync").sudo()._trigger()

    def action_open_accounts(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account_bank_psd2.psd2_bank_account_action"
        )
        action["domain"] = [("connection_id", "=", self.id)]
        return action

    # -- Provider access -------------------------------------------------------------------
    def _psd2_provider(self):
        """Return the engine provider of this connection, with its secrets.

        The one place that assembles provider settings: the company's provider configuration
        (credentials, API address, tokens) plus this connection's own settings. Read with sudo,
        because secrets are hidden from every user but system administrators, and the caller
        (the sync, the consent flow) acts for a user who may not read them.

        :raise errors.AuthenticationFailed: the provider is not configured for the company.
        """
        self.ensure_one()
        return self._psd2_build_provider(
            self.provider, self.company_id, self.sudo().provider_settings
        )

    @api.model
    def _psd2_build_provider(self, provider_code, company, connection_settings=None):
        """A provider instance for ``company``: its configuration plus connection settings."""
        settings = self._psd2_base_settings(provider_code, company)
        settings.update(connection_settings or {})
        if provider_code == "sandbox":
            settings.setdefault("holder_name", company.name)
            if company.vat:
                settings.setdefault("holder_vat", company.vat.upper().removeprefix("PL"))
        return get_provider_class(provider_code)(settings)

    @api.model
    def _psd2_base_settings(self, provider_code, company):
        """Settings from the company's configuration of ``provider_code`` (none for the sandbox)."""
        if not get_provider_class(provider_code).setting_specs:
            return {}
        config = self.env["psd2.provider.config"]._psd2_config_for(provider_code, company)
        if not config:
            raise errors.AuthenticationFailed(
                _(
                    "%(provider)s is not configured for %(company)s: add it in Invoicing > "
                    "Configuration > Bank Data Providers.",
                    provider=dict(self._selection_provider()).get(provider_code, provider_code),
                    company=company.name,
                )
            )
        try:
            return config._psd2_settings()
        except UserError as error:
            raise errors.AuthenticationFailed(str(error)) from error

    @api.model
    def _psd2_default_settings(self, provider_code, company):
        """Settings of a new connection of ``company``, besides the provider configuration.

        The Sandbox Bank gets its seed: one bank per database and company, so that demo
        databases differ and tests can pin one.
        """
        if provider_code == "sandbox":
            return {"seed": f"{self.env.cr.dbname}/{company.id}"}
        return {}

    def _psd2_consent(self):
        """Return the stored consent as the engine's :class:`~..engine.records.Consent`."""
        self.ensure_one()
        connection_sudo = self.sudo()
        data = self.env["psd2.secret.vault"]._psd2_open(self, "consent_secret") or {}
        return Consent(
            consent_id=connection_sudo.consent_reference or "",
            valid_until=self.consent_valid_until or None,
            institution_id=self.institution_id or "",
            data=data or {},
        )

    def _psd2_store_consent(self, consent):
        """Keep a granted consent: its end date in clear, its data sealed."""
        self.ensure_one()
        self.sudo().write(
            {
                "consent_reference": consent.consent_id,
                "consent_valid_until": consent.valid_until,
                # Nothing to seal (the Sandbox Bank): nothing stored, and no key needed.
                "consent_secret": self.env["psd2.secret.vault"]._psd2_seal(
                    self, "consent_secret", consent.data
                )
                if consent.data
                else False,
            }
        )

    def _psd2_after_provider_use(self, provider):
        """Persist what a provider instance learnt: calls it made, tokens it refreshed."""
        self.ensure_one()
        calls = provider.drain_metered_calls()
        if calls:
            ledger = self._psd2_call_ledger()
            ledger.record(calls)
            self.sudo().call_history = ledger.to_json()
        state = provider.runtime_state()
        if state:
            config = self.env["psd2.provider.config"]._psd2_config_for(
                self.provider, self.company_id
            )
            if config:
                config._psd2_store_runtime_state(state)

    def _psd2_call_ledger(self):
        provider_class = get_provider_class(self.provider)
        return budget.CallLedger.from_json(self.call_history, budget.budget_for(provider_class))

    def _psd2_next_call_slot(self, account, now):
        """First moment the bank may be read again for ``account`` (``now`` if at once)."""
        scope_keys = [
            (budget.SCOPE_TRANSACTIONS, account.remote_id),
            (budget.SCOPE_IMPORT, self.sudo().consent_reference or ""),
        ]
        return self._psd2_call_ledger().next_slot(
            scope_keys, now, blocked_until=self.blocked_until or None
        )

    # -- Sync ------------------------------------------------------------------------------
    def _psd2_check_can_sync(self):
        states = dict(self._fields["state"]._description_selection(self.env))
        for connection in self:
            if connection.state in ("draft", "expired", "revoked"):
                raise UserError(
                    _(
                        "The connection %(name)s cannot sync while its state is %(state)s. "
                        "Renew the consent first.",
                        name=connection.name,
                        state=states[connection.state],
                    )
                )

    def _psd2_sync(self, trigger="cron"):
        """Sync every linked account of each connection; return the sync logs written.

        Never raises for a provider failure: the failure is written on the sync log, on the
        connection (state, error text, chatter) and counted, so that one broken bank does
        not stop the others and nothing is swallowed.
        """
        all_logs = self.env["psd2.sync.log"]
        for connection in self:
            provider = connection._psd2_provider()
            consent = connection._psd2_consent()
            logs = self.env["psd2.sync.log"]
            for account in connection.account_ids.filtered("journal_id"):
                log = account._psd2_sync(provider, consent, trigger=trigger)
                logs |= log
                if log.status == "failed" and log.error_kind in CONNECTION_WIDE_ERRORS:
                    break  # the other accounts share the consent: do not spend their calls
            connection._psd2_record_sync_result(logs)
            all_logs |= logs
        return all_logs

    def _psd2_record_sync_result(self, logs):
        """Move the connection's state after a run; post to the chatter on a new incident."""
        self.ensure_one()
        now = fields.Datetime.now()
        failed = logs.filtered(lambda log: log.status == "failed")[:1]
        values = {"last_sync_at": now}
        if failed:
            values.update(
                last_sync_status="failed",
                last_error=failed.error_message,
                failure_count=self.failure_count + 1,
                state=ERROR_KIND_STATES.get(failed.error_kind, "error"),
            )
        else:
            warned = any(log.status == "warning" for log in logs)
            values.update(
                last_sync_status="warning" if warned else "success",
                last_error=False,
                failure_count=0,
                state=self._psd2_consent_state(now),
            )
        is_new_incident = bool(failed) and (
            self.state != values["state"] or self.last_error != values["last_error"]
        )
        self.sudo().write(values)
        self._psd2_plan_next_sync()
        self._psd2_update_alerts()
        if is_new_incident:
            self.message_post(body=_("Bank sync failed: %(error)s", error=failed.error_message))

    def _psd2_record_consent_granted(self):
        """Note a granted or renewed consent: state from its end date, and in the chatter."""
        for connection in self:
            connection.sudo().write(
                {
                    "state": connection._psd2_consent_state(fields.Datetime.now()),
                    "failure_count": 0,
                    "last_error": False,
                }
            )
            connection._psd2_update_alerts()
            connection.message_post(
                body=_(
                    "Consent granted by %(bank)s, valid until %(date)s.",
                    bank=connection.institution_name or connection.name,
                    date=fields.Datetime.to_string(connection.consent_valid_until) or _("unknown"),
                )
            )

    def _psd2_consent_state(self, now):
        if self.consent_valid_until and self.consent_valid_until <= now:
            return "expired"
        if self.consent_valid_until and self.consent_valid_until - now <= datetime.timedelta(
            days=EXPIRING_DAYS
        ):
            return "expiring"
        return "active"

    @api.model
    def _cron_sync_due_connections(self):
        """Scheduled action: sync the connections whose next sync time has come.

        Works in batches of :data:`CRON_BATCH_SIZE` and reports progress, so the cron runner
        commits between batches and calls again while connections remain; then schedules
        itself for the next sync time due.
        """
        now = fields.Datetime.now()
        domain = [("state", "in", SYNCING_STATES), ("next_sync_at", "<=", now)]
        due = self.search(domain, limit=CRON_BATCH_SIZE, order="next_sync_at, id")
        for connection in due:
            trigger = "webhook" if connection.webhook_requested_at else "cron"
            connection.sudo().webhook_requested_at = False
            try:
                connection._psd2_sync(trigger=trigger)
            except Exception as error:
                _logger.exception("Bank sync of connection %s crashed", connection.id)
                self.env["psd2.sync.log"]._psd2_rollback()
                connection._psd2_record_crash(error)
            self.env["psd2.sync.log"]._psd2_commit()
        remaining = self.search_count(domain) if len(due) == CRON_BATCH_SIZE else 0
        self.env["ir.cron"]._notify_progress(done=len(due), remaining=remaining)
        self._psd2_schedule_cron()

    def _psd2_record_crash(self, error):
        """Record an unexpected error (a bug, a database error) like a provider failure."""
        self.ensure_one()
        message = _(
            "Unexpected error during the sync: %(error)s",
            error=engine_text(self.env, error)[:500],
        )
        self.sudo().write(
            {
                "state": "error",
                "last_error": message,
                "last_sync_status": "failed",
                "last_sync_at": fields.Datetime.now(),
                "failure_count": self.failure_count + 1,
            }
        )
        self._psd2_plan_next_sync()
        self.message_post(body=message)

    @api.model
    def _psd2_schedule_cron(self):
        """Wake the sync cron at the next sync time due (it also runs hourly as a safety net).

        Searches as superuser: the earliest time over every company counts, not only over
        the companies of the user who changed a setting.
        """
        first_due = self.sudo().search(
            [("state", "in", SYNCING_STATES), ("next_sync_at", "!=", False)],
            order="next_sync_at",
            limit=1,
        )
        cron = self.env.ref("account_bank_psd2.ir_cron_psd2_sync", raise_if_not_found=False)
        if cron and first_due:
            cron.sudo()._trigger(at=max(first_due.next_sync_at, fields.Datetime.now()))

    # -- Sandbox Bank ----------------------------------------------------------------------
    def action_sandbox_pay_open_invoices(self):
        """Tell the Sandbox Bank about open invoices and bills so that it pays them.

        Only for demos and first contact: the bank then carries realistic payments (with
        messy titles) that the next sync imports and the matching engine reconciles.
        """
        self.ensure_one()
        if self.provider != "sandbox":
            raise UserError(_("Only the Sandbox Bank can be told to pay invoices."))
        moves = self.env["account.move"].search(
            [
                ("company_id", "=", self.company_id.id),
                ("move_type", "in", ("out_invoice", "in_invoice")),
                ("state", "=", "posted"),
                ("payment_state", "in", ("not_paid", "partial")),
            ],
            limit=200,
        )
        settings = dict(self.sudo().provider_settings or {})
        announced = list(settings.get("announced_payments", []))
        known = {item["reference"] for item in announced}
        now = fields.Datetime.now().isoformat()
        for move in moves:
            reference = (move.ref if move.move_type == "in_invoice" else move.name) or move.name
            if reference in known:
                continue
            partner = move.commercial_partner_id
            announced.append(
                {
                    "reference": reference,
                    "amount": str(move.amount_residual),
                    "currency": move.currency_id.name,
                    "partner_name": partner.name,
                    "partner_vat": partner.vat or "",
                    "partner_iban": partner.bank_ids[:1].acc_number or "",
                    "kind": move.move_type,
                    "announced_at": now,
                }
            )
        settings["announced_payments"] = announced
        self.sudo().provider_settings = settings
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "message": _(
                    "The Sandbox Bank will pay %(count)s invoices and bills; sync to see them.",
                    count=len(announced) - len(known),
                ),
            },
        }

    def _psd2_consent_days_left(self):
        """Whole days until the consent ends (negative once ended), or False if unknown."""
        self.ensure_one()
        if not self.consent_valid_until:
            return False
        return (self.consent_valid_until - fields.Datetime.now()).days

    @api.model
    def _psd2_demo_connect_sandbox(self):
        """Demo data: connect the Sandbox Bank to the company's bank journal and sync.

        Goes through the connect wizard, as a user would, so that demo databases exercise
        the real path; then tells the bank about the open demo invoices and syncs again so
        that their payments arrive.
        """
        company = self.env.company
        journal = self.env["account.journal"].search(
            [
                ("type", "=", "bank"),
                ("company_id", "=", company.id),
                ("psd2_account_ids", "=", False),
            ],
            limit=1,
        )
        if not journal or self.search_count([("company_id", "=", company.id)]):
            return False
        self._psd2_demo_create_documents(company)
        wizard = self.env["psd2.connect.wizard"].create(
            {"company_id": company.id, "journal_id": journal.id, "provider": "sandbox"}
        )
        wizard.action_choose_provider()
        wizard.action_authorize()
        for line in wizard.account_line_ids:
            line.create_journal = not line.journal_id
        wizard.action_confirm()
        connection = self.search([("company_id", "=", company.id)], limit=1)
        # Demo data runs as the superuser: make the administrator the one who gets alerts.
        admin = self.env.ref("base.user_admin", raise_if_not_found=False)
        if admin and company in admin.company_ids:
            connection.user_id = admin
        connection.action_sandbox_pay_open_invoices()
        connection._psd2_sync(trigger="manual")
        return connection

    @api.model
    def _psd2_demo_create_documents(self, company):
        """Demo data: a few posted invoices and bills of Polish partners for the bank to pay.

        Partners carry their NIP and bank account, as Polish master data does, so that the
        demo shows matches by number, by NIP and by IBAN. Skipped without a chart of accounts.
        """
        sale = self.env["account.journal"].search(
            [("type", "=", "sale"), ("company_id", "=", company.id)], limit=1
        )
        purchase = self.env["account.journal"].search(
            [("type", "=", "purchase"), ("company_id", "=", company.id)], limit=1
        )
        if not sale or not purchase:
            return self.env["account.move"]
        moves = self.env["account.move"]
        documents = [
            ("out_invoice", sandbox_data.CUSTOMERS[1], 1230.00),
            ("out_invoice", sandbox_data.CUSTOMERS[2], 4920.00),
            ("out_invoice", sandbox_data.CUSTOMERS[15], 615.00),
            ("out_invoice", sandbox_data.CUSTOMERS[6], 2460.00),
            ("in_invoice", sandbox_data.SUPPLIERS[4], 369.00),
        ]
        for index, (move_type, (name, _short, bank_code), amount) in enumerate(documents):
            name, nip, iban = sandbox_data.party(name, bank_code)
            partner = self.env["res.partner"].search([("vat", "=", f"PL{nip}")], limit=1)
            if not partner:
                partner = self.env["res.partner"].create(
                    {
                        "name": name,
                        "is_company": True,
                        "vat": f"PL{nip}",
                        "bank_ids": [fields.Command.create({"acc_number": iban})],
                    }
                )
            values = {
                "move_type": move_type,
                "partner_id": partner.id,
                "company_id": company.id,
                "journal_id": (sale if move_type == "out_invoice" else purchase).id,
                "invoice_date": fields.Date.context_today(self),
                "invoice_line_ids": [
                    fields.Command.create(
                        {"name": "Usługi wdrożeniowe", "quantity": 1, "price_unit": amount}
                    )
                ],
            }
            if move_type == "in_invoice":
                values["ref"] = f"FS-{100 + index}/{fields.Date.context_today(self).year % 100}"
            moves |= self.env["account.move"].create(values)
        moves.action_post()
        return moves
