"""Enable Banking adapter: over real HTTP against the protocol sandbox, and on the API's
documented payloads (``data/providers/enablebanking``, sources in its README)."""

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
from engine.providers.enablebanking import EnableBankingProvider
from engine.records import PENDING, Consent, ConsentRequest
from engine.sync import SyncCursor, SyncWindow, WindowReader

WINDOW = SyncWindow(TODAY - datetime.timedelta(days=30), TODAY)


def read_window(provider, consent, account_id, window=WINDOW):
    reader = WindowReader(provider, consent, account_id, SyncCursor(window))
    return list(reader.pages())


# -- Full flow over HTTP --------------------------------------------------------------------------
def test_institutions_show_the_banks_longest_consent_and_logo(sandbox):
    provider = make_provider(sandbox, "enablebanking")
    (bank,) = provider.list_institutions("PL")
    assert (bank.institution_id, bank.name, bank.max_consent_days) == (
        "PL:Sandbox Bank",
        "Sandbox Bank",
        180,
    )
    assert bank.logo_url.startswith("http://127.0.0.1")


def test_consent_flow_ends_with_the_validity_the_session_reports(sandbox):
    _provider, consent = connect(sandbox, "enablebanking")
    assert consent.valid_until == NOW + datetime.timedelta(days=180)
    assert consent.data["session_id"] == consent.consent_id
    assert [a.currency for a in consent.accounts] == ["PLN", "PLN", "EUR"]
    assert all(a.identification_hash and a.iban.startswith("PL") for a in consent.accounts)


def test_consent_asks_for_less_when_the_company_wants_less(sandbox):
    provider = make_provider(sandbox, "enablebanking")
    request = provider.start_consent(
        "PL:Sandbox Bank",
        redirect_url=CALLBACK,
        state="s",
        valid_until=NOW + datetime.timedelta(days=90),
    )
    consent = provider.finish_consent(request, follow_bank_login(request.redirect_url))
    assert consent.valid_until == NOW + datetime.timedelta(days=90)


def test_bank_login_carries_our_state_back(sandbox):
    provider = make_provider(sandbox, "enablebanking")
    request = provider.start_consent(
        "PL:Sandbox Bank", redirect_url=CALLBACK, state="signed-state-1"
    )
    params = follow_bank_login(request.redirect_url)
    assert provider.callback_state(params) == "signed-state-1"
    assert params["code"]


def test_user_who_cancels_at_the_bank_gets_no_consent(sandbox):
    sandbox.arm_fault("enablebanking", "user_cancelled", times=1)
    provider = make_provider(sandbox, "enablebanking")
    request = provider.start_consent("PL:Sandbox Bank", redirect_url=CALLBACK, state="s")
    params = follow_bank_login(request.redirect_url)
    with pytest.raises(errors.ConsentRejected, match="cancelled"):
        provider.finish_consent(request, params)


def test_callback_of_another_request_is_refused(sandbox):
    provider = make_provider(sandbox, "enablebanking")
    request = provider.start_consent("PL:Sandbox Bank", redirect_url=CALLBACK, state="mine")
    params = dict(follow_bank_login(request.redirect_url), state="someone-else")
    with pytest.raises(errors.ConsentRejected):
        provider.finish_consent(request, params)


def test_code_can_be_used_once(sandbox):
    provider = make_provider(sandbox, "enablebanking")
    request = provider.start_consent("PL:Sandbox Bank", redirect_url=CALLBACK, state="s")
    params = follow_bank_login(request.redirect_url)
    provider.finish_consent(request, params)
    with pytest.raises(errors.ConsentRejected):
        provider.finish_consent(request, params)


def test_listing_accounts_reuses_the_session_answer_without_bank_calls(sandbox):
    provider, consent = connect(sandbox, "enablebanking")
    assert provider.list_accounts(consent) == list(consent.accounts)
    assert provider.drain_metered_calls() == []


def test_accounts_unknown_to_the_consent_are_read_from_details(sandbox):
    provider, consent = connect(sandbox, "enablebanking")
    bare = Consent(consent.consent_id, consent.valid_until, data=consent.data)
    assert [a.iban for a in provider.list_accounts(bare)] == [a.iban for a in consent.accounts]
    assert [c.scope for c in provider.drain_metered_calls()] == ["details"] * 3


