"""Base class of one provider's protocol inside the sandbox: routes and shared answers."""

import re
import threading

from .server import json_reply


class Protocol:
    """One provider's API. Subclasses list ``routes`` as ``(method, pattern, handler name)``;
    patterns match the path after the provider's prefix, without trailing slash (the real
    APIs are reached with and without it by their own clients)."""

    name = ""
    content_type = "application/json"
    routes = ()

    def __init__(self, server):
        self.server = server
        self.data = server.data
        self.lock = threading.RLock()
        self._routes = [
            (method, re.compile(pattern), handler) for method, pattern, handler in self.routes
        ]

    def handle(self, request):
        for method, regex, handler in self._routes:
            match = regex.fullmatch(request.path)
            if match and method == request.method:
                return getattr(self, handler)(request, **match.groupdict())
        return self.not_found(request)

    def fault(self, request, kind):
        """Consume a route-level fault of ``kind`` for this request, if one is armed."""
        return self.server.faults.take(self.name, request.path, (kind,))

    def bank_url(self, request, path):
        """Absolute URL of one of the sandbox's "bank login" pages of this provider."""
        from .server import PREFIXES

        return f"{request.root_url}{PREFIXES[self.name]}/_bank{path}"

    # -- Answers every protocol gives in its own dialect ----------------------------------------
    def not_found(self, request):
        return json_reply(404, {"message": "Not found", "code": 404})

    def rate_limited_reply(self, request, retry_after):
        raise NotImplementedError

    def server_error_reply(self, request, status, detail=""):
        raise NotImplementedError

    def malformed_body(self):
        return b"<html><body><h1>502 Bad Gateway</h1></body></html>"

    def public_credentials(self):
        """The test credentials the sandbox accepts (all of them fake, shown by /_sandbox)."""
        return {}
