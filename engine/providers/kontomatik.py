"""Kontomatik: the Polish AIS aggregator behind Fakturownia's bank feeds (XML API).

Where each behaviour comes from:

- **Authentication**: header ``X-Api-Key`` on every call, from whitelisted IPs
  (``dbojdo/kontomatik-sdk`` ``src/Common/Buzz/AuthMiddleware.php``;
  developer.kontomatik.com "Getting API access"). Hosts ``https://api.kontomatik.com`` and
  ``https://test.api.kontomatik.com`` (SDK ``src/Common/Env.php``).
- **Consent (SignIn Redirection)**: ``POST /v1/signin/redirection`` JSON ``{redirectUri,
  ownerExternalId, country, locale, psd2: {accessMode}}`` → ``{redirectionId,
  redirectionLink}``; after the bank, ``GET /v1/signin/redirection-status?redirectionId=`` →
  ``{status, params: {sessionId, sessionIdSignature, multipleAccessId, target,
  officialName, exception}}`` (developer.kontomatik.com "SignIn Redirection" for the steps;
  the request/answer field names from an independent TypeScript client [T]). Kontomatik
  does not carry a ``state``: we put it in ``redirectUri``'s query. The user picks the bank
  on Kontomatik's page, so :meth:`list_institutions` offers one entry per country.
- **Import**: ``POST /v1/command/default-import.xml`` (form: ``sessionId``,
  ``sessionIdSignature``, ``since``) → ``<command id state="setup">``; poll
  ``GET /v1/command/{id}.xml`` until ``state="successful"`` (``error``/``fatal`` failed;
  the reply's ``status="200 OK"`` is not the import's result) (SDK
  ``src/Importing/ImportingHttpApi.php`` and fixtures ``v1.default-import-reply.xml``,
  ``v1.command-reply.default-import.xml``, ``v1.command-reply.exception.xml``).
- **Multiple access**: consent "up to 180 days", at most 4 imports per 24 h, the first
  import sees the full history and later ones at most the last 90 days
  (developer.kontomatik.com "Account Information Service (Multiple Access)"); a later run
  gets a session from ``POST /v1/command/reuse-multiple-access.xml`` (``multipleAccessId``)
  and revokes with ``delete-multiple-access.xml`` [T: TypeScript client].
- **Data**: ``<account>`` with ``iban``, ``currencyName``, ``currencyBalance``,
  ``currencyFundsAvailable``; ``<moneyTransaction>`` with ``transactionOn``, ``bookedOn``,
  signed ``currencyAmount``, ``title``, ``party``, ``partyIban``, ``status``; **no
  transaction id**, so ``provider_id`` is ``""`` and :mod:`..dedup` keys them by content
  fingerprint plus occurrence counter (SDK ``MoneyTransaction.php`` and fixtures).
- **Errors**: ``<reply status="404 Not Found"><exception name="InvalidSessionId">…``; the
  SDK's exception classes name the cases mapped in :data:`EXCEPTIONS`; 401 answers carry a
  ``<comment>`` instead (fixture ``unauthorized-reply.xml``).

One import serves every account of the consent, and only four are allowed a day, so an
instance keeps the last import's result: use **one provider instance per connection and
run** (list accounts, then transactions and balances of each account).

Settings: ``base_url`` (default :data:`BASE_URL`), ``api_key``, ``country`` and ``locale``
(``pl``), ``timeout``, ``poll_interval`` and ``poll_timeout`` (seconds), ``import_days``
(history every later import asks for, default 89: all a later import may see, so that one
import serves every window, account list and balance of a run), ``first_import_days``
(default 90), ``owner_external_id`` (ours for the company; generated when absent).
"""

import datetime
import time
import uuid
from urllib.parse import urlencode, urlsplit, urlunsplit
from xml.etree import ElementTree

from .. import errors
from ..budget import SCOPE_IMPORT
from ..i18n import _lt
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
from .common import DEFAULT_TIMEOUT, json_body, normalize_all, require_dict, send

