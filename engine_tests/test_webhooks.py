"""Webhook calls: HMAC-SHA256 signature, 5-minute clock window, replay cache, body cap."""

import re

import pytest

from engine import webhooks
from engine.webhooks import (
    BodyTooLarge,
    MemoryReplayCache,
    ReplayCacheFull,
    ReplayDetected,
    SignatureMismatch,
    SignatureMissing,
    TimestampOutOfRange,
    UnknownConnection,
    WebhookVerifier,
    check_content_length,
    generate_secret,
    sign,
)

NOW = 1_767_225_600  # 2026-01-01 00:00 UTC
SECRET = "whsec_test_only_3b1f0c"
BODY = b'{"event": "transactions.available", "account": "PL61109010140000071219812874"}'


class Clock:
    def __init__(self, now=NOW):
        self.now = now

    def __call__(self):
        return self.now


def verifier(clock=None, **options):
    return WebhookVerifier(clock=clock or Clock(), **options)


def test_signed_call_is_accepted_with_its_timestamp_and_nonce():
    header = sign(BODY, SECRET, timestamp=NOW, nonce="n0nce-0000000000001")
    verified = verifier().verify(BODY, header, SECRET)
    assert (verified.timestamp, verified.nonce) == (NOW, "n0nce-0000000000001")


def test_header_has_timestamp_nonce_and_hex_signature():
    assert re.fullmatch(r"t=\d+,n=[A-Za-z0-9_-]{22},v1=[0-9a-f]{64}", sign(BODY, SECRET))


def test_altered_body_is_a_bad_signature():
    header = sign(BODY, SECRET, timestamp=NOW)
    with pytest.raises(SignatureMismatch) as caught:
        verifier().verify(BODY.replace(b"available", b"deleted"), header, SECRET)
    assert caught.value.http_status == 401


def test_other_connections_secret_is_a_bad_signature():
    header = sign(BODY, generate_secret(), timestamp=NOW)
    with pytest.raises(SignatureMismatch):
        verifier().verify(BODY, header, SECRET)


def test_moving_the_timestamp_breaks_the_signature():
    header = sign(BODY, SECRET, timestamp=NOW - 3600)
    with pytest.raises(SignatureMismatch):
        verifier().verify(BODY, header.replace(f"t={NOW - 3600}", f"t={NOW}"), SECRET)


@pytest.mark.parametrize("offset", [-301, 301, -86400])
def test_timestamp_more_than_five_minutes_away_is_refused(offset):
    header = sign(BODY, SECRET, timestamp=NOW + offset)
    with pytest.raises(TimestampOutOfRange) as caught:
        verifier().verify(BODY, header, SECRET)
    assert caught.value.http_status == 401


@pytest.mark.parametrize("offset", [-300, 300])
def test_timestamp_exactly_five_minutes_away_is_accepted(offset):
    assert verifier().verify(BODY, sign(BODY, SECRET, timestamp=NOW + offset), SECRET)


def test_same_call_twice_is_a_replay():
    header = sign(BODY, SECRET, timestamp=NOW)
    check = verifier()
    check.verify(BODY, header, SECRET)
    with pytest.raises(ReplayDetected) as caught:
        check.verify(BODY, header, SECRET)
    assert caught.value.http_status == 401


def test_same_body_with_a_new_nonce_is_a_new_call():
    check = verifier()
    check.verify(BODY, sign(BODY, SECRET, timestamp=NOW), SECRET)
    assert check.verify(BODY, sign(BODY, SECRET, timestamp=NOW), SECRET)


def test_replay_after_the_window_is_refused_by_its_timestamp():
    clock = Clock()
    check = verifier(clock)
    header = sign(BODY, SECRET, timestamp=NOW)
    check.verify(BODY, header, SECRET)
    clock.now = NOW + 301
    with pytest.raises(TimestampOutOfRange):
        check.verify(BODY, header, SECRET)


def test_refused_call_does_not_burn_its_nonce():
    check = verifier()
    genuine = sign(BODY, SECRET, timestamp=NOW, nonce="same-nonce-12345678")
    forged = sign(BODY, "guess", timestamp=NOW, nonce="same-nonce-12345678")
    with pytest.raises(SignatureMismatch):
        check.verify(BODY, forged, SECRET)
    assert check.verify(BODY, genuine, SECRET)


