"""Fair sharing of one server among strangers: caps, rate limits, and closed tabs.

Every user may run one interview at a time (in every mode: a second tab finds the first
instead of starting another). In public-link mode, also: a cap on interviews running per
client address, starts per user and per address in a sliding hour, and new anonymous
users per address in a sliding hour. A closed tab releases its user's interview after a
short grace, unless another tab of that user is open or comes back (a refresh).

An address is counted by its network where one client usually holds many: an IPv6
client by its /64 (a home or phone gets a whole /64 and may rotate through it freely),
an IPv4-mapped one as the IPv4 address it is.

A start is counted when it is reserved (`FairUse.reserve`), before anything launches: the
address's and the server's running slots and the hourly starts, every check and count in
one step under one lock, so simultaneous starts cannot all pass; a start that fails gives
its slots back. Limits raise `FairUseError`, whose message tells the candidate what to do;
state is kept in memory (a restart forgets the counters, never an interview).
"""

from __future__ import annotations

import collections
import ipaddress
import secrets
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

    def allows(self, key: str) -> bool:
        """Whether a hit for `key` would be within the limit now (nothing recorded)."""
        now = self._clock()
        return sum(1 for t in self._hits.get(key, ()) if now - t < self._window) < self._limit

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


@dataclass(frozen=True)
class _Held:
    address: str  # network_key of the client
    pool: str  # which launcher's slots: "local" or "workers"


class Reservation:
    """A start counted by `FairUse.reserve`: `started(session_id)` ties it to the session
    (before the launch, so an end reported at once still frees it); `release()` frees it
    when the start failed. Releasing twice, or after the session ended, does nothing."""

    def __init__(self, fair: FairUse, key: str) -> None:
        self._fair = fair
        self.key = key

    def started(self, session_id: str) -> None:
        self._fair._bind(self, session_id)

    def release(self) -> None:
        self._fair._release(self)


class FairUse:
    """The public-link limits on starting interviews and minting anonymous users, and
    the count of interviews running per address and per server."""

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
        # what holds a running slot: a reservation's key until its session is known,
        # then the session id
        self._held: dict[str, _Held] = {}

    def reserve(
        self,
        user_id: str,
        ip: str | None,
        *,
        pool: str = "local",
        practice_link: str | None = None,
        server_slots: int | None = None,
    ) -> Reservation:
        """Count one start of `user_id` from `ip` before anything is launched, or raise
        `FairUseError` saying which limit refused it. Every check and every count happens
        in one step under the lock, so simultaneous starts cannot all pass a check none
        of them has yet counted. The reservation holds a running slot of the address (and
        of the server's `pool`, which has `server_slots`) until `ended()` of its session,
        or `release()` if the start failed; the hourly starts stay spent either way."""
        address = network_key(ip)
        with self._lock:
            if server_slots is not None:
                busy = sum(1 for h in self._held.values() if h.pool == pool)
                if busy >= server_slots:
                    raise FairUseError(
                        "All interview slots on this server are in use. Please try again "
                        "in a few minutes."
                    )
            if self.public:
                self._admit_public(user_id, address, practice_link)
            reservation = Reservation(self, secrets.token_hex(8))
            self._held[reservation.key] = _Held(address, pool)
        return reservation

    def _admit_public(self, user_id: str, address: str, practice_link: str | None) -> None:
        """The public-link limits; hits are recorded only when every one allows (lock held)."""
        running = sum(1 for h in self._held.values() if h.address == address)
        if running >= self.limits.running_per_ip:
            are = "interview is" if running == 1 else "interviews are"
            raise FairUseError(
                f"{running} {are} already running from your network, the most this server "
                "allows. Try again when one has ended."
            )
        windows = [(self._user_starts, user_id), (self._ip_starts, address)]
        if practice_link is not None:
            practice = [
                (self._practice_user, f"{practice_link} {user_id}"),
                (self._practice_ip, f"{practice_link} {address}"),
            ]
            if not all(window.allows(key) for window, key in practice):
                raise FairUseError(
                    "You have started several interviews through this practice link in the "
                    "last hour. Please try again later."
                )
            windows += practice
        if not all(window.allows(key) for window, key in windows[:2]):
            raise FairUseError(
                "You have started many interviews in the last hour. Please try again later."
            )
        for window, key in windows:
            window.allow(key)

    def running(self, ip: str | None) -> int:
        """Interviews running or starting from this address's network."""
        address = network_key(ip)
        with self._lock:
            return sum(1 for h in self._held.values() if h.address == address)

    def ended(self, session_id: str) -> None:
        """The session's interview ended: its slots are free."""
        with self._lock:
            self._held.pop(session_id, None)

    def _bind(self, reservation: Reservation, session_id: str) -> None:
        with self._lock:
            held = self._held.pop(reservation.key, None)
            if held is not None:
                self._held[session_id] = held
                reservation.key = session_id

    def _release(self, reservation: Reservation) -> None:
        with self._lock:
            self._held.pop(reservation.key, None)

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
