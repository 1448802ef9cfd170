"""Switchable faults of the protocol sandbox, per provider.

A fault is armed for one provider (or ``"*"`` for all), optionally only for request paths
containing ``path``, for ``times`` requests (``None``: until cleared). The server consults
the board on every request; kinds act at different points:

=================  ================================================================
``rate_limited``   the provider's own 429 answer, with ``retry_after`` seconds
``server_error``   an HTTP ``status`` (default 503) with the provider's error body
``slow``           the answer is delayed by ``delay`` seconds (then sent normally)
``malformed``      HTTP 200 with a body that is not JSON (or not XML)
``truncated``      HTTP 200 with the real body cut in half
``connection_reset``  the connection is closed without any answer
``consent_expired``   the provider's "consent/session expired" answer
``consent_revoked``   the provider's "consent revoked" answer
``duplicate_page``    a page of transactions is served twice (under a fresh page token)
``user_cancelled``    the bank login sends the user back with an error instead of a code
=================  ================================================================
"""

import dataclasses
import threading

PROVIDERS = ("enablebanking", "gocardless", "kontomatik")
KINDS = (
    "rate_limited",
    "server_error",
    "slow",
    "malformed",
    "truncated",
    "connection_reset",
    "consent_expired",
    "consent_revoked",
    "duplicate_page",
    "user_cancelled",
)
#: Kinds the server applies to any API request before routing (the others are consumed by
#: the routes that know what a consent, a page or a bank login is).
TRANSPORT_KINDS = ("rate_limited", "server_error", "slow", "malformed", "truncated")


@dataclasses.dataclass
class Fault:
    """One armed fault (see the module docstring)."""

    provider: str
    kind: str
    path: str = ""
    times: int | None = None
    retry_after: int = 3600
    status: int = 503
    delay: float = 2.0

    def to_dict(self):
        return dataclasses.asdict(self)


class FaultBoard:
    """Thread-safe set of armed faults."""

    def __init__(self):
        self._lock = threading.Lock()
        self._faults = []

    def arm(self, provider, kind, **options):
        """Arm a fault and return it; raise ValueError for an unknown provider or kind."""
        if provider not in PROVIDERS + ("*",):
            raise ValueError(f"Unknown provider {provider!r}; use one of {PROVIDERS} or '*'.")
        if kind not in KINDS:
            raise ValueError(f"Unknown fault {kind!r}; use one of {KINDS}.")
        allowed = {field.name for field in dataclasses.fields(Fault)} - {"provider", "kind"}
        unknown = set(options) - allowed
        if unknown:
            raise ValueError(f"Unknown fault options {sorted(unknown)}.")
        fault = Fault(provider, kind, **options)
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(self, provider, path, kinds):
        """Consume and return the first armed fault of ``kinds`` matching, or ``None``."""
        with self._lock:
            for fault in self._faults:
                if fault.kind not in kinds or fault.provider not in (provider, "*"):
                    continue
                if fault.path and fault.path not in path:
                    continue
                if fault.times is not None:
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                return fault
        return None

    def clear(self, provider=None):
        with self._lock:
            self._faults = [
                fault for fault in self._faults if provider and fault.provider != provider
            ]

    def list(self):
        with self._lock:
            return [fault.to_dict() for fault in self._faults]
