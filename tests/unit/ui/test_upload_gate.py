"""The upload gate's decisions: passes, the hourly allowance per visitor and address, the
cache's quota counting uploads under way (the route itself: test_disk_uploads.py)."""

from __future__ import annotations

from starlette.requests import Request

from mockflow.config import Settings
from mockflow.ui.upload_gate import (
    CACHE_FULL,
    NO_PASS,
    PASS_COOKIE,
    TOO_MANY,
    TOO_MUCH,
    Refusal,
    UploadAllowance,
    UploadGate,
    UploadPasses,
)

KEY = b"k" * 32


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def request(size: int, cookie: str | None = None, ip: str = "198.51.100.7") -> Request:
    headers = [(b"content-length", str(size).encode())]
    if cookie is not None:
        headers.append((b"cookie", f"{PASS_COOKIE}={cookie}".encode()))
    scope = {"type": "http", "method": "POST", "headers": headers, "client": (ip, 5000)}
    return Request(scope)


def test_a_pass_is_the_servers_own_and_cannot_be_forged():
    passes = UploadPasses(KEY)
    issued = passes.issue()
    visitor = passes.visitor_of(issued)
    assert visitor and issued.startswith(visitor)
    assert passes.visitor_of(f"{visitor}.{'A' * 32}") is None
    assert UploadPasses(b"other" * 8).visitor_of(issued) is None
    assert passes.visitor_of(None) is None and passes.visitor_of("a.b.c") is None


def test_the_allowance_counts_uploads_and_bytes_per_key_for_an_hour():
    clock = Clock()
    allowance = UploadAllowance(uploads=2, bytes_=100, clock=clock)
    one = {"visitor:a": 1, "address:x": 3}
    assert allowance.take(one, 10) is None and allowance.take(one, 10) is None
    assert allowance.take(one, 10) == Refusal(429, TOO_MANY)
    other = {"visitor:b": 1, "address:x": 3}
    assert allowance.take(other, 101) == Refusal(429, TOO_MUCH)
    assert allowance.take(other, 100) is None  # the refused one was not counted
    clock.now += 3601  # an hour on
    assert allowance.take(one, 10) is None


def test_an_address_gets_three_visitors_worth():
    allowance = UploadAllowance(uploads=1, bytes_=1000, clock=Clock())
    taken = [allowance.take({f"visitor:{n}": 1, "address:x": 3}, 1) for n in range(4)]
    assert taken == [None, None, None, Refusal(429, TOO_MANY)]


def test_the_gate_wants_a_pass_on_a_public_link_and_keeps_the_cache_quota(tmp_path):
    settings = Settings(data_dir=tmp_path, public=True, upload_cache_mb=1.0, min_free_mb=0)
    gate = UploadGate.build(settings, KEY)
    assert gate.admit(request(10)) == Refusal(403, NO_PASS)
    visitor = gate.passes.issue()
    first = gate.admit(request(600_000, visitor))
    assert first == 600_000
    # under way, not stored yet: a second one that would pass the quota with it is refused
    assert gate.admit(request(600_000, gate.passes.issue())) == Refusal(413, CACHE_FULL)
    gate.done(first)
    assert gate.admit(request(600_000, gate.passes.issue())) == 600_000


def test_locally_no_pass_is_needed(tmp_path):
    gate = UploadGate.build(Settings(data_dir=tmp_path, min_free_mb=0), KEY)
    assert gate.admit(request(10)) == 10
