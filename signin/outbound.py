"""Every call the app makes to a board's identity provider: its configuration, keys and
token endpoint (OpenID Connect) and its metadata (SAML).

A board administrator types these addresses, so the server must not be made to call
what only it can reach (server-side request forgery): a database, a cloud's metadata
service, an admin page on the internal network. Only https, only to public internet
addresses; plain http and this machine's own addresses only where settings allow it
(SIGNIN_LOOPBACK_HTTP: the demo provider of `make run` and the tests'). The host (its
IDNA-encoded name, the one sent) is resolved once, every address it has is checked (also
what an IPv6 address leads to: NAT64, 6to4, Teredo, IPv4 in IPv6), and the connection
goes to the address checked, with the name kept for TLS and the Host header, so a second
lookup cannot point elsewhere (DNS rebinding). Redirects are never followed.

A provider cannot hold a worker or its memory: every call through PublicOnly (the
discovery, keys and metadata of get(), and Authlib's token call alike) is answered in
full, headers and body, within DEADLINE seconds (each read of the socket waits at most
the time left) and with at most MAX_RESPONSE bytes of body, sent without compression.
"""

import contextvars
import ipaddress
import socket
import time
from collections.abc import Iterator
from typing import cast
from urllib.parse import urlsplit

import httpcore2
import httpx2
from django.conf import settings

#: A slow provider must not hold a web worker long: connect within 3 s, each read within 5.
TIMEOUT = httpx2.Timeout(5.0, connect=3.0)
#: The whole answer, however slowly it trickles in, within this many seconds.
DEADLINE = 10.0
#: The largest configuration, key set or metadata read from a provider.
MAX_RESPONSE = 256 * 1024
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")


class NotPublic(httpx2.ConnectError):
    """The address is not on the public internet: nothing was sent to it."""


class TooLarge(httpx2.HTTPError):
    """The answer is larger than MAX_RESPONSE bytes."""


def _loopback_allowed() -> bool:
    return bool(getattr(settings, "SIGNIN_LOOPBACK_HTTP", False))


def callable_address(url) -> bool:
    """An https address with a host; plain http only to this machine, where settings allow
    that. (Whether the host is public is checked when it is called: PublicOnly.)"""
    if not isinstance(url, str):
        return False
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return True
    return parts.scheme == "http" and parts.hostname in LOOPBACK_NAMES and _loopback_allowed()


#: IPv6 addresses that lead to another address than themselves, which is_global does not
#: see through: the local-use NAT64 prefix (where the IPv4 address sits depends on the
#: network), 6to4, Teredo, the old IPv4-compatible addresses and the old site-local ones.
ELSEWHERE = [
    ipaddress.IPv6Network("64:ff9b:1::/48"),
    ipaddress.IPv6Network("2002::/16"),
    ipaddress.IPv6Network("2001::/32"),
    ipaddress.IPv6Network("::/96"),
    ipaddress.IPv6Network("fec0::/10"),
]
#: The well-known NAT64 prefix: the last 32 bits are the IPv4 address reached.
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def _reached(address: ipaddress.IPv4Address | ipaddress.IPv6Address):
    """The address a connection to *address* reaches (the IPv4 address inside a NAT64 or
    IPv4-mapped one), or None where it leads somewhere we cannot check."""
    if isinstance(address, ipaddress.IPv4Address):
        return address
    if address.ipv4_mapped:
        return address.ipv4_mapped
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address != ipaddress.IPv6Address("::1") and any(address in net for net in ELSEWHERE):
        return None
    return address


