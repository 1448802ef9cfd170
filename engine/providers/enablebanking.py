"""Enable Banking (api.enablebanking.com): PSD2 account information through one JSON API.

Where each behaviour comes from:

- **Authentication**: every call carries ``Authorization: Bearer <JWT>``, an RS256 JWT the
  application signs with its own private key; header ``kid`` = application id, claims
  ``iss="enablebanking.com"``, ``aud="api.enablebanking.com"``, ``iat``, ``exp``
  (``enablebanking/enablebanking-api-samples`` ``python_example/account_information.py``
  and the Postman collection's pre-request script; same in ``molnkontakt/odoo-l10n-se``
  ``account_statement_import_online_enable_banking``).
- **Flow**: ``GET /aspsps`` → ``POST /auth`` ``{access: {valid_until}, aspsp: {name,
  country}, state, redirect_url, psu_type}`` → ``{url, authorization_id}``; the bank sends
  the browser back to ``redirect_url?code=…&state=…``; ``POST /sessions {code}`` →
  ``{session_id, accounts: [AccountResource], aspsp, psu_type, access: {valid_until}}``
  (the samples above; field docs in ``marefr/enablebankinggo`` ``models.go`` and
  ``user_sessions_operations.go``, which copy the API reference's descriptions).
- **Consent validity**: ``access.valid_until`` "cannot exceed now + maximum_consent_validity
  (seconds, per ASPSP in GET /aspsps)", and the session expires exactly then
  (``enablebankinggo`` ``Access.ValidUntil``). We ask for the ASPSP's maximum unless the
  caller asks for less, and store what the session answer says.
- **Accounts**: ``uid`` is valid only while the session is AUTHORIZED; ``identification_hash``
  "can be used for matching accounts between multiple sessions" (``AccountResource``), so a
  renewed consent is re-linked through it.
- **Transactions**: ``GET /accounts/{uid}/transactions?date_from&date_to&continuation_key``,
  repeated with the returned ``continuation_key`` until it is absent (samples).
  ``entry_reference`` is "unique and immutable for accounts with the same identification
  hashes"; ``transaction_id`` "can not be used to uniquely identify transactions and may
  change" (``enablebankinggo`` ``Transaction``): we de-duplicate on ``entry_reference``.
  Amounts are unsigned, the direction is ``credit_debit_indicator`` ``CRDT``/``DBIT``.
- **Errors**: body ``{message, code, error, detail}`` with ``error`` one of the codes in
  ``enablebankinggo`` ``errors.go``; mapped in :data:`ERROR_CODES`.

Settings: ``base_url`` (default :data:`BASE_URL`), ``application_id``, ``private_key``
(PEM text), optional ``psu_type`` (``business``, default, or ``personal``), ``timeout``
(seconds) and ``jwt_lifetime`` (seconds, default 3600).
"""

import calendar
import datetime

from .. import errors
from ..budget import SCOPE_BALANCES, SCOPE_DETAILS, SCOPE_TRANSACTIONS
from ..i18n import _lt
from ..jwt import encode_rs256, load_private_key
from ..records import (
    BOOKED,
    MAX_NAME_LENGTH,
    PENDING,
    Balance,
    Consent,
    ConsentRequest,
    Institution,
    RemoteAccount,
    Transaction,
    TransactionPage,
    clean_text,
    parse_amount,
    parse_currency,
    parse_date,
)
from .base import Provider, SettingSpec, register_provider
from .common import (
    DEFAULT_TIMEOUT,
    bounded,
    json_body,
    normalize_all,
    parse_moment,
    require_dict,
    require_list,
    retry_after_seconds,
    send,
)

BASE_URL = "https://api.enablebanking.com"
JWT_ISSUER = "enablebanking.com"
JWT_AUDIENCE = "api.enablebanking.com"
LABEL = "Enable Banking"

