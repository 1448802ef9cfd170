"""Enable Banking's API as the sandbox speaks it (paths and shapes: see
:mod:`engine.providers.enablebanking` for the sources).

Authentication is real: every API call must carry ``Authorization: Bearer <JWT>`` signed
RS256 with the private key matching the configured public key (by default the TEST ONLY pair
in ``test_keys/``), header ``kid`` = the application id, ``iss``/``aud`` as documented and an
unexpired ``exp``; anything else answers 401 ``UNAUTHORIZED_ACCESS``.
"""

import datetime
import hashlib
import os
import uuid

from .. import jwt
from ..providers.enablebanking import BALANCE_CODES
from ..records import PENDING
from .protocol import Protocol
from .server import json_reply, redirect

TEST_KEY_DIR = os.path.join(os.path.dirname(__file__), "test_keys")
TEST_PUBLIC_KEY_PATH = os.path.join(TEST_KEY_DIR, "enablebanking_TEST_ONLY_public.pem")
TEST_PRIVATE_KEY_PATH = os.path.join(TEST_KEY_DIR, "enablebanking_TEST_ONLY_private.pem")
TEST_APPLICATION_ID = "0f0e0d0c-test-only-sandbox-000000000001"
ASPSP = {"name": "Sandbox Bank", "country": "PL"}
MAXIMUM_CONSENT_VALIDITY = 180 * 86400
_CODES_TO_NAMES = {name: code for code, name in BALANCE_CODES.items()}


def sandbox_private_key():
    """The TEST ONLY private key (PEM text) matching the sandbox's default public key."""
    with open(TEST_PRIVATE_KEY_PATH, encoding="ascii") as handle:
        return handle.read()


