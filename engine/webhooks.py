"""Verification of webhook calls: who sent it, when, and only once.

A provider that notifies (or our bank-side relay) calls one endpoint per connection; a valid
call only *queues* a sync of that connection's accounts, so the worst a forger could do is
spend bank calls. Each call must still prove it comes from the holder of the connection's
webhook secret, is fresh, and is not a replay.

The scheme (``v1``)::

    X-PSD2-Signature: t=<unix seconds>,n=<nonce>,v1=<hex HMAC-SHA256>
    v1 = HMAC-SHA256(secret, f"{t}.{n}.".encode() + raw_body)

- ``t`` is the sender's clock; it must be within :data:`DEFAULT_TOLERANCE` (5 minutes) of
  ours **in both directions** (a stale call is a replay attempt, a future one a forged clock).
- ``n`` is a random nonce of 16 to 64 characters ``[A-Za-z0-9_-]`` (``sign`` makes 22): two
  deliveries of the same body in the same second still differ, and a verified call is
  remembered (by its signature) until its timestamp leaves the tolerance window, so
  presenting it again is refused as a replay. Past that window, the timestamp check refuses
  it, so the replay cache never needs to hold an entry longer than the tolerance.
- ``v1`` may appear more than once (a sender signing with its old and new secret while the
  secret is rotated); one match is enough. Signatures are compared with
  :func:`hmac.compare_digest` (constant time).
- The body is capped (:data:`DEFAULT_MAX_BODY`) before anything is hashed; controllers
  should also call :func:`check_content_length` before reading the body at all.

Every refusal is a :class:`WebhookRejected` with the HTTP status to answer (``http_status``)
and a short ``reason`` for the log; messages never quote the secret or a signature:

====================  ======  ===================================================
class                 status  when
====================  ======  ===================================================
SignatureMissing      401     no header, or not in the format above
SignatureMismatch     401     no ``v1`` matches (wrong secret, altered body or t)
TimestampOutOfRange   401     ``t`` more than the tolerance away from our clock
ReplayDetected        401     this exact call was already accepted
BodyTooLarge          413     body (or Content-Length) over the cap
UnknownConnection     404     raised by the caller: no connection for that URL
ReplayCacheFull       503     too many fresh calls remembered; try again later
====================  ======  ===================================================

>>> secret = "whsec_test_only"
>>> verifier = WebhookVerifier(clock=lambda: 1_767_225_600)
>>> header = sign(b'{"event": "transactions"}', secret, timestamp=1_767_225_590)
>>> verifier.verify(b'{"event": "transactions"}', header, secret).timestamp
1767225590
>>> verifier.verify(b'{"event": "transactions"}', header, secret)
Traceback (most recent call last):
...
engine.webhooks.ReplayDetected: This webhook call was already received.
"""

import abc
import dataclasses
import hashlib
import heapq
import hmac
import re
import secrets as random_secrets
import threading
import time

SIGNATURE_HEADER = "X-PSD2-Signature"
SCHEME = "v1"
#: Seconds a call's timestamp may differ from our clock, either way.
DEFAULT_TOLERANCE = 300
#: Largest body accepted, in bytes: notifications are small JSON documents ("transactions
#: available for account X"); anything bigger is not one.
DEFAULT_MAX_BODY = 64 * 1024
#: Longest signature header read (a few ``v1`` values fit comfortably).
MAX_HEADER_LENGTH = 1024
#: Most ``v1`` values considered in one header.
MAX_SIGNATURES = 4
#: Fresh calls the in-memory replay cache remembers per process.
DEFAULT_REPLAY_CACHE_SIZE = 100_000
_NONCE_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_HEX_SIGNATURE_RE = re.compile(r"^[0-9a-f]{64}$")
_TIMESTAMP_RE = re.compile(r"^\d{1,12}$")


class WebhookRejected(Exception):
    """A webhook call that must be refused; ``http_status`` is what to answer."""

    http_status = 401
    reason = "rejected"


class SignatureMissing(WebhookRejected):
    reason = "signature_missing"


class SignatureMismatch(WebhookRejected):
    reason = "bad_signature"


