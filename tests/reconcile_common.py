import datetime

from odoo import Command

from .common import Psd2Common

INVOICE_DATE = datetime.date(2026, 11, 2)
PAYMENT_DATE = datetime.date(2026, 11, 20)
PAID = ("paid", "in_payment")  # Enterprise's accounting app shows "in payment" first


class ReconcileCommon(Psd2Common):
    """Polish customers and vendors with open invoices and bills, and bank lines paying them.

    Amounts are booked without taxes unless a test says otherwise, so that what a transfer
    pays reads straight from the invoice.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            {
                "vat": "PL7792433421",
                "psd2_reconcile_threshold": 0.9,
                "psd2_allow_payment_differences": False,
                "psd2_writeoff_tolerance": 0.0,
                "psd2_writeoff_account_id": False,
            }
        )
        cls.writeoff_account = cls.company_data["default_account_expense"]
        cls.nowak = cls.env["res.partner"].create(
            {
                "name": "Nowak Budownictwo sp. z o.o.",
                "is_company": True,
                "vat": "PL5213017228",
                "bank_ids": [Command.create({"acc_number": "PL61109010140000071219812874"})],
            }
        )
        cls.kowalska = cls.env["res.partner"].create({"name": "Anna Kowalska", "is_company": False})
        cls.vendor = cls.env["res.partner"].create(
            {
                "name": "Hurtownia Elektryczna Volt S.A.",
                "is_company": True,
                "vat": "PL9512120077",
                "bank_ids": [Command.create({"acc_number": "PL27114020040000300201355387"})],
            }
        )

    @classmethod
    def invoice(cls, amount, partner=None, move_type="out_invoice", currency=None, **values):
        """A posted document of ``amount`` (no taxes) dated :data:`INVOICE_DATE`."""
        move = cls.env["account.move"].create(
            {
                "move_type": move_type,
                "partner_id": (partner or cls.nowak).id,
                "invoice_date": INVOICE_DATE,
                "currency_id": (currency or cls.company.currency_id).id,
                "invoice_line_ids": [
                    Command.create(
                        {"name": "Usługi budowlane", "price_unit": amount, "tax_ids": []}
                    )
                ],
                **values,
            }
        )
        move.action_post()
        return move

    @classmethod
    def bank_line(cls, amount, title="", journal=None, **values):
        """A bank statement line as an import would create it (no partner chosen yet)."""
        return cls.env["account.bank.statement.line"].create(
            {
                "journal_id": (journal or cls.bank_journal).id,
                "date": values.pop("date", PAYMENT_DATE),
                "payment_ref": title,
                "amount": amount,
                **values,
            }
        )

    def reconcile(self, line, documents, mode="manual"):
        return self.env["psd2.reconcile.service"]._psd2_reconcile([(line, documents)], mode)

    def enable_writeoff(self, tolerance=1.0):
        self.company.write(
            {
                "psd2_writeoff_tolerance": tolerance,
                "psd2_writeoff_account_id": self.writeoff_account.id,
            }
        )

    def assert_balanced(self, moves=None):
        """Every entry balances, and so does the whole ledger of the company."""
        domain = [("company_id", "=", self.company.id), ("parent_state", "=", "posted")]
        if moves is not None:
            domain.append(("move_id", "in", moves.ids))
        groups = self.env["account.move.line"]._read_group(
            domain, ["move_id"], ["debit:sum", "credit:sum"]
        )
        currency = self.company.currency_id
        for move, debit, credit in groups:
            self.assertTrue(
                currency.is_zero(debit - credit), f"{move.display_name}: {debit} != {credit}"
            )
        total = sum(debit - credit for _move, debit, credit in groups)
        self.assertTrue(currency.is_zero(total), f"ledger off by {total}")

    def open_item(self, move):
        return move.line_ids.filtered(
            lambda line: line.account_type in ("asset_receivable", "liability_payable")
        )

    def counterparts(self, line):
        _liquidity, _suspense, other = line._seek_for_lines()
        return other
