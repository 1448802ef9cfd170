import logging

from werkzeug.exceptions import BadRequest, NotFound

from odoo import http
from odoo.exceptions import AccessDenied
from odoo.http import request

from ..engine.providers import get_provider_class
from ..wizards.psd2_connect_wizard import CALLBACK_PATH

_logger = logging.getLogger(__name__)

#: The server action that reopens the connect wizard in the web client.
RESUME_ACTION = "account_bank_psd2.psd2_connect_wizard_resume_action"


class Psd2ConsentController(http.Controller):
    """Where the bank sends the user's browser back after the consent.

    The only inputs are the query parameters the bank adds; the signed ``state`` among them
    names the wizard that started the round trip and is checked before anything else (see
    ``psd2.connect.wizard._psd2_wizard_from_state``). The user then lands back in the wizard,
    on the accounts step or, if the bank refused, on the bank step with the reason.
    """

    @http.route(
        f"{CALLBACK_PATH}/<string:provider_code>", type="http", auth="user", methods=["GET"]
    )
    def psd2_consent_callback(self, provider_code, **params):
        try:
            provider_class = get_provider_class(provider_code)
        except KeyError as error:
            raise NotFound() from error
        state = provider_class().callback_state(params)
        try:
            wizard = request.env["psd2.connect.wizard"]._psd2_wizard_from_state(state)
        except AccessDenied as error:
            _logger.warning(
                "Refused a consent callback for %s from user %s: %s",
                provider_code,
                request.env.uid,
                error,
            )
            raise BadRequest(str(error)) from error
        if wizard.provider != provider_code:
            raise BadRequest("The bank's answer does not match the provider of this connection.")
        wizard._psd2_finish_redirect(params)
        return request.redirect(f"/odoo/action-{RESUME_ACTION}?active_id={wizard.id}")
