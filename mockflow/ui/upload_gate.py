"""Who may upload, how much, and where it fits: the gate in front of Gradio's upload route.

Gradio's `/gradio_api/upload` takes files from anyone and keeps them in its cache, on
the data folder's disk, until its hourly cleanup. The gate refuses an upload, with a
plain-text reason the page shows, when:

- the data folder's disk is under the free-disk floor (507; `mockflow.app.disk`);
- on a public link, the request carries no upload pass (403). The pass is an HttpOnly
  cookie the server signs and sets with the page itself: the upload route cannot see the
  page's identity (it lives in the browser's storage), so a visitor is whoever loaded
  the page; a script that never loaded it has none;
- on a public link, the visitor (by pass) or the address has used its hour's uploads or
  bytes (429): `uploads_per_hour` and `upload_mb_per_hour` per visitor, three times that
  per address;
- the upload cache would pass its quota (`upload_cache_mb`, 413), counting uploads under
  way, so that simultaneous uploads cannot overshoot it together.

The size of an upload is its declared Content-Length (a browser always sends one; a
request without one is refused, 411); Gradio's own `max_file_size` still limits a file.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockflow.app.disk import disk_state
from mockflow.app.fair_use import client_ip
from mockflow.config import Settings

PASS_COOKIE = "mockflow_upload"
PASS_SECONDS = 7 * 86400
WINDOW_SECONDS = 3600.0
PER_ADDRESS = 3  # an address may upload this many visitors' worth
MAX_TRACKED = 10_000  # visitors and addresses remembered; the oldest are forgotten first
MB = 1024 * 1024

NO_PASS = "To upload a file, open this page in your browser (or reload it) and try again."
NO_LENGTH = "The upload did not say its size; please try again from the page."
DISK_LOW = "Uploads are paused: the server is almost out of disk space. Paste the text instead."
CACHE_FULL = (
    "The server's upload space is full right now. Please try again in a while, or paste "
    "the text instead."
)
TOO_MANY = "Too many uploads in the last hour. Please try again later, or paste the text instead."
TOO_MUCH = "Too much uploaded in the last hour. Please try again later, or paste the text instead."


@dataclass(frozen=True)
class Refusal:
    status: int
    message: str


@dataclass
class UploadAllowance:
    """Uploads and bytes per key (a visitor, an address) over the last hour."""

    uploads: int
    bytes_: int
    clock: Callable[[], float] = time.monotonic
    _used: dict[str, deque[tuple[float, int]]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, keys: dict[str, int], size: int) -> Refusal | None:
        """Count one upload of `size` bytes against every key (key -> its multiple of the
        allowance), or none of them if any key has no room left."""
        now = self.clock()
        with self._lock:
            for key, times in keys.items():
                used = self._recent(key, now)
                if len(used) + 1 > self.uploads * times:
                    return Refusal(429, TOO_MANY)
                if sum(n for _, n in used) + size > self.bytes_ * times:
                    return Refusal(429, TOO_MUCH)
            for key in keys:
                self._used.setdefault(key, deque()).append((now, size))
            while len(self._used) > MAX_TRACKED:
                self._used.pop(next(iter(self._used)))
        return None

    def _recent(self, key: str, now: float) -> deque[tuple[float, int]]:
        used = self._used.get(key, deque())
        while used and used[0][0] < now - WINDOW_SECONDS:
            used.popleft()
        return used


@dataclass(frozen=True)
class UploadPasses:
    """Signs and checks the upload pass cookie; `repr` hides the key."""

    key: bytes = field(repr=False)

    def issue(self) -> str:
        visitor = secrets.token_urlsafe(16)
        return f"{visitor}.{self._sign(visitor)}"

    def visitor_of(self, value: str | None) -> str | None:
        if not value or value.count(".") != 1:
            return None
        visitor, signature = value.split(".")
        return visitor if hmac.compare_digest(signature, self._sign(visitor)) else None

    def _sign(self, visitor: str) -> str:
        digest = hmac.new(self.key, b"upload-pass:" + visitor.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode()[:32]


@dataclass
class UploadGate:
    """The decisions; `UploadGuard` is the middleware that asks them."""

    settings: Settings
    passes: UploadPasses
    allowance: UploadAllowance
    _in_flight: int = 0  # bytes of uploads admitted and not finished
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def build(cls, settings: Settings, key: bytes) -> UploadGate:
        allowance = UploadAllowance(
            settings.uploads_per_hour, int(settings.upload_mb_per_hour * MB)
        )
        return cls(settings, UploadPasses(key), allowance)

    def admit(self, request: Request) -> Refusal | int:
        """The upload's size if it may go ahead (reserved until `done(size)`), else why not."""
        if disk_state(self.settings).low:
            return Refusal(507, DISK_LOW)
        visitor = self.passes.visitor_of(request.cookies.get(PASS_COOKIE))
        if self.settings.public and visitor is None:
            return Refusal(403, NO_PASS)
        try:
            size = int(request.headers["content-length"])
        except (KeyError, ValueError):
            return Refusal(411, NO_LENGTH)
        with self._lock:
            if cache_bytes(self.settings.upload_cache_dir) + self._in_flight + size > int(
                self.settings.upload_cache_mb * MB
            ):
                return Refusal(413, CACHE_FULL)
            if self.settings.public:
                ip = client_ip(request, behind_proxy=self.settings.on_space) or "unknown"
                keys = {f"visitor:{visitor}": 1, f"address:{ip}": PER_ADDRESS}
                if (refused := self.allowance.take(keys, size)) is not None:
                    return refused
            self._in_flight += size
        return size

    def done(self, size: int) -> None:
        with self._lock:
            self._in_flight -= size

    def pass_cookie(self, secure: bool) -> str:
        """The Set-Cookie value of a new pass. On a Space the page runs in a frame of
        huggingface.co, where only a partitioned `SameSite=None` cookie is sent."""
        cookie = f"{PASS_COOKIE}={self.passes.issue()}; Path=/; HttpOnly; Max-Age={PASS_SECONDS}"
        if self.settings.on_space:
            return cookie + "; SameSite=None; Secure; Partitioned"
        return cookie + ("; SameSite=Strict; Secure" if secure else "; SameSite=Strict")


