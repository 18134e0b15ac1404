"""What the demo identity providers share: NEVER use them in production.

The OpenID Connect provider (demo/oidc_provider.py) and the SAML one
(demo/saml_provider.py) are each a LoopbackServer: a WSGI application served in a daemon
thread (on a free port when port is 0), whose requests go to the handler of their method
and path. Plain HTTP, in memory, for development and tests only.
"""

from __future__ import annotations

import html
import secrets
import threading
from collections.abc import Callable
from http.cookies import SimpleCookie
from socketserver import ThreadingMixIn
from typing import Any, Self
from urllib.parse import parse_qsl
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from wsgiref.types import StartResponse, WSGIEnvironment

NAME = "Demo identity provider"
COOKIE = "op_session"
MAX_BODY = 64 * 1024
HTML_HEADERS = [
    ("Content-Type", "text/html; charset=utf-8"),
    ("Cache-Control", "no-store"),
    ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
]

Response = tuple[str, list[tuple[str, str]], bytes]


class Request:
    """What a handler needs of a WSGI request: method, path, parameters, cookie, auth."""

    def __init__(self, environ: WSGIEnvironment):
        self.method = environ["REQUEST_METHOD"]
        self.path = environ.get("PATH_INFO", "") or "/"
        self.query = dict(parse_qsl(environ.get("QUERY_STRING", "")))
        self.form: dict[str, str] = {}
        if self.method == "POST":
            length = min(int(environ.get("CONTENT_LENGTH") or 0), MAX_BODY)
            body = environ["wsgi.input"].read(length).decode("utf-8", "replace")
            self.form = dict(parse_qsl(body))
        cookie: SimpleCookie = SimpleCookie(environ.get("HTTP_COOKIE", ""))
        self.session_id = cookie[COOKIE].value if COOKIE in cookie else ""
        self.authorization = environ.get("HTTP_AUTHORIZATION", "")

    @property
    def params(self) -> dict[str, str]:
        """The query of a GET, the form of a POST."""
        return self.form if self.method == "POST" else self.query


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """No access log: URLs carry codes and tokens, and the tests like it quiet."""


def _page(title: str, body: str, status: str = "200 OK", headers: list | None = None) -> Response:
    """A whole HTML page; *title* is escaped here, *body* must be escaped by the caller."""
    text = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)} - {NAME}</title>"
        "<style>body{font-family:sans-serif;max-width:30em;margin:2em auto;padding:0 1em}"
        "input{font-size:1em;padding:.3em}.error{color:#a00000}</style></head>"
        f"<body><main><h1>{NAME}</h1>{body}</main></body></html>"
    )
    return status, HTML_HEADERS + (headers or []), text.encode("utf-8")


def _same(given: str, expected: str) -> bool:
    """Compare secrets in constant time."""
    return secrets.compare_digest(given.encode(), expected.encode())


class LoopbackServer:
    """A WSGI application served on loopback in a daemon thread; a subclass fills
    ``_routes`` with the handler of each (method, path). ``base`` is its address once
    started."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0):
        self.host, self.port = host, port
        self.base = ""
        self._server: WSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._routes: dict[tuple[str, str], Callable[[Request], Response]] = {}

    def start(self) -> Self:
        """Listen (on a free port when port is 0) and serve in a daemon thread."""
        if self._server is None:
            self._server = make_server(
                self.host, self.port, self, server_class=_Server, handler_class=_QuietHandler
            )
            self.port = self._server.server_port
            self.base = f"http://{self.host}:{self.port}"
            self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket (idempotent)."""
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> list[bytes]:
        request = Request(environ)
        handler = self._routes.get((request.method, request.path))
        if handler is not None:
            status, headers, body = handler(request)
        else:
            status, headers, body = _page("Not found", "<p>Not found.</p>", "404 Not Found")
        start_response(status, headers)
        return [body]