class TimestampOutOfRange(WebhookRejected):
    reason = "stale_timestamp"


class ReplayDetected(WebhookRejected):
    reason = "replay"


class BodyTooLarge(WebhookRejected):
    http_status = 413
    reason = "too_large"


class UnknownConnection(WebhookRejected):
    """For the caller: the URL names no connection (or one that takes no webhooks)."""

    http_status = 404
    reason = "unknown_connection"


class ReplayCacheFull(WebhookRejected):
    """Refusing is safer than forgetting a fresh call (which would let it be replayed)."""

    http_status = 503
    reason = "overloaded"


@dataclasses.dataclass(frozen=True)
class VerifiedWebhook:
    """What a verified call proved: when it was signed, and its nonce (for the log)."""

    timestamp: int
    nonce: str


def generate_secret():
    """Return a new per-connection webhook secret (256 random bits, URL-safe text)."""
    return "whsec_" + random_secrets.token_urlsafe(32)


def sign(body, secret, *, timestamp=None, nonce=None):
    """Return the :data:`SIGNATURE_HEADER` value for ``body`` (bytes) signed with ``secret``.

    For tests and for the bank-side relay; ``timestamp`` defaults to now, ``nonce`` to a
    fresh random one.
    """
    timestamp = int(time.time()) if timestamp is None else int(timestamp)
    nonce = nonce or random_secrets.token_urlsafe(16)
    if not _NONCE_RE.match(nonce):
        raise ValueError("A nonce is 16 to 64 characters among A-Z, a-z, 0-9, '-' and '_'.")
    return f"t={timestamp},n={nonce},{SCHEME}={_signature(_key(secret), timestamp, nonce, body)}"


def check_content_length(value, max_bytes=DEFAULT_MAX_BODY):
    """Refuse a call whose declared ``Content-Length`` is over ``max_bytes``, before reading it.

    :raise BodyTooLarge: declared length over the cap. A missing or unreadable header is
        let through: :meth:`WebhookVerifier.verify` checks the body actually read.
    """
    try:
        length = int(str(value).strip())
    except (TypeError, ValueError):
        return
    if length > max_bytes:
        raise BodyTooLarge(f"The body is over {max_bytes} bytes.")


class ReplayCache(abc.ABC):
    """Where verified calls are remembered until they expire.

    The Odoo layer can back it with a table holding a unique key and an expiry (insert, and
    report "seen" when the unique constraint refuses the row), so that every worker shares
    it; :class:`MemoryReplayCache` serves one process.
    """

    @abc.abstractmethod
    def remember(self, key, expires_at):
        """Record ``key`` until ``expires_at`` (unix seconds); atomically.

        :return: True if the key was new, False if it was already remembered and not expired.
        :raise ReplayCacheFull: the cache cannot take the key without forgetting a fresh one.
        """


class MemoryReplayCache(ReplayCache):
    """Thread-safe in-memory :class:`ReplayCache` with expiry and a size bound."""

    def __init__(self, max_entries=DEFAULT_REPLAY_CACHE_SIZE, *, clock=time.time):
        if max_entries < 1:
            raise ValueError("A replay cache holds at least one entry.")
        self.max_entries = max_entries
        self._clock = clock
        self._lock = threading.Lock()
        self._expiry = {}
        self._heap = []

    def __len__(self):
        with self._lock:
            self._purge(self._clock())
            return len(self._expiry)

    def remember(self, key, expires_at):
        with self._lock:
            now = self._clock()
            self._purge(now)
            if key in self._expiry:
                return False
            if len(self._expiry) >= self.max_entries:
                raise ReplayCacheFull("Too many webhook calls in the last minutes; retry later.")
            self._expiry[key] = expires_at
            heapq.heappush(self._heap, (expires_at, key))
            return True

    def _purge(self, now):
        while self._heap and self._heap[0][0] <= now:
            expires_at, key = heapq.heappop(self._heap)
            if self._expiry.get(key) == expires_at:
                del self._expiry[key]