BASE_URL = "https://api.kontomatik.com"
LABEL = "Kontomatik"
#: "Up to 180 days" of multiple access; Kontomatik's answers carry no end date, so this
#: documented maximum is what we store (the bank or the user may end it earlier, which
#: then shows as ``InvalidMultipleAccessId``).
CONSENT_DAYS = 180
#: Imports after the first see at most this many days back.
LATER_IMPORT_DAYS = 90
RUNNING_STATES = ("setup", "in_progress", "pending")
FAILED_STATES = ("error", "fatal")

#: Kontomatik exception names (SDK ``src/Exception``) → our typed errors.
EXCEPTIONS = {
    "Unauthorized": errors.AuthenticationFailed,
    "InvalidMultipleAccessId": errors.ConsentExpired,
    "MultipleAccessLimitExceeded": errors.RateLimited,
    "JobsQuotaExceeded": errors.RateLimited,
    "ConcurrentSessionsLimitExceed": errors.RateLimited,
    "ConcurrentSessionsLimitExceeded": errors.RateLimited,
    "ServiceMaintenance": errors.ProviderUnavailable,
    "ServiceTemporarilyUnavailable": errors.ProviderUnavailable,
    "SessionExpired": errors.ProviderUnavailable,
    "InvalidSessionId": errors.ProviderUnavailable,
    "InvalidSessionIdSignature": errors.ProviderUnavailable,
    "InvalidOwnerExternalId": errors.AuthenticationFailed,
}
#: Exceptions that, during the first import right after the bank visit, mean the user must
#: start again (the session from the redirection is gone).
SESSION_EXCEPTIONS = ("SessionExpired", "InvalidSessionId", "InvalidSessionIdSignature")
#: Redirection statuses that mean success; anything else with an ``exception`` failed
#: [unverified names: the public docs list the statuses on a page we could not read whole].
SUCCESS_STATUSES = ("SUCCESS", "SUCCEEDED", "FINISHED", "OK")


