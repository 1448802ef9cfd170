"""The protocol sandbox itself: admin endpoints, faults, bank logins, the command line, and
the providers' own clients (or their exact call sequences) working against it unchanged."""

import datetime
import subprocess
import sys
import time
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from conftest import CALLBACK, NOW, follow_bank_login

from engine import jwt
from engine.protocol_sandbox.enablebanking import TEST_APPLICATION_ID, sandbox_private_key


# -- Admin endpoints ------------------------------------------------------------------------------
def test_info_lists_base_urls_and_test_credentials(sandbox):
    info = requests.get(sandbox.base_url + "/_sandbox", timeout=5).json()
    assert info["base_urls"]["gocardless"] == sandbox.base_url + "/gocardless/api/v2"
    assert info["credentials"]["kontomatik"] == {"api_key": "sandbox-api-key"}
    assert "rate_limited" in info["fault_kinds"]


def test_faults_are_armed_listed_and_cleared_over_http(sandbox):
    url = sandbox.base_url + "/_sandbox/faults"
    armed = requests.post(
        url, json={"provider": "gocardless", "kind": "server_error", "status": 502}, timeout=5
    )
    assert armed.status_code == 201 and armed.json()["status"] == 502
    assert [f["kind"] for f in requests.get(url, timeout=5).json()["faults"]] == ["server_error"]
    answer = requests.get(sandbox.provider_url("gocardless") + "/institutions/", timeout=5)
    assert answer.status_code == 502 and answer.json()["status_code"] == 502
    assert requests.delete(url, timeout=5).json() == {"faults": []}


def test_unknown_fault_is_refused_with_the_list_of_kinds(sandbox):
    answer = requests.post(
        sandbox.base_url + "/_sandbox/faults",
        json={"provider": "gocardless", "kind": "meteor"},
        timeout=5,
    )
    assert answer.status_code == 400 and "rate_limited" in answer.json()["error"]


def test_fault_limited_to_a_path_leaves_other_paths_alone(sandbox):
    sandbox.arm_fault("kontomatik", "server_error", path="/v1/command", times=1)
    answer = requests.post(
        sandbox.provider_url("kontomatik") + "/v1/signin/redirection",
        json={"redirectUri": CALLBACK},
        headers={"X-Api-Key": "sandbox-api-key"},
        timeout=5,
    )
    assert answer.status_code == 200 and sandbox.faults.list()


def test_fault_for_one_provider_does_not_touch_another(sandbox):
    sandbox.arm_fault("enablebanking", "server_error")
    answer = requests.post(sandbox.provider_url("gocardless") + "/token/new/", json={}, timeout=5)
    assert answer.status_code == 401


def test_clock_can_be_moved_over_http(sandbox):
    answer = requests.post(
        sandbox.base_url + "/_sandbox/clock", json={"now": "2026-06-01T08:00:00"}, timeout=5
    )
    assert answer.json() == {"now": "2026-06-01T08:00:00"}
    requests.delete(sandbox.base_url + "/_sandbox/clock", timeout=5)
    assert sandbox.data.now() == NOW


def test_unknown_path_answers_404(sandbox):
    assert requests.get(sandbox.base_url + "/nowhere", timeout=5).status_code == 404


def test_connection_reset_closes_without_an_answer(sandbox):
    sandbox.arm_fault("gocardless", "connection_reset", times=1)
    with pytest.raises(requests.ConnectionError):
        requests.get(sandbox.provider_url("gocardless") + "/institutions/", timeout=5)


# -- Enable Banking: the official sample's call sequence ------------------------------------------
def _eb_headers():
    iat = int((NOW - datetime.datetime(1970, 1, 1)).total_seconds())
    claims = {
        "iss": "enablebanking.com",
        "aud": "api.enablebanking.com",
        "iat": iat,
        "exp": iat + 3600,
    }
    token = jwt.encode_rs256(claims, sandbox_private_key(), kid=TEST_APPLICATION_ID)
    return {"Authorization": f"Bearer {token}"}


def test_enable_banking_sample_sequence_runs_unchanged(sandbox):
    """The steps of ``enablebanking-api-samples/python_example/account_information.py``."""
    origin, headers = sandbox.provider_url("enablebanking"), _eb_headers()
    app = requests.get(f"{origin}/application", headers=headers, timeout=5).json()
    aspsps = requests.get(f"{origin}/aspsps", headers=headers, timeout=5).json()["aspsps"]
    body = {
        "access": {
            "valid_until": (
                datetime.datetime(2026, 3, 20, tzinfo=datetime.timezone.utc)
            ).isoformat()
        },
        "aspsp": {"name": aspsps[0]["name"], "country": aspsps[0]["country"]},
        "state": "3a7f",
        "redirect_url": app["redirect_urls"][0],
        "psu_type": "personal",
    }
    auth_url = requests.post(f"{origin}/auth", json=body, headers=headers, timeout=5).json()["url"]
    redirected = requests.get(auth_url, allow_redirects=False, timeout=5).headers["Location"]
    code = dict(parse_qsl(urlsplit(redirected).query))["code"]
    session = requests.post(
        f"{origin}/sessions", json={"code": code}, headers=headers, timeout=5
    ).json()
    stored = requests.get(
        f"{origin}/sessions/{session['session_id']}", headers=headers, timeout=5
    ).json()
    assert stored["status"] == "AUTHORIZED"
    uid = session["accounts"][0]["uid"]
    assert requests.get(f"{origin}/accounts/{uid}/balances", headers=headers, timeout=5).json()[
        "balances"
    ]
    query, transactions = {"date_from": "2025-12-10"}, []
    while True:
        data = requests.get(
            f"{origin}/accounts/{uid}/transactions", params=query, headers=headers, timeout=5
        ).json()
        transactions += data["transactions"]
        if not data.get("continuation_key"):
            break
        query["continuation_key"] = data["continuation_key"]
    assert len(transactions) > 100
    assert {t["credit_debit_indicator"] for t in transactions} == {"CRDT", "DBIT"}