class WebhookVerifier:
    """Check webhook calls (see the module docstring for the scheme and the refusals).

    :param replay_cache: a :class:`ReplayCache`; default: a :class:`MemoryReplayCache` of
        this verifier's own.
    :param tolerance: seconds of clock difference accepted either way.
    :param max_body_bytes: largest body accepted.
    :param clock: callable returning unix seconds (tests travel in time with it).
    """

    def __init__(
        self,
        replay_cache=None,
        *,
        tolerance=DEFAULT_TOLERANCE,
        max_body_bytes=DEFAULT_MAX_BODY,
        clock=time.time,
    ):
        self.replay_cache = MemoryReplayCache(clock=clock) if replay_cache is None else replay_cache
        self.tolerance = tolerance
        self.max_body_bytes = max_body_bytes
        self._clock = clock

    def verify(self, body, header, secrets):
        """Return a :class:`VerifiedWebhook` for a genuine, fresh, first-seen call.

        :param body: the raw request body (bytes), exactly as received.
        :param header: the :data:`SIGNATURE_HEADER` value (``None`` if absent).
        :param secrets: the connection's webhook secret, or several (current first) while a
            secret is being rotated.
        :raise WebhookRejected: one of its subclasses; nothing is remembered for a refused call.
        """
        if not isinstance(body, bytes):
            raise TypeError("Verify the raw body bytes, before any decoding.")
        if len(body) > self.max_body_bytes:
            raise BodyTooLarge(f"The body is over {self.max_body_bytes} bytes.")
        timestamp, nonce, signatures = _parse_header(header)
        keys = [
            _key(secret) for secret in ([secrets] if isinstance(secrets, str | bytes) else secrets)
        ]
        if not keys:
            raise ValueError("The connection has no webhook secret.")
        matched = None
        for key in keys:
            expected = _signature(key, timestamp, nonce, body)
            for candidate in signatures:
                if hmac.compare_digest(expected, candidate):
                    matched = expected
        if matched is None:
            raise SignatureMismatch("The webhook signature does not match.")
        now = self._clock()
        if abs(now - timestamp) > self.tolerance:
            raise TimestampOutOfRange(
                f"The webhook was signed {int(now - timestamp)} s away from our clock "
                f"(at most {self.tolerance} s either way)."
            )
        if not self.replay_cache.remember(f"{SCHEME}:{matched}", timestamp + self.tolerance):
            raise ReplayDetected("This webhook call was already received.")
        return VerifiedWebhook(timestamp, nonce)


def _parse_header(header):
    """``"t=…,n=…,v1=…"`` → ``(t, n, [v1, …])``; raise SignatureMissing when unreadable."""
    if not isinstance(header, str) or not header.strip():
        raise SignatureMissing(f"The {SIGNATURE_HEADER} header is missing.")
    if len(header) > MAX_HEADER_LENGTH:
        raise SignatureMissing(f"The {SIGNATURE_HEADER} header is too long.")
    timestamp, nonce, signatures = None, None, []
    for part in header.split(","):
        name, sep, value = part.strip().partition("=")
        if not sep:
            raise SignatureMissing(f"The {SIGNATURE_HEADER} header is not 't=…,n=…,v1=…'.")
        if name == "t" and _TIMESTAMP_RE.match(value):
            timestamp = int(value)
        elif name == "n" and _NONCE_RE.match(value):
            nonce = value
        elif name == SCHEME and _HEX_SIGNATURE_RE.match(value):
            signatures.append(value)
    if timestamp is None or nonce is None or not signatures:
        raise SignatureMissing(
            f"The {SIGNATURE_HEADER} header lacks a timestamp, a nonce or a {SCHEME} signature."
        )
    return timestamp, nonce, signatures[:MAX_SIGNATURES]


def _key(secret):
    if isinstance(secret, str):
        secret = secret.encode("utf-8")
    if not isinstance(secret, bytes) or not secret:
        raise ValueError("A webhook secret is non-empty text or bytes.")
    return secret


def _signature(key, timestamp, nonce, body):
    message = f"{timestamp}.{nonce}.".encode("ascii") + body
    return hmac.new(key, message, hashlib.sha256).hexdigest()