@register_provider
class KontomatikProvider(Provider):
    """Kontomatik adapter (see the module docstring for sources)."""

    code = "kontomatik"
    label = "Kontomatik"
    sequence = 20
    uses_redirect = True
    #: Four ``default-import`` commands per 24 hours per consent (multiple access).
    daily_call_limit = 4
    default_base_url = BASE_URL
    setting_specs = (
        SettingSpec(
            "api_key", _lt("API key"), secret=True, help=_lt("The X-Api-Key Kontomatik issued.")
        ),
        SettingSpec(
            "country",
            _lt("Country"),
            required=False,
            default="pl",
            help=_lt("Country of the banks offered on Kontomatik's sign-in page."),
        ),
    )

    def __init__(self, settings=None, *, clock=None, sleep=time.sleep):
        super().__init__(settings, clock=clock)
        self.base_url = str(self.settings.get("base_url") or BASE_URL).rstrip("/")
        self.timeout = float(self.settings.get("timeout") or DEFAULT_TIMEOUT)
        self.poll_interval = float(self.settings.get("poll_interval", 3))
        self.poll_timeout = float(self.settings.get("poll_timeout") or 300)
        self.import_days = int(self.settings.get("import_days") or LATER_IMPORT_DAYS - 1)
        self._sleep = sleep
        #: ``{multiple_access_id: (since, accounts)}``: the last import of this run.
        self._imports = {}

    # -- Institutions and consent ------------------------------------------------------------
    def list_institutions(self, country=None):
        code = (country or self.settings.get("country") or "pl").upper()
        return [
            Institution(
                institution_id=f"kontomatik:{code}",
                name="Bank chosen on Kontomatik's sign-in page",
                country=code,
                max_consent_days=CONSENT_DAYS,
            )
        ]

    def start_consent(self, institution_id, *, redirect_url, state, valid_until=None):
        country = (institution_id.partition(":")[2] or self.settings.get("country") or "pl").lower()
        owner = self.settings.get("owner_external_id") or f"odoo-{uuid.uuid4()}"
        body = {
            "redirectUri": _with_query(redirect_url, {"state": state}),
            "ownerExternalId": owner,
            "country": country,
            "locale": self.settings.get("locale") or "pl",
            "psd2": {"accessMode": "MULTIPLE"},
        }
        answer = require_dict(
            self._request("POST", "/v1/signin/redirection", json=body, expect="json"),
            "The redirection answer",
        )
        link, redirection_id = answer.get("redirectionLink"), answer.get("redirectionId")
        if not isinstance(link, str) or not link or not redirection_id:
            raise errors.BadPayload(_lt("Kontomatik returned no redirection link."))
        return ConsentRequest(
            reference=str(redirection_id),
            redirect_url=link,
            data={
                "redirection_id": str(redirection_id),
                "owner_external_id": owner,
                "state": state,
            },
        )

    def finish_consent(self, request, callback_params):
        """Read the redirection's outcome and run the first import (full history).

        The first import is the only one that sees more than 90 days, and its session comes
        from the redirection; it is metered like any other import.
        """
        data = request.data or {}
        params = callback_params or {}
        if data.get("state") and params.get("state") != data["state"]:
            raise errors.ConsentRejected(_lt("The bank's answer belongs to another request."))
        answer = require_dict(
            self._request(
                "GET",
                "/v1/signin/redirection-status",
                params={"redirectionId": data.get("redirection_id")},
                expect="json",
            ),
            "The redirection status",
        )
        outcome = answer.get("params") if isinstance(answer.get("params"), dict) else {}
        status = str(answer.get("status") or "").upper()
        if outcome.get("exception") or params.get("error"):
            reason = clean_text(outcome.get("exception") or params.get("error"), max_length=100)
            raise errors.ConsentRejected(
                _lt("The bank did not grant access (%(reason)s).", reason=reason)
            )
        session = (outcome.get("sessionId"), outcome.get("sessionIdSignature"))
        multiple_access_id = outcome.get("multipleAccessId")
        if status not in SUCCESS_STATUSES or not all(session) or not multiple_access_id:
            raise errors.ConsentRejected(
                _lt(
                    "The bank authorisation is not finished (%(status)s).",
                    status=status[:20] or _lt("no status"),
                )
            )
        multiple_access_id = str(multiple_access_id)
        days = int(self.settings.get("first_import_days") or LATER_IMPORT_DAYS)
        since = self.now().date() - datetime.timedelta(days=days)
        try:
            accounts = self._run_import(multiple_access_id, session, since)
        except errors.ProviderError as error:
            if error.provider_code in SESSION_EXCEPTIONS:
                raise errors.ConsentRejected(
                    _lt("The bank session ended before the first import; connect again.")
                ) from error
            raise
        self._imports[multiple_access_id] = (since, accounts)
        return Consent(
            consent_id=multiple_access_id,
            valid_until=self.now() + datetime.timedelta(days=CONSENT_DAYS),
            institution_id=clean_text(outcome.get("target"), max_length=MAX_NAME_LENGTH),
            accounts=tuple(_remote_account(raw) for raw in accounts if _remote_account(raw)),
            data={
                "multiple_access_id": multiple_access_id,
                "owner_external_id": data.get("owner_external_id"),
                "target": clean_text(outcome.get("target"), max_length=MAX_NAME_LENGTH),
                "official_name": clean_text(
                    outcome.get("officialName"), max_length=MAX_NAME_LENGTH
                ),
            },
        )

    def revoke_consent(self, consent):
        self._request(
            "POST",
            "/v1/command/delete-multiple-access.xml",
            data={"multipleAccessId": _multiple_access_id(consent)},
        )

    # -- Account data ---------------------------------------------------------------------------
    def list_accounts(self, consent):
        accounts = self._accounts(consent, self._default_since())
        return [account for account in map(_remote_account, accounts) if account]

    def fetch_balances(self, consent, account_id):
        raw = self._account(consent, account_id, self._default_since())
        currency = parse_currency(_text(raw, "currencyName"))
        today = self.now().date()
        balances = []
        for tag, balance_type in (
            ("currencyBalance", "interimBooked"),
            ("currencyFundsAvailable", "interimAvailable"),
        ):
            value = _text(raw, tag)
            if value:
                amount = parse_amount(value, currency=currency)
                balances.append(Balance(balance_type, amount, currency, today))
        return balances

    def fetch_transactions(self, consent, account_id, date_from, date_to, page=None):
        """Return the window's transactions of one account as one page (no paging)."""
        raw = self._account(consent, account_id, date_from)
        currency = parse_currency(_text(raw, "currencyName"))
        records = raw.findall("./moneyTransactions/moneyTransaction")
        transactions, rejected = normalize_all(
            records, lambda element: _transaction(element, currency)
        )
        return TransactionPage(
            transactions=tuple(t for t in transactions if date_from <= t.booking_date <= date_to),
            next_page=None,
            rejected=rejected,
        )

    # -- Imports ------------------------------------------------------------------------------
    def _default_since(self):
        return self.now().date() - datetime.timedelta(days=self.import_days)

    def _account(self, consent, account_id, since):
        for raw in self._accounts(consent, since):
            if _iban(raw) == account_id:
                return raw
        raise errors.ConsentExpired(
            _lt("The account is no longer visible through this Kontomatik consent.")
        )

    def _accounts(self, consent, since):
        """Return the ``<account>`` elements of an import that covers ``since``.

        Reuses this run's import when it reaches back far enough; otherwise asks for a new
        session (``reuse-multiple-access``) and imports. Later imports see at most 90
        days, so ``since`` is clamped to that.
        """
        multiple_access_id = _multiple_access_id(consent)
        floor = self.now().date() - datetime.timedelta(days=LATER_IMPORT_DAYS - 1)
        since = max(min(since, self._default_since()), floor)
        cached = self._imports.get(multiple_access_id)
        if cached and cached[0] <= since:
            return cached[1]
        reply = self._request(
            "POST",
            "/v1/command/reuse-multiple-access.xml",
            data={"multipleAccessId": multiple_access_id},
        )
        session = reply.find(".//session")
        if session is None or not session.get("id") or not session.get("signature"):
            raise errors.BadPayload(_lt("Kontomatik returned no session for the multiple access."))
        accounts = self._run_import(
            multiple_access_id, (session.get("id"), session.get("signature")), since
        )
        self._imports[multiple_access_id] = (since, accounts)
        return accounts

    def _run_import(self, multiple_access_id, session, since):
        """Start a ``default-import`` and poll it; return its ``<account>`` elements."""
        self._meter(SCOPE_IMPORT, multiple_access_id)
        reply = self._request(
            "POST",
            "/v1/command/default-import.xml",
            data={
                "sessionId": session[0],
                "sessionIdSignature": session[1],
                "since": since.isoformat(),
            },
        )
        command = _command(reply)
        deadline = time.monotonic() + self.poll_timeout
        while command.get("state") in RUNNING_STATES:
            if time.monotonic() > deadline:
                raise errors.ProviderUnavailable(
                    _lt("The Kontomatik import did not finish in time.")
                )
            self._sleep(self.poll_interval)
            command = _command(self._request("GET", f"/v1/command/{command.get('id')}.xml"))
        state = command.get("state")
        if state in FAILED_STATES:
            raise _exception_error(command.find("exception"), default=errors.ProviderUnavailable)
        if state != "successful":
            raise errors.BadPayload(
                _lt("Unknown Kontomatik command state %(state)s.", state=repr(str(state)[:20]))
            )
        return command.findall("./result/accounts/account")

    # -- HTTP choke point -------------------------------------------------------------------
    def _request(self, method, path, *, params=None, data=None, json=None, expect="xml"):
        """Call Kontomatik; return the parsed ``<reply>`` element (or JSON), or raise.

        Every Kontomatik call goes through here: the API key header, the timeout, XML
        parsing (documents with a DTD are refused: no entity tricks), and the mapping of
        ``<exception name>`` and HTTP statuses (:data:`EXCEPTIONS`).
        """
        api_key = self.settings.get("api_key")
        if not api_key:
            raise errors.AuthenticationFailed(_lt("Kontomatik needs an API key."))
        response = send(
            method,
            self.base_url + path,
            params=params,
            data=data,
            json=json,
            headers={"X-Api-Key": api_key},
            timeout=self.timeout,
            provider_label=LABEL,
        )
        status = response.status_code
        if expect == "json" and 200 <= status < 300:
            return json_body(response, provider_label=LABEL)
        if status == 401:
            raise errors.AuthenticationFailed(
                _lt("Kontomatik does not recognise our API key or IP address."), provider_code="401"
            )
        reply = _parse_xml(response.content) if response.content else None
        if reply is not None and reply.find("exception") is not None:
            raise _exception_error(reply.find("exception"), status=status)
        if status >= 500 or status == 429:
            error_class = errors.RateLimited if status == 429 else errors.ProviderUnavailable
            raise error_class(
                _lt("Kontomatik answered HTTP %(status)s.", status=status),
                provider_code=str(status),
            )
        if not 200 <= status < 300:
            raise errors.ProviderError(
                _lt("Kontomatik answered HTTP %(status)s.", status=status),
                provider_code=str(status),
            )
        if reply is None:
            raise errors.BadPayload(_lt("Kontomatik answered with an empty body."))
        return reply


