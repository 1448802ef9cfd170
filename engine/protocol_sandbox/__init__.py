"""The local protocol sandbox: each implemented provider's real protocol on 127.0.0.1.

Tests and demos point an adapter's ``base_url`` (or the provider's own published client) at
this server instead of the provider: same paths, headers, JSON/XML shapes, paging, limits and
errors, backed by the Sandbox Bank's deterministic Polish traffic, plus switchable faults
(:mod:`.faults`). No network, no account anywhere.

Start it from a shell (``python -m engine.protocol_sandbox --port 8765 --seed demo``) or in
code::

    with sandbox_server() as (server, base_url):
        provider = GoCardlessProvider(server.settings_for("gocardless"))

The "bank login" is a URL of the sandbox that answers 302 to the caller's redirect URL with
the provider's callback parameters, so the whole consent flow runs without a browser.
"""

import contextlib

from .faults import KINDS as FAULT_KINDS
from .faults import PROVIDERS
from .server import API_PREFIXES, SandboxServer


def start_sandbox_server(port=0, *, host="127.0.0.1", seed="demo", clock=None, **options):
    """Start a sandbox in a background thread; return ``(server, base_url)``.

    :param port: TCP port, ``0`` for a free one.
    :param clock: callable returning naive UTC ``datetime`` (the Sandbox Bank's "now").
    :param options: ``page_size`` (Enable Banking page length), ``enforce_limits``
        (4 calls a day per account and scope, default True), ``verbose``,
        ``with_transaction_ids`` (False: a bank whose transactions have no id), and provider
        credentials such as ``enablebanking_public_key``, ``gocardless_secret_id``,
        ``kontomatik_api_key``, ``kontomatik_polls_before_done``.
    Stop it with ``server.stop()`` (or use :func:`sandbox_server`).
    """
    server = SandboxServer((host, port), seed=seed, clock=clock, **options)
    server.start()
    return server, server.base_url


@contextlib.contextmanager
def sandbox_server(port=0, **kwargs):
    """Context manager around :func:`start_sandbox_server`; stops the server on exit."""
    server, base_url = start_sandbox_server(port, **kwargs)
    try:
        yield server, base_url
    finally:
        server.stop()


__all__ = [
    "API_PREFIXES",
    "FAULT_KINDS",
    "PROVIDERS",
    "SandboxServer",
    "sandbox_server",
    "start_sandbox_server",
]
