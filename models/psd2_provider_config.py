from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError

from ..engine.providers import get_provider_class, provider_classes


class Psd2ProviderConfig(models.Model):
    """A company's contract with one provider: its API address and credentials.

    The settings asked for come from the provider's own declaration
    (``Provider.setting_specs``), so a new provider needs no change here. Secret settings are
    write-only for managers and readable by the code through :meth:`_psd2_settings` only.
    """

    _name = "psd2.provider.config"
    _description = "Bank Data Provider Configuration"
    _order = "company_id, provider"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    provider = fields.Selection(selection="_selection_provider", required=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    active = fields.Boolean(default=True)
    base_url = fields.Char(
        string="API Address",
        help="Leave empty for the provider's production address; point it at the local "
        "protocol sandbox (python -m engine.protocol_sandbox) to rehearse without a contract.",
    )
    setting_ids = fields.One2many("psd2.provider.setting", "config_id", string="Settings")
    is_complete = fields.Boolean(compute="_compute_is_complete")
    runtime_secret = fields.Text(
        readonly=True,
        copy=False,
        groups="base.group_system",
        help="What the provider asked us to reuse (access tokens), sealed by the vault.",
    )

    _sql_constraints = [
        (
            "provider_company_unique",
            "UNIQUE(provider, company_id)",
            "Each provider is configured once per company.",
        ),
    ]

    @api.model
    def _selection_provider(self):
        return [(cls.code, cls.label) for cls in provider_classes() if cls.setting_specs]

    @api.depends("provider", "company_id")
    def _compute_name(self):
        labels = dict(self._selection_provider())
        for config in self:
            config.name = labels.get(config.provider, config.provider or "")

    @api.depends("setting_ids.is_set", "setting_ids.is_required")
    def _compute_is_complete(self):
        for config in self:
            config.is_complete = all(line.is_set for line in config.setting_ids if line.is_required)

    @api.model_create_multi
    def create(self, vals_list):
        configs = super().create(vals_list)
        configs._psd2_sync_setting_lines()
        return configs

    def write(self, vals):
        result = super().write(vals)
        if "provider" in vals:
            self._psd2_sync_setting_lines()
        return result

    @api.onchange("provider")
    def _onchange_provider(self):
        self.setting_ids = [Command.clear()] + [
            Command.create(values) for values in self._psd2_setting_line_values()
        ]

    def _psd2_setting_line_values(self):
        """One line per setting the provider declares, in its order."""
        if not self.provider:
            return []
        specs = get_provider_class(self.provider).setting_specs
        return [
            {
                "sequence": index,
                "key": spec.key,
                "is_secret": spec.secret,
                "is_required": spec.required,
                "is_multiline": spec.multiline,
                "value": spec.default if not spec.secret else False,
            }
            for index, spec in enumerate(specs)
        ]

    def _psd2_sync_setting_lines(self):
        """Add lines for settings the provider declares and the config lacks (upgrades)."""
        for config in self:
            known = set(config.setting_ids.mapped("key"))
            missing = [v for v in config._psd2_setting_line_values() if v["key"] not in known]
            if missing:
                config.setting_ids = [Command.create(values) for values in missing]

    # -- For the code ----------------------------------------------------------------------
    @api.model
    def _psd2_config_for(self, provider_code, company):
        """The active configuration of ``provider_code`` for ``company`` (sudo), or empty."""
        return (
            self.sudo()
            .with_context(active_test=True)
            .search([("provider", "=", provider_code), ("company_id", "=", company.id)], limit=1)
        )

    def _psd2_settings(self):
        """The provider settings: API address, every setting (secrets decrypted), tokens.

        :raise UserError: a required setting is missing, in a sentence naming it.
        """
        self.ensure_one()
        config = self.sudo()
        missing = [
            line.label for line in config.setting_ids if line.is_required and not line.is_set
        ]
        if missing:
            raise UserError(
                _(
                    "%(provider)s is not fully configured: %(missing)s. Complete it in "
                    "Invoicing > Configuration > Bank Data Providers.",
                    provider=config.name,
                    missing=", ".join(missing),
                )
            )
        settings = dict(self.env["psd2.secret.vault"]._psd2_open(config, "runtime_secret") or {})
        for line in config.setting_ids:
            settings[line.key] = line._psd2_value()
        if config.base_url:
            settings["base_url"] = config.base_url.strip()
        return settings

    def _psd2_store_runtime_state(self, state):
        """Keep what the provider wants reused (tokens), when it changed."""
        self.ensure_one()
        vault = self.env["psd2.secret.vault"]
        if state and state != (vault._psd2_open(self, "runtime_secret") or {}):
            self.sudo().runtime_secret = vault._psd2_seal(self, "runtime_secret", state)
