import datetime
import logging

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import format_datetime

from ..engine import budget, errors, schedule, sync
from ..engine.records import RemoteAccount

_logger = logging.getLogger(__name__)

#: Backfills handled per cron call, and pages each reads before the next call.
BACKFILLS_PER_CALL = 5
BACKFILL_PAGES_PER_CALL = 20
#: Key of the PostgreSQL advisory locks taken while an account syncs ("PSD2" in ASCII).
SYNC_LOCK_CLASS = 0x50534432

#: Typed engine errors, most specific first, and the ``error_kind`` a sync log records.
ERROR_KINDS = (
    (errors.ConsentRevoked, "consent_revoked"),
    (errors.ConsentExpired, "consent_expired"),
    (errors.AuthenticationFailed, "auth"),
    (errors.RateLimited, "rate_limited"),
    (errors.ProviderUnavailable, "unavailable"),
    (errors.BadPayload, "bad_payload"),
    (errors.ProviderError, "provider"),
)


class Psd2BankAccount(models.Model):
    """A bank account reached through a connection, and the journal it feeds.

    Holds the sync position (``synced_until`` and the page ``sync_cursor``) so that syncs
    continue where the last one ended, and the last balance the bank reported, which only
    members of the "Bank balances" group can read.
    """

    _name = "psd2.bank.account"
    _description = "Connected Bank Account"
    _order = "connection_id, sequence, id"
    _check_company_auto = True
    _rec_names_search = ["name", "iban"]

    sequence = fields.Integer(default=10)
    connection_id = fields.Many2one(
        "psd2.bank.connection", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="connection_id.company_id", store=True, index=True)
    remote_id = fields.Char(string="Account Id at the Provider", required=True, readonly=True)
    identification_hash = fields.Char(readonly=True)
    name = fields.Char(required=True)
    iban = fields.Char(string="IBAN", readonly=True)
    owner_name = fields.Char(readonly=True)
    currency_id = fields.Many2one("res.currency", required=True, readonly=True)
    journal_id = fields.Many2one(
        "account.journal",
        domain="[('type', '=', 'bank'), ('company_id', '=', company_id)]",
        check_company=True,
        index=True,
        help="The bank journal this account's transactions are imported into.",
    )
    direction = fields.Selection(
        [
            (sync.DIRECTION_ALL, "All transactions"),
            (sync.DIRECTION_IN, "Incoming only"),
            (sync.DIRECTION_OUT, "Outgoing only"),
        ],
        default=sync.DIRECTION_ALL,
        required=True,
        help="Which transactions are imported; the others are counted as filtered.",
    )
    balance_amount = fields.Monetary(
        string="Bank Balance",
        currency_field="currency_id",
        readonly=True,
        groups="account_bank_psd2.group_psd2_balances",
    )
    balance_type = fields.Char(readonly=True, groups="account_bank_psd2.group_psd2_balances")
    balance_date = fields.Datetime(
        string="Balance Read At", readonly=True, groups="account_bank_psd2.group_psd2_balances"
    )
    synced_until = fields.Date(
        readonly=True,
        help="Booked transactions are complete up to this date; the next sync reads from a "
        "few days before it (the overlap).",
    )
    sync_cursor = fields.Json(readonly=True, copy=False)
    backfill_cursor = fields.Json(
        readonly=True, copy=False, help="Where the requested backfill stands, while it runs."
    )
    is_backfilling = fields.Boolean(compute="_compute_is_backfilling")
    last_sync_at = fields.Datetime(readonly=True)
    state = fields.Selection(related="connection_id.state")

    _sql_constraints = [
        (
            "journal_unique",
            "UNIQUE(journal_id)",
            "A bank journal can be fed by one connected bank account only.",
        ),
        (
            "remote_id_unique",
            "UNIQUE(connection_id, remote_id)",
            "This bank account is already linked to the connection.",
        ),
    ]

    @api.constrains("journal_id", "currency_id")
    def _check_journal_currency(self):
        for account in self.filtered("journal_id"):
            journal_currency = account.journal_id.currency_id or account.company_id.currency_id
            if journal_currency != account.currency_id:
                raise ValidationError(
                    _(
                        "The bank account %(account)s is in %(account_currency)s but the journal "
                        "%(journal)s is in %(journal_currency)s.",
                        account=account.display_name,
                        account_currency=account.currency_id.name,
                        journal=account.journal_id.display_name,
                        journal_currency=journal_currency.name,
                    )
                )

    @api.depends("backfill_cursor")
    def _compute_is_backfilling(self):
        for account in self:
            account.is_backfilling = bool(account.backfill_cursor)

    @api.depends("name", "iban")
    def _compute_display_name(self):
        for account in self:
            account.display_name = (
                f"{account.name} ({account.iban[-8:]})" if account.iban else account.name
            )

    def _psd2_remote_account(self):
        """This account as the engine's :class:`~..engine.records.RemoteAccount`."""
        self.ensure_one()
        return RemoteAccount(
            remote_id=self.remote_id,
            currency=self.currency_id.name,
            iban=self.iban or "",
            name=self.name or "",
            identification_hash=self.identification_hash or "",
        )

    # -- Sync ------------------------------------------------------------------------------
    def _psd2_sync(self, provider, consent, trigger="cron", max_pages=None):
        """Import this account's new transactions and refresh its balance.

        Reads the planned window page by page; each page's lines and the cursor after it are
        written together and committed (outside tests), so an interrupted run resumes at
        the page it was reading. Two runs on one account never overlap: the second finds
        the advisory lock taken and is logged as skipped. A ``backfill`` run reads the range
        requested through the backfill wizard instead, with its own cursor, at most
        ``max_pages`` pages per call (the cron calls again while pages remain). The lines
        imported are then matched and the confident ones reconciled (see ``psd2.sync.log``),
        even after a failed page.

        :return: the ``psd2.sync.log`` of the run (its ``status`` says how it went).
        """
        self.ensure_one()
        log = self.env["psd2.sync.log"]._psd2_start(self, trigger)
        now = fields.Datetime.now()
        next_call = self.connection_id._psd2_next_call_slot(self, now)
        if next_call > now:
            return log._psd2_finish_skipped(
                _(
                    "No call to the bank is left for now (banks allow four a day); the next "
                    "is possible at %(moment)s.",
                    moment=format_datetime(self.env, next_call),
                ),
                kind="budget",
            )
        if not self._psd2_try_lock():
            return log._psd2_finish_skipped(_("Another sync of this account is running."))
        try:
            if trigger == "backfill":
                self._psd2_read_window(provider, consent, log, "backfill_cursor", max_pages)
            else:
                self._psd2_read_window(provider, consent, log, "sync_cursor", max_pages)
                self._psd2_refresh_balance(provider, consent)
                self.sudo().last_sync_at = fields.Datetime.now()
            log._psd2_finish()
        except Exception as error:  # any failure is recorded on the log, then the connection
            kind = next((kind for cls, kind in ERROR_KINDS if isinstance(error, cls)), "crash")
            if kind == "crash":
                _logger.exception("Bank sync of account %s crashed", self.id)
            if kind == "rate_limited" and error.retry_after:
                self.connection_id.sudo().blocked_until = now + datetime.timedelta(
                    seconds=int(error.retry_after)
                )
            log._psd2_finish_failed(error, kind)
        finally:
            self._psd2_unlock()
            self.connection_id._psd2_after_provider_use(provider)
        if log.statement_line_ids:
            log._psd2_reconcile_imported_lines()
        return log

    def _psd2_read_window(self, provider, consent, log, cursor_field, max_pages=None):
        """Read pages of the window in ``cursor_field`` (planned when empty, for the sync).

        :return: True when the window is complete, False when ``max_pages`` stopped it.
        """
        cursor = self._psd2_saved_cursor(cursor_field)
        if cursor is None and cursor_field == "backfill_cursor":
            return True
        cursor = cursor or sync.SyncCursor(self._psd2_plan_window())
        log.sudo().write(
            {"window_from": cursor.window.date_from, "window_to": cursor.window.date_to}
        )
        reader = sync.WindowReader(
            provider, consent, self.remote_id, cursor, direction=self.direction
        )
        for pages, outcome in enumerate(reader.pages(), start=1):
            with self.env.cr.savepoint():
                created, duplicates, rejected = self.journal_id._psd2_import_transactions(
                    outcome.candidates
                )
                log._psd2_add_page(outcome, created, duplicates, rejected)
                values = {cursor_field: outcome.cursor.to_dict() if outcome.cursor else False}
                if outcome.cursor is None and cursor_field == "sync_cursor":
                    # The engine holds this back before a pending item (booked later, often
                    # with an earlier date): the next overlap then reaches back to it.
                    values["synced_until"] = outcome.synced_until or cursor.window.date_to
                self.sudo().write(values)
                self.connection_id._psd2_after_provider_use(provider)
            log._psd2_commit()
            if outcome.cursor is None:
                return True
            if max_pages and pages >= max_pages:
                return False
        return True

    def _psd2_plan_window(self):
        company = self.company_id
        today = schedule.local_today(fields.Datetime.now(), company.psd2_sync_tz)
        return sync.plan_window(
            today,
            self.synced_until or None,
            first_sync_days=company.psd2_first_sync_days,
            overlap_days=company.psd2_overlap_days,
            max_history_days=self.connection_id.max_history_days or None,
        )

    def _psd2_saved_cursor(self, cursor_field="sync_cursor"):
        if not self[cursor_field]:
            return None
        try:
            return sync.SyncCursor.from_dict(self[cursor_field])
        except ValueError:
            _logger.warning("Discarding unreadable %s of bank account %s", cursor_field, self.id)
            return None

    def _psd2_refresh_balance(self, provider, consent):
        """Read the balance, unless the day's balance calls are spent (transactions matter more)."""
        ledger = self.connection_id._psd2_call_ledger()
        if ledger.remaining(budget.SCOPE_BALANCES, self.remote_id, fields.Datetime.now()) == 0:
            return
        balance = sync.pick_balance(provider.fetch_balances(consent, self.remote_id))
        if balance is None or balance.currency != self.currency_id.name:
            return
        self.sudo().write(
            {
                "balance_amount": float(balance.amount),
                "balance_type": balance.balance_type,
                "balance_date": fields.Datetime.now(),
            }
        )

    # -- Backfill ----------------------------------------------------------------------------
    def action_backfill(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account_bank_psd2.psd2_backfill_wizard_action"
        )
        action["context"] = {"default_account_id": self.id}
        return action

    @api.model
    def _cron_run_backfills(self):
        """Scheduled action: read a few pages of each requested backfill, report progress.

        The cron runner calls again while ``remaining`` is positive, committing in between;
        an account the bank refuses for now (daily limit, error) waits for the next hourly
        run instead of spinning.
        """
        accounts = self.search([("backfill_cursor", "!=", False)], limit=BACKFILLS_PER_CALL)
        progressing = 0
        for account in accounts:
            connection = account.connection_id
            log = account._psd2_sync(
                connection._psd2_provider(),
                connection._psd2_consent(),
                trigger="backfill",
                max_pages=BACKFILL_PAGES_PER_CALL,
            )
            if log.status in ("success", "warning") and account.backfill_cursor:
                progressing += 1
            elif log.status == "failed" and log.error_kind in ("consent_expired", "auth"):
                account.sudo().backfill_cursor = False
                connection.message_post(
                    body=_("Backfill stopped: %(error)s", error=log.error_message)
                )
            log._psd2_commit()
        remaining = self.search_count([("backfill_cursor", "!=", False)])
        self.env["ir.cron"]._notify_progress(
            done=len(accounts), remaining=remaining if progressing else 0
        )

    # -- Locking ---------------------------------------------------------------------------
    def _psd2_try_lock(self):
        """Take the account's sync lock for this database session, or return False.

        A session-level advisory lock, because the sync commits after every page and a row
        lock would end with the first commit. PostgreSQL drops it if the process dies.
        """
        self.env.cr.execute("SELECT pg_try_advisory_lock(%s, %s)", (SYNC_LOCK_CLASS, self.id))
        return self.env.cr.fetchone()[0]

    def _psd2_unlock(self):
        self.env.cr.execute("SELECT pg_advisory_unlock(%s, %s)", (SYNC_LOCK_CLASS, self.id))