# -- XML helpers --------------------------------------------------------------------------------
def _parse_xml(content):
    head = content[:2048].lower()
    if b"<!doctype" in head or b"<!entity" in head:
        raise errors.BadPayload(_lt("Kontomatik's answer declares a DTD; refused."))
    try:
        root = ElementTree.fromstring(content)
    except ElementTree.ParseError as error:
        raise errors.BadPayload(_lt("Kontomatik answered with malformed XML.")) from error
    if root.tag != "reply":
        raise errors.BadPayload(_lt("Kontomatik's answer is not a <reply>."))
    return root


def _command(reply):
    command = reply.find("command")
    if command is None or not command.get("id"):
        raise errors.BadPayload(_lt("Kontomatik's answer has no <command>."))
    return command


def _exception_error(exception, *, status=None, default=errors.ProviderError):
    name = exception.get("name") if exception is not None else None
    message = clean_text(
        exception.findtext("message") if exception is not None else "", max_length=300
    )
    error_class = EXCEPTIONS.get(name)
    if error_class is None:
        error_class = errors.ProviderUnavailable if status and status >= 500 else default
    text = f"Kontomatik: {name or 'error'}" + (f" ({message})" if message else "")
    if error_class is errors.RateLimited:
        return errors.RateLimited(text, retry_after=None, provider_code=name)
    return error_class(text, provider_code=name)


