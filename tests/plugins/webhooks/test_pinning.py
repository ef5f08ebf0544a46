"""DNS pinning: the host is resolved once per delivery, every address is checked, and the
connection goes to the checked address, with the original host name in ``Host``, in SNI
and in the certificate check. A resolver we control answers a reachable (allowed)
address first and an internal one afterwards, as a DNS-rebinding attacker would."""

from __future__ import annotations

import datetime as dt
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from commissary.testing import Shop
from commissary_webhooks.addresses import Refused, resolve
from tests.notifications.peers import HttpReceiver
from tests.plugins.webhooks.test_webhooks import (
    add_endpoint,
    admin,
    drain,
    order,
)

HOST = "hooks.example"
REAL_GETADDRINFO = socket.getaddrinfo


class Resolver:
    """``socket.getaddrinfo`` for ``hooks.example``: answers from ``answers`` in turn (the
    last one repeats); every other name and every literal address resolves as usual."""

    def __init__(self) -> None:
        self.answers: list[list[str]] = [["127.0.0.1"]]
        self.calls = 0

    def __call__(self, host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host != HOST:
            return REAL_GETADDRINFO(host, port, *args, **kwargs)
        answer = self.answers[min(self.calls, len(self.answers) - 1)]
        self.calls += 1
        return [
            (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
            for a in answer
        ]


@pytest.fixture
def resolver(monkeypatch: pytest.MonkeyPatch) -> Resolver:
    fake = Resolver()
    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return fake


def port_of(receiver: HttpReceiver) -> int:
    return int(receiver.url.rsplit(":", 1)[1])


def test_a_rebinding_answer_after_the_check_is_never_connected_to(
    hooked: Shop, receiver: HttpReceiver, resolver: Resolver
) -> None:
    port = port_of(receiver)
    endpoint = add_endpoint(hooked, f"http://{HOST}:{port}/in")
    # From now on: the allowed address once (the check), then an internal one for any
    # later lookup; a client that resolved again to connect would go to 10.0.0.5.
    resolver.answers, resolver.calls = [["127.0.0.1"], ["10.0.0.5"]], 0
    order(hooked)
    drain(hooked)
    assert resolver.calls == 1  # resolved once for the delivery
    [hit] = receiver.hits
    assert hit.path == "/in"
    assert hit.headers["host"] == f"{HOST}:{port}"  # the URL's host, not the address
    [entry] = admin(hooked).get(f"/webhooks/endpoints/{endpoint['id']}/deliveries").json()
    assert entry["ok"] is True


def test_an_internal_answer_at_delivery_is_refused_before_connecting(
    hooked: Shop, receiver: HttpReceiver, resolver: Resolver
) -> None:
    endpoint = add_endpoint(hooked, f"http://{HOST}:{port_of(receiver)}/in")
    resolver.answers, resolver.calls = [["169.254.169.254"]], 0
    order(hooked)
    drain(hooked)
    assert receiver.hits == []
    [entry] = admin(hooked).get(f"/webhooks/endpoints/{endpoint['id']}/deliveries").json()
    assert entry["ok"] is False
    assert entry["error"] == f"refused: {HOST} resolves to the private address 169.254.169.254"


def test_every_address_of_an_answer_is_checked(resolver: Resolver, monkeypatch: Any) -> None:
    from commissary_webhooks.addresses import ENV

    monkeypatch.setenv(ENV, '["127.0.0.1/32"]')
    resolver.answers = [["127.0.0.1", "10.0.0.5"]]
    with pytest.raises(Refused, match=r"10\.0\.0\.5"):
        resolve(f"http://{HOST}/")
    resolver.answers, resolver.calls = [["2606:4700::1111", "::1"]], 0
    with pytest.raises(Refused, match="::1"):
        resolve(f"https://{HOST}/")
    resolver.answers, resolver.calls = [["93.184.216.34", "2606:4700::1111"]], 0
    pinned = resolve(f"https://{HOST}/x")
    assert (pinned.host, pinned.port, pinned.address) == (HOST, 443, "93.184.216.34")


# --- TLS: the connection goes to the address, the certificate must name the host ---------


def _certificates(folder: Path, name: str) -> tuple[Path, Path, Path]:
    """A CA (trusted through SSL_CERT_FILE) and a server certificate for ``name``."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    paths = folder / "ca.pem", folder / "cert.pem", folder / "key.pem"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths


class HttpsReceiver:
    """An HTTPS server on 127.0.0.1 that records the SNI name and the Host header."""

    def __init__(self, cert: Path, key: Path) -> None:
        self.sni: list[str | None] = []
        self.hosts: list[str] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.hosts.append(str(self.headers.get("Host")))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(str(cert), str(key))
        context.sni_callback = lambda sock, name, ctx: receiver.sni.append(name)  # type: ignore[assignment,misc]
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.port = int(self.server.server_address[1])
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.parametrize("certificate_for", [HOST, "someone-else.example"])
def test_tls_verifies_the_host_name_on_the_pinned_connection(
    hooked: Shop,
    resolver: Resolver,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    certificate_for: str,
) -> None:
    ca, cert, key = _certificates(tmp_path, certificate_for)
    monkeypatch.setenv("SSL_CERT_FILE", str(ca))
    server = HttpsReceiver(cert, key)
    try:
        endpoint = add_endpoint(hooked, f"https://{HOST}:{server.port}/tls")
        resolver.answers, resolver.calls = [["127.0.0.1"], ["10.0.0.5"]], 0
        order(hooked)
        drain(hooked)
        [entry] = admin(hooked).get(f"/webhooks/endpoints/{endpoint['id']}/deliveries").json()
        assert server.sni and set(server.sni) == {HOST}  # SNI is the host name, not the IP
        if certificate_for == HOST:
            assert entry["ok"] is True, entry
            assert server.hosts == [f"{HOST}:{server.port}"]
        else:  # a certificate for another name is refused although the address is right
            assert entry["ok"] is False
            assert "CERTIFICATE_VERIFY_FAILED" in entry["error"] or "certificate" in entry["error"]
            assert server.hosts == []
    finally:
        server.stop()
