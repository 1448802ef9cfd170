"""GoCardless Bank Account Data adapter: over real HTTP against the protocol sandbox, and on
documented payloads (``data/providers/gocardless``, sources in its README)."""

import datetime
import json
from decimal import Decimal

import pytest
import requests
from conftest import (
    CALLBACK,
    NOW,
    TODAY,
    connect,
    follow_bank_login,
    load_data,
    main_account,
    make_provider,
)

from engine import errors
from engine.providers.gocardless import GoCardlessProvider, _error_for, _institution
from engine.records import PENDING, Consent
from engine.sync import SyncCursor, SyncWindow, WindowReader

WINDOW = SyncWindow(TODAY - datetime.timedelta(days=30), TODAY)


def read_window(provider, consent, account_id):
    return list(WindowReader(provider, consent, account_id, SyncCursor(WINDOW)).pages())


# -- Full flow over HTTP --------------------------------------------------------------------------
def test_institutions_carry_history_and_consent_length(sandbox):
    (bank,) = make_provider(sandbox, "gocardless").list_institutions("PL")
    assert (bank.institution_id, bank.bic, bank.max_history_days, bank.max_consent_days) == (
        "SANDBOXBANK_SNDBPLPW",
        "SNDBPLPW",
        730,
        180,
    )


def test_consent_flow_returns_state_as_reference_and_validity_from_agreement(sandbox):
    provider = make_provider(sandbox, "gocardless")
    request = provider.start_consent(
        "SANDBOXBANK_SNDBPLPW", redirect_url=CALLBACK, state="signed-state"
    )
    params = follow_bank_login(request.redirect_url)
    assert params == {"ref": "signed-state"}
    assert provider.callback_state(params) == "signed-state"
    consent = provider.finish_consent(request, params)
    assert consent.valid_until == NOW + datetime.timedelta(days=180)
    assert consent.data["requisition_id"] == consent.consent_id
    assert [a.currency for a in consent.accounts] == ["PLN", "PLN", "EUR"]


def test_consent_end_follows_the_wanted_date(sandbox):
    provider = make_provider(sandbox, "gocardless")
    request = provider.start_consent(
        "SANDBOXBANK_SNDBPLPW",
        redirect_url=CALLBACK,
        state="s",
        valid_until=NOW + datetime.timedelta(days=30),
    )
    consent = provider.finish_consent(request, follow_bank_login(request.redirect_url))
    assert consent.valid_until == NOW + datetime.timedelta(days=30)


def test_user_who_cancels_at_the_bank_gets_no_consent(sandbox):
    sandbox.arm_fault("gocardless", "user_cancelled", times=1)
    provider = make_provider(sandbox, "gocardless")
    request = provider.start_consent("SANDBOXBANK_SNDBPLPW", redirect_url=CALLBACK, state="s")
    with pytest.raises(errors.ConsentRejected):
        provider.finish_consent(request, follow_bank_login(request.redirect_url))


def test_callback_before_the_bank_visit_is_refused(sandbox):
    provider = make_provider(sandbox, "gocardless")
    request = provider.start_consent("SANDBOXBANK_SNDBPLPW", redirect_url=CALLBACK, state="s")
    with pytest.raises(errors.ConsentRejected, match="not finished"):
        provider.finish_consent(request, {"ref": "s"})


def test_whole_window_comes_in_one_page_with_pending_apart(sandbox):
    provider, consent = connect(sandbox, "gocardless")
    pages = read_window(provider, consent, main_account(consent).remote_id)
    assert len(pages) == 1 and pages[0].cursor is None
    assert pages[0].candidates and all(key.startswith("id:SBX") for key, _t in pages[0].candidates)


def test_same_traffic_as_enable_banking(sandbox):
    gocardless, consent = connect(sandbox, "gocardless")
    ours = [
        t
        for p in read_window(gocardless, consent, main_account(consent).remote_id)
        for _k, t in p.candidates
    ]
    enablebanking, eb_consent = connect(sandbox, "enablebanking")
    theirs = [
        t
        for p in read_window(enablebanking, eb_consent, main_account(eb_consent).remote_id)
        for _k, t in p.candidates
    ]
    assert [(t.provider_id, t.amount, t.remittance) for t in ours] == [
        (t.provider_id, t.amount, t.remittance) for t in theirs
    ]


