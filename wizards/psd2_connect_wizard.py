import datetime
import secrets

from odoo import Command, _, api, fields, models
from odoo.exceptions import AccessDenied, UserError
from odoo.tools import consteq
from odoo.tools.misc import hmac

from ..engine import errors
from ..engine.accounts import relink
from ..engine.providers import provider_classes
from ..engine.records import Consent, ConsentRequest
from ..models.engine_text import engine_text

#: Where banks send the browser back (see controllers/main.py).
CALLBACK_PATH = "/account_bank_psd2/callback"
STATE_SCOPE = "account_bank_psd2.consent_state"
#: A bank round trip must come back within this time.
STATE_LIFETIME = datetime.timedelta(hours=1)


class Psd2ConnectWizard(models.TransientModel):
    """Connect a bank: provider, then bank, then consent, then accounts mapped to journals.

    Nothing is created before the last step: a user who stops half-way (or cancels at the
    bank) leaves no half-made connection behind. The same wizard renews the consent of an
    existing connection, keeping its accounts, journals and sync position.
    """

    _name = "psd2.connect.wizard"
    _description = "Connect a Bank"

    step = fields.Selection(
        [("provider", "Provider"), ("institution", "Bank"), ("accounts", "Accounts")],
        default="provider",
        required=True,
    )
    company_id = fields.Many2one(
        "res.company", default=lambda self: self.env.company, required=True
    )
    provider = fields.Selection(selection="_selection_provider", default="sandbox", required=True)
    country_code = fields.Char(string="Country", default="PL", help="Two-letter country code.")
    institution_search = fields.Char(string="Search")
    institution_line_ids = fields.One2many("psd2.connect.wizard.institution", "wizard_id")
    institution_line_id = fields.Many2one(
        "psd2.connect.wizard.institution",
        string="Bank",
        domain="[('wizard_id', '=', id)]",
    )
    account_line_ids = fields.One2many("psd2.connect.wizard.account", "wizard_id")
    connection_id = fields.Many2one(
        "psd2.bank.connection", string="Connection to Renew", readonly=True
    )
    journal_id = fields.Many2one("account.journal", readonly=True)
    consent_payload = fields.Json(readonly=True)
    consent_request = fields.Json(readonly=True, help="The pending request while at the bank.")
    state_nonce = fields.Char(readonly=True, copy=False)
    error_message = fields.Text(readonly=True)
    provider_settings = fields.Json(
        readonly=True, help="Settings the new connection's provider starts with."
    )

    @api.model
    def _selection_provider(self):
        return [(cls.code, cls.label) for cls in provider_classes()]

    # -- Opening ---------------------------------------------------------------------------
    @api.model
    def action_open(self, journal=None, connection=None):
        """Return the action opening a new wizard (for ``journal``, or renewing ``connection``)."""
        if not self.env.user.has_group("account_bank_psd2.group_psd2_manager"):
            raise UserError(_("Only bank connection managers can connect a bank."))
        values = {}
        if journal:
            values.update(journal_id=journal.id, company_id=journal.company_id.id)
        if connection:
            values.update(
                connection_id=connection.id,
                company_id=connection.company_id.id,
                provider=connection.provider,
            )
        wizard = self.create(values)
        if connection:
            wizard._load_institutions()
            wizard.institution_line_id = wizard.institution_line_ids.filtered(
                lambda line: line.institution_id == connection.institution_id
            )[:1]
            wizard.step = "institution"
        return wizard._reopen()

    def _reopen(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "name": _("Renew Bank Consent") if self.connection_id else _("Connect a Bank"),
        }

    # -- Steps -----------------------------------------------------------------------------
    def action_choose_provider(self):
        self.ensure_one()
        if not self.connection_id and not self.provider_settings:
            self.provider_settings = self.env["psd2.bank.connection"]._psd2_default_settings(
                self.provider, self.company_id
            )
        self._load_institutions()
        if len(self.institution_line_ids) == 1:
            self.institution_line_id = self.institution_line_ids
        self.step = "institution"
        return self._reopen()

    def action_search_institutions(self):
        self.ensure_one()
        self._load_institutions()
        return self._reopen()

    def action_back(self):
        self.ensure_one()
        self.step = {"accounts": "institution", "institution": "provider"}.get(
            self.step, "provider"
        )
        return self._reopen()

    def action_authorize(self):
        """Ask the provider for a consent; redirect to the bank, or go straight on.

        The Sandbox Bank grants the consent at once; redirect providers send the browser to
        the bank and come back to the callback controller, which resumes this wizard.
        """
        self.ensure_one()
        if not self.institution_line_id:
            raise UserError(_("Choose a bank first."))
        provider = self._provider()
        try:
            request = provider.start_consent(
                self.institution_line_id.institution_id,
                redirect_url=self._callback_url(),
                state=self._signed_state(),
            )
        except errors.ProviderError as error:
            raise UserError(
                _(
                    "The provider refused to start the consent: %(error)s",
                    error=engine_text(self.env, error),
                )
            ) from error
        if request.consent is None:
            self.consent_request = {"reference": request.reference, "data": request.data}
            return {"type": "ir.actions.act_url", "url": request.redirect_url, "target": "self"}
        return self._consent_granted(provider, request.consent)

    def _psd2_finish_redirect(self, callback_params):
        """Complete the bank round trip with what the bank sent to the callback controller.

        The caller has checked the signed ``state``. A user who cancelled at the bank (or a
        bank that refused) lands back on the bank step with the reason, and nothing is made.
        """
        self.ensure_one()
        stored = self.consent_request or {}
        request = ConsentRequest(reference=stored.get("reference", ""), data=stored.get("data", {}))
        self.consent_request = False
        provider = self._provider()
        try:
            consent = provider.finish_consent(request, callback_params)
        except errors.ProviderError as error:
            self.write(
                {
                    "step": "institution",
                    "error_message": _(
                        "The bank did not grant access, so nothing was connected: %(reason)s",
                        reason=engine_text(self.env, error),
                    ),
                }
            )
            return False
        self.error_message = False
        self._consent_granted(provider, consent)
        return True

    def _psd2_resume_action(self):
        """The action reopening this wizard after the bank (see the resume server action)."""
        self.ensure_one()
        if self.create_uid != self.env.user:
            raise UserError(_("This bank connection was started by another user."))
        return self._reopen()

    def _consent_granted(self, provider, consent):
        """Store the consent in the wizard and propose a journal for each account."""
        accounts = consent.accounts or tuple(provider.list_accounts(consent))
        self.consent_payload = _consent_to_json(consent)
        lines, proposed = [], self.env["account.journal"]
        relinked = self._relinked_accounts(accounts)
        for account in accounts:
            values = self._account_line_values(account, proposed, relinked.get(account))
            proposed |= self.env["account.journal"].browse(values["journal_id"])
            lines.append(Command.create(values))
        self.account_line_ids = [Command.clear(), *lines]
        self.step = "accounts"
        return self._reopen()

    def _relinked_accounts(self, renewed):
        """Map each renewed remote account to the connected account it continues.

        After a renewal a provider may give accounts new ids; the engine re-links them by
        Enable Banking's ``identification_hash``, then by IBAN, so the same journals and sync
        position carry on.
        """
        existing = self.connection_id.account_ids
        if not existing:
            return {}
        previous = [account._psd2_remote_account() for account in existing]
        links = relink(previous, renewed)
        by_remote_id = {account.remote_id: account for account in existing}
        return {remote: by_remote_id[old_id] for old_id, remote in links.items()}

    def _account_line_values(self, remote, proposed, existing):
        """Values of the wizard line for ``remote``, avoiding journals already ``proposed``.

        :param existing: the connected account ``remote`` continues (renewal), if any.
        """
        existing = existing or self.env["psd2.bank.account"]
        currency = (
            self.env["res.currency"]
            .with_context(active_test=False)
            .search([("name", "=", remote.currency)], limit=1)
        )
        journal = existing.journal_id or self._proposed_journal(remote, currency, proposed)
        return {
            "existing_account_id": existing.id,
            "remote_id": remote.remote_id,
            "identification_hash": remote.identification_hash,
            "name": remote.name or remote.iban or remote.remote_id,
            "iban": remote.iban,
            "owner_name": remote.owner_name,
            "currency_name": remote.currency,
            "currency_id": currency.id,
            "is_selected": bool(existing) or not self.connection_id,
            "journal_id": journal.id,
            "create_journal": not journal and bool(currency),
            "direction": existing.direction or "all",
        }

    def _proposed_journal(self, remote, currency, proposed):
        """The journal the wizard was opened from, or a free bank journal with that IBAN."""
        journals = self.env["account.journal"].search(
            [
                ("type", "=", "bank"),
                ("company_id", "=", self.company_id.id),
                ("psd2_account_ids", "=", False),
                ("id", "not in", proposed.ids),
            ]
        )
        company_currency = self.company_id.currency_id

        def same_currency(journal):
            return (journal.currency_id or company_currency) == currency

        compact = (remote.iban or "").replace(" ", "")
        by_iban = journals.filtered(
            lambda j: (
                compact
                and (j.bank_account_id.sanitized_acc_number or "").upper() in (compact, compact[2:])
                and same_currency(j)
            )
        )
        if by_iban:
            return by_iban[:1]
        already_proposed = self.account_line_ids.journal_id
        if (
            self.journal_id in journals
            and same_currency(self.journal_id)
            and self.journal_id not in already_proposed
        ):
            return self.journal_id
        return self.env["account.journal"]

    def action_confirm(self):
        """Create (or renew) the connection, link the accounts, and run the first sync."""
        self.ensure_one()
        selected = self.account_line_ids.filtered("is_selected")
        if not selected:
            raise UserError(_("Select at least one bank account to connect."))
        for line in selected:
            line._check_mapping()
        consent = _consent_from_json(self.consent_payload)
        connection = self._save_connection(consent)
        for line in selected:
            line._save_account(connection)
        connection._psd2_record_consent_granted()
        logs = connection._psd2_sync(trigger="connect")
        connection._psd2_schedule_cron()
        action = logs._psd2_notification()
        action["params"]["next"] = {
            "type": "ir.actions.act_window",
            "res_model": "psd2.bank.connection",
            "res_id": connection.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }
        return action

    def _save_connection(self, consent):
        values = {
            "state": "active",
            "institution_id": self.institution_line_id.institution_id,
            "institution_name": self.institution_line_id.name,
            "max_history_days": self.institution_line_id.max_history_days,
        }
        if self.connection_id:
            self.connection_id.sudo().write(values)
            self.connection_id._psd2_store_consent(consent)
            return self.connection_id
        connection = (
            self.env["psd2.bank.connection"]
            .sudo()
            .create(
                dict(
                    values,
                    name=self.institution_line_id.name,
                    provider=self.provider,
                    company_id=self.company_id.id,
                    user_id=self.env.user.id,
                    provider_settings=self.provider_settings or {},
                )
            )
            .sudo(False)
        )
        connection._psd2_store_consent(consent)
        return connection

    # -- Helpers ---------------------------------------------------------------------------
    def _provider(self):
        """The provider, configured for the wizard's company (or the renewed connection).

        :raise UserError: the provider is not configured, in words.
        """
        try:
            if self.connection_id:
                return self.connection_id._psd2_provider()
            connections = self.env["psd2.bank.connection"]
            settings = self.provider_settings or connections._psd2_default_settings(
                self.provider, self.company_id
            )
            return connections._psd2_build_provider(self.provider, self.company_id, settings)
        except errors.AuthenticationFailed as error:
            raise UserError(engine_text(self.env, error)) from error

    def _load_institutions(self):
        try:
            institutions = self._provider().list_institutions(
                (self.country_code or "").strip().upper() or None
            )
        except errors.ProviderError as error:
            raise UserError(
                _(
                    "The provider did not list its banks: %(error)s",
                    error=engine_text(self.env, error),
                )
            ) from error
        term = (self.institution_search or "").strip().casefold()
        if term:
            institutions = [
                i for i in institutions if term in i.name.casefold() or term in i.bic.casefold()
            ]
        self.institution_line_ids = [Command.clear()] + [
            Command.create(
                {
                    "institution_id": institution.institution_id,
                    "name": institution.name,
                    "country_code": institution.country,
                    "bic": institution.bic,
                    "logo_url": institution.logo_url,
                    "max_history_days": institution.max_history_days or 0,
                }
            )
            for institution in institutions[:500]
        ]

    def _callback_url(self):
        base_url = self.get_base_url()
        return f"{base_url}{CALLBACK_PATH}/{self.provider}"

    def _signed_state(self):
        """The ``state`` carried through the bank: this wizard, a fresh nonce, a signature.

        Signed with the database secret over the wizard, the user and the company, so the
        callback can refuse a forged or edited value (CSRF), a value used twice (replay: the
        nonce is forgotten at first use) and a round trip finished by another user or for
        another company.
        """
        self.state_nonce = secrets.token_urlsafe(16)
        return f"{self.id}.{self.state_nonce}.{self._state_signature(self.state_nonce)}"

    def _state_signature(self, nonce):
        message = f"{self.id}.{nonce}.{self.create_uid.id}.{self.company_id.id}"
        return hmac(self.env(su=True), STATE_SCOPE, message)

    @api.model
    def _psd2_wizard_from_state(self, state):
        """Return the wizard a callback's ``state`` names, after checking it, and burn it.

        :raise AccessDenied: the state is malformed, forged, already used, too old, or not
            the current user's.
        """
        wizard_id, _dot, rest = (state or "").partition(".")
        nonce, _dot, signature = rest.partition(".")
        if not (wizard_id.isdigit() and nonce and signature):
            raise AccessDenied(_("The bank's answer does not belong to a connection started here."))
        wizard = self.sudo().browse(int(wizard_id)).exists()
        if (
            not wizard
            or not wizard.state_nonce
            or not consteq(wizard.state_nonce, nonce)
            or not consteq(wizard._state_signature(nonce), signature)
        ):
            raise AccessDenied(_("The bank's answer was already used or is not valid."))
        wizard.state_nonce = False  # single use, whatever happens next
        if wizard.create_uid != self.env.user:
            raise AccessDenied(_("This bank connection was started by another user."))
        if wizard.company_id not in self.env.user.company_ids:
            raise AccessDenied(_("This bank connection belongs to a company you cannot access."))
        if fields.Datetime.now() - wizard.write_date > STATE_LIFETIME:
            raise AccessDenied(_("The bank took too long to answer; start the connection again."))
        return wizard.sudo(False)


