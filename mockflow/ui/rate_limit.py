"""A request rate limit on Gradio's routes (the named API, the page's events and their
streams, uploads), so one client's flood cannot slow everyone else.

A token bucket allows `rate` requests a second sustained and `burst` at once. A page uses
a few a second (a poll a second, a reply's stream, a page load's dozen), a flood thousands.
Whose bucket a request spends from:

- a page that carries the server's signed visitor pass (`upload_gate.PASS_COOKIE`, set
  with the page itself) spends from its own visitor's bucket and from its address's
  shared bucket, which holds `ADDRESS_SHARE` visitors' worth: a class or an office behind
  one NAT address is not limited as if it were one person, and a visitor who opens many
  pages from one address is still bounded;
- a request without a pass (a script, the named API) spends from its address's bucket,
  one visitor's worth.

A page with a pass does not spend on its event stream and heartbeat (GETs of
`queue/data` and `heartbeat/`): Gradio's page takes a refused one as a lost connection
and reloads itself, losing what the candidate was doing; the events that feed a stream
are counted when they are sent.

An address is counted as `fair_use.network_key` counts it (an IPv6 client by its /64). A
refused request gets 429 with Retry-After and a plain JSON message, before Gradio sees
it, a second late, so that a client that retries at once cannot flood with refusals
instead. Keys whose bucket has refilled are forgotten; at most `MAX_ADDRESSES` are kept.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from mockflow.app.fair_use import client_ip, network_key
from mockflow.ui.upload_gate import PASS_COOKIE

MAX_ADDRESSES = 10_000
ADDRESS_SHARE = 8  # the visitors one address's pages may spend as, at full rate
BURST_SECONDS = 5.0  # a bucket holds this many seconds' worth of requests
LIMITED_PATH = "/gradio_api/"
# a refusal answered at once invites an immediate retry: a flood of 429s costs the server
# more than the calls it refused (measured: ~500 a second from 50 connections)
REFUSAL_DELAY = 1.0
MAX_DELAYED = 1000
MESSAGE = "Too many requests from your network. Please wait {seconds} s and try again."


class RequestBuckets:
    """A token bucket per key; `take(key)` spends one token: 0.0 if there was one, else
    the seconds until there will be."""

    def __init__(
        self, rate: float, burst: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate, self.burst = rate, burst
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, at)
        self._lock = threading.Lock()
        self._swept = clock()

    def __len__(self) -> int:
        return len(self._buckets)

    def take(self, key: str) -> float:
        now = self._clock()
        with self._lock:
            self._forget_idle(now)
            tokens, at = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - at) * self.rate)
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                return (1.0 - tokens) / self.rate
            self._buckets[key] = (tokens - 1.0, now)
            return 0.0

    def _forget_idle(self, now: float) -> None:
        """Drop buckets that have refilled (they would start full anyway), at most once
        per refill time; past `MAX_ADDRESSES`, the longest-known go first."""
        refill = self.burst / self.rate
        if now - self._swept >= refill:
            self._buckets = {
                k: (t, at)
                for k, (t, at) in self._buckets.items()
                if t + (now - at) * self.rate < self.burst
            }
            self._swept = now
        if len(self._buckets) >= MAX_ADDRESSES:
            oldest = itertools.islice(self._buckets, len(self._buckets) - MAX_ADDRESSES + 1)
            for key in list(oldest):
                del self._buckets[key]


@dataclass(frozen=True)
class VisitorLimits:
    """The buckets of pages that carry a visitor pass: each visitor's own, and each
    address's shared one; `visitor_of` reads a pass (None if missing or forged)."""

    visitor_of: Callable[[str | None], str | None]
    visitors: RequestBuckets
    addresses: RequestBuckets

    @classmethod
    def build(cls, rate: float, visitor_of: Callable[[str | None], str | None]) -> VisitorLimits:
        burst = rate * BURST_SECONDS
        shared = RequestBuckets(rate * ADDRESS_SHARE, burst * ADDRESS_SHARE)
        return cls(visitor_of, RequestBuckets(rate, burst), shared)

    def take(self, visitor: str, address: str) -> float:
        wait = self.visitors.take(visitor)
        return wait or self.addresses.take(address)


class RateLimit:
    """ASGI middleware: answers 429 to a client over its rate on Gradio's routes, after
    `delay` seconds (at most `MAX_DELAYED` refusals wait at once; the rest are answered
    at once). `buckets` limits each address's requests without a visitor pass, and every
    request when there are no `visitors` limits."""

    def __init__(
        self,
        app: ASGIApp,
        buckets: RequestBuckets,
        behind_proxy: bool,
        delay: float = REFUSAL_DELAY,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        visitors: VisitorLimits | None = None,
    ) -> None:
        self.app, self.buckets, self.behind_proxy = app, buckets, behind_proxy
        self.delay, self._sleep = delay, sleep
        self.visitors = visitors
        self._delayed = 0

    def _take(self, request: Request) -> float:
        visitor = None
        if self.visitors is not None:
            visitor = self.visitors.visitor_of(request.cookies.get(PASS_COOKIE))
            if visitor is not None and _is_page_stream(request):
                return 0.0  # checked first: the most frequent request a page makes
        address = network_key(client_ip(request, behind_proxy=self.behind_proxy))
        if self.visitors is not None and visitor is not None:
            return self.visitors.take(visitor, address)
        return self.buckets.take(address)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or LIMITED_PATH not in scope.get("path", ""):
            await self.app(scope, receive, send)
            return
        wait = self._take(Request(scope))
        if not wait:
            await self.app(scope, receive, send)
            return
        if self._delayed < MAX_DELAYED:
            self._delayed += 1
            try:
                await self._sleep(self.delay)
            finally:
                self._delayed -= 1
        seconds = max(1, math.ceil(wait))
        body = json.dumps({"error": MESSAGE.format(seconds=seconds)}).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"retry-after", str(seconds).encode()),
        ]
        await send({"type": "http.response.start", "status": 429, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _is_page_stream(request: Request) -> bool:
    """A page's event stream or heartbeat: it carries the results of events already
    counted, and a page that is refused one takes the connection as lost and reloads
    (Gradio's client does), so a visitor's page is never limited on these."""
    path = request.url.path
    return request.method == "GET" and ("/queue/data" in path or "/heartbeat/" in path)


def rate_limit_middleware(
    rate: float,
    *,
    public: bool,
    behind_proxy: bool,
    visitor_of: Callable[[str | None], str | None] | None = None,
) -> list[Middleware]:
    """The middleware list entry for `launch`: none in local mode or with `rate` 0.
    `visitor_of` reads the visitor pass; without it every request counts by address."""
    if not public or rate <= 0:
        return []
    buckets = RequestBuckets(rate, rate * BURST_SECONDS)
    visitors = VisitorLimits.build(rate, visitor_of) if visitor_of else None
    return [Middleware(RateLimit, buckets=buckets, behind_proxy=behind_proxy, visitors=visitors)]
