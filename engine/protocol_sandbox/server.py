"""The protocol sandbox's HTTP server: routing, faults, admin endpoints.

One :class:`SandboxServer` (stdlib ``ThreadingHTTPServer``) serves every provider under its
own prefix, so that each adapter's ``base_url`` is simply the sandbox URL plus the prefix and
the provider's real paths follow unchanged (:data:`PREFIXES`). ``/_sandbox/…`` is the admin
API (faults, clock), never part of any provider's protocol.
"""

import datetime
import json
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlencode, urlsplit

from . import faults as faults_module
from .bank import BankData

#: Path prefix of each provider; the adapter's ``base_url`` is the server URL plus the
#: *API* prefix (GoCardless' API lives under ``/api/v2`` like the real host's).
PREFIXES = {
    "enablebanking": "/enablebanking",
    "gocardless": "/gocardless",
    "kontomatik": "/kontomatik",
}
API_PREFIXES = {
    "enablebanking": "/enablebanking",
    "gocardless": "/gocardless/api/v2",
    "kontomatik": "/kontomatik",
}
MAX_BODY = 1_000_000
_LOGO = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64">'
    '<rect width="64" height="64" rx="8" fill="#1f6f8b"/>'
    '<text x="32" y="42" font-size="28" text-anchor="middle" fill="#fff">SB</text></svg>'
)


class Reply:
    """An HTTP answer: status, body bytes and headers."""

    def __init__(self, status, body=b"", headers=None, content_type="application/json"):
        self.status = status
        self.body = body if isinstance(body, bytes) else body.encode("utf-8")
        self.headers = dict(headers or {})
        if self.body and "Content-Type" not in self.headers:
            self.headers["Content-Type"] = content_type


def json_reply(status, value, headers=None):
    return Reply(status, json.dumps(value, ensure_ascii=False), headers)


def xml_reply(status, text, headers=None):
    return Reply(status, text, headers, content_type="application/xml; charset=utf-8")


def redirect(location, **params):
    separator = "&" if "?" in location else "?"
    target = location + (separator + urlencode(params) if params else "")
    return Reply(302, b"", {"Location": target})


class Request:
    """What a protocol route sees of an HTTP request."""

    def __init__(self, method, path, query, headers, body, root_url):
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.root_url = root_url

    def json(self):
        """The JSON body, or ``None`` when it is not JSON."""
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            return None

    def form(self):
        """The form-encoded body as a dict (first value of each field)."""
        return dict(parse_qsl(self.body.decode("utf-8", errors="replace")))


