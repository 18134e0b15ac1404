"""Calls to a board's identity provider reach only the public internet, and a provider
cannot hold a worker or its memory (signin/outbound.py). A real HTTP server on loopback
stands in for a provider that misbehaves."""

import datetime
import gzip
import ipaddress
import socket
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx2
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from signin import oidc, outbound
from signin.models import IdentityProvider, SignInAttempt


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):  # a token endpoint: the same answers
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.do_GET()

    def do_GET(self):
        self.server.seen.append(self.path)
        if self.path == "/slow-headers":
            try:  # the status line, then a header a byte at a time: never a body
                self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
                for _ in range(10):
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(0.4)
            except BrokenPipeError:
                pass
            return
        if self.path == "/big-unsized":  # no Content-Length: read until the end
            self.send_response(200)
            self.end_headers()
            try:
                for _ in range(outbound.MAX_RESPONSE // 1024 + 2):
                    self.wfile.write(b"x" * 1024)
            except (BrokenPipeError, ConnectionResetError):
                pass
            return
        if self.path == "/gzip":
            body = gzip.compress(b"{}")
            self.send_response(200)
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if self.path == "/slow":
            self._begin(10)
            try:
                for _ in range(10):  # a byte at a time, each well within the read timeout
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(0.4)
            except BrokenPipeError:
                pass  # given up on, as it should be
            return
        body = {
            "/host": self.headers["Host"].encode(),
            "/big": b"x" * (outbound.MAX_RESPONSE + 1),
        }.get(self.path, b"{}")
        self._begin(len(body))
        self.wfile.write(body)

    def _begin(self, length):
        self.send_response(200)
        self.send_header("Content-Length", str(length))
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.seen = []
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.parametrize(
    "address",
    [
        "10.0.0.5",  # a private network
        "192.168.1.1",
        "172.16.0.1",
        "169.254.169.254",  # a cloud's metadata service
        "100.64.0.1",  # carrier-grade NAT
        "0.0.0.0",  # noqa: S104 (an address refused, not bound)
        "224.0.0.1",  # multicast
        "fd00::1",  # IPv6, unique local
        "fe80::1",  # IPv6, link-local
        "::ffff:10.0.0.5",  # IPv4 in IPv6's clothes
        # IPv6 addresses that pass as global but lead elsewhere:
        "64:ff9b::a00:5",  # NAT64 to 10.0.0.5
        "64:ff9b::a9fe:a9fe",  # NAT64 to 169.254.169.254
        "64:ff9b:1::808:808",  # local-use NAT64: where it leads depends on the network
        "2002:a00:5::1",  # 6to4 (through 10.0.0.5)
        "2002:808:808::1",  # 6to4, even through a public address
        "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
        "::a00:5",  # IPv4-compatible (10.0.0.5)
        "::808:808",  # IPv4-compatible, even of a public address
        "fec0::1",  # site-local
    ],
)
def test_addresses_off_the_public_internet_are_never_called(address):
    with pytest.raises(outbound.NotPublic):
        outbound.public_address(address, 443)


@pytest.mark.parametrize(
    "address",
    [
        "145.100.1.1",
        "2001:610:188:410::1",  # SURF's IPv6
        "::ffff:145.100.1.1",  # IPv4-mapped: the public address inside
        "64:ff9b::9164:101",  # NAT64 to 145.100.1.1: an IPv6-only network reaching IPv4
    ],
)
def test_a_public_address_is_called(address):
    found = outbound.public_address(address, 443)
    assert ipaddress.ip_address(found) == ipaddress.ip_address(address)


def test_this_machine_is_called_only_where_settings_allow_it(server, settings):
    port = server.server_address[1]
    settings.SIGNIN_LOOPBACK_HTTP = False
    before = len(server.seen)
    with pytest.raises(outbound.NotPublic):
        outbound.get(f"https://localhost:{port}/")  # the name resolves to this machine
    with pytest.raises(ValueError):
        outbound.get(f"http://127.0.0.1:{port}/")  # plain http, outside the tests
    assert len(server.seen) == before  # nothing was sent


def test_the_call_goes_to_the_address_checked_with_the_name_kept(server):
    port = server.server_address[1]
    assert outbound.get(f"http://localhost:{port}/host") == f"localhost:{port}".encode()


def test_an_answer_too_large_is_not_read(server):
    with pytest.raises(outbound.TooLarge):
        outbound.get(f"http://127.0.0.1:{server.server_address[1]}/big")


def test_an_answer_that_trickles_in_is_given_up_at_the_deadline(server, monkeypatch):
    monkeypatch.setattr(outbound, "DEADLINE", 1.0)
    started = time.monotonic()
    with pytest.raises(httpx2.TimeoutException):
        outbound.get(f"http://127.0.0.1:{server.server_address[1]}/slow")
    assert time.monotonic() - started < 3  # not the 4 s the whole answer takes


@pytest.mark.django_db
def test_headers_that_trickle_in_are_given_up_at_the_deadline(server, monkeypatch):
    monkeypatch.setattr(outbound, "DEADLINE", 1.0)
    started = time.monotonic()
    with pytest.raises(httpx2.TimeoutException):
        outbound.get(f"http://127.0.0.1:{server.server_address[1]}/slow-headers")
    assert time.monotonic() - started < 3  # not the 4 s the header takes


def test_an_answer_of_unstated_length_is_cut_off_at_the_cap(server):
    with pytest.raises(outbound.TooLarge):
        outbound.get(f"http://127.0.0.1:{server.server_address[1]}/big-unsized")


def test_a_compressed_answer_is_refused(server):
    """Asked for none: a compressed answer could inflate far beyond the cap."""
    with pytest.raises(outbound.TooLarge):
        outbound.get(f"http://127.0.0.1:{server.server_address[1]}/gzip")


def _token_call(url: str):
    provider = IdentityProvider(issuer="https://idp.example", client_id="c", client_secret="s")
    with oidc._client(provider, "https://app.example/back") as client:
        return client.fetch_token(
            url, grant_type="authorization_code", code="c", code_verifier="v"
        )


@pytest.mark.parametrize("path", ["/big", "/big-unsized"])
def test_the_token_call_reads_no_more_than_the_cap(server, path):
    with pytest.raises(outbound.TooLarge):
        _token_call(f"http://127.0.0.1:{server.server_address[1]}{path}")


@pytest.mark.parametrize("path", ["/slow", "/slow-headers"])
def test_the_token_call_is_given_up_at_the_deadline(server, monkeypatch, path):
    monkeypatch.setattr(outbound, "DEADLINE", 1.0)
    started = time.monotonic()
    with pytest.raises(httpx2.TimeoutException):
        _token_call(f"http://127.0.0.1:{server.server_address[1]}{path}")
    assert time.monotonic() - started < 3


def test_an_international_host_name_is_resolved_and_sent_as_it_is_encoded(server, monkeypatch):
    """The name looked up, checked and sent is the IDNA-encoded one (xn--…), never the
    Unicode form, which the resolver might encode otherwise (IDNA 2003 against 2008)."""
    port = server.server_address[1]
    resolved = []
    real = socket.getaddrinfo

    def resolve(host, *args, **kwargs):
        resolved.append(host)
        return real("127.0.0.1", *args, **kwargs)

    monkeypatch.setattr(outbound.socket, "getaddrinfo", resolve)
    with httpx2.Client(**outbound.client()) as http:
        answer = http.get(f"http://faß.example:{port}/host")
    assert resolved[0] == "xn--fa-hia.example"
    assert answer.text == f"xn--fa-hia.example:{port}"


def test_a_provider_whose_issuer_is_on_a_private_network_is_not_called(idp):
    idp.issuer = "https://10.20.30.40/tenant"
    with pytest.raises(oidc.Refused) as refused:
        oidc.metadata(idp, fresh=True)
    assert refused.value.reason == SignInAttempt.Reason.UNREACHABLE


def test_the_token_endpoint_is_called_through_the_same_guard():
    # Authlib's client is an httpx2 client: it gets the transport that checks addresses.
    provider = IdentityProvider(issuer="https://idp.example", client_id="c", client_secret="s")
    client = oidc._client(provider, "https://app.example/back")
    with client, pytest.raises(outbound.NotPublic):
        client.fetch_token(
            "https://192.168.0.10/token",
            grant_type="authorization_code",
            code="c",
            code_verifier="v",
        )


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    """The same server behind TLS, with a certificate for the name "localhost" only."""
    folder = tmp_path_factory.mktemp("tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    (folder / "cert.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.seen = []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield httpd, ssl.create_default_context(cafile=str(folder / "cert.pem"))
    httpd.shutdown()
    httpd.server_close()


def test_tls_is_checked_against_the_provider_s_name_not_the_address_connected_to(tls_server):
    httpd, trusted = tls_server
    port = httpd.server_address[1]
    arguments = outbound.client(transport=outbound.PublicOnly(verify=trusted))
    with httpx2.Client(**arguments) as http:
        # Connected to 127.0.0.1, the certificate checked for "localhost": accepted.
        assert http.get(f"https://localhost:{port}/host").text == f"localhost:{port}"
        # The same server called by its address: the certificate does not name it.
        with pytest.raises(httpx2.ConnectError):
            http.get(f"https://127.0.0.1:{port}/host")


def test_a_proxy_in_the_environment_does_not_carry_the_call_past_the_check(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("ALL_PROXY", "http://127.0.0.1:9")
    with pytest.raises(outbound.NotPublic):
        outbound.get("https://10.1.2.3/metadata")