def test_each_scope_is_metered_per_account(sandbox):
    provider, consent = connect(sandbox, "gocardless")
    account_id = main_account(consent).remote_id
    provider.fetch_balances(consent, account_id)
    provider.fetch_transactions(consent, account_id, WINDOW.date_from, TODAY)
    assert [(c.scope, c.key) for c in provider.drain_metered_calls()] == [
        ("balances", account_id),
        ("transactions", account_id),
    ]


def test_fifth_call_of_a_scope_answers_429_with_the_seconds_to_wait(sandbox):
    provider, consent = connect(sandbox, "gocardless")
    account_id = main_account(consent).remote_id
    for _run in range(4):
        provider.fetch_balances(consent, account_id)
    with pytest.raises(errors.RateLimited) as caught:
        provider.fetch_balances(consent, account_id)
    assert caught.value.retry_after == 86400
    provider.fetch_transactions(consent, account_id, WINDOW.date_from, TODAY)  # other scope


def test_future_end_date_is_clamped_to_today(sandbox):
    provider, consent = connect(sandbox, "gocardless")
    page = provider.fetch_transactions(
        consent, main_account(consent).remote_id, TODAY, TODAY + datetime.timedelta(days=5)
    )
    assert all(t.booking_date <= TODAY for t in page.transactions)


def test_expired_access_token_is_refreshed_once(sandbox):
    provider, consent = connect(sandbox, "gocardless")
    sandbox.protocols["gocardless"].access_tokens.clear()
    assert provider.fetch_balances(consent, main_account(consent).remote_id)


def test_stored_tokens_spare_a_token_call(sandbox):
    provider, consent = connect(sandbox, "gocardless")
    state = provider.token_state()
    again = make_provider(sandbox, "gocardless", secret_key="wrong", **state)
    assert again.list_accounts(consent) == list(consent.accounts)


def test_wrong_secret_is_an_authentication_failure(sandbox):
    provider = make_provider(sandbox, "gocardless", secret_key="wrong")
    with pytest.raises(errors.AuthenticationFailed):
        provider.list_institutions("PL")


def test_expired_agreement_stops_the_sync(sandbox):
    _provider, consent = connect(sandbox, "gocardless")
    sandbox.set_now(NOW + datetime.timedelta(days=181))
    later = make_provider(sandbox, "gocardless")
    later._clock = lambda: NOW + datetime.timedelta(days=181)
    with pytest.raises(errors.ConsentExpired):
        later.fetch_balances(consent, main_account(consent).remote_id)
    with pytest.raises(errors.ConsentExpired):
        later.list_accounts(consent)


@pytest.mark.parametrize(
    ("fault", "options", "error_class"),
    [
        ("rate_limited", {"retry_after": 85092}, errors.RateLimited),
        ("server_error", {"status": 503}, errors.ProviderUnavailable),
        ("malformed", {}, errors.BadPayload),
        ("truncated", {}, errors.BadPayload),
        ("connection_reset", {}, errors.ProviderUnavailable),
        ("consent_expired", {}, errors.ConsentExpired),
        ("consent_revoked", {}, errors.ConsentRevoked),
    ],
)
def test_each_fault_becomes_its_typed_error(sandbox, fault, options, error_class):
    provider, consent = connect(sandbox, "gocardless")
    sandbox.arm_fault("gocardless", fault, path="/transactions", times=1, **options)
    with pytest.raises(error_class):
        provider.fetch_transactions(
            consent, main_account(consent).remote_id, WINDOW.date_from, TODAY
        )


def test_rate_limit_fault_carries_the_seconds_from_the_header(sandbox):
    provider, consent = connect(sandbox, "gocardless")
    sandbox.arm_fault("gocardless", "rate_limited", retry_after=85092, times=1)
    with pytest.raises(errors.RateLimited) as caught:
        provider.fetch_balances(consent, main_account(consent).remote_id)
    assert caught.value.retry_after == 85092