#: Enable Banking error codes (``error`` in the error body) → our typed errors.
ERROR_CODES = {
    "EXPIRED_SESSION": errors.ConsentExpired,
    "REVOKED_SESSION": errors.ConsentRevoked,
    "CLOSED_SESSION": errors.ConsentRevoked,
    "SESSION_DOES_NOT_EXIST": errors.ConsentExpired,
    "ASPSP_PSU_ACTION_REQUIRED": errors.ConsentExpired,
    "ASPSP_RATE_LIMIT_EXCEEDED": errors.RateLimited,
    "ASPSP_ERROR": errors.ProviderUnavailable,
    "ASPSP_TIMEOUT": errors.ProviderUnavailable,
    "UNAUTHORIZED_ACCESS": errors.AuthenticationFailed,
    "AUTHORIZATION_NOT_PROVIDED": errors.AuthenticationFailed,
    "UNAUTHORIZED_IP": errors.AuthenticationFailed,
    "ACCESS_DENIED": errors.AuthenticationFailed,
    "WRONG_CREDENTIALS_PROVIDED": errors.AuthenticationFailed,
    "REDIRECT_URI_NOT_ALLOWED": errors.AuthenticationFailed,
    "INVALID_HOST": errors.AuthenticationFailed,
    "WRONG_AUTHORIZATION_CODE": errors.ConsentRejected,
    "EXPIRED_AUTHORIZATION_CODE": errors.ConsentRejected,
    "ALREADY_AUTHORIZED": errors.ConsentRejected,
    "WRONG_ASPSP_PROVIDED": errors.ConsentRejected,
    "WRONG_CONTINUATION_KEY": errors.BadPayload,
}

#: Session statuses (``GET /sessions/{id}``) that end access (``enablebankinggo``
#: ``enumerations.go``).
SESSION_STATUS_ERRORS = {
    "EXPIRED": errors.ConsentExpired,
    "REVOKED": errors.ConsentRevoked,
    "CLOSED": errors.ConsentRevoked,
    "CANCELLED": errors.ConsentRejected,
    "INVALID": errors.ConsentRejected,
}

#: ISO 20022 balance codes Enable Banking uses → Berlin Group names of :mod:`..records`.
BALANCE_CODES = {
    "CLBD": "closingBooked",
    "ITBD": "interimBooked",
    "XPCD": "expected",
    "ITAV": "interimAvailable",
    "CLAV": "closingAvailable",
    "OPBD": "openingBooked",
    "FWAV": "forwardAvailable",
    "OPAV": "openingAvailable",
    "PRCD": "previouslyClosedBooked",
}

#: Transaction statuses kept, and as what. ``CNCL``/``RJCT``/``SCHD``/``OTHR``/``INFO`` are
#: not movements of money on the account and are left out.
TRANSACTION_STATUSES = {"BOOK": BOOKED, "PDNG": PENDING, "HOLD": PENDING}