def test_balances_are_mapped_to_berlin_group_types(sandbox):
    provider, consent = connect(sandbox, "enablebanking")
    balances = provider.fetch_balances(consent, main_account(consent).remote_id)
    assert [b.balance_type for b in balances] == ["closingBooked", "interimAvailable"]
    assert balances[0].currency == "PLN"


def test_all_pages_of_a_window_are_read_with_continuation_keys(sandbox):
    provider, consent = connect(sandbox, "enablebanking")
    pages = read_window(provider, consent, main_account(consent).remote_id)
    assert len(pages) > 2
    keys = [key for page in pages for key, _t in page.candidates]
    assert len(keys) == len(set(keys)) and all(key.startswith("id:SBX") for key in keys)
    assert pages[-1].cursor is None


def test_only_the_first_page_of_a_window_is_metered(sandbox):
    provider, consent = connect(sandbox, "enablebanking")
    read_window(provider, consent, main_account(consent).remote_id)
    assert [c.scope for c in provider.drain_metered_calls()] == ["transactions"]


def test_debits_are_negative_and_credits_positive(sandbox):
    provider, consent = connect(sandbox, "enablebanking")
    transactions = [
        t
        for p in read_window(provider, consent, main_account(consent).remote_id)
        for _k, t in p.candidates
    ]
    fees = [t for t in transactions if t.remittance.startswith("Opłata za prowadzenie rachunku")]
    assert fees and all(t.amount == Decimal("-29.00") for t in fees)
    assert any(t.amount > 0 and t.counterparty_name for t in transactions)


def test_renewed_consent_relinks_accounts_through_identification_hash(sandbox):
    _provider, first = connect(sandbox, "enablebanking", state="first")
    _provider, renewed = connect(sandbox, "enablebanking", state="renewal")
    assert [a.remote_id for a in first.accounts] != [a.remote_id for a in renewed.accounts]
    assert [a.identification_hash for a in first.accounts] == [
        a.identification_hash for a in renewed.accounts
    ]


def test_entry_reference_keys_survive_a_renewed_consent(sandbox):
    provider, first = connect(sandbox, "enablebanking", state="first")
    keys_before = [
        k
        for p in read_window(provider, first, main_account(first).remote_id)
        for k, _t in p.candidates
    ]
    provider, renewed = connect(sandbox, "enablebanking", state="renewal")
    keys_after = [
        k
        for p in read_window(provider, renewed, main_account(renewed).remote_id)
        for k, _t in p.candidates
    ]
    assert keys_before == keys_after


def test_revoking_closes_the_session(sandbox):
    provider, consent = connect(sandbox, "enablebanking")
    provider.revoke_consent(consent)
    with pytest.raises(errors.ConsentRevoked):
        provider.list_accounts(consent)


# -- Errors over HTTP -----------------------------------------------------------------------------
def test_wrong_private_key_is_an_authentication_failure(sandbox):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    other = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    provider = make_provider(sandbox, "enablebanking", private_key=other.decode())
    with pytest.raises(errors.AuthenticationFailed):
        provider.list_institutions("PL")


def test_missing_key_is_an_authentication_failure_without_calling():
    provider = EnableBankingProvider({"application_id": "x"}, clock=lambda: NOW)
    with pytest.raises(errors.AuthenticationFailed, match="private key"):
        provider.list_institutions("PL")


@pytest.mark.parametrize(
    ("fault", "options", "error_class"),
    [
        ("rate_limited", {"retry_after": 7200}, errors.RateLimited),
        ("server_error", {"status": 503}, errors.ProviderUnavailable),
        ("server_error", {"status": 500}, errors.ProviderUnavailable),
        ("malformed", {}, errors.BadPayload),
        ("truncated", {}, errors.BadPayload),
        ("connection_reset", {}, errors.ProviderUnavailable),
        ("consent_expired", {}, errors.ConsentExpired),
        ("consent_revoked", {}, errors.ConsentRevoked),
    ],
)
def test_each_fault_becomes_its_typed_error(sandbox, fault, options, error_class):
    provider, consent = connect(sandbox, "enablebanking")
    sandbox.arm_fault("enablebanking", fault, path="/transactions", times=1, **options)
    with pytest.raises(error_class):
        provider.fetch_transactions(
            consent, main_account(consent).remote_id, WINDOW.date_from, TODAY
        )


