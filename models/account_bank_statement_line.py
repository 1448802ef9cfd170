from odoo import fields, models


class AccountBankStatementLine(models.Model):
    _inherit = "account.bank.statement.line"

    psd2_dedup_key = fields.Char(
        string="Bank Transaction Key",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Stable key of the bank transaction (the provider's id, or a content fingerprint "
        "with an occurrence counter); the same key is never imported twice into a journal.",
    )
    psd2_booking_status = fields.Selection(
        [("booked", "Booked"), ("pending", "Pending")],
        string="Booking Status",
        readonly=True,
        copy=False,
    )

    _sql_constraints = [
        (
            "psd2_dedup_key_unique",
            "UNIQUE(journal_id, psd2_dedup_key)",
            "This bank transaction is already imported in this journal.",
        ),
    ]
