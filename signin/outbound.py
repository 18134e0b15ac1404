"""Every call the app makes to a board's identity provider: its configuration, keys and
token endpoint (OpenID Connect) and its metadata (SAML).

A board administrator types these addresses, so the server must not be made to call
what only it can reach (server-side request forgery): a database, a cloud's metadata
service, an admin page on the internal network. Only https, only to public internet
addresses; plain http and this machine's own addresses only where settings allow it
(SIGNIN_LOOPBACK_HTTP: the demo provider of `make run` and the tests'). The host is
resolved once, every address it has is checked, and the connection goes to the address
checked, with the name kept for TLS and the Host header, so a second lookup cannot point
elsewhere (DNS rebinding). Redirects are never followed; an answer is at most
MAX_RESPONSE bytes and must be complete within DEADLINE seconds.
"""

import ipaddress
import socket
import time
from urllib.parse import urlsplit

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


def public_address(host: str, port: int) -> str:
    """The address to connect to for *host*: every address it resolves to must be on the
    public internet (or this machine's, where settings allow). NotPublic otherwise."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise httpx2.ConnectError(f"{host} cannot be resolved") from error
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in found]
    if not addresses:
        raise httpx2.ConnectError(f"{host} cannot be resolved")
    for address in addresses:
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        if address.is_loopback and _loopback_allowed():
            continue
        if not address.is_global or address.is_multicast:
            raise NotPublic(f"{host} is not on the public internet ({address})")
    return str(addresses[0])


class PublicOnly(httpx2.HTTPTransport):
    """httpx2's transport, connecting only to the public address checked for the host."""

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        host = request.url.host
        address = public_address(host, request.url.port or 443)
        if address != host:
            request.url = request.url.copy_with(host=address)
            # Host stays the name (httpx2 set it from the URL); TLS checks the name too.
            request.extensions = {**request.extensions, "sni_hostname": host}
        return super().handle_request(request)


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
    deadline = time.monotonic() + DEADLINE
    body = bytearray()
    with httpx2.Client(**client()) as http, http.stream("GET", url) as response:
        response.raise_for_status()
        for chunk in response.iter_bytes():
            body += chunk
            if len(body) > MAX_RESPONSE:
                raise TooLarge(url)
            if time.monotonic() > deadline:
                raise httpx2.ReadTimeout(url)
    return bytes(body)
