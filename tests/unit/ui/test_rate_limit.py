"""The per-address request rate limit: a token bucket per network (injected clock), and
the middleware answering 429 with Retry-After to the address over its rate only."""

from __future__ import annotations

import asyncio
import json

from mockflow.ui import rate_limit
from mockflow.ui.rate_limit import RateLimit, RequestBuckets, rate_limit_middleware


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_passes_then_the_sustained_rate():
    clock = Clock()
    buckets = RequestBuckets(rate=10, burst=60, clock=clock)
    assert all(buckets.take("198.51.100.7") == 0.0 for _ in range(60))
    wait = buckets.take("198.51.100.7")
    assert 0.09 < wait <= 0.1  # one token comes back every 0.1 s
    clock.now += 1.0
    assert sum(buckets.take("198.51.100.7") == 0.0 for _ in range(20)) == 10


def test_one_address_spending_its_bucket_leaves_the_others_theirs():
    buckets = RequestBuckets(rate=10, burst=5, clock=Clock())
    for _ in range(50):
        buckets.take("198.51.100.7")
    assert buckets.take("203.0.113.5") == 0.0


def test_a_person_polling_every_second_is_never_refused():
    clock = Clock()
    buckets = RequestBuckets(rate=10, burst=100, clock=clock)
    for _ in range(600):  # ten minutes: a poll (two requests) and a reply's stream a second
        assert all(buckets.take("198.51.100.7") == 0.0 for _ in range(3))
        clock.now += 1.0


def test_idle_addresses_are_forgotten_and_memory_is_bounded(monkeypatch):
    clock = Clock()
    buckets = RequestBuckets(rate=10, burst=20, clock=clock)
    for n in range(1000):  # one-off visitors
        buckets.take(f"2001:db8::{n:x}")
    clock.now += 2.0  # every bucket has refilled
    buckets.take("198.51.100.7")
    assert len(buckets) == 1
    monkeypatch.setattr(rate_limit, "MAX_ADDRESSES", 100)
    for n in range(500):  # a spread of addresses within one refill time
        buckets.take(f"203.0.{n // 256}.{n % 256}")
    assert len(buckets) <= 100


class Waits:
    """Stands in for asyncio.sleep: records each delay and returns at once."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


class App:
    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self, scope, receive, send):
        self.calls += 1
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


def _request(middleware, path: str, peer: str, forwarded: str | None = None):
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
    scope = {
        "type": "http",
        "method": "POST",
        "path": path,
        "headers": headers,
        "client": (peer, 50000),
        "query_string": b"",
    }
    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": b""}

    async def send(message):
        sent.append(message)

    asyncio.run(middleware(scope, receive, send))
    start = sent[0]
    return start["status"], dict(start["headers"]), sent[1]["body"]


def test_an_address_over_its_rate_gets_429_with_retry_after_and_a_plain_message():
    app, waits = App(), Waits()
    middleware = RateLimit(app, RequestBuckets(rate=1, burst=3), behind_proxy=False, sleep=waits)
    for _ in range(3):
        assert _request(middleware, "/gradio_api/call/poll", "198.51.100.7")[0] == 200
    status, headers, body = _request(middleware, "/gradio_api/call/poll", "198.51.100.7")
    assert status == 429 and headers[b"retry-after"] == b"1"
    assert json.loads(body) == {
        "error": "Too many requests from your network. Please wait 1 s and try again."
    }
    assert app.calls == 3  # the refused request never reached the app
    assert waits.delays == [1.0]  # and was answered a second late, not at once
    assert _request(middleware, "/gradio_api/call/poll", "203.0.113.5")[0] == 200
    assert _request(middleware, "/assets/index.js", "198.51.100.7")[0] == 200  # not limited


def test_behind_a_trusted_proxy_the_forwarded_client_is_limited_not_the_proxy():
    middleware = RateLimit(App(), RequestBuckets(rate=1, burst=2), behind_proxy=True, sleep=Waits())
    for _ in range(2):
        _request(middleware, "/gradio_api/queue/join", "10.0.0.2", "198.51.100.7")
    assert _request(middleware, "/gradio_api/queue/join", "10.0.0.2", "198.51.100.7")[0] == 429
    assert _request(middleware, "/gradio_api/queue/join", "10.0.0.2", "203.0.113.5")[0] == 200


def test_an_ipv6_client_is_limited_by_its_64_however_it_rotates():
    middleware = RateLimit(
        App(), RequestBuckets(rate=1, burst=2), behind_proxy=False, sleep=Waits()
    )
    for n in range(2):
        _request(middleware, "/gradio_api/upload", f"2001:db8:7:1::{n + 1:x}")
    assert _request(middleware, "/gradio_api/upload", "2001:db8:7:1::99")[0] == 429


def test_the_limit_is_on_in_public_mode_only_and_can_be_turned_off():
    assert rate_limit_middleware(10, public=False, behind_proxy=False) == []
    assert rate_limit_middleware(0, public=True, behind_proxy=False) == []
    (entry,) = rate_limit_middleware(10, public=True, behind_proxy=False)
    assert entry.kwargs["buckets"].burst == 50  # five seconds' worth


def test_refusals_wait_only_so_many_at_once(monkeypatch):
    """Past `MAX_DELAYED` waiting refusals, the next is answered at once: a flood cannot
    pile up held connections without bound."""
    monkeypatch.setattr(rate_limit, "MAX_DELAYED", 2)
    release = asyncio.Event()
    waits: list[float] = []

    async def held(seconds: float) -> None:
        waits.append(seconds)
        await release.wait()

    middleware = RateLimit(App(), RequestBuckets(rate=1, burst=1), behind_proxy=False, sleep=held)

    async def flood() -> list[int]:
        statuses: list[int] = []

        async def one() -> None:
            sent: list[dict] = []

            async def send(message):
                sent.append(message)

            scope = {"type": "http", "path": "/gradio_api/info", "headers": [],
                     "client": ("198.51.100.7", 1), "query_string": b""}  # fmt: skip
            await middleware(scope, None, send)
            statuses.append(sent[0]["status"])

        first = [asyncio.ensure_future(one()) for _ in range(5)]
        while len(statuses) < 2:  # 1 served, then 2 held and 2 answered at once
            await asyncio.sleep(0)
        release.set()
        await asyncio.gather(*first)
        return statuses

    statuses = asyncio.run(flood())
    assert sorted(statuses) == [200, 429, 429, 429, 429] and len(waits) == 2