@register_provider
class EnableBankingProvider(Provider):
    """Enable Banking adapter (see the module docstring for sources)."""

    code = "enablebanking"
    label = "Enable Banking"
    sequence = 10
    uses_redirect = True
    #: The bank's PSD2 limit for unattended access; Enable Banking passes it through as
    #: ``ASPSP_RATE_LIMIT_EXCEEDED``.
    daily_call_limit = 4
    default_base_url = BASE_URL
    setting_specs = (
        SettingSpec(
            "application_id",
            _lt("Application ID"),
            help=_lt("The id of your application in Enable Banking's Control Panel (the JWT kid)."),
        ),
        SettingSpec(
            "private_key",
            _lt("Private key (PEM)"),
            secret=True,
            multiline=True,
            help=_lt("The RSA private key generated with the application; it signs every request."),
        ),
        SettingSpec(
            "psu_type",
            _lt("Account holder type"),
            required=False,
            default="business",
            help=_lt("'business' for company accounts, 'personal' for private ones."),
        ),
    )

    def __init__(self, settings=None, *, clock=None):
        super().__init__(settings, clock=clock)
        self.base_url = str(self.settings.get("base_url") or BASE_URL).rstrip("/")
        self.timeout = float(self.settings.get("timeout") or DEFAULT_TIMEOUT)
        self.psu_type = self.settings.get("psu_type") or "business"
        self._jwt = None
        self._jwt_expires = 0

    # -- Institutions and consent ------------------------------------------------------------
    def list_institutions(self, country=None):
        params = {"service": "AIS", "psu_type": self.psu_type}
        if country:
            params["country"] = country
        answer = self._request("GET", "/aspsps", params=params)
        # One unreadable bank must not hide the others.
        institutions, _unreadable = normalize_all(
            require_list(answer.get("aspsps"), "aspsps"), _institution
        )
        return list(institutions)

    def start_consent(self, institution_id, *, redirect_url, state, valid_until=None):
        country, name = _split_institution(institution_id)
        longest = self._maximum_validity(country, name)
        now = self.now()
        until = now + longest if longest else now + datetime.timedelta(days=180)
        if valid_until is not None:
            until = min(until, valid_until)
        body = {
            "access": {"valid_until": _rfc3339(until)},
            "aspsp": {"name": name, "country": country},
            "state": state,
            "redirect_url": redirect_url,
            "psu_type": self.psu_type,
        }
        answer = self._request("POST", "/auth", json=body)
        url = answer.get("url")
        if not isinstance(url, str) or not url:
            raise errors.BadPayload(_lt("Enable Banking did not return the bank's URL."))
        authorization_id = str(answer.get("authorization_id") or "")
        return ConsentRequest(
            reference=authorization_id,
            redirect_url=url,
            data={
                "authorization_id": authorization_id,
                "aspsp": {"name": name, "country": country},
                "state": state,
                "valid_until": _rfc3339(until),
            },
        )

    def finish_consent(self, request, callback_params):
        params = callback_params or {}
        if params.get("error"):
            raise errors.ConsentRejected(
                _lt(
                    "The bank did not grant access: %(reason)s",
                    reason=clean_text(
                        params.get("error_description") or params["error"], max_length=200
                    ),
                ),
                provider_code=clean_text(params["error"], max_length=64),
            )
        expected_state = (request.data or {}).get("state")
        if expected_state and params.get("state") != expected_state:
            raise errors.ConsentRejected(_lt("The bank's answer belongs to another request."))
        code = params.get("code")
        if not isinstance(code, str) or not code:
            raise errors.ConsentRejected(_lt("The bank's answer carries no authorization code."))
        answer = self._request("POST", "/sessions", json={"code": code})
        session_id = answer.get("session_id")
        if not isinstance(session_id, str) or not session_id:
            raise errors.BadPayload(_lt("Enable Banking created a session without an id."))
        access = answer.get("access") if isinstance(answer.get("access"), dict) else {}
        aspsp = answer.get("aspsp") if isinstance(answer.get("aspsp"), dict) else {}
        aspsp = aspsp or (request.data or {}).get("aspsp") or {}
        accounts = [
            _remote_account(raw) for raw in require_list(answer.get("accounts"), "accounts")
        ]
        return Consent(
            consent_id=session_id,
            valid_until=parse_moment(access.get("valid_until")),
            institution_id=_join_institution(aspsp.get("country"), aspsp.get("name")),
            accounts=tuple(account for account in accounts if account),
            data={
                "session_id": session_id,
                "aspsp": {"name": aspsp.get("name"), "country": aspsp.get("country")},
                "psu_type": answer.get("psu_type") or self.psu_type,
            },
        )

    def revoke_consent(self, consent):
        self._request("DELETE", f"/sessions/{_session_id(consent)}")

    # -- Account data ---------------------------------------------------------------------------
    def list_accounts(self, consent):
        """Return the session's accounts; details are fetched only for accounts not yet known.

        ``GET /sessions/{id}`` tells the session status and its account uids without a bank
        call; ``/accounts/{uid}/details`` is a bank call (metered as ``details``), so the
        accounts that came with the session answer are reused.
        """
        answer = self._request("GET", f"/sessions/{_session_id(consent)}")
        status = answer.get("status")
        if status in SESSION_STATUS_ERRORS:
            raise SESSION_STATUS_ERRORS[status](
                _lt("The Enable Banking session is %(status)s.", status=status)
            )
        known = {account.remote_id: account for account in consent.accounts}
        accounts = []
        for uid in require_list(answer.get("accounts"), "accounts"):
            if not isinstance(uid, str):
                continue
            if uid in known:
                accounts.append(known[uid])
                continue
            self._meter(SCOPE_DETAILS, uid)
            account = _remote_account(self._request("GET", f"/accounts/{uid}/details"), uid=uid)
            if account:
                accounts.append(account)
        return accounts

    def fetch_balances(self, consent, account_id):
        self._meter(SCOPE_BALANCES, account_id)
        answer = self._request("GET", f"/accounts/{account_id}/balances")
        balances, _unreadable = normalize_all(
            require_list(answer.get("balances"), "balances"), _balance
        )
        return list(balances)

    def fetch_transactions(self, consent, account_id, date_from, date_to, page=None):
        """Read one page; the first page of a window is the metered bank call.

        Enable Banking fetches from the bank when a listing starts and pages through its
        own result with ``continuation_key`` [unverified: the API reference does not say
        whether continuation pages count against the bank's four daily accesses], so only
        the first page is metered.
        """
        today = self.now().date()
        params = {
            "date_from": min(date_from, today).isoformat(),
            "date_to": min(date_to, today).isoformat(),
        }
        if page:
            params["continuation_key"] = page
        else:
            self._meter(SCOPE_TRANSACTIONS, account_id)
        answer = self._request("GET", f"/accounts/{account_id}/transactions", params=params)
        records = []
        for raw in require_list(answer.get("transactions"), "transactions"):
            status = raw.get("status") if isinstance(raw, dict) else None
            if isinstance(status, str) and status not in TRANSACTION_STATUSES:
                continue
            records.append(raw)
        transactions, rejected = normalize_all(records, _transaction)
        next_page = answer.get("continuation_key")
        return TransactionPage(
            transactions=transactions,
            next_page=next_page if isinstance(next_page, str) and next_page else None,
            rejected=rejected,
        )

    # -- HTTP choke point -------------------------------------------------------------------
    def _request(self, method, path, *, params=None, json=None):
        """Call the API and return its JSON object, or raise a typed error.

        Every Enable Banking call goes through here: authentication, timeout, and the
        mapping of statuses and ``error`` codes (:data:`ERROR_CODES`). Neither the JWT nor
        the key ever reaches a message.
        """
        headers = {"Authorization": f"Bearer {self._token()}", "Accept": "application/json"}
        response = send(
            method,
            self.base_url + path,
            params=params,
            json=json,
            headers=headers,
            timeout=self.timeout,
            provider_label=LABEL,
        )
        if 200 <= response.status_code < 300:
            if not response.content:
                return {}
            return require_dict(json_body(response, provider_label=LABEL), "The answer")
        raise _error_for(response)

    def _token(self):
        now = calendar.timegm(self.now().timetuple())
        if self._jwt and now < self._jwt_expires - 60:
            return self._jwt
        application_id = self.settings.get("application_id")
        if not application_id or not self.settings.get("private_key"):
            raise errors.AuthenticationFailed(
                _lt("Enable Banking needs the application id and its private key.")
            )
        try:
            key = load_private_key(self.settings["private_key"])
        except (ValueError, TypeError) as error:
            raise errors.AuthenticationFailed(str(error)) from None
        lifetime = int(self.settings.get("jwt_lifetime") or 3600)
        claims = {"iss": JWT_ISSUER, "aud": JWT_AUDIENCE, "iat": now, "exp": now + lifetime}
        self._jwt = encode_rs256(claims, key, kid=str(application_id))
        self._jwt_expires = now + lifetime
        return self._jwt

    def _maximum_validity(self, country, name):
        """Return the ASPSP's ``maximum_consent_validity`` as a timedelta (None: unknown)."""
        answer = self._request("GET", "/aspsps", params={"country": country, "service": "AIS"})
        for raw in require_list(answer.get("aspsps"), "aspsps"):
            if isinstance(raw, dict) and raw.get("name") == name:
                seconds = raw.get("maximum_consent_validity")
                if isinstance(seconds, int) and seconds > 0:
                    return datetime.timedelta(seconds=seconds)
                return None
        raise errors.ConsentRejected(
            _lt(
                "Enable Banking has no bank %(bank)s in %(country)s.",
                bank=repr(name),
                country=country,
            )
        )