class SandboxServer(ThreadingHTTPServer):
    """The protocol sandbox (see :func:`~engine.protocol_sandbox.start_sandbox_server`)."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self,
        address=("127.0.0.1", 0),
        *,
        seed="demo",
        clock=None,
        page_size=25,
        enforce_limits=True,
        verbose=False,
        with_transaction_ids=True,
        **credentials,
    ):
        super().__init__(address, _Handler)
        from .enablebanking import EnableBankingProtocol
        from .gocardless import GoCardlessProtocol
        from .kontomatik import KontomatikProtocol

        self.data = BankData(
            seed=seed,
            clock=clock,
            enforce_limits=enforce_limits,
            with_transaction_ids=with_transaction_ids,
        )
        self.faults = faults_module.FaultBoard()
        self.page_size = page_size
        self.verbose = verbose
        self.protocols = {
            "enablebanking": EnableBankingProtocol(self, **_pick(credentials, "enablebanking")),
            "gocardless": GoCardlessProtocol(self, **_pick(credentials, "gocardless")),
            "kontomatik": KontomatikProtocol(self, **_pick(credentials, "kontomatik")),
        }
        self._thread = None

    # -- Life cycle ---------------------------------------------------------------------------
    @property
    def base_url(self):
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def provider_url(self, provider):
        """Return the ``base_url`` an adapter (or the provider's own client) should use."""
        return self.base_url + API_PREFIXES[provider]

    def settings_for(self, provider):
        """Return the adapter settings that connect ``provider``'s adapter to this sandbox."""
        settings = {"base_url": self.provider_url(provider)}
        if provider == "enablebanking":
            from .enablebanking import sandbox_private_key

            settings["application_id"] = self.protocols[provider].application_id
            settings["private_key"] = sandbox_private_key()
        elif provider == "gocardless":
            settings.update(self.protocols[provider].public_credentials())
        elif provider == "kontomatik":
            settings.update(self.protocols[provider].public_credentials(), poll_interval=0)
        return settings

    def start(self):
        # A short poll interval makes shutdown() return at once (tests start hundreds).
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self):
        self.shutdown()
        self.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def handle_error(self, request, client_address):
        """A client that gave up (timeout test, reset) is not the sandbox's error: stay quiet."""
        if self.verbose:
            return super().handle_error(request, client_address)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.stop()

    # -- Programmatic control -------------------------------------------------------------
    def arm_fault(self, provider, kind, **options):
        """Arm a fault (see :mod:`.faults`) and return it."""
        return self.faults.arm(provider, kind, **options)

    def clear_faults(self, provider=None):
        self.faults.clear(provider)

    def set_now(self, moment):
        """Freeze the sandbox's clock at ``moment`` (naive UTC); ``None`` to release it."""
        self.data.set_now(moment)

    def info(self):
        return {
            "base_urls": {name: self.provider_url(name) for name in PREFIXES},
            "credentials": {name: p.public_credentials() for name, p in self.protocols.items()},
            "faults": self.faults.list(),
            "fault_kinds": list(faults_module.KINDS),
            "now": self.data.now().isoformat(),
        }

    # -- Dispatch -----------------------------------------------------------------------------
    def dispatch(self, handler, method):
        """Answer one request (called by the handler thread)."""
        split = urlsplit(handler.path)
        path = split.path
        length = min(int(handler.headers.get("Content-Length") or 0), MAX_BODY)
        body = handler.rfile.read(length) if length else b""
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        if path.startswith("/_sandbox"):
            return self._admin(method, path, body)
        provider = next(
            (name for name, prefix in PREFIXES.items() if path.startswith(prefix + "/")), None
        )
        if provider is None:
            return json_reply(404, {"message": "Not found", "code": 404})
        protocol = self.protocols[provider]
        sub_path = path[len(PREFIXES[provider]) :].rstrip("/") or "/"
        request = Request(method, sub_path, query, handler.headers, body, self.base_url)
        is_bank_page = sub_path.startswith("/_bank")
        corrupt = None
        if not is_bank_page:
            if self.faults.take(provider, path, ("connection_reset",)):
                return "reset"
            fault = self.faults.take(provider, path, faults_module.TRANSPORT_KINDS)
            if fault and fault.kind == "slow":
                time.sleep(fault.delay)
            elif fault and fault.kind == "rate_limited":
                return protocol.rate_limited_reply(request, fault.retry_after)
            elif fault and fault.kind == "server_error":
                return protocol.server_error_reply(request, fault.status)
            elif fault:
                corrupt = fault.kind
        try:
            reply = protocol.handle(request)
        except Exception as error:  # noqa: BLE001 - a sandbox bug must answer, not hang
            reply = protocol.server_error_reply(request, 500, detail=type(error).__name__)
        if corrupt == "malformed":
            return Reply(200, protocol.malformed_body(), content_type=protocol.content_type)
        if corrupt == "truncated":
            return Reply(200, reply.body[: max(1, len(reply.body) // 2)], reply.headers)
        return reply

    def _admin(self, method, path, body):
        """``/_sandbox`` (info), ``/_sandbox/faults`` (GET/POST/DELETE), ``/_sandbox/clock``."""
        if path.rstrip("/") == "/_sandbox" and method == "GET":
            return json_reply(200, self.info())
        if path == "/_sandbox/logo.svg":
            return Reply(200, _LOGO, content_type="image/svg+xml")
        try:
            payload = json.loads(body or b"{}")
        except ValueError:
            return json_reply(400, {"error": "The body is not JSON."})
        if path.startswith("/_sandbox/faults"):
            if method == "GET":
                return json_reply(200, {"faults": self.faults.list()})
            if method == "DELETE":
                self.clear_faults((payload or {}).get("provider"))
                return json_reply(200, {"faults": self.faults.list()})
            if method == "POST":
                options = dict(payload or {})
                try:
                    fault = self.arm_fault(
                        options.pop("provider", "*"), options.pop("kind", ""), **options
                    )
                except (ValueError, TypeError) as error:
                    return json_reply(400, {"error": str(error)})
                return json_reply(201, fault.to_dict())
        if path.startswith("/_sandbox/clock") and method in ("POST", "DELETE"):
            moment = None
            if method == "POST":
                try:
                    moment = datetime.datetime.fromisoformat(str((payload or {}).get("now")))
                except ValueError:
                    return json_reply(400, {"error": "Give now as an ISO datetime (naive UTC)."})
            self.set_now(moment)
            return json_reply(200, {"now": self.data.now().isoformat()})
        if path.startswith("/_sandbox/meters") and method == "DELETE":
            self.data.reset_meters()
            return json_reply(200, {})
        return json_reply(404, {"error": "Unknown admin endpoint."})


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ProtocolSandbox/1.0"

    def _serve(self, method):
        reply = self.server.dispatch(self, method)
        if reply == "reset":
            # Linger 0: closing sends a TCP RST, as a crashed proxy or bank gateway would.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            return
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if method != "HEAD":
            self.wfile.write(reply.body)

    def do_GET(self):
        self._serve("GET")

    def do_POST(self):
        self._serve("POST")

    def do_PUT(self):
        self._serve("PUT")

    def do_DELETE(self):
        self._serve("DELETE")

    def log_message(self, format, *args):
        # Only the request line, and only when asked: headers carry secrets.
        if self.server.verbose:
            return super().log_message(format, *args)


def _pick(credentials, provider):
    prefix = provider + "_"
    return {
        key[len(prefix) :]: value for key, value in credentials.items() if key.startswith(prefix)
    }
