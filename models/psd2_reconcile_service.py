import dataclasses
import logging
from decimal import Decimal

from odoo import _, api, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import float_repr

from ..engine import reconcile

_logger = logging.getLogger(__name__)

#: Accounts whose open items a bank transaction settles.
OPEN_ACCOUNT_TYPES = ("asset_receivable", "liability_payable")
#: Context for editing a statement line's posted journal entry the way Community's own
#: ``action_undo_reconciliation`` and OCA's widget do: no statement-line <-> move
#: synchronisation (it would rebuild the suspense line), no invoice-line sync, deletions of
#: posted items allowed.
EDIT_CONTEXT = {
    "skip_account_move_synchronization": True,
    "skip_invoice_sync": True,
    "force_delete": True,
    "skip_readonly_check": True,
}


@dataclasses.dataclass
class _Item:
    """One journal item that replaces (part of) a statement line's suspense line."""

    vals: dict
    #: Amount in the transaction's currency, signed as the item is booked.
    amount: Decimal
    #: Amount in the item's own currency (equal to ``amount`` when it is the transaction's).
    amount_currency: Decimal
    #: The open invoice or bill item this one is reconciled with, or None.
    counterpart: object = None
    #: True when the counterpart's whole residual is settled.
    is_full: bool = False


@dataclasses.dataclass
class _Plan:
    st_line: object
    suspense: object
    items: list
    settlement: reconcile.Settlement
    documents: object