def _text(element, tag):
    value = element.findtext(tag)
    return value.strip() if isinstance(value, str) else ""


def _iban(account):
    return _text(account, "iban").replace(" ", "").upper()


def _remote_account(raw):
    iban = _iban(raw)
    try:
        currency = parse_currency(_text(raw, "currencyName"))
    except errors.BadPayload:
        return None
    if not iban:
        return None
    return RemoteAccount(
        # Kontomatik gives accounts no id; the IBAN is stable across consents, which also
        # makes re-linking after a renewal trivial.
        remote_id=iban,
        currency=currency,
        iban=iban,
        name=clean_text(
            _text(raw, "friendlyName") or _text(raw, "name"), max_length=MAX_NAME_LENGTH
        ),
    )


def _transaction(element, currency):
    booked_on = _text(element, "bookedOn") or _text(element, "transactionOn")
    if not booked_on:
        raise errors.BadPayload(_lt("The transaction has no booking date."))
    operation_on = _text(element, "transactionOn")
    status = _text(element, "status").upper()
    return Transaction(
        provider_id="",
        booking_date=parse_date(booked_on),
        value_date=parse_date(operation_on) if operation_on else None,
        amount=parse_amount(_text(element, "currencyAmount"), currency=currency),
        currency=currency,
        counterparty_name=clean_text(_text(element, "party"), max_length=MAX_NAME_LENGTH),
        counterparty_account=clean_text(_text(element, "partyIban"), max_length=64).replace(
            " ", ""
        ),
        remittance=clean_text(_text(element, "title")),
        status=BOOKED if status in ("", "DONE") else PENDING,
        raw={
            child.tag: clean_text(child.text, max_length=2000)
            for child in element
            if child.tag != "labels"
        },
    )


def _multiple_access_id(consent):
    value = (consent.data or {}).get("multiple_access_id") or consent.consent_id
    if not value:
        raise errors.ConsentExpired(_lt("This connection has no Kontomatik multiple access."))
    return value


def _with_query(url, extra):
    parts = urlsplit(url)
    query = parts.query + ("&" if parts.query else "") + urlencode(extra)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))
