"""No outbound call to private addresses unless the operator allows it.

Every address a host name resolves to must be public (``ipaddress.is_global``): loopback,
private ranges, link-local (cloud metadata at 169.254.169.254), CGNAT and the like are
refused. The operator allows networks deployment-wide with
``COMMISSARY_WEBHOOKS_ALLOWED_NETWORKS`` (JSON list of CIDRs, e.g. ``["10.0.0.0/8"]``).
The check runs when an endpoint is saved and again before every delivery.

**Pinning.** :func:`resolve` resolves the host once and checks *every* address it got;
delivery then connects to exactly the first checked address (the URL's host is kept in the
``Host`` header and, for https, as the TLS server name: SNI and certificate verification
use the original host name). A DNS answer that changes between the check and the connection
(DNS rebinding) therefore cannot send the request to an internal address.
"""

from __future__ import annotations

import ipaddress
import json
import os
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

ENV = "COMMISSARY_WEBHOOKS_ALLOWED_NETWORKS"


class Refused(Exception):
    """This URL may not be called."""


def allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    raw = os.environ.get(ENV, "").strip()
    if not raw:
        return []
    try:
        return [ipaddress.ip_network(n, strict=False) for n in json.loads(raw)]
    except (ValueError, TypeError) as exc:
        raise Refused(f"{ENV} is not a JSON list of networks: {exc}") from exc


@dataclass(frozen=True)
class Pinned:
    """A URL resolved and checked once: where to connect, and who to say we called."""

    url: str
    scheme: str
    host: str  # the host name of the URL (lower case, IDNA as given)
    port: int
    address: str  # the checked IP address to connect to


def resolve(url: str) -> Pinned:
    """Resolve ``url``'s host once; every address must be public (or allowed); else Refused.

    The answer names the address to connect to: the first one resolved, all checked."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Refused("use an http:// or https:// URL with a host name")
    if parts.username or parts.password:
        raise Refused("put no credentials in the URL; the signature authenticates us")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (OSError, ValueError, UnicodeError) as exc:
        raise Refused(f"{parts.hostname} does not resolve: {exc}") from exc
    if not infos:
        raise Refused(f"{parts.hostname} does not resolve")
    allowed = allowed_networks()
    addresses = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if not (address.is_global or any(address in net for net in allowed)):
            raise Refused(f"{parts.hostname} resolves to the private address {address}")
        addresses.append(address)
    return Pinned(url, parts.scheme, parts.hostname, port, str(addresses[0]))


def check_url(url: str) -> str:
    """The URL if it is http(s) to public addresses (or allowed ones); else Refused."""
    resolve(url)
    return url
