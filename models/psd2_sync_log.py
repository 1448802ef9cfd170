import json
import logging
import threading

from odoo import _, api, fields, models
from odoo.tools import format_datetime

from .engine_text import engine_text

_logger = logging.getLogger(__name__)

#: Rejected records kept on one log, and characters kept of each record's payload.
MAX_REJECTED_DETAILS = 50
MAX_RAW_EXCERPT = 500

STATUSES = [
    ("running", "Running"),
    ("success", "Success"),
    ("warning", "Done, some records rejected"),
    ("failed", "Failed"),
    ("skipped", "Skipped"),
]


class Psd2SyncLog(models.Model):
    """One sync run of one bank account: when, what came, what was imported, what failed.

    Written as the run goes (and committed with each page outside tests), so a run that
    dies still leaves its counts; a log left ``running`` by a dead process is closed as
    failed by the next run of the same account.
    """

    _name = "psd2.sync.log"
    _description = "Bank Sync Log"
    _order = "started_at desc, id desc"
    _rec_name = "started_at"

    connection_id = fields.Many2one("psd2.bank.connection", ondelete="cascade", index=True)
    account_id = fields.Many2one("psd2.bank.account", ondelete="cascade", index=True)
    journal_id = fields.Many2one("account.journal", ondelete="cascade", index=True)
    company_id = fields.Many2one("res.company", required=True, index=True)
    file_name = fields.Char(readonly=True, help="The statement file imported, for file imports.")
    trigger = fields.Selection(
        [
            ("cron", "Scheduled"),
            ("manual", "Sync now"),
            ("connect", "First sync"),
            ("webhook", "Bank notification"),
            ("backfill", "Backfill"),
            ("file", "File import"),
        ],
        required=True,
        default="cron",
    )
    started_at = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    ended_at = fields.Datetime()
    status = fields.Selection(STATUSES, required=True, default="running", index=True)
    window_from = fields.Date()
    window_to = fields.Date()
    page_count = fields.Integer(string="Pages")
    fetched_count = fields.Integer(string="Fetched")
    created_count = fields.Integer(string="Created")
    duplicate_count = fields.Integer(string="Skipped (duplicates)")
    filtered_count = fields.Integer(string="Filtered (direction)")
    pending_count = fields.Integer(string="Pending (not booked yet)")
    rejected_count = fields.Integer(string="Rejected")
    error_kind = fields.Char(readonly=True)
    error_message = fields.Text(readonly=True)
    rejected_details = fields.Text(
        readonly=True, help="Records the provider sent that could not be read, and why."
    )
    statement_line_ids = fields.Many2many(
        "account.bank.statement.line", string="Imported Lines", readonly=True
    )
    reconciled_count = fields.Integer(string="Reconciled Automatically", readonly=True)
    suggested_count = fields.Integer(string="Suggestions Waiting", readonly=True)
    reconcile_error = fields.Text(
        readonly=True, help="Why the automatic reconciliation after the import did not run."
    )

    @api.depends("started_at", "account_id", "journal_id")
    def _compute_display_name(self):
        for log in self:
            when = format_datetime(self.env, log.started_at) if log.started_at else ""
            source = log.account_id.display_name or log.journal_id.display_name or ""
            log.display_name = f"{source} {when}".strip()

    # -- Writing a run ---------------------------------------------------------------------
    @api.model
    def _psd2_start(self, account, trigger):
        """Open the log of a run on ``account``; close any run left open by a dead process."""
        stale = self.sudo().search([("account_id", "=", account.id), ("status", "=", "running")])
        stale.write(
            {
                "status": "failed",
                "ended_at": fields.Datetime.now(),
                "error_kind": "interrupted",
                "error_message": _("The run was interrupted; the next run resumed it."),
            }
        )
        return self.sudo().create(
            {
                "connection_id": account.connection_id.id,
                "account_id": account.id,
                "journal_id": account.journal_id.id,
                "company_id": account.company_id.id,
                "trigger": trigger,
            }
        )

    @api.model
    def _psd2_start_file(self, journal, file_name):
        """Open the log of a statement file import into ``journal``."""
        return self.sudo().create(
            {
                "journal_id": journal.id,
                "company_id": journal.company_id.id,
                "trigger": "file",
                "file_name": file_name,
            }
        )

    def _psd2_add_file(self, statement, created_lines, duplicates):
        """Record what a statement file brought (an engine ``ParsedStatement``)."""
        self.ensure_one()
        self.sudo().write(
            {
                "window_from": statement.start_date,
                "window_to": statement.end_date,
                "page_count": 1,
                "fetched_count": len(statement.transactions),
                "created_count": len(created_lines),
                "duplicate_count": duplicates,
                "statement_line_ids": [fields.Command.set(created_lines.ids)],
            }
        )

    def _psd2_open_imported_lines(self):
        """The bank transactions list, showing what these runs imported."""
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account_bank_psd2.account_bank_statement_line_action"
        )
        action["domain"] = [("id", "in", self.statement_line_ids.ids)]
        action["name"] = _(
            "Imported: %(created)s new, %(duplicates)s already known",
            created=sum(self.mapped("created_count")),
            duplicates=sum(self.mapped("duplicate_count")),
        )
        return action

    def _psd2_add_page(self, outcome, created_lines, duplicates, odoo_rejected):
        """Add one page's counts (``outcome`` is an engine ``PageOutcome``)."""
        self.ensure_one()
        rejected = list(outcome.rejected) + list(odoo_rejected)
        values = {
            "page_count": self.page_count + 1,
            "fetched_count": self.fetched_count + outcome.fetched,
            "created_count": self.created_count + len(created_lines),
            "duplicate_count": self.duplicate_count + duplicates + outcome.repeated,
            "filtered_count": self.filtered_count + outcome.filtered,
            "pending_count": self.pending_count + outcome.pending,
            "rejected_count": self.rejected_count + len(rejected),
            "statement_line_ids": [fields.Command.link(line.id) for line in created_lines],
        }
        if rejected:
            values["rejected_details"] = self._psd2_rejected_text(rejected)
        self.sudo().write(values)

    def _psd2_rejected_text(self, rejected):
        lines = (self.rejected_details or "").splitlines()
        for record in rejected:
            if len(lines) >= MAX_REJECTED_DETAILS:
                break
            try:
                raw = json.dumps(record.raw, default=str, ensure_ascii=False)
            except (TypeError, ValueError):
                raw = repr(record.raw)
            reason = engine_text(self.env, record.reason)
            lines.append(f"{reason} | {raw[:MAX_RAW_EXCERPT]}")
        return "\n".join(lines)

    def _psd2_finish(self):
        self.sudo().write(
            {
                "status": "warning" if self.rejected_count else "success",
                "ended_at": fields.Datetime.now(),
            }
        )
        return self

    def _psd2_finish_skipped(self, reason, kind="locked"):
        self.sudo().write(
            {
                "status": "skipped",
                "ended_at": fields.Datetime.now(),
                "error_kind": kind,
                "error_message": reason,
            }
        )
        return self

    def _psd2_finish_failed(self, error, kind):
        message = engine_text(self.env, error) or error.__class__.__name__
        if kind == "rate_limited" and getattr(error, "retry_after", None):
            message = _(
                "%(message)s The bank asks to wait %(minutes)s minutes.",
                message=message,
                minutes=max(1, round(error.retry_after / 60)),
            )
        self.sudo().write(
            {
                "status": "failed",
                "ended_at": fields.Datetime.now(),
                "error_kind": kind,
                "error_message": message[:2000],
            }
        )
        return self

    def _psd2_reconcile_imported_lines(self):
        """Match the lines this run imported and reconcile the confident ones.

        Never fails the import (a PSD2 sync or a statement file): an error (a bug, a locked
        period) is written on the log, the lines stay open for a person, and the import
        stands.
        """
        self.ensure_one()
        lines = self.statement_line_ids
        try:
            with self.env.cr.savepoint():
                reconciled = lines._psd2_auto_reconcile()
                waiting = lines.filtered(
                    lambda line: not line.is_reconciled and line.psd2_match_move_ids
                )
                self.sudo().write(
                    {"reconciled_count": len(reconciled), "suggested_count": len(waiting)}
                )
        except Exception as error:
            _logger.exception("Reconciliation after bank sync log %s failed", self.id)
            self.sudo().reconcile_error = str(error)[:2000] or error.__class__.__name__

    # -- Transactions ----------------------------------------------------------------------
    @api.model
    def _psd2_commit(self):
        """Commit the sync's progress, except inside tests (which run in one transaction).

        The sync commits page by page on purpose: what is imported and the cursor after it
        must survive a crash of the next page, so that the next run resumes instead of
        starting over.
        """
        if not getattr(threading.current_thread(), "testing", False):
            self.env.cr.commit()  # pylint: disable=invalid-commit

    @api.model
    def _psd2_rollback(self):
        """Drop the uncommitted part of a crashed run (outside tests, see _psd2_commit)."""
        if not getattr(threading.current_thread(), "testing", False):
            self.env.cr.rollback()

    # -- Presenting ------------------------------------------------------------------------
    def _psd2_notification(self):
        """Summarize a manual run's logs in a notification the user sees at once."""
        failed = self.filtered(lambda log: log.status == "failed")
        created = sum(self.mapped("created_count"))
        if failed:
            kind, message = (
                "danger",
                _("Bank sync failed: %(error)s", error=failed[0].error_message),
            )
        elif all(log.status == "skipped" for log in self):
            kind, message = "warning", self[:1].error_message
        else:
            kind, message = (
                "success",
                _(
                    "Bank sync done: %(created)s new transactions (%(reconciled)s reconciled "
                    "automatically), %(duplicates)s already known.",
                    created=created,
                    reconciled=sum(self.mapped("reconciled_count")),
                    duplicates=sum(self.mapped("duplicate_count")),
                ),
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": kind,
                "message": message,
                "sticky": kind == "danger",
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }
