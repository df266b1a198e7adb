"""Running an async fake server from sync code: on its own loop in a daemon thread.

A fake defines `async start()` and `async aclose()`; this mixin adds `async with` (inside
a test's loop), `with` (its own loop in a thread, for sync tests and subprocesses), and
`start_in_thread()` / `stop_thread()`.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any


class ThreadedServer:
    """Mixin for a fake with `async start()` and `async aclose()`."""

    _thread: threading.Thread | None = None
    _thread_loop: asyncio.AbstractEventLoop | None = None

    async def start(self) -> None:
        raise NotImplementedError

    async def aclose(self) -> None:
        raise NotImplementedError

    def start_in_thread(self) -> None:
        """Start on a new loop in a daemon thread; re-raise a failed start here."""
        loop = asyncio.new_event_loop()
        started = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self.start())
            except BaseException as exc:  # reported to the starting thread
                failure.append(exc)
            started.set()
            if not failure:
                loop.run_forever()
            loop.close()

        self._thread_loop = loop
        self._thread = threading.Thread(target=run, name=type(self).__name__, daemon=True)
        self._thread.start()
        started.wait()
        if failure:
            raise failure[0]

    def stop_thread(self) -> None:
        loop, thread = self._thread_loop, self._thread
        if loop is None or thread is None:
            return
        if not loop.is_closed():
            asyncio.run_coroutine_threadsafe(self.aclose(), loop).result(timeout=10)
            loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        self._thread_loop = self._thread = None

    async def __aenter__(self) -> Any:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def __enter__(self) -> Any:
        self.start_in_thread()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop_thread()
