"""A dispatched interview's timeline, carried from its worker to the app through LiveKit.

The worker numbers its events 1, 2, … and keeps each one (`Outbox`) until the app
acknowledges it, sending it again every `RESEND_SECONDS` until then, so a worker that
cannot reach the app for a while buffers and catches up. The app (`Inbox`) is the one
writer of the session's `events.jsonl`: it appends an event only when it is the next one,
durably, then acknowledges everything it holds (a cumulative ack). An older number is a
duplicate or a replay: not written again, only acknowledged again. Nothing is lost when a
worker dies after an ack, and the app's file alone says where to resume after a restart
(`next_seq`: one event a line).

Trust: the room's other participants (the candidate's browser) can publish data, so a
packet counts only if (1) it carries an HMAC-SHA256 under a key derived from the LiveKit API
secret and the session id (`session_key`), and (2) its sender, as the LiveKit server stamped
it (identity and kind come from the token, which only holders of the API secret can mint),
is an agent, the same one for the whole interview. A packet that arrives before its sender
is known to the app's SDK has no sender yet; it rests on the MAC alone (waiting for the
sender would delay `ready` by a resend). The
app and its workers hold that secret already (the workers need it to register), so it
adds no new secret to distribute, survives an app restart, and binds every packet to its
session: a packet from another interview's room does not verify here. Acks are signed the
same way, or a participant could make a worker drop events the app never wrote; they come
from `APP_IDENTITY`, which is hidden, so the worker's SDK reports no participant for them
(as for server-sent data) and the MAC alone tells them apart.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mockflow.contracts.events import EVENT_TYPES

log = logging.getLogger("mockflow.timeline")

TIMELINE_TOPIC = "mockflow.timeline"
ACK_TOPIC = "mockflow.timeline.ack"
APP_IDENTITY = "mockflow-app"  # the app's hidden participant in each interview's room
RESEND_SECONDS = 1.0  # no ack progress this long: send the unacknowledged events again
WINDOW = 64  # events in flight at most
# A larger reliable data packet never arrives and would stall the timeline behind it
# (64 KiB measured through livekit-server 1.13; a typed answer is at most ~12 KB).
MAX_PACKET_BYTES = 48_000


def session_key(api_secret: str, session_id: str) -> bytes:
    """The HMAC key of one session's timeline packets (see the module docstring)."""
    message = b"mockflow.timeline\0" + session_id.encode("utf-8")
    return hmac.new(api_secret.encode("utf-8"), message, hashlib.sha256).digest()


def seal(key: bytes, session_id: str, body: dict[str, Any]) -> bytes:
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    packet = {"b": text, "m": _mac(key, session_id, text)}
    return json.dumps(packet, ensure_ascii=False).encode("utf-8")


def unseal(key: bytes, session_id: str, data: bytes) -> dict[str, Any] | None:
    """The packet's body if its MAC verifies, else None."""
    try:
        outer = json.loads(data)
        text, mac = outer["b"], outer["m"]
        if not (isinstance(text, str) and isinstance(mac, str)):
            return None
        if not hmac.compare_digest(_mac(key, session_id, text), mac):
            return None
        body = json.loads(text)
    except (ValueError, KeyError, TypeError):
        return None
    return body if isinstance(body, dict) else None


def _mac(key: bytes, session_id: str, text: str) -> str:
    message = session_id.encode("utf-8") + b"\0" + text.encode("utf-8")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _number(body: dict[str, Any], kind: str) -> int | None:
    n = body.get("n")
    if body.get("k") != kind or not isinstance(n, int) or isinstance(n, bool) or n < 0:
        return None
    return n