def test_replay_cache_shared_by_two_workers_catches_the_replay():
    shared = MemoryReplayCache(clock=Clock())
    header = sign(BODY, SECRET, timestamp=NOW)
    WebhookVerifier(shared, clock=Clock()).verify(BODY, header, SECRET)
    with pytest.raises(ReplayDetected):
        WebhookVerifier(shared, clock=Clock()).verify(BODY, header, SECRET)


def test_pluggable_cache_is_asked_to_remember_until_the_window_closes():
    calls = []

    class DatabaseCache(webhooks.ReplayCache):
        def remember(self, key, expires_at):
            calls.append((key, expires_at))
            return True

    header = sign(BODY, SECRET, timestamp=NOW - 10)
    WebhookVerifier(DatabaseCache(), clock=Clock()).verify(BODY, header, SECRET)
    ((key, expires_at),) = calls
    assert expires_at == NOW - 10 + 300
    assert key == "v1:" + header.rsplit("v1=", 1)[1]


def test_cache_forgets_expired_calls_and_stays_bounded():
    clock = Clock()
    cache = MemoryReplayCache(max_entries=3, clock=clock)
    for key in "abc":
        assert cache.remember(key, NOW + 10)
    with pytest.raises(ReplayCacheFull) as caught:
        cache.remember("d", NOW + 10)
    assert caught.value.http_status == 503
    assert not cache.remember("a", NOW + 10), "a full cache still remembers what it holds"
    clock.now = NOW + 10
    assert len(cache) == 0
    assert cache.remember("a", NOW + 20)


def test_oversized_body_is_refused_before_the_signature_is_read():
    with pytest.raises(BodyTooLarge) as caught:
        verifier(max_body_bytes=1024).verify(b"x" * 1025, "garbage", SECRET)
    assert caught.value.http_status == 413


def test_declared_length_over_the_cap_is_refused_before_reading():
    with pytest.raises(BodyTooLarge):
        check_content_length("70000")
    check_content_length("65536")
    check_content_length(None)


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "v1=abc",
        f"t={NOW},v1={'0' * 64}",
        f"t={NOW},n=short,v1={'0' * 64}",
        f"t=yesterday,n=nonce-1234567890123,v1={'0' * 64}",
        f"t={NOW},n=nonce-1234567890123,v1=ZZ",
        f"t={NOW},n=nonce-1234567890123,v1={'0' * 64}," + "x=" * 600,
        "t=1;n=2",
    ],
)
def test_missing_or_malformed_header_is_refused(header):
    with pytest.raises(SignatureMissing) as caught:
        verifier().verify(BODY, header, SECRET)
    assert caught.value.http_status == 401


def test_either_secret_opens_while_the_secret_is_rotated():
    old, new = generate_secret(), generate_secret()
    assert verifier().verify(BODY, sign(BODY, old, timestamp=NOW), [new, old])


def test_sender_may_sign_with_two_secrets():
    old, new = generate_secret(), generate_secret()
    both = sign(BODY, old, timestamp=NOW, nonce="rotation-nonce-000001")
    both += ",v1=" + sign(BODY, new, timestamp=NOW, nonce="rotation-nonce-000001").split("v1=")[1]
    assert verifier().verify(BODY, both, new)


def test_refusals_never_quote_the_secret_or_the_signature():
    header = sign(BODY, SECRET, timestamp=NOW - 900)
    for body, check in ((BODY + b" ", verifier()), (BODY, verifier())):
        with pytest.raises(webhooks.WebhookRejected) as caught:
            check.verify(body, header, SECRET)
        assert SECRET not in str(caught.value)
        assert header.split("v1=")[1] not in str(caught.value)


def test_each_refusal_maps_to_its_http_status():
    statuses = {
        cls.__name__: cls.http_status
        for cls in (
            SignatureMissing,
            SignatureMismatch,
            TimestampOutOfRange,
            ReplayDetected,
            BodyTooLarge,
            UnknownConnection,
            ReplayCacheFull,
        )
    }
    assert statuses == {
        "SignatureMissing": 401,
        "SignatureMismatch": 401,
        "TimestampOutOfRange": 401,
        "ReplayDetected": 401,
        "BodyTooLarge": 413,
        "UnknownConnection": 404,
        "ReplayCacheFull": 503,
    }


def test_body_must_be_the_raw_bytes():
    with pytest.raises(TypeError):
        verifier().verify(BODY.decode(), sign(BODY, SECRET, timestamp=NOW), SECRET)
