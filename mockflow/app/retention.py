"""Anonymous users idle for `Settings.anon_retention_days` are erased with everything of
theirs, through the same path as "Delete my data" (`Vault.delete_user_data`: keys,
sessions with their folders, feedback, templates, the user's folder, and the user's
records in every kept or damaged copy of the database).

Only anonymous visitors (`b_…` ids) are ever erased: the local user and Hugging Face
accounts keep their history. "Idle" means no page load, start, answer or poll was recorded
(`Store.touch`, at most hourly) and nothing was created since. The task runs once when
started and then every `interval` seconds, on its own thread, until `close()`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from mockflow.store.db import Store

log = logging.getLogger(__name__)

DAY_SECONDS = 86_400.0


class AnonymousRetention:
    """Erases idle anonymous users; `run_once` is the whole policy, the thread repeats it."""

    def __init__(
        self,
        store: Store,
        erase: Callable[[str], None],
        *,
        days: float,
        clock: Callable[[], float] = time.time,
        interval: float = DAY_SECONDS,
    ) -> None:
        self._store = store
        self._erase = erase
        self._days = days
        self._clock = clock
        self._interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> list[str]:
        """Erase every anonymous user idle for the retention period; return their ids."""
        if self._days <= 0:
            return []
        idle = self._store.idle_anonymous_users(self._clock() - self._days * DAY_SECONDS)
        erased = []
        for user_id in idle:
            try:
                self._erase(user_id)
            except Exception:
                log.exception("retention: couldn't erase an idle anonymous user")
                continue
            erased.append(user_id)
        if erased:
            log.info(
                "retention: erased %d anonymous user(s) idle %g+ days", len(erased), self._days
            )
        return erased

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="anon-retention", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5.0)

    def _loop(self) -> None:
        while True:
            try:
                self.run_once()
            except Exception:
                log.exception("retention: the run failed")
            if self._stop.wait(self._interval):
                return
