"""GoCardless Bank Account Data's API as the sandbox speaks it (paths and shapes: see
:mod:`engine.providers.gocardless` for the sources). Paths answer with and without the
trailing slash, as ``nordigen-python`` calls some of each.

Limits are enforced like the real service: 4 calls per 24 h (rolling) per account and scope
(details, balances, transactions), answered by 429 ``"The rate limit for this resource is
4/day. Please try again in N seconds"`` with the ``X-RateLimit-Account-Success-*`` headers.
"""

import datetime
import hashlib
import uuid

from ..records import PENDING
from .protocol import Protocol
from .server import json_reply, redirect

TEST_SECRET_ID = "sandbox-secret-id"
TEST_SECRET_KEY = "sandbox-secret-key"
INSTITUTION = {
    "id": "SANDBOXBANK_SNDBPLPW",
    "name": "Sandbox Bank",
    "bic": "SNDBPLPW",
    "transaction_total_days": "730",
    "max_access_valid_for_days": "180",
    "countries": ["PL"],
    "supported_payments": {},
    "supported_features": ["account_selection", "business_accounts"],
}
ACCESS_SECONDS = 86400
REFRESH_SECONDS = 30 * 86400


class GoCardlessProtocol(Protocol):
    name = "gocardless"
    routes = (
        ("POST", r"/api/v2/token/new", "token_new"),
        ("POST", r"/api/v2/token/refresh", "token_refresh"),
        ("GET", r"/api/v2/institutions", "institutions"),
        ("GET", r"/api/v2/institutions/(?P<institution_id>[^/]+)", "institution"),
        ("POST", r"/api/v2/agreements/enduser", "create_agreement"),
        ("GET", r"/api/v2/agreements/enduser/(?P<agreement_id>[^/]+)", "get_agreement"),
        ("POST", r"/api/v2/requisitions", "create_requisition"),
        ("GET", r"/api/v2/requisitions/(?P<requisition_id>[^/]+)", "get_requisition"),
        ("DELETE", r"/api/v2/requisitions/(?P<requisition_id>[^/]+)", "delete_requisition"),
        ("GET", r"/_bank/link/(?P<requisition_id>[^/]+)", "bank_link"),
        ("GET", r"/api/v2/accounts/(?P<account_id>[^/]+)", "metadata"),
        ("GET", r"/api/v2/accounts/(?P<account_id>[^/]+)/details", "details"),
        ("GET", r"/api/v2/accounts/(?P<account_id>[^/]+)/balances", "balances"),
        ("GET", r"/api/v2/accounts/(?P<account_id>[^/]+)/transactions", "transactions"),
    )

    def __init__(self, server, secret_id=TEST_SECRET_ID, secret_key=TEST_SECRET_KEY):
        super().__init__(server)
        self.secret_id, self.secret_key = secret_id, secret_key
        self.access_tokens = {}
        self.refresh_tokens = {}
        self.agreements = {}
        self.requisitions = {}
        self.accounts = {}  # account id -> (requisition id, sandbox remote id)

    def public_credentials(self):
        return {"secret_id": self.secret_id, "secret_key": self.secret_key}

    def handle(self, request):
        open_paths = ("/api/v2/token/new", "/api/v2/token/refresh")
        if not request.path.startswith("/_bank") and request.path not in open_paths:
            header = request.headers.get("Authorization") or ""
            expires = self.access_tokens.get(header.removeprefix("Bearer "))
            if not header.startswith("Bearer ") or expires is None or expires <= self.data.now():
                return self.error(401, "Invalid token", "Token is invalid or expired")
        return super().handle(request)

    # -- Errors in GoCardless' shape ----------------------------------------------------------
    def error(self, status, summary, detail, headers=None, **extra):
        body = {"summary": summary, "detail": detail, "status_code": status}
        body.update(extra)
        return json_reply(status, body, headers)

    def not_found(self, request):
        return self.error(404, "Not found.", "Not found.")

    def rate_limited_reply(self, request, retry_after):
        return self.error(
            429,
            "Rate limit exceeded",
            f"The rate limit for this resource is 4/day. Please try again in {retry_after} seconds",
            headers={
                "X-RateLimit-Account-Success-Limit": "4",
                "X-RateLimit-Account-Success-Remaining": "0",
                "X-RateLimit-Account-Success-Reset": str(retry_after),
            },
        )

    def server_error_reply(self, request, status, detail=""):
        return self.error(status, "Service Unavailable", detail or "Please try again later")

    # -- Tokens -------------------------------------------------------------------------------
    def token_new(self, request):
        body = request.json() or {}
        if body.get("secret_id") != self.secret_id or body.get("secret_key") != self.secret_key:
            return self.error(
                401, "Authentication failed", "No active account found with the given credentials"
            )
        access, refresh = uuid.uuid4().hex, uuid.uuid4().hex
        now = self.data.now()
        with self.lock:
            self.access_tokens[access] = now + datetime.timedelta(seconds=ACCESS_SECONDS)
            self.refresh_tokens[refresh] = now + datetime.timedelta(seconds=REFRESH_SECONDS)
        return json_reply(
            200,
            {
                "access": access,
                "access_expires": ACCESS_SECONDS,
                "refresh": refresh,
                "refresh_expires": REFRESH_SECONDS,
            },
        )

    def token_refresh(self, request):
        refresh = (request.json() or {}).get("refresh")
        expires = self.refresh_tokens.get(refresh)
        if expires is None or expires <= self.data.now():
            return self.error(401, "Invalid token", "Token is invalid or expired")
        access = uuid.uuid4().hex
        with self.lock:
            self.access_tokens[access] = self.data.now() + datetime.timedelta(
                seconds=ACCESS_SECONDS
            )
        return json_reply(200, {"access": access, "access_expires": ACCESS_SECONDS})

    # -- Institutions, agreements, requisitions -------------------------------------------------
    def _institution(self, request):
        return dict(INSTITUTION, logo=f"{request.root_url}/_sandbox/logo.svg")

    def institutions(self, request):
        country = (request.query.get("country") or "").upper()
        return json_reply(200, [self._institution(request)] if country in ("", "PL") else [])

    def institution(self, request, institution_id):
        if institution_id != INSTITUTION["id"]:
            return self.not_found(request)
        return json_reply(200, self._institution(request))

    def create_agreement(self, request):
        body = request.json() or {}
        if body.get("institution_id") != INSTITUTION["id"]:
            return self.error(
                400, "Unknown Institution ID", "Get Institution IDs from /institutions/"
            )
        days = body.get("access_valid_for_days", 90)
        history = body.get("max_historical_days", 90)
        if not isinstance(days, int) or not 1 <= days <= 180:
            return self.error(400, "Incorrect access_valid_for_days", "Must be between 1 and 180")
        if not isinstance(history, int) or not 1 <= history <= 730:
            return self.error(400, "Incorrect max_historical_days", "Must be between 1 and 730")
        agreement = self._new_agreement(history, days, body.get("access_scope"))
        return json_reply(201, agreement)

    def _new_agreement(self, history=90, days=90, scope=None):
        agreement = {
            "id": str(uuid.uuid4()),
            "created": _iso(self.data.now()),
            "institution_id": INSTITUTION["id"],
            "max_historical_days": history,
            "access_valid_for_days": days,
            "access_scope": scope or ["balances", "details", "transactions"],
            "accepted": None,
        }
        with self.lock:
            self.agreements[agreement["id"]] = agreement
        return agreement

    def get_agreement(self, request, agreement_id):
        agreement = self.agreements.get(agreement_id)
        return json_reply(200, agreement) if agreement else self.not_found(request)

    def create_requisition(self, request):
        body = request.json() or {}
        reference, redirect_url = body.get("reference"), body.get("redirect")
        if not isinstance(redirect_url, str) or not redirect_url:
            return self.error(400, "Invalid redirect", "redirect is required")
        if body.get("institution_id") != INSTITUTION["id"]:
            return self.error(
                400, "Unknown Institution ID", "Get Institution IDs from /institutions/"
            )
        if any(r["reference"] == reference for r in self.requisitions.values()):
            return self.error(400, "Reference already exists", "Client reference must be unique")
        agreement_id = body.get("agreement")
        if agreement_id is None:
            # Without an agreement GoCardless applies its default one (90 days, 90 days back).
            agreement_id = self._new_agreement()["id"]
        elif agreement_id not in self.agreements:
            return self.error(400, "Invalid agreement", "Unknown end user agreement")
        requisition_id = str(uuid.uuid4())
        requisition = {
            "id": requisition_id,
            "created": _iso(self.data.now()),
            "redirect": redirect_url,
            "status": "CR",
            "institution_id": INSTITUTION["id"],
            "agreement": agreement_id,
            "reference": reference or requisition_id,
            "accounts": [],
            "user_language": body.get("user_language") or "EN",
            "link": self.bank_url(request, f"/link/{requisition_id}"),
            "ssn": None,
            "account_selection": bool(body.get("account_selection")),
            "redirect_immediate": bool(body.get("redirect_immediate")),
        }
        with self.lock:
            self.requisitions[requisition_id] = requisition
        return json_reply(201, requisition)

    def get_requisition(self, request, requisition_id):
        requisition = self.requisitions.get(requisition_id)
        if requisition is None:
            return self.not_found(request)
        if requisition["status"] == "LN" and self._agreement_expired(requisition):
            requisition["status"] = "EX"
        return json_reply(200, requisition)

    def delete_requisition(self, request, requisition_id):
        if self.requisitions.pop(requisition_id, None) is None:
            return self.not_found(request)
        return json_reply(
            200,
            {"summary": "Requisition deleted", "detail": f"Requisition {requisition_id} deleted"},
        )

    def bank_link(self, request, requisition_id):
        """The "bank login": the user consents at once (or cancels) and is sent back."""
        requisition = self.requisitions.get(requisition_id)
        if requisition is None:
            return json_reply(404, {"summary": "Not found."})
        if self.fault(request, "user_cancelled"):
            requisition["status"] = "RJ"
            return redirect(
                requisition["redirect"],
                ref=requisition["reference"],
                error="UserCancelledSession",
                details="User cancelled the session.",
            )
        with self.lock:
            for account in self.data.accounts():
                account_id = str(uuid.uuid4())
                self.accounts[account_id] = (requisition_id, account.remote_id)
                requisition["accounts"].append(account_id)
            requisition["status"] = "LN"
            agreement = self.agreements.get(requisition["agreement"])
            if agreement:
                agreement["accepted"] = _iso(self.data.now())
        return redirect(requisition["redirect"], ref=requisition["reference"])

    # -- Account data ---------------------------------------------------------------------------
    def metadata(self, request, account_id):
        refusal = self._check_account(request, account_id, None)
        if refusal:
            return refusal
        account = self._bank_account(account_id)
        return json_reply(
            200,
            {
                "id": account_id,
                "created": _iso(self.data.now()),
                "last_accessed": _iso(self.data.now()),
                "iban": account.iban,
                "institution_id": INSTITUTION["id"],
                "status": "READY",
                "owner_name": account.owner_name,
            },
        )

    def details(self, request, account_id):
        refusal = self._check_account(request, account_id, "details")
        if refusal:
            return refusal
        account = self._bank_account(account_id)
        return json_reply(
            200,
            {
                "account": {
                    "resourceId": hashlib.sha256(account.iban.encode()).hexdigest()[:20],
                    "iban": account.iban,
                    "currency": account.currency,
                    "ownerName": account.owner_name,
                    "name": account.name,
                    "product": account.name,
                    "cashAccountType": "CACC",
                    "bic": account.bic,
                    "usage": "ORGA",
                }
            },
        )

    def balances(self, request, account_id):
        refusal = self._check_account(request, account_id, "balances")
        if refusal:
            return refusal
        balances = [
            {
                "balanceAmount": {"amount": f"{b.amount:.2f}", "currency": b.currency},
                "balanceType": b.balance_type,
                "referenceDate": b.reference_date.isoformat(),
            }
            for b in self.data.balances(self._bank_account(account_id).remote_id)
        ]
        return json_reply(200, {"balances": balances})

    def transactions(self, request, account_id):
        today = self.data.now().date()
        try:
            date_from = datetime.date.fromisoformat(request.query.get("date_from") or "2025-01-01")
            date_to = datetime.date.fromisoformat(request.query.get("date_to") or today.isoformat())
        except ValueError:
            return self.error(400, "Invalid date", "Dates must be YYYY-MM-DD", type="InvalidInput")
        if date_to > today:
            return self.error(400, "Date in the future", "date_to can not be in the future")
        refusal = self._check_account(request, account_id, "transactions")
        if refusal:
            return refusal
        booked, pending = [], []
        for transaction in self.data.transactions(
            self._bank_account(account_id).remote_id, date_from, date_to
        ):
            record = {
                k: v for k, v in transaction.raw.items() if not k.startswith("_") and k != "status"
            }
            digest = f"{account_id}/{record.get('transactionId')}/{transaction.status}"
            record["internalTransactionId"] = hashlib.sha256(digest.encode()).hexdigest()[:32]
            (pending if transaction.status == PENDING else booked).append(record)
        return json_reply(200, {"transactions": {"booked": booked, "pending": pending}})

    # -- Internals ----------------------------------------------------------------------------
    def _bank_account(self, account_id):
        return self.data.account(self.accounts[account_id][1])

    def _agreement_expired(self, requisition):
        agreement = self.agreements.get(requisition["agreement"]) or {}
        if not agreement.get("accepted"):
            return False
        accepted = datetime.datetime.fromisoformat(agreement["accepted"].replace("Z", ""))
        end = accepted + datetime.timedelta(days=agreement["access_valid_for_days"])
        return end <= self.data.now()

    def _check_account(self, request, account_id, scope):
        if account_id not in self.accounts:
            return self.error(404, "Account not found", f"Account ID {account_id} not found")
        requisition = self.requisitions.get(self.accounts[account_id][0])
        agreement = self.agreements.get((requisition or {}).get("agreement")) or {}
        if self.fault(request, "consent_revoked") or requisition is None:
            return self.error(
                409,
                "Account suspended",
                "Account has been suspended; the end user must connect it again",
                type="AccountSuspended",
            )
        if self.fault(request, "consent_expired") or self._agreement_expired(requisition):
            days = agreement.get("access_valid_for_days", 90)
            return self.error(
                401,
                f"End User Agreement (EUA) {agreement.get('id')} has expired",
                f"EUA was valid for {days} days and it expired at {_iso(self.data.now())}. "
                "The end user must connect the account once more with new EUA and Requisition",
                type="AccessExpiredError",
            )
        if scope:
            wait = self.data.meter(("gocardless", account_id, scope))
            if wait:
                return self.rate_limited_reply(request, wait)
        return None


def _iso(moment):
    return moment.isoformat(timespec="microseconds") + "Z"
