"""Kontomatik adapter: over real HTTP against the protocol sandbox, and on Kontomatik's real
XML replies (``data/providers/kontomatik``, copied from the kontomatik-sdk fixtures)."""

import datetime
from decimal import Decimal

import pytest
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
from engine.providers.kontomatik import KontomatikProvider, _exception_error, _parse_xml
from engine.records import Consent
from engine.sync import SyncCursor, SyncWindow, WindowReader

WINDOW = SyncWindow(TODAY - datetime.timedelta(days=30), TODAY)


def read_window(provider, consent, account_id, window=WINDOW):
    return list(WindowReader(provider, consent, account_id, SyncCursor(window)).pages())


# -- Full flow over HTTP --------------------------------------------------------------------------
def test_bank_is_chosen_on_kontomatiks_page(sandbox):
    (choice,) = make_provider(sandbox, "kontomatik").list_institutions("PL")
    assert (choice.institution_id, choice.max_consent_days) == ("kontomatik:PL", 180)


def test_consent_flow_carries_our_state_in_the_redirect_uri(sandbox):
    provider = make_provider(sandbox, "kontomatik")
    request = provider.start_consent(
        "kontomatik:PL", redirect_url=CALLBACK + "?company=1", state="signed"
    )
    params = follow_bank_login(request.redirect_url)
    assert params == {"company": "1", "state": "signed"}
    assert provider.callback_state(params) == "signed"
    consent = provider.finish_consent(request, params)
    assert consent.consent_id == consent.data["multiple_access_id"]
    assert consent.valid_until == NOW + datetime.timedelta(days=180)
    assert [a.remote_id for a in consent.accounts] == [a.iban for a in consent.accounts]


def test_first_import_happens_at_consent_and_serves_the_first_sync(sandbox):
    provider = make_provider(sandbox, "kontomatik")
    request = provider.start_consent("kontomatik:PL", redirect_url=CALLBACK, state="s")
    consent = provider.finish_consent(request, follow_bank_login(request.redirect_url))
    read_window(provider, consent, main_account(consent).remote_id)
    provider.fetch_balances(consent, main_account(consent).remote_id)
    assert [c.scope for c in provider.drain_metered_calls()] == ["import"]


def test_later_run_reuses_the_multiple_access_once_for_all_accounts(sandbox):
    _first, consent = connect(sandbox, "kontomatik")
    provider = make_provider(sandbox, "kontomatik")
    for account in provider.list_accounts(consent):
        read_window(provider, consent, account.remote_id)
        provider.fetch_balances(consent, account.remote_id)
    assert [(c.scope, c.key) for c in provider.drain_metered_calls()] == [
        ("import", consent.consent_id)
    ]


def test_transactions_have_no_ids_and_get_fingerprint_keys(sandbox):
    provider, consent = connect(sandbox, "kontomatik")
    pages = read_window(provider, consent, main_account(consent).remote_id)
    keys = [key for page in pages for key, _t in page.candidates]
    assert keys and all(key.startswith("fp:") for key in keys)


def test_same_booked_traffic_as_enable_banking(sandbox):
    kontomatik, consent = connect(sandbox, "kontomatik")
    ours = {
        (t.booking_date, t.amount, t.remittance)
        for p in read_window(kontomatik, consent, main_account(consent).remote_id)
        for _k, t in p.candidates
    }
    eb, eb_consent = connect(sandbox, "enablebanking")
    theirs = {
        (t.booking_date, t.amount, t.remittance)
        for p in read_window(eb, eb_consent, main_account(eb_consent).remote_id)
        for _k, t in p.candidates
    }
    assert ours == theirs


def test_balances_come_from_the_account_element(sandbox):
    provider, consent = connect(sandbox, "kontomatik")
    balances = provider.fetch_balances(consent, main_account(consent).remote_id)
    assert [b.balance_type for b in balances] == ["interimBooked", "interimAvailable"]


def test_fifth_import_of_the_day_is_rate_limited(sandbox):
    _first, consent = connect(sandbox, "kontomatik")
    for _run in range(3):
        make_provider(sandbox, "kontomatik").list_accounts(consent)
    with pytest.raises(errors.RateLimited):
        make_provider(sandbox, "kontomatik").list_accounts(consent)


