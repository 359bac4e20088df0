"""Which webhook URLs the service may POST to (server-side request forgery, issue 16).

A subscriber names the URL, the service makes the request: without a check, a subscriber could make the
service reach its own loopback, the private network behind it or the cloud metadata endpoint. A URL is
refused when

* its scheme is not http or https, it carries credentials (`user:pass@`), or it has no host;
* any address its host resolves to is not a public unicast address: loopback, private, shared (CGNAT),
  link-local, multicast, reserved, unspecified, documentation, or a cloud metadata address; IPv4-mapped,
  NAT64 and 6to4 IPv6 addresses are judged by the IPv4 address inside them. Decimal, octal and short IPv4
  forms (`2130706433`, `0177.0.0.1`, `127.1`) are resolved as the C library resolves them, so they are
  judged by the address they reach.

The check runs when a subscription is made AND before each delivery (a DNS name may later resolve elsewhere:
rebinding); the delivery then connects to the very address that was checked, not to a second resolution.
`allow_loopback` (setting `webhook_allow_loopback`, env CARBONLABEL_WEBHOOK_ALLOW_LOOPBACK) lets loopback
through, explicitly, for tests and development; it never lets private or metadata addresses through.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from api.errors import InvalidInput

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]  # host, port -> addresses (text)

SCHEMES = {"http": 80, "https": 443}
# cloud instance-metadata endpoints that are not already link-local or private (AWS IPv6, Alibaba Cloud,
# Oracle Cloud): refused by name so the message says what they are
METADATA = {ipaddress.ip_address(a) for a in ("169.254.169.254", "169.254.170.2", "fd00:ec2::254",
                                               "100.100.100.200", "192.0.0.192")}
NAT64 = ipaddress.ip_network("64:ff9b::/96")


class UnsafeWebhookUrl(InvalidInput):
    """A webhook URL the service refuses to call (422 at subscription, a failed attempt at delivery)."""


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect (one checked address) and what to ask for there."""

    url: str
    scheme: str
    host: str
    port: int
    address: str


def system_resolver(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeWebhookUrl(f"webhook host {host!r} does not resolve: {exc}") from None
    return sorted({str(info[4][0]) for info in infos})


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.sixtofour is not None:
        return address.sixtofour
    return None


def address_class(address: IPAddress) -> str | None:
    """Why the address is refused ('loopback', 'private', ...), or None for a public unicast address."""
    if isinstance(address, ipaddress.IPv6Address):
        inner = _embedded_ipv4(address)
        if inner is not None:
            found = address_class(inner)
            return f"{found} (IPv4 {inner} inside IPv6)" if found else None
        if address.scope_id:
            return "link-local"
    checks = (("metadata", address in METADATA), ("unspecified", address.is_unspecified),
              ("loopback", address.is_loopback), ("link-local", address.is_link_local),
              ("multicast", address.is_multicast), ("reserved", address.is_reserved),
              ("private", address.is_private), ("not globally routable", not address.is_global))
    return next((name for name, hit in checks if hit), None)


def _parts(url: str) -> tuple[SplitResult, str, int]:
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise UnsafeWebhookUrl(f"webhook url {url!r:.200}: {exc}") from None
    if parts.scheme.lower() not in SCHEMES:
        raise UnsafeWebhookUrl(f"webhook url {url!r:.200}: the scheme must be http or https, not {parts.scheme!r}")
    if parts.username is not None or parts.password is not None:
        raise UnsafeWebhookUrl(f"webhook url {url!r:.200}: credentials in the URL are refused (use the signature)")
    host = parts.hostname or ""
    if not host:
        raise UnsafeWebhookUrl(f"webhook url {url!r:.200}: no host")
    return parts, host, port or SCHEMES[parts.scheme.lower()]


def check(url: str, *, allow_loopback: bool = False, resolve: Resolver = system_resolver) -> Target:
    """The URL and the address to connect to, or UnsafeWebhookUrl naming the class of the refused address."""
    parts, host, port = _parts(url)
    addresses = resolve(host, port)
    if not addresses:
        raise UnsafeWebhookUrl(f"webhook host {host!r} resolves to no address")
    for text in addresses:
        address = ipaddress.ip_address(text.split("%", 1)[0])
        found = "link-local" if "%" in text else address_class(address)
        if found == "loopback" and allow_loopback:
            continue
        if found is not None:
            raise UnsafeWebhookUrl(f"webhook url {url!r:.200}: host {host!r} resolves to {address}, a {found} "
                                   "address; only public addresses are called")
    return Target(url=parts.geturl(), scheme=parts.scheme.lower(), host=host, port=port, address=addresses[0])