class EnableBankingProtocol(Protocol):
    name = "enablebanking"
    routes = (
        ("GET", r"/application", "application"),
        ("GET", r"/aspsps", "aspsps"),
        ("POST", r"/auth", "auth"),
        ("GET", r"/_bank/authorize", "bank_authorize"),
        ("POST", r"/sessions", "create_session"),
        ("GET", r"/sessions/(?P<session_id>[^/]+)", "get_session"),
        ("DELETE", r"/sessions/(?P<session_id>[^/]+)", "delete_session"),
        ("GET", r"/accounts/(?P<uid>[^/]+)/details", "details"),
        ("GET", r"/accounts/(?P<uid>[^/]+)/balances", "balances"),
        ("GET", r"/accounts/(?P<uid>[^/]+)/transactions", "transactions"),
    )

    def __init__(
        self, server, public_key=None, application_id=TEST_APPLICATION_ID, redirect_urls=None
    ):
        super().__init__(server)
        if public_key is None:
            with open(TEST_PUBLIC_KEY_PATH, encoding="ascii") as handle:
                public_key = handle.read()
        self.public_key = jwt.load_public_key(public_key)
        self.application_id = application_id
        self.redirect_urls = list(redirect_urls or [])
        self.authorizations = {}
        self.codes = {}
        self.sessions = {}
        self.accounts = {}  # uid -> (session_id, sandbox remote id)
        self.continuations = {}

    def public_credentials(self):
        return {
            "application_id": self.application_id,
            "private_key_path": TEST_PRIVATE_KEY_PATH,
            "note": "TEST ONLY key pair; see engine/protocol_sandbox/test_keys/README.md",
        }

    def handle(self, request):
        if not request.path.startswith("/_bank"):
            refusal = self._check_jwt(request)
            if refusal:
                return refusal
        return super().handle(request)

    # -- Errors in Enable Banking's shape -----------------------------------------------------
    def error(self, status, code, message, headers=None):
        return json_reply(
            status, {"message": message, "code": status, "error": code, "detail": None}, headers
        )

    def not_found(self, request):
        return self.error(404, "NOT_FOUND", "Not found")

    def rate_limited_reply(self, request, retry_after):
        return self.error(
            429,
            "ASPSP_RATE_LIMIT_EXCEEDED",
            "ASPSP Rate limit exceeded",
            headers={"Retry-After": str(retry_after)},
        )

    def server_error_reply(self, request, status, detail=""):
        if status == 500:
            return self.error(500, "ASPSP_ERROR", "Error interacting with ASPSP")
        return self.error(status, "ASPSP_TIMEOUT", "Timeout interacting with ASPSP")

    def _check_jwt(self, request):
        header = request.headers.get("Authorization") or ""
        if not header.startswith("Bearer "):
            return self.error(
                401, "AUTHORIZATION_NOT_PROVIDED", "Authorization header is not provided"
            )
        token = header[len("Bearer ") :]
        try:
            if jwt.decode_header(token).get("kid") != self.application_id:
                raise jwt.InvalidToken("Unknown application.")
            now = (self.data.now() - datetime.datetime(1970, 1, 1)).total_seconds()
            jwt.decode_rs256(
                token,
                self.public_key,
                audience="api.enablebanking.com",
                issuer="enablebanking.com",
                now=now,
            )
        except jwt.InvalidToken as error:
            return self.error(401, "UNAUTHORIZED_ACCESS", f"Unauthorized access: {error}")
        return None

    # -- Application and ASPSPs ---------------------------------------------------------------
    def application(self, request):
        return json_reply(
            200,
            {
                "name": "Protocol sandbox application",
                "kid": self.application_id,
                "environment": "SANDBOX",
                "redirect_urls": self.redirect_urls or ["http://127.0.0.1:8069/bank/callback"],
                "active": True,
                "countries": ["PL"],
                "services": ["AIS"],
            },
        )

    def aspsps(self, request):
        country = request.query.get("country")
        aspsp = dict(
            ASPSP,
            logo=f"{request.root_url}/_sandbox/logo.svg",
            psu_types=["business", "personal"],
            auth_methods=[
                {
                    "name": "redirect",
                    "title": "Bank login",
                    "psu_type": "business",
                    "approach": "REDIRECT",
                    "hidden_method": False,
                }
            ],
            maximum_consent_validity=MAXIMUM_CONSENT_VALIDITY,
            beta=False,
            bic="SNDBPLPW",
            required_psu_headers=[],
        )
        return json_reply(200, {"aspsps": [aspsp] if country in (None, "", "PL") else []})

    # -- Authorization ------------------------------------------------------------------------
    def auth(self, request):
        body = request.json() or {}
        aspsp = body.get("aspsp") or {}
        if {"name": aspsp.get("name"), "country": aspsp.get("country")} != ASPSP:
            return self.error(400, "WRONG_ASPSP_PROVIDED", "Wrong ASPSP name provided")
        redirect_url = body.get("redirect_url")
        if not isinstance(redirect_url, str) or not redirect_url:
            return self.error(422, "WRONG_REQUEST_PARAMETERS", "redirect_url is required")
        if self.redirect_urls and redirect_url not in self.redirect_urls:
            return self.error(400, "REDIRECT_URI_NOT_ALLOWED", "Redirect URI not allowed")
        try:
            valid_until = _parse_moment((body.get("access") or {}).get("valid_until"))
        except ValueError:
            return self.error(422, "WRONG_REQUEST_PARAMETERS", "access.valid_until is invalid")
        longest = self.data.now() + datetime.timedelta(seconds=MAXIMUM_CONSENT_VALIDITY + 60)
        if valid_until > longest:
            return self.error(
                422, "WRONG_REQUEST_PARAMETERS", "valid_until exceeds maximum_consent_validity"
            )
        authorization_id = str(uuid.uuid4())
        with self.lock:
            self.authorizations[authorization_id] = {
                "state": body.get("state") or "",
                "redirect_url": redirect_url,
                "valid_until": valid_until,
                "psu_type": body.get("psu_type") or "personal",
            }
        return json_reply(
            200,
            {
                "url": self.bank_url(request, f"/authorize?authorization_id={authorization_id}"),
                "authorization_id": authorization_id,
                "psu_id_hash": hashlib.sha256(authorization_id.encode()).hexdigest()[:32],
            },
        )

    def bank_authorize(self, request):
        """The "bank login": no page, the user is taken to approve at once (or to cancel)."""
        authorization = self.authorizations.get(request.query.get("authorization_id", ""))
        if authorization is None:
            return json_reply(404, {"message": "Unknown authorization"})
        if self.fault(request, "user_cancelled"):
            return redirect(
                authorization["redirect_url"],
                error="access_denied",
                error_description="The user cancelled the authorisation at the bank",
                state=authorization["state"],
            )
        code = str(uuid.uuid4())
        with self.lock:
            self.codes[code] = request.query["authorization_id"]
        return redirect(authorization["redirect_url"], code=code, state=authorization["state"])

    def create_session(self, request):
        code = (request.json() or {}).get("code")
        with self.lock:
            authorization_id = self.codes.pop(code, None) if isinstance(code, str) else None
            if authorization_id is None:
                return self.error(
                    400, "WRONG_AUTHORIZATION_CODE", "Wrong authorization code provided"
                )
            authorization = self.authorizations[authorization_id]
            session_id = str(uuid.uuid4())
            uids = []
            for account in self.data.accounts():
                uid = str(uuid.uuid4())
                self.accounts[uid] = (session_id, account.remote_id)
                uids.append(uid)
            self.sessions[session_id] = {
                "status": "AUTHORIZED",
                "valid_until": authorization["valid_until"],
                "psu_type": authorization["psu_type"],
                "uids": uids,
                "created": self.data.now(),
            }
        return json_reply(
            200,
            {
                "session_id": session_id,
                "accounts": [self._account_resource(uid) for uid in uids],
                "aspsp": ASPSP,
                "psu_type": authorization["psu_type"],
                "access": {"valid_until": _rfc3339(authorization["valid_until"])},
            },
        )

    def get_session(self, request, session_id):
        session = self.sessions.get(session_id)
        if session is None:
            return self.error(
                404, "SESSION_DOES_NOT_EXIST", "No session found matching provided id"
            )
        return json_reply(
            200,
            {
                "status": self._session_status(session),
                "accounts": session["uids"],
                "accounts_data": [
                    {"uid": uid, "identification_hash": self._bank_account(uid).identification_hash}
                    for uid in session["uids"]
                ],
                "aspsp": ASPSP,
                "psu_type": session["psu_type"],
                "access": {"valid_until": _rfc3339(session["valid_until"])},
                "created": _rfc3339(session["created"]),
            },
        )

    def delete_session(self, request, session_id):
        session = self.sessions.get(session_id)
        if session is None:
            return self.error(
                404, "SESSION_DOES_NOT_EXIST", "No session found matching provided id"
            )
        session["status"] = "CLOSED"
        return json_reply(200, {"message": "OK"})

    # -- Account data ---------------------------------------------------------------------------
    def details(self, request, uid):
        refusal = self._check_account(request, uid, "details")
        return refusal or json_reply(200, self._account_resource(uid))

    def balances(self, request, uid):
        refusal = self._check_account(request, uid, "balances")
        if refusal:
            return refusal
        balances = [
            {
                "name": balance.balance_type,
                "balance_amount": {"amount": f"{balance.amount:.2f}", "currency": balance.currency},
                "balance_type": _CODES_TO_NAMES.get(balance.balance_type, "OTHR"),
                "reference_date": balance.reference_date.isoformat(),
            }
            for balance in self.data.balances(self._bank_account(uid).remote_id)
        ]
        return json_reply(200, {"balances": balances})

    def transactions(self, request, uid):
        key = request.query.get("continuation_key")
        with self.lock:
            listing = self.continuations.get(key) if key else None
        if key and listing is None:
            return self.error(400, "WRONG_CONTINUATION_KEY", "Wrong continuation key provided")
        # The bank is asked once per listing; continuation pages come from Enable Banking.
        refusal = self._check_account(request, uid, None if key else "transactions")
        if refusal:
            return refusal
        if listing is None:
            try:
                date_from = datetime.date.fromisoformat(request.query["date_from"])
                date_to = datetime.date.fromisoformat(
                    request.query.get("date_to") or self.data.now().date().isoformat()
                )
            except (KeyError, ValueError):
                return self.error(422, "WRONG_REQUEST_PARAMETERS", "date_from is required")
            if date_from > self.data.now().date():
                return self.error(400, "DATE_FROM_IN_FUTURE", "date_from can not be in the future")
            if date_from > date_to:
                return self.error(400, "WRONG_DATE_INTERVAL", "date_from should be <= date_to")
            records = [
                _transaction_record(t)
                for t in self.data.transactions(
                    self._bank_account(uid).remote_id, date_from, date_to
                )
            ]
            listing = {"uid": uid, "records": records, "offset": 0}
        if listing["uid"] != uid:
            return self.error(400, "WRONG_CONTINUATION_KEY", "Wrong continuation key provided")
        offset = listing["offset"]
        size = self.server.page_size
        if key and self.fault(request, "duplicate_page"):
            offset = max(0, offset - size)  # the previous page once more
        chunk = listing["records"][offset : offset + size]
        answer = {"transactions": chunk}
        if offset + size < len(listing["records"]):
            next_key = uuid.uuid4().hex
            with self.lock:
                self.continuations[next_key] = dict(listing, offset=offset + size)
            answer["continuation_key"] = next_key
        return json_reply(200, answer)

    # -- Internals ----------------------------------------------------------------------------
    def _bank_account(self, uid):
        return self.data.account(self.accounts[uid][1])

    def _session_status(self, session):
        if session["status"] == "AUTHORIZED" and session["valid_until"] <= self.data.now():
            return "EXPIRED"
        return session["status"]

    def _check_account(self, request, uid, scope):
        if uid not in self.accounts:
            return self.error(
                404, "ACCOUNT_DOES_NOT_EXIST", "No account found matching provided id"
            )
        session = self.sessions[self.accounts[uid][0]]
        if self.fault(request, "consent_revoked"):
            session["status"] = "REVOKED"
        if self.fault(request, "consent_expired"):
            session["valid_until"] = self.data.now()
        status = self._session_status(session)
        if status != "AUTHORIZED":
            code = {"EXPIRED": "EXPIRED_SESSION", "REVOKED": "REVOKED_SESSION"}.get(
                status, "CLOSED_SESSION"
            )
            return self.error(401, code, f"Session is {status.lower()}")
        if scope:
            wait = self.data.meter(
                ("enablebanking", self._bank_account(uid).identification_hash, scope)
            )
            if wait:
                return self.rate_limited_reply(request, wait)
        return None

    def _account_resource(self, uid):
        account = self._bank_account(uid)
        return {
            "account_id": {"iban": account.iban},
            "all_account_ids": [{"identification": account.iban, "scheme_name": "IBAN"}],
            "account_servicer": {"bic_fi": account.bic, "name": "Sandbox Bank"},
            "name": account.owner_name,
            "details": account.name,
            "usage": "ORGA",
            "cash_account_type": "CACC",
            "product": account.name,
            "currency": account.currency,
            "uid": uid,
            "identification_hash": account.identification_hash,
            "identification_hashes": [account.identification_hash],
        }


