import json

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_datetime

from ..engine.dedup import KeyAssigner
from ..engine.fileimport import FileImportError, detect_format, parse_statement_file
from ..engine.records import MAX_NAME_LENGTH, RejectedRecord, clean_text
from .engine_text import engine_text

#: File imports key their transactions apart from PSD2 feeds: a bank reference in a file and
#: a provider's transaction id are different namespaces.
FILE_KEY_PREFIX = "file:"
#: Longest provider record kept on a statement line (``transaction_details``), in characters.
MAX_RAW_PAYLOAD = 20_000


class AccountJournal(models.Model):
    _inherit = "account.journal"

    psd2_account_ids = fields.One2many(
        "psd2.bank.account", "journal_id", string="Connected Bank Accounts"
    )
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

    def action_psd2_backfill(self):
        self.ensure_one()
        if not self.psd2_account_id:
            raise UserError(
                _("The journal %(journal)s is not connected to a bank.", journal=self.name)
            )
        return self.psd2_account_id.action_backfill()

    def action_psd2_renew_consent(self):
        self.ensure_one()
        return self.psd2_connection_id.action_renew_consent()

    def action_psd2_open_reconcile_wizard(self):
        """Open the reconciliation wizard on this journal's open transactions ("N to reconcile")."""
        self.ensure_one()
        lines = self._psd2_open_statement_lines()
        if not lines:
            raise UserError(_("Every transaction of %(journal)s is reconciled.", journal=self.name))
        return self.env["psd2.reconcile.wizard"]._psd2_open(lines, journal=self)

    def action_psd2_auto_reconcile(self):
        """Match every open transaction of this journal and reconcile the confident ones."""
        self.ensure_one()
        return self._psd2_open_statement_lines().action_psd2_auto_reconcile()

    def _psd2_open_statement_lines(self):
        return self.env["account.bank.statement.line"].search(
            [("journal_id", "=", self.id), ("is_reconciled", "=", False), ("state", "=", "posted")],
            order="date, id",
        )

    # -- Importing transactions (PSD2 feeds and statement files alike) ----------------------
    def _psd2_import_transactions(self, candidates):
        """Create the statement lines of ``candidates`` whose key this journal lacks.

        ``candidates`` are ``(key, engine Transaction)`` pairs. The database's unique key per
        journal is the last word; this check only avoids the failed insert. Transactions in
        another currency than the journal's are rejected with the reason, not converted.

        :return: ``(created lines, number of duplicates skipped, rejected records)``.
        """
        self.ensure_one()
        lines = self.env["account.bank.statement.line"]
        if not candidates:
            return lines, 0, []
        keys = [key for key, _transaction in candidates]
        existing = set(
            lines.sudo()
            .search([("journal_id", "=", self.id), ("psd2_dedup_key", "in", keys)])
            .mapped("psd2_dedup_key")
        )
        currency = self.currency_id or self.company_id.currency_id
        vals_list, rejected = [], []
        for key, transaction in candidates:
            if key in existing:
                continue
            if transaction.currency != currency.name:
                reason = _(
                    "Transaction in %(currency)s on an account kept in %(journal)s.",
                    currency=transaction.currency,
                    journal=currency.name,
                )
                rejected.append(RejectedRecord(reason, transaction.raw))
                continue
            vals_list.append(self._psd2_statement_line_values(key, transaction))
        created = lines.sudo().create(vals_list) if vals_list else lines
        return created, len(existing), rejected

    def _psd2_statement_line_values(self, key, transaction):
        """Statement line values of one engine transaction, every text bounded.

        Adapters already clean what they read; this is the last line of defence for any
        source (a new provider, a file), so that one absurd record cannot bloat the journal.
        """
        name = clean_text(transaction.counterparty_name, max_length=MAX_NAME_LENGTH)
        title = clean_text(transaction.remittance)
        return {
            "journal_id": self.id,
            "date": transaction.booking_date,
            "payment_ref": title or name or "/",
            "amount": float(transaction.amount),
            "partner_name": name or False,
            "account_number": clean_text(
                transaction.counterparty_account, max_length=MAX_NAME_LENGTH
            )
            or False,
            "transaction_type": clean_text(
                transaction.raw.get("proprietaryBankTransactionCode"), max_length=64
            )
            or False,
            "transaction_details": _json_safe(transaction.raw),
            "psd2_dedup_key": key,
            "psd2_booking_status": transaction.status,
        }

    # -- Statement files -------------------------------------------------------------------
    def action_psd2_import_statement_file(self):
        self.ensure_one()
        return self.env["psd2.statement.import"].action_open(self)

    def _psd2_import_statement_file(self, data, file_name):
        """Import a statement file into this journal, all or nothing; return its sync log.

        :raise UserError: wrong, broken or mixed-up file (nothing is created).
        """
        self.ensure_one()
        statement, candidates = self._psd2_parse_statement_file(data, file_name)
        log = self.env["psd2.sync.log"]._psd2_start_file(self, file_name)
        created, duplicates, rejected = self._psd2_import_transactions(candidates)
        if rejected:
            raise UserError(
                _(
                    "%(file)s was not imported: %(reason)s",
                    file=file_name,
                    reason=engine_text(self.env, rejected[0].reason),
                )
            )
        log._psd2_add_file(statement, created, duplicates)
        log._psd2_finish()
        log._psd2_reconcile_imported_lines()
        return log

    def _psd2_parse_statement_file(self, data, file_name):
        """Parse ``data`` for this journal: the statement and its ``(key, transaction)`` pairs.

        :raise UserError: the file is not a statement, is broken, or is for another account or
            currency, in a sentence naming the line.
        """
        iban = (self.bank_account_id.sanitized_acc_number or "").upper() or None
        try:
            statement = parse_statement_file(data, filename=file_name, account=iban)
        except FileImportError as error:
            raise UserError(
                _(
                    "%(file)s: %(error)s",
                    file=file_name or _("The file"),
                    error=engine_text(self.env, error),
                )
            ) from error
        currency = self.currency_id or self.company_id.currency_id
        if statement.currency and statement.currency != currency.name:
            raise UserError(
                _(
                    "%(file)s is a statement in %(file_currency)s; the journal %(journal)s is "
                    "kept in %(currency)s. Import it into the journal of that account.",
                    file=file_name or _("The file"),
                    file_currency=statement.currency,
                    journal=self.display_name,
                    currency=currency.name,
                )
            )
        if iban and statement.account_matches(iban) is False:
            raise UserError(
                _(
                    "%(file)s is the statement of account %(account)s, not of %(journal)s.",
                    file=file_name or _("The file"),
                    account=statement.account_number,
                    journal=self.display_name,
                )
            )
        keys = KeyAssigner()
        candidates = [
            (FILE_KEY_PREFIX + keys.key_for(transaction), transaction)
            for transaction in statement.transactions
        ]
        return statement, candidates

    def create_document_from_attachment(self, attachment_ids):
        """Files dropped on a bank journal's dashboard card: import statements we can read.

        Anything else (a PDF, a photo) keeps Odoo's own behaviour.
        """
        if len(self) == 1 and self.type == "bank":
            attachments = self.env["ir.attachment"].browse(attachment_ids)
            if attachments and all(_looks_like_statement(a) for a in attachments):
                logs = self.env["psd2.sync.log"]
                for attachment in attachments:
                    logs |= self._psd2_import_statement_file(attachment.raw, attachment.name)
                attachments.unlink()
                return logs._psd2_open_imported_lines()
        return super().create_document_from_attachment(attachment_ids)

    def _fill_bank_cash_dashboard_data(self, dashboard_data):
        """Add the bank connection's state, last sync, consent end and balance to the card.

        The balance is added only for members of the "Bank balances" group: the dashboard
        data is JSON sent to the browser, so hiding it in the view would not be enough.
        """
        result = super()._fill_bank_cash_dashboard_data(dashboard_data)
        can_see_balance = self.env.user.has_group("account_bank_psd2.group_psd2_balances")
        accounts = self.env["psd2.bank.account"].sudo().search([("journal_id", "in", self.ids)])
        connections = self.env["psd2.bank.connection"]
        state_labels = dict(connections._fields["state"]._description_selection(self.env))
        for account in accounts:
            connection = account.connection_id
            data = {
                "connection_id": connection.id,
                "state": connection.state,
                "state_label": state_labels[connection.state],
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
        self._psd2_fill_reconcile_data(dashboard_data)
        return result

    def _psd2_fill_reconcile_data(self, dashboard_data):
        """Put "N to reconcile" (Community counts them but shows no button) and the number of
        suggestions waiting on each bank journal's card."""
        banks = self.filtered(lambda journal: journal.type == "bank")
        if not banks:
            return
        suggested = dict(
            self.env["account.bank.statement.line"]._read_group(
                [
                    ("journal_id", "in", banks.ids),
                    ("is_reconciled", "=", False),
                    ("psd2_match_move_ids", "!=", False),
                ],
                ["journal_id"],
                ["__count"],
            )
        )
        for journal in banks:
            data = dashboard_data.setdefault(journal.id, {})
            data["psd2_reconcile"] = {
                "count": data.get("number_to_reconcile", 0),
                "suggested": suggested.get(journal, 0),
            }


def _json_safe(raw):
    """The provider's record as JSON (Decimals, dates, bytes as text), at most 20 kB of it."""
    try:
        text = json.dumps(raw, default=str, ensure_ascii=False)
    except (TypeError, ValueError):
        return {"unreadable_payload": str(raw)[:MAX_RAW_PAYLOAD]}
    if len(text) > MAX_RAW_PAYLOAD:
        return {"truncated_payload": text[:MAX_RAW_PAYLOAD]}
    return json.loads(text)


def _looks_like_statement(attachment):
    try:
        detect_format(attachment.raw, attachment.name)
    except FileImportError:
        return False
    return True
