"""Connections pinned to one vetted address, so DNS cannot switch the target afterwards.

`netguard` checks where a visitor's provider URL resolves; this module makes the HTTP
clients connect to exactly that address while the URL keeps its host name (Host header,
TLS SNI and certificate checks stay on the name). A pinned client refuses any other host
or port, including a redirect's. One pin type, two clients: httpx (the openai SDK, in the
agent and the feedback report) and aiohttp (key checks, LiveKit's server API).
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import httpcore
import httpx
from aiohttp.abc import AbstractResolver, ResolveResult

DEFAULT_PORTS = {"http": 80, "ws": 80, "https": 443, "wss": 443}
SPEECH_TIMEOUT = httpx.Timeout(connect=15.0, read=5.0, write=5.0, pool=5.0)


def normalize_host(host: str) -> str:
    """Lower case, no brackets, no trailing dot, IDNA (as clients put it on the wire)."""
    host = host.strip().strip("[]").lower().rstrip(".")
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


@dataclass(frozen=True)
class Pin:
    """Connect to `address` whenever a request goes to `host`:`port`; nowhere else."""

    host: str
    port: int
    address: str

    @classmethod
    def for_url(cls, url: str, address: str) -> Pin:
        parts = urlsplit(url)
        port = parts.port or DEFAULT_PORTS.get(parts.scheme.lower(), 443)
        return cls(normalize_host(parts.hostname or ""), port, address)

    def matches(self, host: str | None, port: int | None) -> bool:
        return host is not None and normalize_host(host) == self.host and port == self.port


class PinnedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend that dials the pin's address for the pin's host."""

    def __init__(self, pin: Pin) -> None:
        self._pin = pin
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.AsyncNetworkStream:
        if not self._pin.matches(host, port):
            raise httpcore.ConnectError("this client only connects to its vetted address")
        return await self._inner.connect_tcp(
            self._pin.address, port, timeout, local_address, socket_options
        )

    async def connect_unix_socket(self, *args: Any, **kwargs: Any) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("this client only connects to its vetted address")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class PinnedTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport, with its connection pool dialling through `PinnedBackend`.
    (httpx has no public hook for the network backend; its pool is `_pool`.)"""

    def __init__(self, pin: Pin, limits: httpx.Limits | None = None) -> None:
        limits = limits or httpx.Limits(max_connections=50, max_keepalive_connections=50)
        super().__init__(trust_env=False, limits=limits)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=PinnedBackend(pin),
        )


def pinned_httpx_client(pin: Pin, timeout: httpx.Timeout) -> httpx.AsyncClient:
    """An httpx client that reaches only `pin` and follows no redirect."""
    return httpx.AsyncClient(
        transport=PinnedTransport(pin), timeout=timeout, follow_redirects=False
    )


class PinnedResolver(AbstractResolver):
    """aiohttp's resolver seam: the pin's host resolves to the pin's address, nothing else."""

    def __init__(self, pin: Pin) -> None:
        self._pin = pin

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        if not self._pin.matches(host, port):
            raise OSError(socket.EAI_NONAME, "this client only connects to its vetted address")
        ip = ipaddress.ip_address(self._pin.address)
        return [
            ResolveResult(
                hostname=host,
                host=self._pin.address,
                port=port,
                family=socket.AF_INET6 if ip.version == 6 else socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
        ]

    async def close(self) -> None:
        return None


def pinned_session(pin: Pin, timeout: aiohttp.ClientTimeout) -> aiohttp.ClientSession:
    """An aiohttp session that reaches only `pin`; a redirect elsewhere (an IP literal
    too, which aiohttp would not resolve) fails as a connection error."""

    async def stay_on_pin(
        request: aiohttp.ClientRequest, handler: aiohttp.ClientHandlerType
    ) -> aiohttp.ClientResponse:
        if not pin.matches(request.url.host, request.url.port):
            raise aiohttp.ClientConnectionError("this client only connects to its vetted address")
        return await handler(request)

    connector = aiohttp.TCPConnector(resolver=PinnedResolver(pin), use_dns_cache=False)
    return aiohttp.ClientSession(connector=connector, timeout=timeout, middlewares=(stay_on_pin,))
