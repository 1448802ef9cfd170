from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..engine.providers import get_provider_class
from .engine_text import engine_text


class Psd2ProviderSetting(models.Model):
    """One setting of a provider configuration; secrets are write-only (see ``secret_input``)."""

    _name = "psd2.provider.setting"
    _description = "Bank Data Provider Setting"
    _order = "config_id, sequence, id"

    config_id = fields.Many2one("psd2.provider.config", required=True, ondelete="cascade")
    sequence = fields.Integer()
    key = fields.Char(required=True, readonly=True)
    # The provider declares its settings (engine SettingSpec): their label and help are read
    # from it in the reader's language, never stored.
    label = fields.Char(compute="_compute_texts")
    help = fields.Char(compute="_compute_texts")
    is_secret = fields.Boolean(readonly=True)
    is_required = fields.Boolean(readonly=True)
    is_multiline = fields.Boolean(readonly=True)
    value = fields.Text(help="The value, for settings that are not secret.")
    secret_value = fields.Text(groups="base.group_system", copy=False)
    secret_input = fields.Text(
        string="New Secret",
        compute="_compute_secret_input",
        inverse="_inverse_secret_input",
        help="Type or paste a new value; it is stored encrypted and never shown again.",
    )
    is_set = fields.Boolean(compute="_compute_is_set", string="Set")

    _sql_constraints = [
        ("key_unique", "UNIQUE(config_id, key)", "A provider setting is given once."),
    ]

    @api.depends("key", "config_id.provider")
    @api.depends_context("lang")
    def _compute_texts(self):
        for line in self:
            spec = line._psd2_spec()
            line.label = engine_text(self.env, spec.label) if spec else line.key
            line.help = engine_text(self.env, spec.help) if spec and spec.help else False

    def _psd2_spec(self):
        """The provider's declaration of this setting, or None (unknown provider or key)."""
        self.ensure_one()
        try:
            specs = get_provider_class(self.config_id.provider).setting_specs
        except KeyError:
            return None
        return next((spec for spec in specs if spec.key == self.key), None)

    @api.depends("value")
    def _compute_is_set(self):
        secrets = {line.id: bool(line.secret_value) for line in self.sudo() if line.is_secret}
        for line in self:
            line.is_set = secrets.get(line.id, False) if line.is_secret else bool(line.value)

    def _compute_secret_input(self):
        for line in self:
            line.secret_input = False

    def _inverse_secret_input(self):
        for line in self:
            if not line.secret_input:
                continue
            if not line.is_secret:
                raise ValidationError(_("%(label)s is not a secret setting.", label=line.label))
            vault = self.env["psd2.secret.vault"]
            line.sudo().secret_value = vault._psd2_seal(
                line, "secret_value", line.secret_input.strip()
            )

    def _psd2_value(self):
        """The setting's value for the provider (a secret opened); empty string if unset."""
        self.ensure_one()
        if not self.is_secret:
            return (self.value or "").strip()
        return self.env["psd2.secret.vault"]._psd2_open(self, "secret_value") or ""
