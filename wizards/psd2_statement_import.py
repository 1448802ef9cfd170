import base64

from odoo import _, api, fields, models


class Psd2StatementImport(models.TransientModel):
    """Import a bank statement file into a bank journal: the fallback without PSD2.

    mBank CSV, MT940 (Polish ``:86:`` dialects) and camt.053 go through the same pipeline as
    a PSD2 feed: the same de-duplication keys (importing a file twice, or two overlapping
    files, creates nothing twice), the same sync log, the same matching. The import is all or
    nothing: a wrong or mixed-up file is refused with an error naming the line, and not a
    single line of it is created.
    """

    _name = "psd2.statement.import"
    _description = "Import a Bank Statement File"

    journal_id = fields.Many2one(
        "account.journal",
        required=True,
        domain="[('type', '=', 'bank')]",
        default=lambda self: self.env.context.get("default_journal_id"),
    )
    statement_file = fields.Binary(required=True, attachment=False)
    file_name = fields.Char()

    def action_import(self):
        self.ensure_one()
        log = self.journal_id._psd2_import_statement_file(
            base64.b64decode(self.statement_file or b""), self.file_name
        )
        return log._psd2_open_imported_lines()

    @api.model
    def action_open(self, journal):
        return {
            "type": "ir.actions.act_window",
            "name": _("Import a Bank Statement File"),
            "res_model": self._name,
            "view_mode": "form",
            "target": "new",
            "context": {"default_journal_id": journal.id},
        }