def _transaction_record(transaction):
    """A normalized Sandbox Bank transaction in Enable Banking's ``Transaction`` shape."""
    raw = transaction.raw
    incoming = transaction.amount > 0
    party_side, own_side = ("debtor", "creditor") if incoming else ("creditor", "debtor")
    record = {
        "entry_reference": transaction.provider_id or None,
        # Enable Banking documents transaction_id as unstable: it changes on every read here.
        "transaction_id": uuid.uuid4().hex,
        "transaction_amount": {
            "currency": transaction.currency,
            "amount": f"{abs(transaction.amount):.2f}",
        },
        "credit_debit_indicator": "CRDT" if incoming else "DBIT",
        "status": "PDNG" if transaction.status == PENDING else "BOOK",
        "booking_date": transaction.booking_date.isoformat(),
        "value_date": transaction.value_date.isoformat() if transaction.value_date else None,
        party_side: {"name": transaction.counterparty_name},
        own_side: None,
        "bank_transaction_code": {"description": raw.get("proprietaryBankTransactionCode")},
        "remittance_information": [transaction.remittance] if transaction.remittance else [],
    }
    if transaction.counterparty_account:
        record[f"{party_side}_account"] = {"iban": transaction.counterparty_account}
    return record


def _parse_moment(value):
    moment = datetime.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if moment.tzinfo is not None:
        moment = moment.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return moment


def _rfc3339(moment):
    return moment.replace(tzinfo=datetime.timezone.utc).isoformat(timespec="microseconds")
