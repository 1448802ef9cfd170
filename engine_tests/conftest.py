"""Shared fixtures: a protocol sandbox on 127.0.0.1 and the consent flow without a browser."""

import datetime
import json
import pathlib
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests

from engine.protocol_sandbox import sandbox_server
from engine.providers import get_provider_class

#: The Sandbox Bank's "now" in these tests: a Tuesday in March, 12:00 UTC.
NOW = datetime.datetime(2026, 3, 10, 12, 0)
TODAY = NOW.date()
CALLBACK = "http://127.0.0.1:8069/account_bank_psd2/callback"
DATA = pathlib.Path(__file__).parent / "data" / "providers"


def load_data(provider, name):
    """Return a test-data file (JSON decoded, anything else as text)."""
    path = DATA / provider / name
    text = path.read_text(encoding="utf-8")
    return json.loads(text) if name.endswith(".json") else text


@pytest.fixture
def sandbox():
    """A fresh protocol sandbox whose clock stands at :data:`NOW`."""
    with sandbox_server(clock=lambda: NOW, page_size=20) as (server, _base_url):
        yield server


def follow_bank_login(url):
    """Request the bank's login URL as a browser would; return the callback's query params."""
    response = requests.get(url, allow_redirects=False, timeout=10)
    assert response.status_code == 302, response.text
    location = response.headers["Location"]
    assert location.startswith(CALLBACK)
    return dict(parse_qsl(urlsplit(location).query))


def make_provider(server, code, **overrides):
    settings = dict(server.settings_for(code), **overrides)
    return get_provider_class(code)(settings, clock=lambda: NOW)


def connect(server, code, *, state=None, **overrides):
    """Run the whole consent flow against the sandbox; return ``(provider, consent)``."""
    provider = make_provider(server, code, **overrides)
    institution = provider.list_institutions("PL")[0]
    request = provider.start_consent(
        institution.institution_id, redirect_url=CALLBACK, state=state or f"state-{code}"
    )
    consent = provider.finish_consent(request, follow_bank_login(request.redirect_url))
    provider.drain_metered_calls()
    return provider, consent


def main_account(consent):
    """The PLN current account (the first the Sandbox Bank lists)."""
    return consent.accounts[0]