def test_later_imports_see_ninety_days_only(sandbox):
    _first, consent = connect(sandbox, "kontomatik")
    provider = make_provider(sandbox, "kontomatik")
    old = SyncWindow(TODAY - datetime.timedelta(days=200), TODAY)
    dates = [
        t.booking_date
        for p in read_window(provider, consent, main_account(consent).remote_id, old)
        for _k, t in p.candidates
    ]
    assert min(dates) >= TODAY - datetime.timedelta(days=90)


def test_user_who_cancels_gets_no_consent(sandbox):
    sandbox.arm_fault("kontomatik", "user_cancelled", times=1)
    provider = make_provider(sandbox, "kontomatik")
    request = provider.start_consent("kontomatik:PL", redirect_url=CALLBACK, state="s")
    with pytest.raises(errors.ConsentRejected):
        provider.finish_consent(request, follow_bank_login(request.redirect_url))


def test_status_asked_before_the_bank_visit_is_not_a_consent(sandbox):
    provider = make_provider(sandbox, "kontomatik")
    request = provider.start_consent("kontomatik:PL", redirect_url=CALLBACK, state="s")
    with pytest.raises(errors.ConsentRejected, match="not finished"):
        provider.finish_consent(request, {"state": "s"})


def test_revoked_multiple_access_is_consent_expired(sandbox):
    provider, consent = connect(sandbox, "kontomatik")
    provider.revoke_consent(consent)
    with pytest.raises(errors.ConsentExpired):
        make_provider(sandbox, "kontomatik").list_accounts(consent)


def test_wrong_api_key_is_an_authentication_failure(sandbox):
    provider = make_provider(sandbox, "kontomatik", api_key="wrong")
    with pytest.raises(errors.AuthenticationFailed):
        provider.start_consent("kontomatik:PL", redirect_url=CALLBACK, state="s")


@pytest.mark.parametrize(
    ("fault", "options", "error_class"),
    [
        ("rate_limited", {}, errors.RateLimited),
        ("server_error", {"status": 503}, errors.ProviderUnavailable),
        ("malformed", {}, errors.BadPayload),
        ("truncated", {}, errors.BadPayload),
        ("connection_reset", {}, errors.ProviderUnavailable),
        ("consent_expired", {}, errors.ConsentExpired),
    ],
)
def test_each_fault_becomes_its_typed_error(sandbox, fault, options, error_class):
    _first, consent = connect(sandbox, "kontomatik")
    sandbox.arm_fault("kontomatik", fault, path="/v1/command", times=1, **options)
    with pytest.raises(error_class):
        make_provider(sandbox, "kontomatik").list_accounts(consent)


def test_import_that_never_finishes_is_unavailable(sandbox):
    _first, consent = connect(sandbox, "kontomatik")
    sandbox.protocols["kontomatik"].polls_before_done = 10**6
    provider = make_provider(sandbox, "kontomatik", poll_timeout=0.3, poll_interval=0.05)
    with pytest.raises(errors.ProviderUnavailable, match="did not finish"):
        provider.list_accounts(consent)


# -- Kontomatik's real replies --------------------------------------------------------------------
FIXTURE_IBAN = "PL69137013140000049678278112"


def _provider_replaying(replies):
    provider = KontomatikProvider(
        {"api_key": "k", "poll_interval": 0}, clock=lambda: datetime.datetime(2023, 5, 23, 12)
    )
    calls = []

    def fake_request(method, path, *, params=None, data=None, json=None, expect="xml"):
        calls.append(path)
        return _parse_xml(replies.pop(0).encode())

    provider._request = fake_request
    return provider, calls


def _session_reply():
    return '<reply status="200 OK"><session id="s1" signature="sig1"/></reply>'