def public_address(host: str, port: int) -> str:
    """The address to connect to for *host* (an IDNA-encoded name, or an address): every
    address it resolves to, and what each leads to, must be on the public internet (or
    this machine's, where settings allow). NotPublic otherwise."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise httpx2.ConnectError(f"{host} cannot be resolved") from error
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in found]
    if not addresses:
        raise httpx2.ConnectError(f"{host} cannot be resolved")
    for address in addresses:
        reached = _reached(address)
        if reached is None:
            raise NotPublic(f"{host} leads elsewhere ({address})")
        if reached.is_loopback and _loopback_allowed():
            continue
        if not reached.is_global or reached.is_multicast:
            raise NotPublic(f"{host} is not on the public internet ({address})")
    return str(addresses[0])


#: When the call under way must be answered by (time.monotonic()): every read and write
#: of its connection waits at most the time left.
_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "signin_outbound_deadline", default=None
)


def _time_left(timeout: float | None, error: type[Exception]) -> float | None:
    deadline = _deadline.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise error("the provider did not answer within the deadline")
    return left if timeout is None else min(timeout, left)


class _BoundedStream(httpcore2.NetworkStream):
    """A connection whose every read and write waits at most the time left."""

    def __init__(self, stream: httpcore2.NetworkStream):
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _time_left(timeout, httpcore2.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _time_left(timeout, httpcore2.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(self, ssl_context, server_hostname=None, timeout=None):
        timeout = _time_left(timeout, httpcore2.ConnectTimeout)
        return _BoundedStream(self._stream.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str):
        return self._stream.get_extra_info(info)


class _BoundedBackend(httpcore2.NetworkBackend):
    """Connections within the time left, each a _BoundedStream."""

    def __init__(self, backend: httpcore2.NetworkBackend):
        self._backend = backend

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        timeout = _time_left(timeout, httpcore2.ConnectTimeout)
        return _BoundedStream(
            self._backend.connect_tcp(host, port, timeout, local_address, socket_options)
        )

    def connect_unix_socket(self, path, timeout=None, socket_options=None):
        raise httpcore2.ConnectError("a provider is called over TCP only")

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


class _BoundedBody(httpx2.SyncByteStream):
    """The body of an answer: at most MAX_RESPONSE bytes, read within the deadline."""

    def __init__(self, stream: httpx2.SyncByteStream, deadline: float, url: str):
        self._stream, self._deadline, self._url = stream, deadline, url

    def __iter__(self) -> Iterator[bytes]:
        received = 0
        chunks = iter(self._stream)
        while True:
            token = _deadline.set(self._deadline)  # the reads of this chunk are this call's
            try:
                chunk = next(chunks, None)
            finally:
                _deadline.reset(token)
            if chunk is None:
                return
            received += len(chunk)
            if received > MAX_RESPONSE:
                raise TooLarge(self._url)
            yield chunk

    def close(self) -> None:
        self._stream.close()


class PublicOnly(httpx2.HTTPTransport):
    """httpx2's transport, connecting only to the public address checked for the host,
    and bounding the whole answer by DEADLINE and MAX_RESPONSE."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # Every connection of the pool reads and writes within the time left of its call.
        self._pool._network_backend = _BoundedBackend(self._pool._network_backend)

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        deadline = time.monotonic() + DEADLINE
        url = str(request.url)
        # The name as it is sent (IDNA-encoded): the one resolved, checked and named to TLS.
        host = request.url.raw_host.decode("ascii")
        address = public_address(host, request.url.port or 443)
        if address != host:
            request.url = request.url.copy_with(host=address)
            # Host stays the name (httpx2 set it from the URL); TLS checks the name too.
            request.extensions = {**request.extensions, "sni_hostname": host}
        # The cap counts the bytes as they come: nothing to inflate afterwards.
        request.headers["Accept-Encoding"] = "identity"
        token = _deadline.set(deadline)
        try:
            response = super().handle_request(request)
        finally:
            _deadline.reset(token)
        if response.headers.get("Content-Encoding", "identity").lower() != "identity":
            response.close()
            raise TooLarge(url)  # compressed against our asking: its size is unknown
        length = response.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > MAX_RESPONSE:
            response.close()
            raise TooLarge(url)
        response.stream = _BoundedBody(
            cast("httpx2.SyncByteStream", response.stream), deadline, url
        )
        return response


def client(**kwargs) -> dict:
    """The arguments of an httpx2 client (or Authlib's OAuth2Client) that calls a
    provider: public addresses only, no redirects, TIMEOUT. A proxy named in the
    environment (HTTPS_PROXY) is not used: it would carry the call past PublicOnly."""
    return {
        "transport": PublicOnly(),
        "timeout": TIMEOUT,
        "follow_redirects": False,
        "trust_env": False,
        **kwargs,
    }


def get(url: str) -> bytes:
    """The body of *url* (status 2xx), at most MAX_RESPONSE bytes, within DEADLINE.

    Raises httpx2.HTTPError: NotPublic, TooLarge, a timeout, a status error, or a
    failed connection. ValueError for an address that is not callable at all.
    """
    if not callable_address(url):
        raise ValueError(url)
    with httpx2.Client(**client()) as http:
        response = http.get(url)  # read whole within PublicOnly's bounds
        response.raise_for_status()
    return response.content
