import datetime
import logging

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import format_datetime

from ..engine import budget, errors, schedule, sync
from ..engine.records import RemoteAccount

_logger = logging.getLogger(__name__)

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
        readonly=True, help="Last booking date of the last completed sync window."
    )
    sync_cursor = fields.Json(readonly=True, copy=False)
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
    def _psd2_sync(self, provider, consent, trigger="cron"):
        """Import this account's new transactions and refresh its balance.

        Reads the planned window page by page; each page's lines and the cursor after it are
        written together and committed (outside tests), so an interrupted run resumes at
        the page it was reading. Two runs on one account never overlap: the second finds
        the advisory lock taken and is logged as skipped.

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
            self._psd2_read_transactions(provider, consent, log)
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
        return log

    def _psd2_read_transactions(self, provider, consent, log):
        company = self.company_id
        today = schedule.local_today(fields.Datetime.now(), company.psd2_sync_tz)
        cursor = self._psd2_saved_cursor() or sync.SyncCursor(
            sync.plan_window(
                today,
                self.synced_until or None,
                first_sync_days=company.psd2_first_sync_days,
                overlap_days=company.psd2_overlap_days,
            )
        )
        log.sudo().write(
            {"window_from": cursor.window.date_from, "window_to": cursor.window.date_to}
        )
        reader = sync.WindowReader(
            provider, consent, self.remote_id, cursor, direction=self.direction
        )
        for outcome in reader.pages():
            with self.env.cr.savepoint():
                created, duplicates, rejected = self.journal_id._psd2_import_transactions(
                    outcome.candidates
                )
                log._psd2_add_page(outcome, created, duplicates, rejected)
                values = {"sync_cursor": outcome.cursor.to_dict() if outcome.cursor else False}
                if outcome.cursor is None:
                    values["synced_until"] = cursor.window.date_to
                self.sudo().write(values)
                self.connection_id._psd2_after_provider_use(provider)
            log._psd2_commit()

    def _psd2_saved_cursor(self):
        if not self.sync_cursor:
            return None
        try:
            return sync.SyncCursor.from_dict(self.sync_cursor)
        except ValueError:
            _logger.warning("Discarding unreadable sync cursor of bank account %s", self.id)
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
