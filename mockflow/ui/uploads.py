"""Which uploaded files a page may read: only one its own browser just sent.

Gradio's upload route answers with the file's path in its cache, and any caller can
then name any path in that cache to an upload listener. The middleware here notes each
path the upload route hands out, with the uploader's address; `claim` lets a page
session take a path only if it came from that route, from the same address, recently,
and no other session took it first. A claimed file is read once and then deleted; a
refused path is never touched.
"""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockflow.app.fair_use import client_ip

CLAIM_SECONDS = 15 * 60
MAX_ENTRIES = 4096


@dataclass
class _Upload:
    ip: str | None
    at: float
    session: str | None = None


@dataclass
class UploadLedger:
    clock: Callable[[], float] = time.monotonic
    _uploads: dict[str, _Upload] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, path: str, ip: str | None) -> None:
        with self._lock:
            self._forget_old()
            self._uploads[str(Path(path).resolve())] = _Upload(ip, self.clock())

    def claim(self, path: str, session: str | None, ip: str | None) -> bool:
        """True if `session` (from `ip`) may read the upload at `path`."""
        if not session:
            return False
        with self._lock:
            self._forget_old()
            upload = self._uploads.get(str(Path(path).resolve()))
            if upload is None or upload.ip != ip or upload.session not in (None, session):
                return False
            upload.session = session
            return True

    def discard(self, path: str) -> None:
        """Delete a claimed upload and its folder (Gradio makes one folder per file)."""
        resolved = Path(path).resolve()
        with self._lock:
            self._uploads.pop(str(resolved), None)
        resolved.unlink(missing_ok=True)
        folder = resolved.parent
        if folder.is_dir() and not any(folder.iterdir()):
            shutil.rmtree(folder, ignore_errors=True)

    def _forget_old(self) -> None:
        deadline = self.clock() - CLAIM_SECONDS
        stale = [p for p, u in self._uploads.items() if u.at < deadline]
        stale += list(self._uploads)[: max(0, len(self._uploads) - len(stale) - MAX_ENTRIES)]
        for path in stale:
            self._uploads.pop(path, None)


class UploadRecorder:
    """ASGI middleware: records the paths Gradio's upload route returns."""

    def __init__(self, app: ASGIApp, ledger: UploadLedger, behind_proxy: bool) -> None:
        self.app, self.ledger, self.behind_proxy = app, ledger, behind_proxy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        is_upload = (
            scope["type"] == "http"
            and scope.get("method") == "POST"
            and scope.get("path", "").endswith("/gradio_api/upload")
        )
        if not is_upload:
            await self.app(scope, receive, send)
            return
        ip = client_ip(Request(scope), behind_proxy=self.behind_proxy)
        status, body = 0, bytearray()

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body" and status == 200:
                body.extend(message.get("body", b""))
                if not message.get("more_body"):
                    self._note(bytes(body), ip)
            await send(message)

        await self.app(scope, receive, watch)

    def _note(self, body: bytes, ip: str | None) -> None:
        try:
            paths = json.loads(body)
        except ValueError:
            return
        for path in paths if isinstance(paths, list) else []:
            if isinstance(path, str):
                self.ledger.record(path, ip)