def test_rate_limit_carries_the_wait_time(sandbox):
    provider, consent = connect(sandbox, "enablebanking")
    sandbox.arm_fault("enablebanking", "rate_limited", retry_after=7200, times=1)
    with pytest.raises(errors.RateLimited) as caught:
        provider.fetch_balances(consent, main_account(consent).remote_id)
    assert caught.value.retry_after == 7200
    assert caught.value.provider_code == "ASPSP_RATE_LIMIT_EXCEEDED"


def test_slow_answer_times_out_as_unavailable(sandbox):
    provider, consent = connect(sandbox, "enablebanking", timeout=0.3)
    sandbox.arm_fault("enablebanking", "slow", delay=1.0, times=1)
    with pytest.raises(errors.ProviderUnavailable, match="did not answer"):
        provider.fetch_balances(consent, main_account(consent).remote_id)


def test_fifth_unattended_read_of_the_day_is_refused_by_the_bank(sandbox):
    provider, consent = connect(sandbox, "enablebanking")
    account_id = main_account(consent).remote_id
    for _run in range(4):
        provider.fetch_balances(consent, account_id)
    with pytest.raises(errors.RateLimited):
        provider.fetch_balances(consent, account_id)


def test_page_served_twice_is_counted_as_repeats_not_imported_twice(sandbox):
    provider, consent = connect(sandbox, "enablebanking")
    account_id = main_account(consent).remote_id
    clean = [k for p in read_window(provider, consent, account_id) for k, _t in p.candidates]
    sandbox.data.reset_meters()
    sandbox.arm_fault("enablebanking", "duplicate_page", times=1)
    pages = read_window(provider, consent, account_id)
    assert [k for p in pages for k, _t in p.candidates] == clean
    assert sum(p.repeated for p in pages) == 20


def test_unknown_continuation_key_is_a_bad_payload(sandbox):
    provider, consent = connect(sandbox, "enablebanking")
    with pytest.raises(errors.BadPayload):
        provider.fetch_transactions(
            consent, main_account(consent).remote_id, WINDOW.date_from, TODAY, page="forged"
        )


def test_secrets_never_reach_error_messages(sandbox):
    provider, consent = connect(sandbox, "enablebanking")
    sandbox.arm_fault("enablebanking", "server_error", times=1)
    with pytest.raises(errors.ProviderUnavailable) as caught:
        provider.fetch_balances(consent, main_account(consent).remote_id)
    assert provider._jwt not in str(caught.value)
    assert "PRIVATE KEY" not in str(caught.value)


# -- Documented payloads through the choke point -------------------------------------------------
def _provider_answering(answers):
    provider = EnableBankingProvider({"application_id": "a", "private_key": "k"}, clock=lambda: NOW)
    calls = []

    def fake_request(method, path, *, params=None, json=None):
        calls.append((method, path, params, json))
        return answers[(method, path.split("?")[0])]

    provider._request = fake_request
    return provider, calls


def test_documented_session_answer_becomes_a_consent():
    provider, _calls = _provider_answering(
        {("POST", "/sessions"): load_data("enablebanking", "session.json")}
    )
    request = ConsentRequest(
        "auth-1",
        "https://bank",
        data={"state": "s", "aspsp": {"name": "Santander", "country": "PL"}},
    )
    consent = provider.finish_consent(request, {"code": "c", "state": "s"})
    assert consent.valid_until == datetime.datetime(2026, 9, 6, 12, 0)
    assert consent.institution_id == "PL:Santander"
    (account,) = consent.accounts  # the account without uid cannot be read and is left out
    assert (account.iban, account.bic, account.name) == (
        "PL61109010140000071219812874",
        "WBKPPLPP",
        "Konto firmowe",
    )