class Psd2ReconcileService(models.AbstractModel):
    """Reconcile bank statement lines with invoices and bills, the way Community 18 does.

    A statement line owns a posted journal entry: a liquidity item (the bank account) and a
    suspense item. Reconciling replaces the suspense item with one item per document on the
    partner's receivable or payable account (reconciled with the document's open item), plus
    a write-off or an open remainder for a difference, inside one balance check; then
    ``reconcile()`` pairs the items. Nothing of Enterprise's ``account_accountant`` or OCA's
    ``account_reconcile_oca`` is used or overridden, so the result looks like theirs and
    Community's own ``action_undo_reconciliation`` restores the line.

    Users of the "Invoicing" group may reconcile (they may already register payments on
    invoices), although Community lets only "basic accounting" users write statement lines:
    the service checks the group and the user's read access to every record, then books with
    superuser rights.
    """

    _name = "psd2.reconcile.service"
    _description = "Bank Transaction Reconciliation"

    @api.model
    def _psd2_reconcile(self, requests, mode="manual", notes=None):
        """Reconcile each statement line with its documents, all in one batch.

        :param requests: list of ``(statement line, account.move recordset)``; the money
            settles the documents in the recordset's order (credit notes are netted first).
        :param mode: ``"auto"`` or ``"manual"``: recorded on the line and in its chatter.
        :param notes: optional ``{statement line id: text}`` added to the chatter message
            (the matcher's reasons).
        :return: the statement lines reconciled.
        :raise UserError: a line is reconciled already, a document has nothing open, or the
            documents belong to another company.
        """
        lines = self.env["account.bank.statement.line"].union(*(line for line, _d in requests))
        self._psd2_check_requests(requests)
        service = self.sudo()
        requests = [(line.sudo(), documents.sudo()) for line, documents in requests]
        assigned = service._psd2_assign_partners(
            {line: documents.commercial_partner_id for line, documents in requests}
        )
        plans = [service._psd2_plan(line, documents) for line, documents in requests]
        service._psd2_book(plans, assigned)
        service._psd2_log(plans, mode, notes or {})
        return lines

    @api.model
    def _psd2_reconcile_isolated(self, requests, mode, notes=None):
        """Like :meth:`_psd2_reconcile`, but one bad line does not stop the others.

        Tries the whole batch in a savepoint (fast), and line by line when it fails.

        :return: ``(lines reconciled, {statement line: error message})``.
        """
        done = self.env["account.bank.statement.line"]
        try:
            with self.env.cr.savepoint():
                return self._psd2_reconcile(requests, mode, notes), {}
        except (UserError, ValidationError) as error:
            _logger.debug("Batch of %s lines refused (%s): one by one now", len(requests), error)
        failures = {}
        for line, documents in requests:
            try:
                with self.env.cr.savepoint():
                    done |= self._psd2_reconcile([(line, documents)], mode, notes)
            except (UserError, ValidationError) as error:
                _logger.info("Reconciling statement line %s failed: %s", line.id, error)
                failures[line] = str(error)
        return done, failures

    # -- Checks ----------------------------------------------------------------------------
    @api.model
    def _psd2_check_requests(self, requests):
        """Refuse what the user may not do, and what one batch cannot book.

        A line or a document twice in one batch would be planned twice against the same
        open amount: :meth:`_psd2_reconcile_isolated` then books such requests one by one.
        """
        if not self.env.su and not self.env.user.has_group("account.group_account_invoice"):
            raise AccessError(_("Only invoicing users and accountants may reconcile."))
        lines = self.env["account.bank.statement.line"].union(*(line for line, _d in requests))
        documents = self.env["account.move"].union(*(documents for _l, documents in requests))
        lines.check_access("read")
        documents.check_access("read")
        if len(lines) < len(requests) or len(documents) < sum(len(d) for _l, d in requests):
            raise UserError(_("A transaction or a document appears twice in one batch."))
        self.sudo()._psd2_prefetch(lines, documents)
        for line, documents in requests:
            foreign = documents.filtered(
                lambda move, line=line: move.company_id.root_id != line.company_id.root_id
            )
            if foreign:
                raise UserError(
                    _(
                        "%(documents)s belong to another company than the bank transaction "
                        "%(line)s.",
                        documents=", ".join(foreign.mapped("display_name")),
                        line=line.display_name,
                    )
                )

    @api.model
    def _psd2_suspense_line(self, st_line):
        """Return the line's suspense item: what is still to be reconciled."""
        _liquidity, suspense, _other = st_line._seek_for_lines()
        if st_line.is_reconciled or not suspense or st_line.state != "posted":
            raise UserError(
                _(
                    "The bank transaction %(line)s is already reconciled.",
                    line=st_line.payment_ref or st_line.display_name,
                )
            )
        return suspense

    @api.model
    def _psd2_open_items(self, st_line, documents):
        """The documents' open receivable/payable items, in the order the money settles them."""
        position = {move: index for index, move in enumerate(documents)}
        items = documents.line_ids.filtered(
            lambda line: (
                line.account_type in OPEN_ACCOUNT_TYPES
                and not line.reconciled
                and not (
                    line.currency_id.is_zero(line.amount_residual_currency)
                    and line.company_currency_id.is_zero(line.amount_residual)
                )
            )
        )
        closed = documents.filtered(lambda move: move.state != "posted") | (
            documents - items.move_id
        )
        if closed or not documents:
            raise UserError(
                _(
                    "Nothing is left to pay on %(documents)s: choose open invoices or bills for "
                    "the bank transaction %(line)s.",
                    documents=", ".join(closed.mapped("display_name")) or _("no document"),
                    line=st_line.payment_ref or st_line.display_name,
                )
            )
        return items.sorted(
            lambda line: (position[line.move_id], line.date_maturity or line.date, line.id)
        )

    @api.model
    def _psd2_prefetch(self, lines, documents):
        """Read every journal item involved in one query per model, not one per line.

        Each request's records carry only their own ids for prefetching; reading them all
        together first fills the cache the per-line planning then reads from.
        """
        moves = (lines.move_id | documents).with_env(self.env)
        moves.fetch(["state", "company_id", "name", "commercial_partner_id"])
        moves.line_ids.fetch(
            [
                "account_id",
                "partner_id",
                "currency_id",
                "amount_currency",
                "balance",
                "amount_residual",
                "amount_residual_currency",
                "reconciled",
                "date_maturity",
                "date",
                "name",
                "analytic_distribution",
            ]
        )
        moves.line_ids.account_id.fetch(["account_type", "reconcile"])

    # -- Planning --------------------------------------------------------------------------
    @api.model
    def _psd2_plan(self, st_line, documents):
        """Work out the journal items that replace the suspense item (nothing written yet)."""
        suspense = self._psd2_suspense_line(st_line)
        open_items = self._psd2_open_items(st_line, documents)
        currency = suspense.currency_id
        direction = -1 if suspense.amount_currency > 0 else 1  # 1: money came in
        dues = [
            direction * self._psd2_in(item.amount_residual_currency, item.currency_id, st_line)
            for item in open_items
        ]
        if not any(due > 0 for due in dues):
            raise UserError(
                _(
                    "%(documents)s are not paid by the bank transaction %(line)s: money "
                    "coming in pays customer invoices and vendor refunds, money going out pays "
                    "bills and customer refunds.",
                    documents=", ".join(documents.mapped("display_name")),
                    line=st_line.payment_ref or st_line.display_name,
                )
            )
        tolerance, writeoff_account = self._psd2_writeoff_rule(st_line, currency)
        settlement = reconcile.plan_settlement(
            self._psd2_dec(-direction * suspense.amount_currency, currency),
            dues,
            tolerance,
            bool(writeoff_account),
        )
        items = [
            self._psd2_counterpart(st_line, item, -direction * settled, settled == due)
            for item, due, settled in zip(open_items, dues, settlement.settled, strict=True)
            if settled
        ]
        items += self._psd2_difference_items(
            st_line, settlement, direction, open_items[0], writeoff_account
        )
        self._psd2_set_balances(st_line, suspense, items)
        return _Plan(st_line, suspense, items, settlement, documents)

    @api.model
    def _psd2_difference_items(self, st_line, settlement, direction, first_item, account):
        """The write-off item, or the overpayment left on the partner's account (if any)."""
        items = []
        partner = first_item.partner_id
        if settlement.writeoff:
            label = _("Payment difference: %(label)s", label=st_line.payment_ref or "")
            amount = -direction * settlement.writeoff
            items.append(self._psd2_item(st_line, account, partner, amount, label))
        if settlement.left_open:
            label = _("Overpayment: %(label)s", label=st_line.payment_ref or "")
            amount = -direction * settlement.left_open
            items.append(self._psd2_item(st_line, first_item.account_id, partner, amount, label))
        return items

    @api.model
    def _psd2_counterpart(self, st_line, open_item, amount, is_full):
        """The item that settles ``amount`` (transaction currency) of ``open_item``.

        It is booked in the document's currency, so that ``reconcile()`` matches the two in
        that currency and books the exchange difference itself; a full settlement takes the
        exact residual, so no cent is left open by a conversion.
        """
        item = self._psd2_item(
            st_line, open_item.account_id, open_item.partner_id, amount, st_line.payment_ref
        )
        currency = open_item.currency_id
        item.counterpart, item.is_full = open_item, is_full
        item.vals["currency_id"] = currency.id
        if is_full:
            item.amount_currency = self._psd2_dec(-open_item.amount_residual_currency, currency)
        elif currency != st_line_currency(st_line):
            item.amount_currency = self._psd2_dec(
                st_line_currency(st_line)._convert(
                    float(amount), currency, st_line.company_id, st_line.date
                ),
                currency,
            )
        return item

    @api.model
    def _psd2_item(self, st_line, account, partner, amount, label):
        """A new item of the line's entry, in the transaction's currency (amounts set later).

        Taxes are set (to none) rather than computed: Odoo would copy an account's default
        taxes onto a journal-entry item, and a bank payment books no tax. An item on a
        receivable or payable account gets no analytic distribution (those are for income
        and expenses); a write-off gets the company's distribution models.
        """
        vals = {
            "move_id": st_line.move_id.id,
            "account_id": account.id,
            "partner_id": partner.id,
            "currency_id": st_line_currency(st_line).id,
            "name": label or "/",
            "tax_ids": [],
        }
        if account.account_type in OPEN_ACCOUNT_TYPES:
            vals["analytic_distribution"] = False
        return _Item(vals=vals, amount=amount, amount_currency=amount)

    @api.model
    def _psd2_set_balances(self, st_line, suspense, items):
        """Give each item its company-currency value, summing to the suspense item's.

        The value follows the bank's own conversion (the suspense item's); an item in the
        company's currency that closes a document takes the document's exact residual
        instead, and the exchange difference is booked on its own item.
        """
        company = st_line.company_id
        company_currency = company.currency_id
        quantum = Decimal(1).scaleb(-company_currency.decimal_places)
        total = self._psd2_dec(suspense.balance, company_currency)
        balances = reconcile.distribute(total, [item.amount for item in items], quantum)
        exchange = Decimal(0)
        for item, balance in zip(items, balances, strict=True):
            if item.vals["currency_id"] == company_currency.id:
                if item.is_full and suspense.currency_id != company_currency:
                    exact = self._psd2_dec(-item.counterpart.amount_residual, company_currency)
                    exchange += balance - exact
                    balance = exact
                item.amount_currency = balance
            item.vals.update(balance=float(balance), amount_currency=float(item.amount_currency))
        if exchange:
            account = (
                company.expense_currency_exchange_account_id
                if exchange > 0
                else company.income_currency_exchange_account_id
            )
            item = self._psd2_item(st_line, account, st_line.partner_id, exchange, "")
            item.vals.update(
                currency_id=company_currency.id,
                balance=float(exchange),
                amount_currency=float(exchange),
                name=_("Exchange difference: %(label)s", label=st_line.payment_ref or ""),
            )
            items.append(item)

    @api.model
    def _psd2_writeoff_rule(self, st_line, currency):
        """Return ``(tolerance in the transaction's currency, write-off account or empty)``."""
        company = st_line.company_id
        account = company.psd2_writeoff_account_id
        tolerance = company.psd2_writeoff_tolerance if account else 0.0
        if tolerance and currency != company.currency_id:
            tolerance = company.currency_id._convert(tolerance, currency, company, st_line.date)
        return self._psd2_dec(tolerance, currency), account

    # -- Writing ---------------------------------------------------------------------------
    @api.model
    def _psd2_assign_partners(self, assignments):
        """Put a partner on statement lines that have none and nothing booked yet.

        Writes the partner on the lines and on their entries (grouped by partner); the
        liquidity and suspense items still carry none: the caller rebuilds them in its own
        batch (:meth:`_psd2_set_partners`, :meth:`_psd2_book`). Community's way, writing
        ``partner_id`` on each line, rebuilds each entry with a write of its own, some twenty
        queries a line. Lines with a partner, or with more booked than their two items, are
        left alone.

        :param assignments: ``{statement line: partner}``; no partner, or several (documents
            of different partners), assigns nothing.
        :return: the lines whose partner was set.
        """
        lines = self.env["account.bank.statement.line"]
        for st_line, partner in assignments.items():
            if len(partner) == 1 and not st_line.partner_id and not st_line.is_reconciled:
                _liquidity, _suspense, other = st_line._seek_for_lines()
                if not other:
                    lines |= st_line
        context = self._psd2_edit_context(lines)
        self._psd2_prefetch_partner_writes(lines, assignments)
        for partner, group in lines.grouped(lambda line: assignments[line]).items():
            group.with_context(skip_account_move_synchronization=True).partner_id = partner
            # Community keeps the entry's partner equal to the line's: its own later syncs
            # (an undo) fail on a posted entry whose partner differs.
            group.move_id.with_context(**context).write({"partner_id": partner.id})
        return lines

    @api.model
    def _psd2_prefetch_partner_writes(self, lines, assignments):
        """Read what each entry's partner change recomputes, for all entries at once.

        A journal entry whose partner changes recomputes its fiscal position and bank
        account, and checks its items' taxes; done entry by entry, each reads the partner,
        its bank accounts and the items again. Reading them all first leaves those
        recomputations the cache.
        """
        partners = self.env["res.partner"].union(*(assignments[line] for line in lines))
        _fetch_columns(partners)
        _fetch_columns(partners.bank_ids)
        lines.move_id.line_ids.mapped("tax_ids")

    @api.model
    def _psd2_set_partners(self, assignments):
        """Assign partners (see :meth:`_psd2_assign_partners`) and rebuild the two items."""
        lines = self._psd2_assign_partners(assignments)
        old_items = lines.move_id.line_ids
        self._psd2_rewrite(lines, old_items, [self._psd2_copy(item) for item in old_items])

    @api.model
    def _psd2_book(self, plans, assigned):
        """Replace the suspense items and reconcile, for every plan at once.

        :param assigned: lines whose partner was just set: their liquidity item is rebuilt
            with it in the same batch.
        """
        lines = self.env["account.bank.statement.line"].union(*(plan.st_line for plan in plans))
        liquidity = self.env["account.move.line"].union(
            *(line._seek_for_lines()[0] for line in assigned)
        )
        suspense = self.env["account.move.line"].union(*(plan.suspense for plan in plans))
        items = [item for plan in plans for item in plan.items]
        created = self._psd2_rewrite(
            lines,
            suspense | liquidity,
            [self._psd2_copy(item) for item in liquidity] + [item.vals for item in items],
        )
        self.env["account.move.line"]._reconcile_plan(
            [
                line + item.counterpart
                for line, item in zip(created[len(liquidity) :], items, strict=True)
                if item.counterpart
            ]
        )

    @api.model
    def _psd2_rewrite(self, st_lines, old_items, vals_list):
        """Replace ``old_items`` by new items in the lines' entries; each entry balances after."""
        context = self._psd2_edit_context(st_lines)
        moves = st_lines.move_id
        with moves._check_balanced({"records": moves}):
            old_items.with_context(**context).unlink()
            return self.env["account.move.line"].with_context(**context).create(vals_list)

    @api.model
    def _psd2_copy(self, item):
        """An item's values with its entry's partner: the same amounts, to the cent."""
        return {
            "move_id": item.move_id.id,
            "account_id": item.account_id.id,
            "partner_id": item.move_id.statement_line_id.partner_id.id,
            "currency_id": item.currency_id.id,
            "amount_currency": item.amount_currency,
            "balance": item.balance,
            "name": item.name,
            "tax_ids": [],
            "analytic_distribution": item.analytic_distribution,
        }

    @api.model
    def _psd2_edit_context(self, st_lines):
        """:data:`EDIT_CONTEXT`, without the per-item chatter logs unless an audit trail is kept.

        Odoo logs every journal item created or deleted on a posted entry; with the company's
        "Audit Trail" on, those logs are the legal trail and stay. Without it, the note this
        service posts on each entry says what was done, at a fraction of the cost.
        """
        context = dict(EDIT_CONTEXT, check_move_validity=False)
        if not any(st_lines.company_id.mapped("check_account_audit_trail")):
            context["tracking_disable"] = True
        return context

    @api.model
    def _psd2_log(self, plans, mode, notes):
        """Record how each line was reconciled, on the line and in its entry's chatter."""
        lines = self.env["account.bank.statement.line"].union(*(p.st_line for p in plans))
        lines.write({"psd2_reconcile_mode": mode})
        bodies = {plan.st_line.move_id.id: self._psd2_message(plan, mode, notes) for plan in plans}
        lines.move_id._message_log_batch(bodies=bodies)

    @api.model
    def _psd2_message(self, plan, mode, notes):
        """A plain-text chatter note (escaped when logged): what, how, and the difference."""
        documents = ", ".join(plan.documents.mapped("name"))
        if mode == "auto":
            text = _("Reconciled automatically with %(documents)s.", documents=documents)
        else:
            text = _(
                "Reconciled by %(user)s with %(documents)s.",
                user=self.env.user.name,
                documents=documents,
            )
        currency = st_line_currency(plan.st_line)
        settlement = plan.settlement
        if settlement.writeoff:
            text += " " + _(
                "Difference written off: %(amount)s.",
                amount=currency.format(float(settlement.writeoff)),
            )
        if settlement.left_open:
            text += " " + _(
                "Overpayment left open on the partner: %(amount)s.",
                amount=currency.format(float(settlement.left_open)),
            )
        note = notes.get(plan.st_line.id)
        return f"{text} {note}" if note else text

    @api.model
    def _psd2_in(self, amount, currency, st_line):
        """``amount`` in ``currency`` expressed in the transaction's currency, as a Decimal."""
        target = st_line_currency(st_line)
        if currency != target:
            amount = currency._convert(amount, target, st_line.company_id, st_line.date)
        return self._psd2_dec(amount, target)

    @api.model
    def _psd2_dec(self, amount, currency):
        return Decimal(float_repr(currency.round(amount), currency.decimal_places))


def _fetch_columns(records):
    """Read every column Odoo would prefetch of ``records`` (company-dependent ones too)."""
    records.fetch(
        [
            name
            for name, field in records._fields.items()
            if field.store and field.prefetch in (True, "company_dependent")
        ]
    )


def by_due_date(documents):
    """Documents oldest due date first: the order in which money settles them."""
    return documents.sorted(lambda move: (move.invoice_date_due or move.date, move.id))


def st_line_currency(st_line):
    """The currency the transaction happened in (the foreign one, or the journal's)."""
    return st_line.foreign_currency_id or st_line.currency_id