def cache_bytes(folder: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(folder):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                continue  # removed meanwhile (a claimed upload, the cleanup)
    return total


def is_upload(scope: Scope) -> bool:
    return (
        scope["type"] == "http"
        and scope.get("method") == "POST"
        and scope.get("path", "").endswith("/gradio_api/upload")
    )


class UploadGuard:
    """ASGI middleware: refuses uploads the gate refuses; gives each page a pass."""

    def __init__(self, app: ASGIApp, gate: UploadGate) -> None:
        self.app, self.gate = app, gate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if is_upload(scope):
            await self._upload(scope, receive, send)
        elif scope["type"] == "http" and scope.get("method") == "GET" and self.gate.settings.public:
            await self.app(scope, receive, self._with_pass(scope, send))
        else:
            await self.app(scope, receive, send)

    async def _upload(self, scope: Scope, receive: Receive, send: Send) -> None:
        decision = self.gate.admit(Request(scope))
        if isinstance(decision, Refusal):
            response = PlainTextResponse(decision.message, decision.status)
            await response(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self.gate.done(decision)

    def _with_pass(self, scope: Scope, send: Send) -> Send:
        """`send`, adding a pass to a page (an HTML response) whose browser has none."""
        if self.gate.passes.visitor_of(Request(scope).cookies.get(PASS_COOKIE)) is not None:
            return send
        secure = scope.get("scheme") == "https"

        async def add_pass(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = dict(message.get("headers", []))
                if headers.get(b"content-type", b"").startswith(b"text/html"):
                    cookie = self.gate.pass_cookie(secure).encode("latin-1")
                    message = {**message, "headers": [*message["headers"], (b"set-cookie", cookie)]}
            await send(message)

        return add_pass