# -- Error mapping ------------------------------------------------------------------------------
def _error_for(response):
    try:
        body = response.json()
    except ValueError:
        body = {}
    body = body if isinstance(body, dict) else {}
    code = body.get("error") if isinstance(body.get("error"), str) else None
    message = clean_text(body.get("message"), max_length=300) or f"HTTP {response.status_code}"
    text = f"Enable Banking: {message}"
    status = response.status_code
    error_class = ERROR_CODES.get(code)
    if error_class is None:
        if status == 429:
            error_class = errors.RateLimited
        elif status >= 500:
            error_class = errors.ProviderUnavailable
        elif status in (401, 403):
            error_class = errors.AuthenticationFailed
        else:
            error_class = errors.ProviderError
    if error_class is errors.RateLimited:
        return errors.RateLimited(
            text,
            retry_after=retry_after_seconds(response.headers, message),
            provider_code=code,
        )
    return error_class(text, provider_code=code or str(status))


# -- Mapping ------------------------------------------------------------------------------------
def _institution(raw):
    raw = require_dict(raw, "An ASPSP")
    name, country = raw.get("name"), raw.get("country")
    if not isinstance(name, str) or not isinstance(country, str) or not name:
        raise errors.BadPayload(_lt("The ASPSP has no name or country."))
    seconds = raw.get("maximum_consent_validity")
    logo = raw.get("logo")
    return Institution(
        institution_id=_join_institution(country, name),
        name=clean_text(name, max_length=MAX_NAME_LENGTH),
        country=country.upper()[:2],
        bic=clean_text(raw.get("bic"), max_length=11),
        logo_url=logo if isinstance(logo, str) and logo.startswith("http") else "",
        max_consent_days=seconds // 86400 if isinstance(seconds, int) and seconds > 0 else None,
    )