class Psd2ConnectWizardInstitution(models.TransientModel):
    _name = "psd2.connect.wizard.institution"
    _description = "Bank offered by a provider"
    _order = "name"

    wizard_id = fields.Many2one("psd2.connect.wizard", required=True, ondelete="cascade")
    institution_id = fields.Char(required=True)
    name = fields.Char(required=True)
    country_code = fields.Char()
    bic = fields.Char(string="BIC")
    logo_url = fields.Char(string="Logo")
    max_history_days = fields.Integer(string="History (days)")


class Psd2ConnectWizardAccount(models.TransientModel):
    _name = "psd2.connect.wizard.account"
    _description = "Bank account offered by a consent"

    wizard_id = fields.Many2one("psd2.connect.wizard", required=True, ondelete="cascade")
    company_id = fields.Many2one(related="wizard_id.company_id")
    existing_account_id = fields.Many2one(
        "psd2.bank.account", readonly=True, help="The connected account this one continues."
    )
    is_selected = fields.Boolean(string="Connect", default=True)
    remote_id = fields.Char(required=True)
    identification_hash = fields.Char()
    name = fields.Char(required=True)
    iban = fields.Char(string="IBAN")
    owner_name = fields.Char()
    currency_name = fields.Char(string="Currency Code")
    currency_id = fields.Many2one("res.currency")
    journal_id = fields.Many2one(
        "account.journal",
        domain="[('type', '=', 'bank'), ('company_id', '=', company_id)]",
    )
    create_journal = fields.Boolean(string="New Journal")
    direction = fields.Selection(
        [("all", "All transactions"), ("incoming", "Incoming only"), ("outgoing", "Outgoing only")],
        default="all",
        required=True,
    )

    @api.onchange("journal_id")
    def _onchange_journal_id(self):
        if self.journal_id:
            self.create_journal = False

    def _check_mapping(self):
        self.ensure_one()
        if not self.currency_id:
            raise UserError(
                _(
                    "The account %(account)s is in %(currency)s, a currency this database does "
                    "not have; add the currency first.",
                    account=self.name,
                    currency=self.currency_name,
                )
            )
        if not self.journal_id and not self.create_journal:
            raise UserError(
                _("Choose a journal for %(account)s or tick 'New Journal'.", account=self.name)
            )

    def _save_account(self, connection):
        """Create or update the connected account, creating its journal if asked."""
        self.ensure_one()
        journal = self.journal_id or self._create_journal()
        existing = self.existing_account_id
        values = {
            "remote_id": self.remote_id,
            "identification_hash": self.identification_hash,
            "name": self.name,
            "iban": self.iban,
            "owner_name": self.owner_name,
            "currency_id": self.currency_id.id,
            "journal_id": journal.id,
            "direction": self.direction,
        }
        if existing:
            existing.sudo().write(values)
            return existing
        return (
            self.env["psd2.bank.account"].sudo().create(dict(values, connection_id=connection.id))
        )

    def _create_journal(self):
        company = self.wizard_id.company_id
        if not self.currency_id.active:
            self.currency_id.sudo().active = True
        values = {
            "name": self.name,
            "type": "bank",
            "company_id": company.id,
            "code": self.env["account.journal"].get_next_bank_cash_default_code("bank", company),
        }
        if self.currency_id != company.currency_id:
            values["currency_id"] = self.currency_id.id
        if self.iban:
            values["bank_acc_number"] = self.iban
        return self.env["account.journal"].create(values)


def _consent_to_json(consent):
    return {
        "consent_id": consent.consent_id,
        "valid_until": consent.valid_until.isoformat() if consent.valid_until else None,
        "institution_id": consent.institution_id,
        "data": consent.data,
    }


def _consent_from_json(payload):
    if not payload or "consent_id" not in payload:
        raise UserError(_("The bank has not granted a consent yet."))
    valid_until = payload.get("valid_until")
    return Consent(
        consent_id=payload["consent_id"],
        valid_until=datetime.datetime.fromisoformat(valid_until) if valid_until else None,
        institution_id=payload.get("institution_id") or "",
        data=payload.get("data") or {},
    )
