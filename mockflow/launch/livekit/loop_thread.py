"""One private asyncio loop in a daemon thread, for synchronous callers of async APIs.

The app's Gradio handlers run in threads; the livekit-api client is async. One loop per
owner (not `asyncio.run` per call) keeps one HTTP session and its connections alive.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class LoopThread:
    """One asyncio loop in a daemon thread; `run` blocks the calling thread for a result."""

    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float) -> T:
        """The coroutine's result; raises its exception, `TimeoutError`, or
        `concurrent.futures.CancelledError` once the loop stops."""
        try:
            future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        except RuntimeError:  # the loop is closed
            coro.close()
            raise concurrent.futures.CancelledError() from None
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise TimeoutError() from None

    def stop(self, timeout: float = 5.0) -> None:
        """Cancel what still runs on the loop, then stop and close it."""
        if self.loop.is_closed():
            return
        if self._thread.is_alive():
            cancelling = asyncio.run_coroutine_threadsafe(_cancel_others(), self.loop)
            with contextlib.suppress(concurrent.futures.TimeoutError):
                cancelling.result(timeout)
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(timeout)
        if not self._thread.is_alive():
            self.loop.close()


async def _cancel_others() -> None:
    me = asyncio.current_task()
    others = [task for task in asyncio.all_tasks() if task is not me]
    for task in others:
        task.cancel()
    await asyncio.gather(*others, return_exceptions=True)