def _join_institution(country, name):
    return f"{country or ''}:{name or ''}"


def _split_institution(institution_id):
    """``"PL:mBank"`` → ``("PL", "mBank")``: Enable Banking names an ASPSP by both."""
    country, sep, name = (institution_id or "").partition(":")
    if not sep or len(country) != 2 or not name:
        raise errors.ConsentRejected(
            _lt("%(bank_id)s is not an Enable Banking bank id.", bank_id=repr(institution_id))
        )
    return country, name


def _session_id(consent):
    session_id = (consent.data or {}).get("session_id") or consent.consent_id
    if not session_id:
        raise errors.ConsentExpired(_lt("This connection has no Enable Banking session."))
    return session_id


def _remote_account(raw, uid=None):
    """Return the :class:`RemoteAccount` of an ``AccountResource``, or ``None`` if unusable.

    An account without ``uid`` cannot be read (Enable Banking leaves it out when the bank
    will not serve balances or transactions, e.g. a blocked account).
    """
    if not isinstance(raw, dict):
        return None
    uid = uid or raw.get("uid")
    if not isinstance(uid, str) or not uid:
        return None
    try:
        currency = parse_currency(raw.get("currency"))
    except errors.BadPayload:
        return None
    account_id = raw.get("account_id") if isinstance(raw.get("account_id"), dict) else {}
    other = account_id.get("other") if isinstance(account_id.get("other"), dict) else {}
    servicer = raw.get("account_servicer")
    servicer = servicer if isinstance(servicer, dict) else {}
    number = account_id.get("iban") or other.get("identification")
    return RemoteAccount(
        remote_id=uid,
        currency=currency,
        iban=clean_text(number, max_length=64).replace(" ", ""),
        name=clean_text(raw.get("details") or raw.get("product"), max_length=MAX_NAME_LENGTH),
        owner_name=clean_text(raw.get("name"), max_length=MAX_NAME_LENGTH),
        bic=clean_text(servicer.get("bic_fi"), max_length=11),
        identification_hash=clean_text(raw.get("identification_hash"), max_length=MAX_NAME_LENGTH),
    )


