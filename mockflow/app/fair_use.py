"""Fair sharing of one server among strangers: caps, rate limits, and closed tabs.

Every user may run one interview at a time (in every mode: a second tab finds the first
instead of starting another). In public-link mode, also: a cap on interviews running per
client address, starts per user and per address in a sliding hour, and new anonymous
users per address in a sliding hour. A closed tab releases its user's interview after a
short grace, unless another tab of that user is open or comes back (a refresh).

An address is counted by its network where one client usually holds many: an IPv6
client by its /64 (a home or phone gets a whole /64 and may rotate through it freely),
an IPv4-mapped one as the IPv4 address it is.

Limits raise `FairUseError`, whose message tells the candidate what to do; state is kept
in memory (a restart forgets the counters, never an interview).
"""

from __future__ import annotations

import collections
import ipaddress
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from mockflow.errors import MockflowError

HOUR = 3600.0


class FairUseError(MockflowError):
    """A fair-use limit refused the request; the message says which and what to do."""


@dataclass(frozen=True)
class FairUseLimits:
    running_per_ip: int = 3
    starts_per_hour: int = 10  # per user; an address gets three times as many
    new_users_per_hour: int = 30  # per address
    # through one coach's practice link (their keys pay): per visitor, and per address
    practice_starts_per_hour: int = 2


class SlidingWindow:
    """At most `limit` hits per key in any `window` seconds. Keys whose hits have all
    aged out are forgotten once a window, so strangers' addresses do not pile up."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float]) -> None:
        self._limit = limit
        self._window = window
        self._clock = clock
        self._hits: dict[str, collections.deque[float]] = {}
        self._swept = clock()

    def __len__(self) -> int:
        """How many keys are remembered."""
        return len(self._hits)

    def allow(self, key: str) -> bool:
        """Record a hit for `key` if it is within the limit; False (nothing recorded) if not."""
        now = self._clock()
        if now - self._swept >= self._window:
            self._hits = {k: h for k, h in self._hits.items() if h and now - h[-1] < self._window}
            self._swept = now
        hits = self._hits.setdefault(key, collections.deque())
        while hits and now - hits[0] >= self._window:
            hits.popleft()
        if len(hits) >= self._limit:
            return False
        hits.append(now)
        return True


class FairUse:
    """The public-link limits on starting interviews and minting anonymous users."""

    def __init__(
        self, limits: FairUseLimits, *, public: bool, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limits = limits
        self.public = public
        self._lock = threading.Lock()
        self._user_starts = SlidingWindow(limits.starts_per_hour, HOUR, clock)
        self._ip_starts = SlidingWindow(3 * limits.starts_per_hour, HOUR, clock)
        self._new_users = SlidingWindow(limits.new_users_per_hour, HOUR, clock)
        self._practice_user = SlidingWindow(limits.practice_starts_per_hour, HOUR, clock)
        self._practice_ip = SlidingWindow(3 * limits.practice_starts_per_hour, HOUR, clock)
        self._running: dict[str, str] = {}  # session id -> client address

    def admit_start(self, user_id: str, ip: str | None) -> None:
        """Raise `FairUseError` if this user or address may not start one more now."""
        if not self.public:
            return
        address = network_key(ip)
        with self._lock:
            running = sum(1 for a in self._running.values() if a == address)
            if running >= self.limits.running_per_ip:
                raise FairUseError(
                    f"{running} interviews are already running from your network, the most "
                    "this server allows. Try again when one has ended."
                )
            if not self._user_starts.allow(user_id) or not self._ip_starts.allow(address):
                raise FairUseError(
                    "You have started many interviews in the last hour. Please try again later."
                )

    def admit_practice_start(self, link_id: str, user_id: str, ip: str | None) -> None:
        """Raise `FairUseError` if this visitor (or address) has started too many
        interviews through this practice link in the last hour: a coach's keys pay for
        them, so a visitor minting new identities cannot drain the link."""
        if not self.public:
            return
        address = network_key(ip)
        with self._lock:
            by_user = self._practice_user.allow(f"{link_id} {user_id}")
            if not by_user or not self._practice_ip.allow(f"{link_id} {address}"):
                raise FairUseError(
                    "You have started several interviews through this practice link in the "
                    "last hour. Please try again later."
                )

    def started(self, session_id: str, ip: str | None) -> None:
        with self._lock:
            self._running[session_id] = network_key(ip)

    def ended(self, session_id: str) -> None:
        with self._lock:
            self._running.pop(session_id, None)

    def admit_new_user(self, ip: str | None) -> None:
        """Raise `FairUseError` if this address has minted too many anonymous users lately."""
        if not self.public:
            return
        with self._lock:
            if not self._new_users.allow(network_key(ip)):
                raise FairUseError(
                    "Too many new visitors from your network in the last hour. Please try "
                    "again later."
                )


class OpenTabs:
    """Which users have a page open; `on_last_close(user_id)` runs `grace` seconds after a
    user's last tab closed, unless one came back meanwhile."""

    def __init__(self, on_last_close: Callable[[str], None], *, grace: float = 20.0) -> None:
        self._on_last_close = on_last_close
        self._grace = grace
        self._lock = threading.Lock()
        self._tabs: dict[str, str] = {}  # browser session -> user id
        self._timers: dict[str, threading.Timer] = {}

    def opened(self, tab: str, user_id: str) -> None:
        with self._lock:
            self._tabs[tab] = user_id
            timer = self._timers.pop(user_id, None)
        if timer is not None:
            timer.cancel()

    def closed(self, tab: str) -> None:
        with self._lock:
            user_id = self._tabs.pop(tab, None)
            if user_id is None or user_id in self._tabs.values() or user_id in self._timers:
                return
            timer = threading.Timer(self._grace, self._expire, args=(user_id,))
            timer.daemon = True
            self._timers[user_id] = timer
        timer.start()

    def _expire(self, user_id: str) -> None:
        with self._lock:
            if self._timers.pop(user_id, None) is None or user_id in self._tabs.values():
                return
        self._on_last_close(user_id)

    def close(self) -> None:
        with self._lock:
            timers, self._timers = list(self._timers.values()), {}
        for timer in timers:
            timer.cancel()


def network_key(ip: str | None) -> str:
    """What an address is counted as: IPv4 as itself, IPv6 by its /64 network."""
    if not ip:
        return "unknown"
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def client_ip(request: object, *, behind_proxy: bool) -> str | None:
    """The client's address: the first X-Forwarded-For hop behind a trusted proxy (a
    Space), else the connection's peer."""
    if request is None:
        return None
    headers = getattr(request, "headers", None) or {}
    if behind_proxy:
        forwarded = headers.get("x-forwarded-for") or ""
        if first := forwarded.split(",")[0].strip():
            return first
    client = getattr(request, "client", None)
    return getattr(client, "host", None)