def test_documented_import_is_polled_until_successful_and_normalized():
    provider, calls = _provider_replaying(
        [
            _session_reply(),
            load_data("kontomatik", "v1.default-import-reply.xml"),
            load_data("kontomatik", "v1.command-reply.default-import.xml"),
        ]
    )
    consent = Consent("ma-1", None, data={"multiple_access_id": "ma-1"})
    window = SyncWindow(datetime.date(2023, 4, 24), datetime.date(2023, 5, 23))
    pages = list(WindowReader(provider, consent, FIXTURE_IBAN, SyncCursor(window)).pages())
    assert calls == [
        "/v1/command/reuse-multiple-access.xml",
        "/v1/command/default-import.xml",
        "/v1/command/455026009.xml",
    ]
    candidates = pages[0].candidates
    first = candidates[0][1]
    assert (first.booking_date, first.value_date, first.amount, first.currency) == (
        datetime.date(2023, 5, 23),
        datetime.date(2023, 5, 22),
        Decimal("-0.01"),
        "PLN",
    )
    assert first.counterparty_account == "PL16156000132367053266830002"
    refunds = [t for _k, t in candidates if t.remittance == "Zwrot za Sylwestra"]
    assert len(refunds) == 2 and refunds[0].counterparty_name.startswith("Jan Kowalski")
    assert all(key.startswith("fp:") for key, _t in candidates)


def test_same_content_on_the_same_day_gets_two_keys():
    """Two cash deposits of 350.00 on 2023-04-25 (fixture): counted, not merged."""
    provider, _calls = _provider_replaying(
        [
            _session_reply(),
            load_data("kontomatik", "v1.default-import-reply.xml"),
            load_data("kontomatik", "v1.command-reply.default-import.xml"),
        ]
    )
    consent = Consent("ma-1", None, data={"multiple_access_id": "ma-1"})
    window = SyncWindow(datetime.date(2023, 4, 25), datetime.date(2023, 4, 25))
    (page,) = list(WindowReader(provider, consent, FIXTURE_IBAN, SyncCursor(window)).pages())
    keys = [key for key, _t in page.candidates]
    assert len(keys) == 2 and keys[0].endswith(":1") and keys[1].endswith(":2")


def test_documented_failed_command_maps_its_exception():
    provider, _calls = _provider_replaying(
        [
            _session_reply(),
            load_data("kontomatik", "v1.default-import-reply.xml"),
            load_data("kontomatik", "v1.command-reply.exception.xml"),
        ]
    )
    with pytest.raises(errors.ProviderUnavailable) as caught:
        provider.list_accounts(Consent("ma-1", None, data={"multiple_access_id": "ma-1"}))
    assert caught.value.provider_code == "SessionExpired"


def test_documented_session_expired_reply_is_retryable():
    reply = _parse_xml(load_data("kontomatik", "session-expired-reply.xml").encode())
    error = _exception_error(reply.find("exception"), status=404)
    assert (
        isinstance(error, errors.ProviderUnavailable) and error.provider_code == "InvalidSessionId"
    )


def test_reply_with_a_dtd_is_refused():
    with pytest.raises(errors.BadPayload):
        _parse_xml(b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><reply>&a;</reply>')


def test_hostile_transactions_are_rejected_and_the_rest_kept():
    fixture = load_data("kontomatik", "v1.command-reply.default-import.xml")
    hostile = (
        "<moneyTransaction><bookedOn>2023-05-23</bookedOn><currencyAmount>12,345</currencyAmount></moneyTransaction>"
        "<moneyTransaction><currencyAmount>1.00</currencyAmount></moneyTransaction>"
        "<moneyTransaction><bookedOn>soon</bookedOn><currencyAmount>1.00</currencyAmount></moneyTransaction>"
        "<moneyTransaction><bookedOn>2023-05-23</bookedOn><currencyAmount>5.00</currencyAmount>"
        f"<title>{'T' * 2_000_000}</title><party>&lt;img src=x&gt;</party></moneyTransaction>"
    )
    fixture = fixture.replace("<moneyTransactions>", "<moneyTransactions>" + hostile, 1)
    provider, _calls = _provider_replaying(
        [_session_reply(), load_data("kontomatik", "v1.default-import-reply.xml"), fixture]
    )
    page = provider.fetch_transactions(
        Consent("ma-1", None, data={"multiple_access_id": "ma-1"}),
        FIXTURE_IBAN,
        datetime.date(2023, 5, 23),
        datetime.date(2023, 5, 23),
    )
    assert len(page.rejected) == 3
    big, verification = page.transactions
    assert big.counterparty_name == "<img src=x>" and len(big.remittance) == 1000
    assert verification.amount == Decimal("-0.01")