def test_documented_transaction_page_is_normalized():
    page_data = load_data("enablebanking", "transactions_page.json")
    provider, calls = _provider_answering({("GET", "/accounts/u1/transactions"): page_data})
    page = provider.fetch_transactions(Consent("s", None), "u1", TODAY, TODAY)
    assert page.next_page == "eyJvZmZzZXQiOiA1fQ"
    assert calls[0][2] == {"date_from": "2026-03-10", "date_to": "2026-03-10"}
    amounts = [t.amount for t in page.transactions]
    assert amounts == [
        Decimal("1230.00"),
        Decimal("-45.90"),
        Decimal("-12.99"),
        Decimal("-2460.00"),
    ]
    split, card, pending, printex = page.transactions
    assert split.provider_id == "2026030900012345"
    assert split.remittance == "/VAT/230,00/IDC/5260250274/INV/FV/2026/03/0012 /TXT/Zaplata"
    assert split.counterparty_account == "PL10105000997603123456789123"
    assert card.value_date == datetime.date(2026, 3, 7)
    assert pending.status == PENDING and pending.provider_id == ""
    assert printex.counterparty_account == "20249000050000460012345678"
    assert printex.remittance == "FV 112/03/2026 RF18539007547034"
    assert page.rejected == ()


def test_documented_balances_keep_the_readable_ones():
    provider, _calls = _provider_answering(
        {("GET", "/accounts/u1/balances"): load_data("enablebanking", "balances.json")}
    )
    balances = provider.fetch_balances(Consent("s", None), "u1")
    assert [(b.balance_type, b.amount) for b in balances] == [
        ("closingBooked", Decimal("180650.38")),
        ("interimAvailable", Decimal("180546.02")),
    ]


def test_hostile_records_are_rejected_and_the_rest_of_the_page_kept():
    good = load_data("enablebanking", "transactions_page.json")["transactions"][0]
    hostile = [
        "not an object",
        {
            "transaction_amount": {"currency": "PLN", "amount": "12,345"},
            "credit_debit_indicator": "CRDT",
            "status": "BOOK",
            "booking_date": "2026-03-09",
        },
        {
            "transaction_amount": {"currency": "PLN", "amount": {"$gt": 0}},
            "credit_debit_indicator": "DBIT",
            "status": "BOOK",
            "booking_date": "2026-03-09",
        },
        {
            "transaction_amount": {"currency": "XXY", "amount": "1.00"},
            "credit_debit_indicator": "DBIT",
            "status": "BOOK",
            "booking_date": "2026-03-09",
        },
        {
            "transaction_amount": {"currency": "PLN", "amount": "1.00"},
            "credit_debit_indicator": "UP",
            "status": "BOOK",
            "booking_date": "2026-03-09",
        },
        {
            "transaction_amount": {"currency": "PLN", "amount": "1.00"},
            "credit_debit_indicator": "DBIT",
            "status": "BOOK",
        },
    ]
    huge = dict(
        good,
        entry_reference="big",
        remittance_information=["A" * 10_000_000],
        debtor={"name": "<script>alert(1)</script>"},
    )
    provider, _calls = _provider_answering(
        {("GET", "/accounts/u1/transactions"): {"transactions": [good, *hostile, huge]}}
    )
    page = provider.fetch_transactions(Consent("s", None), "u1", TODAY, TODAY)
    assert [t.provider_id for t in page.transactions] == ["2026030900012345", "big"]
    assert len(page.rejected) == len(hostile)
    assert len(page.transactions[1].remittance) == 1000
    assert page.transactions[1].counterparty_name == "<script>alert(1)</script>"
    assert len(str(page.transactions[1].raw)) < 10_000


def test_documented_error_body_maps_by_its_code():
    response = requests.models.Response()
    response.status_code = 401
    response._content = json.dumps(
        load_data("enablebanking", "error_expired_session.json")
    ).encode()
    from engine.providers.enablebanking import _error_for

    error = _error_for(response)
    assert isinstance(error, errors.ConsentExpired) and error.provider_code == "EXPIRED_SESSION"
