"""Reports candidates share with the coach of the practice link they practised through
(issue 16), the `Store`'s methods for them.

- only the candidate's own interview, started through a link, can be shared, and only
  with that link's coach; the candidate withdraws it at any time;
- a coach reads (and deletes from their console) only what was shared on their own links;
  anything else is "not found", as for a missing record.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tinydb import Query
from tinydb.table import Table

from mockflow.store.practice_links import PracticeLink
from mockflow.store.records import NotFoundError, check_user
from mockflow.store.session_files import feedback_path, read_feedback

Q = Query()
NOT_SHARED = "This report is not shared with you."


class PracticeShareMethods:
    """Mixed into `Store` (with `PracticeLinkMethods`, which provides `coach_link`)."""

    _link_uses: Table
    _shares: Table
    _lock: threading.RLock
    _clock: Callable[[], float]
    sessions_dir: Path

    if TYPE_CHECKING:

        def coach_link(self, user_id: str, link_id: str) -> PracticeLink: ...  # the links'

    # the candidate's side

    def share_with_coach(self, user_id: str, session_id: str, given_name: str) -> None:
        """Share one's own interview, started through a link, with that link's coach."""
        check_user(user_id)
        with self._lock:
            use = self._link_uses.get((Q.session_id == session_id) & (Q.candidate_id == user_id))
            if use is None:
                raise NotFoundError("This interview was not started through a practice link.")
            self._shares.upsert(
                {
                    "link_id": use["link_id"],
                    "candidate_id": user_id,
                    "session_id": session_id,
                    "given_name": given_name.strip()[:80],
                    "shared_at": self._clock(),
                },
                Q.session_id == session_id,
            )

    def withdraw_share(self, user_id: str, session_id: str) -> None:
        check_user(user_id)
        with self._lock:
            self._shares.remove((Q.session_id == session_id) & (Q.candidate_id == user_id))

    def is_shared(self, user_id: str, session_id: str) -> bool:
        check_user(user_id)
        with self._lock:
            return self._shares.contains((Q.session_id == session_id) & (Q.candidate_id == user_id))

    # the coach's side

    def shared_on_link(self, user_id: str, link_id: str) -> list[dict[str, Any]]:
        """The shares on one of the coach's links: session id, given name, when shared."""
        self.coach_link(user_id, link_id)
        with self._lock:
            docs = self._shares.search(Q.link_id == link_id)
            return sorted((dict(d) for d in docs), key=lambda d: -d["shared_at"])

    def shared_report(self, user_id: str, link_id: str, session_id: str) -> dict[str, Any] | None:
        """The stored report of one interview shared on one of the coach's links (None
        while it has none); "not found" if it is not shared with them, or no longer."""
        self.coach_link(user_id, link_id)
        with self._lock:
            if not self._shares.contains((Q.link_id == link_id) & (Q.session_id == session_id)):
                raise NotFoundError(NOT_SHARED)
            if not feedback_path(self.sessions_dir, session_id).is_file():
                return None  # never scored
            return read_feedback(self.sessions_dir, session_id)

    def shared_session_dir(self, user_id: str, link_id: str, session_id: str) -> Path:
        """The folder of an interview shared on one of the coach's links (its transcript),
        or "not found" if it is not shared with them, or no longer."""
        self.coach_link(user_id, link_id)
        with self._lock:
            if not self._shares.contains((Q.link_id == link_id) & (Q.session_id == session_id)):
                raise NotFoundError(NOT_SHARED)
            return self.sessions_dir / session_id

    def remove_share(self, user_id: str, link_id: str, session_id: str) -> None:
        """The coach deletes a shared report from their console (the candidate keeps it)."""
        self.coach_link(user_id, link_id)
        with self._lock:
            self._shares.remove((Q.link_id == link_id) & (Q.session_id == session_id))
