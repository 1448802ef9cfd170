"""Kontomatik's API as the sandbox speaks it (paths and shapes: see
:mod:`engine.providers.kontomatik` for the sources): ``X-Api-Key``, the JSON SignIn
Redirection endpoints, and XML commands polled until ``successful``.

Multiple access behaves as documented: at most 4 imports per 24 h per multiple access
(``MultipleAccessLimitExceeded`` after that), the first import (the session from the
redirection) sees the whole history, later ones the last 90 days only.
"""

import datetime
import uuid
from xml.etree import ElementTree

from ..records import PENDING
from .protocol import Protocol
from .server import json_reply, redirect, xml_reply

TEST_API_KEY = "sandbox-api-key"
TARGET = "SandboxBank"
LATER_IMPORT_DAYS = 90


class KontomatikProtocol(Protocol):
    name = "kontomatik"
    content_type = "application/xml"
    routes = (
        ("POST", r"/v1/signin/redirection", "create_redirection"),
        ("GET", r"/v1/signin/redirection-status", "redirection_status"),
        ("GET", r"/_bank/signin/(?P<redirection_id>[^/]+)", "bank_signin"),
        ("POST", r"/v1/command/default-import\.xml", "default_import"),
        ("POST", r"/v1/command/reuse-multiple-access\.xml", "reuse_multiple_access"),
        ("POST", r"/v1/command/delete-multiple-access\.xml", "delete_multiple_access"),
        ("GET", r"/v1/command/(?P<command_id>[^/]+)\.xml", "get_command"),
    )

    def __init__(self, server, api_key=TEST_API_KEY, polls_before_done=1):
        super().__init__(server)
        self.api_key = api_key
        self.polls_before_done = polls_before_done
        self.redirections = {}
        self.sessions = {}  # session id -> {signature, multiple_access_id, first}
        self.multiple_accesses = {}  # id -> {"active": bool}
        self.commands = {}

    def public_credentials(self):
        return {"api_key": self.api_key}

    def handle(self, request):
        if (
            not request.path.startswith("/_bank")
            and request.headers.get("X-Api-Key") != self.api_key
        ):
            return xml_reply(
                401,
                '<?xml version="1.0" encoding="utf-8"?>\n<reply status="401 Unauthorized">'
                "<comment>We don't know who you are. Check your IP address and API key HTTP "
                "header.</comment></reply>",
            )
        return super().handle(request)

    # -- Errors in Kontomatik's shape ---------------------------------------------------------
    def exception(self, status, name, message):
        reply = ElementTree.Element("reply", status=status, responseTimestamp=self._stamp())
        exception = ElementTree.SubElement(reply, "exception", name=name)
        ElementTree.SubElement(exception, "message").text = message
        return xml_reply(int(status.split()[0]), _document(reply))

    def not_found(self, request):
        return self.exception("404 Not Found", "NotFound", "Unknown endpoint.")

    def rate_limited_reply(self, request, retry_after):
        return self.exception(
            "429 Too Many Requests",
            "MultipleAccessLimitExceeded",
            "The daily limit of imports for this multiple access is used up.",
        )

    def server_error_reply(self, request, status, detail=""):
        return self.exception(
            f"{status} Service Unavailable",
            "ServiceTemporarilyUnavailable",
            detail or "Try again later.",
        )

    def malformed_body(self):
        return (
            b'<?xml version="1.0" encoding="utf-8"?>\n<reply status="200 OK"><command id="1" state='
        )

    # -- SignIn Redirection (JSON) --------------------------------------------------------------
    def create_redirection(self, request):
        body = request.json() or {}
        redirect_uri = body.get("redirectUri")
        if not isinstance(redirect_uri, str) or not redirect_uri:
            return json_reply(400, {"error": "redirectUri is required"})
        redirection_id = str(uuid.uuid4())
        access_mode = ((body.get("psd2") or {}).get("accessMode") or "SINGLE").upper()
        with self.lock:
            self.redirections[redirection_id] = {
                "redirect_uri": redirect_uri,
                "owner": body.get("ownerExternalId") or "",
                "multiple": access_mode in ("MULTIPLE", "MIXED"),
                "status": "IN_PROGRESS",
                "params": {},
            }
        return json_reply(
            200,
            {
                "redirectionId": redirection_id,
                "redirectionLink": self.bank_url(request, f"/signin/{redirection_id}"),
            },
        )

    def bank_signin(self, request, redirection_id):
        """The "bank login": the user signs in at once (or cancels) and is sent back."""
        redirection = self.redirections.get(redirection_id)
        if redirection is None:
            return json_reply(404, {"error": "Unknown redirection"})
        if self.fault(request, "user_cancelled"):
            redirection["status"] = "ERROR"
            redirection["params"] = {"exception": "UserCancelled"}
            return redirect(redirection["redirect_uri"])
        session_id, signature = uuid.uuid4().hex, uuid.uuid4().hex
        multiple_access_id = uuid.uuid4().hex if redirection["multiple"] else None
        with self.lock:
            self.sessions[session_id] = {
                "signature": signature,
                "multiple_access_id": multiple_access_id,
                "first": True,
            }
            if multiple_access_id:
                self.multiple_accesses[multiple_access_id] = {"active": True}
            redirection["status"] = "SUCCESS"
            redirection["params"] = {
                "sessionId": session_id,
                "sessionIdSignature": signature,
                "multipleAccessId": multiple_access_id,
                "target": TARGET,
                "officialName": "Sandbox Bank",
                "exception": None,
            }
        return redirect(redirection["redirect_uri"])

    def redirection_status(self, request):
        redirection = self.redirections.get(request.query.get("redirectionId", ""))
        if redirection is None:
            return json_reply(404, {"error": "Unknown redirectionId"})
        return json_reply(200, {"status": redirection["status"], "params": redirection["params"]})

    # -- Commands (XML) -------------------------------------------------------------------------
    def reuse_multiple_access(self, request):
        multiple_access_id = request.form().get("multipleAccessId", "")
        refusal = self._check_multiple_access(request, multiple_access_id)
        if refusal:
            return refusal
        session_id, signature = uuid.uuid4().hex, uuid.uuid4().hex
        with self.lock:
            self.sessions[session_id] = {
                "signature": signature,
                "multiple_access_id": multiple_access_id,
                "first": False,
            }
        reply = ElementTree.Element("reply", status="200 OK", responseTimestamp=self._stamp())
        ElementTree.SubElement(reply, "session", id=session_id, signature=signature)
        return xml_reply(200, _document(reply))

    def delete_multiple_access(self, request):
        multiple_access_id = request.form().get("multipleAccessId", "")
        access = self.multiple_accesses.get(multiple_access_id)
        if not access:
            return self.exception(
                "404 Not Found", "InvalidMultipleAccessId", "Unknown multiple access."
            )
        access["active"] = False
        reply = ElementTree.Element("reply", status="200 OK", responseTimestamp=self._stamp())
        return xml_reply(200, _document(reply))

    def default_import(self, request):
        form = request.form()
        session = self.sessions.get(form.get("sessionId", ""))
        if session is None or session["signature"] != form.get("sessionIdSignature"):
            return self.exception("404 Not Found", "InvalidSessionId", "Session expired.")
        try:
            since = datetime.date.fromisoformat(form.get("since", ""))
        except ValueError:
            return self.exception("400 Bad Request", "InvalidSince", "since must be YYYY-MM-DD.")
        multiple_access_id = session["multiple_access_id"]
        if multiple_access_id:
            refusal = self._check_multiple_access(request, multiple_access_id)
            if refusal:
                return refusal
            if self.data.meter(("kontomatik", multiple_access_id, "import")):
                return self.rate_limited_reply(request, 0)
        if not session["first"]:
            floor = self.data.now().date() - datetime.timedelta(days=LATER_IMPORT_DAYS)
            since = max(since, floor)
        command_id = str(len(self.commands) + 455026009)
        with self.lock:
            self.commands[command_id] = {"since": since, "polls": 0}
            session["first"] = False
        reply = ElementTree.Element("reply", status="202 Accepted", responseTimestamp=self._stamp())
        command = ElementTree.SubElement(
            reply, "command", id=command_id, state="setup", name="DefaultImportCommand"
        )
        ElementTree.SubElement(ElementTree.SubElement(command, "progress"), "value").text = "0"
        return xml_reply(202, _document(reply))

    def get_command(self, request, command_id):
        command = self.commands.get(command_id)
        if command is None:
            return self.exception("404 Not Found", "InvalidCommandId", "Unknown command.")
        command["polls"] += 1
        reply = ElementTree.Element("reply", status="200 OK", responseTimestamp=self._stamp())
        running = command["polls"] <= self.polls_before_done
        element = ElementTree.SubElement(
            reply,
            "command",
            id=command_id,
            state="in_progress" if running else "successful",
            name="DefaultImportCommand",
            target=TARGET,
            institution=TARGET,
        )
        ElementTree.SubElement(ElementTree.SubElement(element, "progress"), "value").text = (
            "50" if running else "100"
        )
        if not running:
            self._result(ElementTree.SubElement(element, "result"), command["since"])
        return xml_reply(200, _document(reply))

    # -- Internals ----------------------------------------------------------------------------
    def _check_multiple_access(self, request, multiple_access_id):
        access = self.multiple_accesses.get(multiple_access_id)
        ended = self.fault(request, "consent_expired") or self.fault(request, "consent_revoked")
        if ended and access:
            access["active"] = False
        if not access or not access["active"]:
            return self.exception(
                "404 Not Found",
                "InvalidMultipleAccessId",
                "The multiple access is no longer valid.",
            )
        return None

    def _result(self, result, since):
        today = self.data.now().date()
        accounts = ElementTree.SubElement(result, "accounts")
        for account in self.data.accounts():
            element = ElementTree.SubElement(accounts, "account")
            balances = {b.balance_type: b.amount for b in self.data.balances(account.remote_id)}
            for tag, value in (
                ("name", account.name),
                ("friendlyName", account.name),
                ("iban", account.iban),
                ("currencyBalance", f"{balances.get('closingBooked', 0):.2f}"),
                ("currencyFundsAvailable", f"{balances.get('interimAvailable', 0):.2f}"),
                ("currencyName", account.currency),
                ("activeSinceAtLeast", "2025-01-01"),
            ):
                ElementTree.SubElement(element, tag).text = value
            transactions = ElementTree.SubElement(element, "moneyTransactions")
            listing = self.data.transactions(account.remote_id, since, today)
            # Kontomatik lists the newest first (fixture v1.command-reply.default-import.xml).
            for transaction in reversed(listing):
                if transaction.status == PENDING:
                    continue
                item = ElementTree.SubElement(transactions, "moneyTransaction")
                fields = (
                    (
                        "transactionOn",
                        (transaction.value_date or transaction.booking_date).isoformat(),
                    ),
                    ("bookedOn", transaction.booking_date.isoformat()),
                    ("currencyAmount", f"{transaction.amount:.2f}"),
                    ("title", transaction.remittance),
                    ("party", transaction.counterparty_name),
                    ("partyIban", transaction.counterparty_account),
                    ("kind", transaction.raw.get("proprietaryBankTransactionCode") or ""),
                    ("status", "DONE"),
                )
                for tag, value in fields:
                    if value:
                        ElementTree.SubElement(item, tag).text = value

    def _stamp(self):
        return self.data.now().strftime("%Y-%m-%dT%H:%M:%SZ")


def _document(element):
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ElementTree.tostring(
        element, encoding="unicode"
    )