class Outbox:
    """The worker's side: events not yet acknowledged by the app, in order; thread-safe."""

    def __init__(
        self,
        session_id: str,
        key: bytes,
        clock: Callable[[], float],
        *,
        resend_seconds: float = RESEND_SECONDS,
        window: int = WINDOW,
    ) -> None:
        self.session_id = session_id
        self._key = key
        self._clock = clock
        self._resend = resend_seconds
        self._window = window
        self._lock = threading.Lock()
        self._pending: deque[tuple[int, bytes]] = deque()
        self._last = 0  # the last number given out
        self._sent = 0  # sent up to here since the last (re)send
        self._beats = 0
        self.acked = 0
        self._progress_at = clock()

    def push(self, event: dict[str, Any]) -> int:
        """Number `event` and keep it until acknowledged; returns its number."""
        with self._lock:
            self._last += 1
            packet = self._sealed(self._last, event)
            while len(packet) > MAX_PACKET_BYTES:
                shorter = _shortened(event)
                if shorter is None:
                    break
                event, packet = shorter, self._sealed(self._last, shorter)
            self._pending.append((self._last, packet))
            return self._last

    def _sealed(self, n: int, event: dict[str, Any]) -> bytes:
        return seal(self._key, self.session_id, {"k": "event", "n": n, "e": event})

    def to_send(self) -> list[bytes]:
        """Packets to send now: the new ones, or all unacknowledged ones (up to the
        window) once the app has acknowledged nothing for `resend_seconds`."""
        with self._lock:
            now = self._clock()
            if self._pending and now - self._progress_at >= self._resend:
                self._sent, self._progress_at = self.acked, now
            limit = self.acked + self._window
            due = [p for n, p in self._pending if self._sent < n <= limit]
            self._sent = max(self._sent, min(self._last, limit))
            return due

    def beat(self) -> bytes:
        """A signed heartbeat with a rising counter: the app's sign that the job lives."""
        with self._lock:
            self._beats += 1
            return seal(self._key, self.session_id, {"k": "beat", "n": self._beats})

    def on_ack(self, data: bytes, sender: str | None) -> bool:
        """Drop what an ack from the app covers; False for a packet that is no ack of it."""
        if sender not in (None, APP_IDENTITY):  # the app's participant is hidden: None
            return False
        body = unseal(self._key, self.session_id, data)
        upto = None if body is None else _number(body, "ack")
        if upto is None:
            return False
        with self._lock:
            while self._pending and self._pending[0][0] <= upto:
                self._pending.popleft()
            if upto > self.acked:
                self.acked, self._progress_at = min(upto, self._last), self._clock()
        return True

    @property
    def unacked(self) -> int:
        with self._lock:
            return len(self._pending)


class Inbox:
    """The app's side: verifies each packet and appends each event once, in order."""

    def __init__(
        self,
        session_id: str,
        key: bytes,
        append: Callable[[dict[str, Any]], object],
        *,
        next_seq: int = 1,
        on_beat: Callable[[int], None] | None = None,
    ) -> None:
        self.session_id = session_id
        self._key = key
        self._append = append  # raises when the app cannot write: then nothing is acked
        self._on_beat = on_beat
        self._lock = threading.Lock()
        self.next_seq = next_seq
        self.agent: str | None = None  # the one sender accepted, once it sent a valid packet
        self.beat = 0
        self.refused = 0
        self.duplicates = 0
        self.closed = False

    def receive(self, data: bytes, sender: str | None, *, from_agent: bool) -> bytes | None:
        """The ack to send back to `sender`, or None (a beat, or a refused packet)."""
        with self._lock:
            if self.closed:
                return None
            body = self._verified(data, sender, from_agent=from_agent)
            if body is None:
                return None
            if (beat := _number(body, "beat")) is not None:
                if beat > self.beat:
                    self.beat = beat
                    if self._on_beat is not None:
                        self._on_beat(beat)
                return None
            n, event = _number(body, "event"), body.get("e")
            if n is None or not _is_event(event):
                self._refuse("a malformed timeline packet")
                return None
            if n == self.next_seq:
                self._append(event)  # type: ignore[arg-type]  # checked by _is_event
                self.next_seq += 1
            elif n < self.next_seq:
                self.duplicates += 1  # a resend, or a replay: written once already
            return seal(self._key, self.session_id, {"k": "ack", "n": self.next_seq - 1})

    def close(self) -> None:
        """Write nothing more (the app is about to close the timeline itself)."""
        with self._lock:
            self.closed = True

    def _verified(
        self, data: bytes, sender: str | None, *, from_agent: bool
    ) -> dict[str, Any] | None:
        if sender is not None and not from_agent:
            self._refuse("a timeline packet from a participant that is not an agent")
            return None
        if sender is not None and self.agent is not None and sender != self.agent:
            self._refuse("a timeline packet from an agent that is not its interviewer")
            return None
        body = unseal(self._key, self.session_id, data)
        if body is None:
            self._refuse("a timeline packet whose signature does not verify")
            return None
        if sender is not None:
            self.agent = sender
        return body

    def _refuse(self, what: str) -> None:
        self.refused += 1
        log.warning("session %s: refused %s", self.session_id, what)


def _shortened(event: dict[str, Any]) -> dict[str, Any] | None:
    """`event` with its longest text halved, or None when it has no text to cut."""
    texts = [(len(v), k) for k, v in event.items() if isinstance(v, str) and len(v) > 64]
    if not texts:
        return None
    _, field = max(texts)
    return {**event, field: event[field][: len(event[field]) // 2] + "…", "shortened": True}


def _is_event(event: object) -> bool:
    return isinstance(event, dict) and event.get("type") in EVENT_TYPES


def next_seq_of(events_path: Path) -> int:
    """Where an app that writes `events_path` resumes: one more than its whole lines.
    A partial last line (the app died writing it) is cut off first."""
    try:
        data = events_path.read_bytes()
    except FileNotFoundError:
        return 1
    whole = data.rfind(b"\n") + 1
    if whole < len(data):
        with open(events_path, "r+b") as f:
            f.truncate(whole)
    return data[:whole].count(b"\n") + 1