def test_slow_answer_times_out_as_unavailable(sandbox):
    provider, consent = connect(sandbox, "gocardless", timeout=0.3)
    sandbox.arm_fault("gocardless", "slow", delay=1.0, times=1)
    with pytest.raises(errors.ProviderUnavailable):
        provider.fetch_balances(consent, main_account(consent).remote_id)


# -- Documented payloads --------------------------------------------------------------------------
def _response(status, body, headers=None):
    response = requests.models.Response()
    response.status_code = status
    response._content = json.dumps(body).encode()
    response.headers.update(headers or {})
    return response


def test_documented_429_detail_gives_the_seconds_to_wait():
    body = load_data("gocardless", "rate_limited.json")
    error = _error_for(_response(429, body), body)
    assert isinstance(error, errors.RateLimited) and error.retry_after == 85092


def test_bank_limit_429_has_no_known_wait():
    body = load_data("gocardless", "bank_rate_limited.json")
    error = _error_for(_response(429, body), body)
    assert isinstance(error, errors.RateLimited) and error.retry_after is None
    assert error.provider_code == "RateLimitError"


def test_documented_expired_agreement_is_consent_expired_not_a_token_problem():
    body = load_data("gocardless", "eua_expired.json")
    assert isinstance(_error_for(_response(401, body), body), errors.ConsentExpired)
    other = {
        "summary": "Invalid token",
        "detail": "Token is invalid or expired",
        "status_code": 401,
    }
    assert isinstance(_error_for(_response(401, other), other), errors.AuthenticationFailed)


def test_documented_institution_with_text_numbers():
    bank = _institution(load_data("gocardless", "institution.json"))
    assert (bank.max_history_days, bank.max_consent_days, bank.country) == (730, 180, "PL")


def _provider_answering(answer):
    provider = GoCardlessProvider({"secret_id": "i", "secret_key": "k"}, clock=lambda: NOW)
    provider._request = lambda method, path, *, params=None, json=None: answer
    return provider


def test_documented_transactions_are_normalized_with_bank_ids_only():
    provider = _provider_answering(load_data("gocardless", "transactions.json"))
    page = provider.fetch_transactions(Consent("r", None), "acc", TODAY, TODAY)
    polmet, zus, coffee, fuel = page.transactions
    assert (polmet.provider_id, polmet.amount, polmet.counterparty_name) == (
        "PL/2026/03/09/000451",
        Decimal("1230.00"),
        "POLMET S.A.",
    )
    assert (zus.provider_id, zus.remittance) == (
        "20260309-000452",
        "Składki ZUS za 02/2026 NIP 5260250274",
    )
    assert zus.counterparty_account == "PL83600000020260005260250274"
    # GoCardless' own internalTransactionId is not trusted across requisitions.
    assert coffee.provider_id == ""
    assert fuel.status == PENDING and fuel.booking_date == datetime.date(2026, 3, 10)


def test_hostile_records_are_rejected_and_the_rest_kept():
    good = load_data("gocardless", "transactions.json")["transactions"]["booked"][0]
    hostile = [
        {"bookingDate": "2026-03-09", "transactionAmount": {"amount": "abc", "currency": "PLN"}},
        {"bookingDate": "2026-03-09", "transactionAmount": "12.00"},
        {"bookingDate": "yesterday", "transactionAmount": {"amount": "1.00", "currency": "PLN"}},
        {"transactionAmount": {"amount": "1.00", "currency": "PLN"}},
        42,
    ]
    huge = dict(
        good,
        entryReference="big",
        remittanceInformationUnstructured="X" * 10_000_000,
        debtorName="<b>Evil</b>",
    )
    provider = _provider_answering(
        {"transactions": {"booked": [good, *hostile, huge], "pending": None}}
    )
    page = provider.fetch_transactions(Consent("r", None), "acc", TODAY, TODAY)
    assert [t.provider_id for t in page.transactions] == ["PL/2026/03/09/000451", "big"]
    assert len(page.rejected) == len(hostile)
    assert (
        len(page.transactions[1].remittance) == 1000
        and page.transactions[1].counterparty_name == "<b>Evil</b>"
    )