def _balance(raw):
    raw = require_dict(raw, "A balance")
    money = require_dict(raw.get("balance_amount"), "balance_amount")
    currency = parse_currency(money.get("currency"))
    code = raw.get("balance_type")
    if not isinstance(code, str) or not code:
        raise errors.BadPayload(_lt("The balance has no type."))
    reference = raw.get("reference_date")
    return Balance(
        balance_type=BALANCE_CODES.get(code, code),
        amount=parse_amount(money.get("amount"), currency=currency),
        currency=currency,
        reference_date=parse_date(reference) if reference else None,
    )


def _transaction(raw):
    """Return the :class:`Transaction` of one Enable Banking transaction record."""
    raw = require_dict(raw, "A transaction")
    money = require_dict(raw.get("transaction_amount"), "transaction_amount")
    currency = parse_currency(money.get("currency"))
    amount = abs(parse_amount(money.get("amount"), currency=currency))
    indicator = raw.get("credit_debit_indicator")
    if indicator not in ("CRDT", "DBIT"):
        raise errors.BadPayload(
            _lt(
                "Unknown credit_debit_indicator %(indicator)s.",
                indicator=repr(str(indicator)[:10]),
            )
        )
    if indicator == "DBIT":
        amount = -amount
    status = TRANSACTION_STATUSES.get(raw.get("status"), BOOKED)
    date_text = raw.get("booking_date")
    if status == PENDING:
        date_text = date_text or raw.get("value_date") or raw.get("transaction_date")
    if not date_text:
        raise errors.BadPayload(_lt("The transaction has no booking date."))
    side = "creditor" if indicator == "DBIT" else "debtor"
    party = raw.get(side) if isinstance(raw.get(side), dict) else {}
    party_account = raw.get(f"{side}_account")
    value_text = raw.get("value_date")
    remittance = raw.get("remittance_information")
    if isinstance(remittance, str):
        remittance = [remittance]
    parts = [part for part in (remittance or []) if isinstance(part, str)]
    reference = raw.get("reference_number")
    if isinstance(reference, str) and reference and reference not in " ".join(parts):
        parts.append(reference)
    entry_reference = raw.get("entry_reference")
    return Transaction(
        provider_id=clean_text(entry_reference, max_length=MAX_NAME_LENGTH)
        if isinstance(entry_reference, str | int) and not isinstance(entry_reference, bool)
        else "",
        booking_date=parse_date(date_text),
        value_date=parse_date(value_text) if value_text else None,
        amount=amount,
        currency=currency,
        counterparty_name=clean_text(party.get("name"), max_length=MAX_NAME_LENGTH),
        counterparty_account=_account_number(party_account),
        remittance=clean_text(parts),
        status=status,
        bank_reference=clean_text(reference, max_length=MAX_NAME_LENGTH)
        if isinstance(reference, str)
        else "",
        raw=bounded(raw),
    )


def _account_number(value):
    if not isinstance(value, dict):
        return ""
    number = value.get("iban")
    if not number and isinstance(value.get("other"), dict):
        number = value["other"].get("identification")
    return clean_text(number, max_length=64).replace(" ", "") if isinstance(number, str) else ""


def _rfc3339(moment):
    """Naive UTC → ``2026-05-25T10:00:00.000000+00:00`` (the format the API asks for)."""
    return moment.replace(tzinfo=datetime.timezone.utc).isoformat(timespec="microseconds")