def test_enable_banking_refuses_calls_without_a_jwt(sandbox):
    answer = requests.get(sandbox.provider_url("enablebanking") + "/aspsps", timeout=5)
    assert answer.status_code == 401 and answer.json()["error"] == "AUTHORIZATION_NOT_PROVIDED"


def test_enable_banking_refuses_a_consent_longer_than_the_bank_allows(sandbox):
    body = {
        "access": {"valid_until": "2027-03-10T12:00:00+00:00"},
        "aspsp": {"name": "Sandbox Bank", "country": "PL"},
        "state": "s",
        "redirect_url": CALLBACK,
    }
    answer = requests.post(
        sandbox.provider_url("enablebanking") + "/auth", json=body, headers=_eb_headers(), timeout=5
    )
    assert answer.status_code == 422


# -- GoCardless: GoCardless' own Python client, unchanged -----------------------------------------
def test_gocardless_own_client_runs_the_whole_flow(sandbox):
    nordigen = pytest.importorskip("nordigen")
    client = nordigen.NordigenClient(
        secret_id="sandbox-secret-id",
        secret_key="sandbox-secret-key",
        base_url=sandbox.provider_url("gocardless"),
    )
    token = client.generate_token()
    assert token["access_expires"] == 86400
    assert client.exchange_token(token["refresh"])["access"]
    institution_id = client.institution.get_institution_id_by_name(
        country="PL", institution="Sandbox Bank"
    )
    session = client.initialize_session(
        redirect_uri=CALLBACK, institution_id=institution_id, reference_id="ref-1"
    )
    assert follow_bank_login(session.link) == {"ref": "ref-1"}
    accounts = client.requisition.get_requisition_by_id(session.requisition_id)["accounts"]
    account = client.account_api(id=accounts[0])
    assert account.get_metadata()["status"] == "READY"
    assert account.get_details()["account"]["currency"] == "PLN"
    assert account.get_balances()["balances"]
    booked = account.get_transactions(date_from="2026-03-01", date_to="2026-03-10")["transactions"][
        "booked"
    ]
    assert booked and all("transactionAmount" in t for t in booked)
    agreement = client.agreement.get_agreement_by_id(
        client.requisition.get_requisition_by_id(session.requisition_id)["agreement"]
    )
    assert agreement["access_valid_for_days"] == 90
    assert client.requisition.delete_requisition(session.requisition_id)["summary"]


def test_gocardless_paths_answer_with_and_without_trailing_slash(sandbox):
    base = sandbox.provider_url("gocardless")
    token = requests.post(
        f"{base}/token/new/",
        json={"secret_id": "sandbox-secret-id", "secret_key": "sandbox-secret-key"},
        timeout=5,
    ).json()
    headers = {"Authorization": f"Bearer {token['access']}"}
    assert requests.get(f"{base}/institutions/?country=PL", headers=headers, timeout=5).json()
    assert requests.get(f"{base}/institutions", headers=headers, timeout=5).json()


# -- Kontomatik: the SDK's call sequence (form posts, XML replies) --------------------------------
def test_kontomatik_sdk_sequence_gets_a_successful_import(sandbox):
    base, key = sandbox.provider_url("kontomatik"), {"X-Api-Key": "sandbox-api-key"}
    redirection = requests.post(
        f"{base}/v1/signin/redirection",
        json={
            "redirectUri": CALLBACK,
            "ownerExternalId": "owner-1",
            "country": "pl",
            "locale": "pl",
            "psd2": {"accessMode": "MULTIPLE"},
        },
        headers=key,
        timeout=5,
    ).json()
    requests.get(redirection["redirectionLink"], allow_redirects=False, timeout=5)
    params = requests.get(
        f"{base}/v1/signin/redirection-status",
        params={"redirectionId": redirection["redirectionId"]},
        headers=key,
        timeout=5,
    ).json()["params"]
    started = requests.post(
        f"{base}/v1/command/default-import.xml",
        data={
            "sessionId": params["sessionId"],
            "sessionIdSignature": params["sessionIdSignature"],
            "since": "2026-02-01",
        },
        headers=key,
        timeout=5,
    )
    assert started.status_code == 202 and 'state="setup"' in started.text
    command_id = started.text.split('id="')[1].split('"')[0]
    states = []
    for _poll in range(5):
        reply = requests.get(f"{base}/v1/command/{command_id}.xml", headers=key, timeout=5).text
        states.append(reply.split('state="')[1].split('"')[0])
        if states[-1] == "successful":
            break
    assert states == ["in_progress", "successful"] and "<moneyTransaction>" in reply


def test_kontomatik_without_api_key_answers_the_documented_401(sandbox):
    answer = requests.get(sandbox.provider_url("kontomatik") + "/v1/command/1.xml", timeout=5)
    assert answer.status_code == 401 and "<comment>" in answer.text


# -- Command line ---------------------------------------------------------------------------------
def test_command_line_starts_the_sandbox_on_the_chosen_port(tmp_path):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "engine.protocol_sandbox", "--port", str(port), "--seed", "demo"],
        cwd=str(__import__("pathlib").Path(__file__).parent.parent),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                info = requests.get(f"http://127.0.0.1:{port}/_sandbox", timeout=1).json()
                break
            except requests.ConnectionError:
                time.sleep(0.2)
        else:
            pytest.fail("The sandbox did not start.")
        assert info["base_urls"]["kontomatik"] == f"http://127.0.0.1:{port}/kontomatik"
    finally:
        process.terminate()
        process.wait(timeout=10)
