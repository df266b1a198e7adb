"""The per-address request rate limit: a token bucket per network (injected clock), and
the middleware answering 429 with Retry-After to the address over its rate only."""

from __future__ import annotations

import asyncio
import json

from mockflow.ui import rate_limit
from mockflow.ui.rate_limit import (
    ADDRESS_SHARE,
    RateLimit,
    RequestBuckets,
    VisitorLimits,
    rate_limit_middleware,
)
from mockflow.ui.upload_gate import PASS_COOKIE, UploadPasses


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


def _request(
    middleware,
    path: str,
    peer: str,
    forwarded: str | None = None,
    cookie: str | None = None,
    method: str = "POST",
):
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    scope = {
        "type": "http",
        "method": method,
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
    assert entry.kwargs["visitors"] is None
    (entry,) = rate_limit_middleware(
        10, public=True, behind_proxy=False, visitor_of=PASSES.visitor_of
    )
    assert entry.kwargs["visitors"].visitors.burst == 50
    assert entry.kwargs["visitors"].addresses.rate == 10 * ADDRESS_SHARE


PASSES = UploadPasses(b"k" * 32)


def _with_visitors(rate: float = 1) -> RateLimit:
    return RateLimit(
        App(),
        RequestBuckets(rate=rate, burst=rate * 2),
        behind_proxy=False,
        sleep=Waits(),
        visitors=VisitorLimits.build(rate, PASSES.visitor_of),
    )


def _page(middleware: RateLimit, visitor_pass: str | None, peer: str = "198.51.100.7") -> int:
    cookie = f"{PASS_COOKIE}={visitor_pass}" if visitor_pass else None
    return _request(middleware, "/gradio_api/queue/join", peer, cookie=cookie)[0]


def test_people_behind_one_address_each_have_their_own_rate():
    """A class behind one NAT address: one person's burst spends their own bucket only."""
    middleware = _with_visitors()
    ana, ben = PASSES.issue(), PASSES.issue()
    burst = int(rate_limit.BURST_SECONDS)  # rate 1: five requests at once
    assert [_page(middleware, ana) for _ in range(burst + 1)][-1] == 429
    assert all(_page(middleware, ben) == 200 for _ in range(burst))
    # a script on that address without a pass has the one-person allowance of its own
    assert all(_page(middleware, None) == 200 for _ in range(2))
    assert _page(middleware, None) == 429


def test_many_passes_from_one_address_share_a_bounded_allowance():
    """Minting a pass per request (a page load each) does not lift the address's limit."""
    middleware = _with_visitors()
    allowed = int(rate_limit.BURST_SECONDS * ADDRESS_SHARE)
    statuses = [_page(middleware, PASSES.issue()) for _ in range(allowed + 20)]
    assert statuses.count(200) == allowed and statuses[-1] == 429
    assert _page(middleware, PASSES.issue(), peer="203.0.113.5") == 200  # another address


def test_a_pages_event_stream_and_heartbeat_are_never_refused():
    """Gradio's page reloads itself when its stream is refused: only the events count."""
    middleware = _with_visitors()
    cookie = f"{PASS_COOKIE}={PASSES.issue()}"
    streams = ["/gradio_api/queue/data", "/gradio_api/heartbeat/abc"] * 20
    served = {
        _request(middleware, p, "198.51.100.7", cookie=cookie, method="GET")[0] for p in streams
    }
    assert served == {200}
    # without a pass they count like any request
    alone = [_request(middleware, streams[0], "203.0.113.5", method="GET")[0] for _ in range(3)]
    assert alone == [200, 200, 429]


def test_a_forged_pass_counts_as_no_pass():
    middleware = _with_visitors()
    forged = PASSES.issue().split(".")[0] + ".not-the-signature"
    assert [_page(middleware, forged) for _ in range(3)] == [200, 200, 429]


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
