"""Outbound requests only where they belong: a visitor's provider URL on a public link.

On a public link (`Settings.public`) the server would otherwise fetch any address a
visitor types (Settings → Check keys, an interview's LLM/STT/TTS, LiveKit), and the
answers would map the server's own network. `NetGuard.vet` resolves the URL's host and
refuses it when any address it resolves to is not a public unicast address (loopback,
private, link-local, CGNAT, multicast, reserved, metadata, and IPv6 forms that embed
such an IPv4), unless the operator allow-listed the host (`MOCKFLOW_ALLOWED_PROVIDER_HOSTS`).
The answer is a `Pin`: callers connect to the vetted address only (see `pinning`), so a
second DNS answer cannot switch the target. Every refusal is the same message, whatever
the cause, so it tells nothing about the target. Local mode vets nothing: localhost
servers (Ollama, LM Studio) keep working.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from mockflow.config import Settings
from mockflow.errors import MockflowError
from mockflow.net.pinning import DEFAULT_PORTS, Pin, normalize_host

REFUSED = (
    "This provider address can't be used on a shared link. Use the provider's public "
    "https:// address, reachable from the internet."
)
HTTP_SCHEMES = ("https",)
LIVEKIT_SCHEMES = ("wss", "https")
PLAIN = {"https": "http", "wss": "ws"}  # allowed for allow-listed hosts only

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolve = Callable[[str, int], list[str]]

_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_METADATA = frozenset(
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "169.254.170.2", "168.63.129.16", "100.100.100.200")
) | {ipaddress.ip_address("fd00:ec2::254")}
_V6_BLOCKED = tuple(
    ipaddress.ip_network(n)
    for n in ("::/96", "64:ff9b:1::/48", "fec0::/10", "100::/64", "2001:db8::/32")
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NUMERIC_V4 = re.compile(r"[0-9a-fA-FxX.]+")


class AddressRefusedError(MockflowError):
    """A visitor's provider address may not be reached from a public link."""

    def __init__(self) -> None:
        super().__init__(REFUSED)


def is_forbidden(ip: IPAddress) -> bool:
    """True unless `ip` is a public unicast address that is no cloud metadata endpoint."""
    if isinstance(ip, ipaddress.IPv6Address):
        if any(ip in net for net in _V6_BLOCKED):
            return True
        embedded = _embedded_v4(ip)
        if embedded is not None and is_forbidden(embedded):
            return True
    if ip in _METADATA or (ip.version == 4 and ip in _CGNAT):
        return True
    return (
        ip.is_loopback
        or ip.is_link_local
        or ip.is_private
        or ip.is_multicast
        or ip.is_unspecified
        or ip.is_reserved
        or not ip.is_global
    )


def _embedded_v4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def literal_ip(host: str) -> IPAddress | None:
    """The address a host that is an IP literal means, in every spelling the C library
    accepts (`2130706433`, `0x7f.1`, `0177.0.0.1`); None for a name."""
    host = host.strip("[]")
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if _NUMERIC_V4.fullmatch(host) and any(c.isdigit() for c in host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def system_resolve(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for `host` (TCP), in its order."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def normalize_allowed(entries: Iterable[str]) -> tuple[str, ...]:
    """Allow-list entries (`host` or `host:port`, as `Settings` checked them) in the form
    `is_allowed` compares: normalized host, then `:port` when one was given."""
    normalized = []
    for entry in entries:
        parts = urlsplit(f"//{entry.strip()}")
        host = normalize_host(parts.hostname or "")
        if host:
            normalized.append(f"{host}:{parts.port}" if parts.port else host)
    return tuple(normalized)


@dataclass(frozen=True)
class NetGuard:
    """Vets visitor-supplied URLs on a public link; a no-op in local mode."""

    public: bool
    allowed_hosts: tuple[str, ...] = ()
    resolve: Resolve = system_resolve

    @classmethod
    def from_settings(cls, settings: Settings, resolve: Resolve | None = None) -> NetGuard:
        allowed = normalize_allowed(settings.allowed_provider_hosts)
        return cls(settings.public, allowed, resolve or system_resolve)

    def vet(self, url: str, *, schemes: Iterable[str] = HTTP_SCHEMES) -> Pin | None:
        """None in local mode; on a public link the pin to connect through, or
        `AddressRefusedError` (one message for every reason)."""
        if not self.public:
            return None
        try:
            parts = urlsplit(url.strip())
            port = parts.port or DEFAULT_PORTS.get(parts.scheme.lower(), 0)
        except ValueError:
            raise AddressRefusedError() from None
        host = normalize_host(parts.hostname or "")
        allowed = self.is_allowed(host, port)
        schemes = tuple(schemes)
        permitted = schemes + tuple(PLAIN[s] for s in schemes if allowed and s in PLAIN)
        if not host or not port or "@" in parts.netloc or parts.scheme.lower() not in permitted:
            raise AddressRefusedError()
        addresses = self._addresses(parts.hostname or "", port)
        if not addresses or (not allowed and any(map(is_forbidden, addresses))):
            raise AddressRefusedError()
        return Pin(host, port, str(addresses[0]))

    def is_allowed(self, host: str, port: int) -> bool:
        host = normalize_host(host)
        return host in self.allowed_hosts or f"{host}:{port}" in self.allowed_hosts

    def _addresses(self, hostname: str, port: int) -> list[IPAddress]:
        literal = literal_ip(hostname)
        if literal is not None:
            return [literal]
        try:
            found = self.resolve(hostname, port)
            return [ipaddress.ip_address(a.split("%")[0]) for a in found]
        except (OSError, UnicodeError, ValueError):
            return []
