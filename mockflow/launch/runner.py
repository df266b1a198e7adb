"""The one interface the app runs interviews through, and what every runner shares.

Two runners implement it: `local.supervisor.Supervisor` (one agent process per interview
on this machine) and `livekit.dispatcher.Dispatcher` (interviews served by MockFlow
workers through LiveKit dispatch). Each keeps its sessions in a `registry.Registry`; the
app holds one runner for text and, in dispatch mode, a second for voice.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from types import TracebackType
from typing import Any, Protocol, Self

from mockflow.launch.session import SessionHandle, SessionStatus


class Runner(Protocol):
    def start(self, spec: Mapping[str, Any], *, wait: bool = True) -> SessionHandle: ...
    def send(self, session_id: str, command: Mapping[str, Any]) -> None: ...
    def end(self, session_id: str, reason: str = "user_ended", message: str = "") -> str: ...
    def status(self, session_id: str) -> SessionStatus: ...
    def resources(self, session_id: str) -> tuple[int, float]: ...
    def active_sessions(self) -> list[str]: ...
    def pool_pids(self) -> list[int]: ...
    def wait_pool_warm(self, timeout: float) -> bool: ...
    def reap_orphans(self) -> list[str]: ...
    def close(self) -> None: ...
    async def aclose(self) -> None: ...


class Closing:
    """`aclose` and the context manager, for a runner with a blocking `close`."""

    def close(self) -> None:
        raise NotImplementedError

    async def aclose(self) -> None:
        await asyncio.to_thread(self.close)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
