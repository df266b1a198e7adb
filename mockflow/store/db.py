"""The app's database: users, session index, feedback index and templates (TinyDB).

Written only by the app process, through `AtomicJSONStorage` (see `mockflow.store.atomic_json`):
every write is atomic, and one lock serialises every operation.

Every read and write of a user's data takes that user's id and matches it: there is no
function that lists or fetches another user's sessions, feedback, keys or templates. A
record asked for under the wrong user id is "not found", exactly like a missing one. The
one cross-user function, `sessions_left_running`, exists for the supervisor's reaping at
app start.

After a damaged database was replaced by a kept copy (or, with no valid copy, started
empty), the session index is completed from the session folders (`mockflow.store.recovery`), the
event is recorded in the `recoveries` table, and each user who had data then is told once
(`recovery_notice`). The last activity of a user is stamped at most once an hour
(`touch`), so that idle anonymous users can be found (`idle_anonymous_users`) and erased.

Transcripts stay in `<session_dir>/events.jsonl` and feedback reports in
`<session_dir>/feedback.json` (written atomically); the database keeps only what the
History lists need, because TinyDB rewrites the whole file on every write.

A status change the disk refuses (full, read-only) is not lost: it is kept in memory,
shown by every read, and written again on the next access to the store and every
`STATUS_RETRY_SECONDS` until the folder takes it (a session must not stay "running" in
the History after it ended).
"""

from __future__ import annotations

import copy
import logging
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tinydb import Query, TinyDB

from mockflow.contracts.ids import (
    is_browser_id,
    is_issued_session_id,
    new_session_id,
)
from mockflow.private_files import make_private_dir
from mockflow.store.atomic_json import (
    AtomicJSONStorage,
    CorruptDatabaseError,
    DatabaseInUseError,
    DataDirNotWritableError,
    OnCorrupt,
    StoreError,
)
from mockflow.store.practice_links import PracticeLinkMethods
from mockflow.store.practice_shares import PracticeShareMethods
from mockflow.store.records import (
    ACTIVE_STATUSES,
    ENDED_STATUSES,
    MODES,
    STATUSES,
    NotFoundError,
    SessionRecord,
    TemplateRecord,
    check_user,
    encode_json,
    from_doc,
    status_changes,
    to_doc,
)
from mockflow.store.recovery import (
    complete_index,
    forget_user_in_damaged,
    notice_text,
    owned_session_folders,
    recovery_record,
    strip_secrets,
)
from mockflow.store.session_files import (
    read_feedback,
    remove_session_dir,
    remove_user_dir,
    write_feedback,
)
from mockflow.store.templates import TemplateMethods

if TYPE_CHECKING:
    from mockflow.config import Settings

__all__ = [
    "CorruptDatabaseError",
    "DataDirNotWritableError",
    "DatabaseInUseError",
    "NotFoundError",
    "SessionRecord",
    "Store",
    "StoreError",
    "TemplateRecord",
]

log = logging.getLogger(__name__)

MAX_TEMPLATE_BYTES = 32_000
TOUCH_EVERY_SECONDS = 3600.0  # last activity is stamped at most this often per user
STATUS_RETRY_SECONDS = 5.0  # a status change the disk refused is written again this often

Q = Query()


class Store(TemplateMethods, PracticeLinkMethods, PracticeShareMethods):
    """The database. Thread-safe: one lock serialises every operation (Gradio runs
    handlers in threads and TinyDB's read-modify-write is not atomic on its own)."""

    def __init__(
        self,
        db_path: Path,
        sessions_dir: Path,
        *,
        clock: Callable[[], float] = time.time,
        on_corrupt: OnCorrupt = "quarantine",
        orphan_owner: str | None = None,
        users_dir: Path | None = None,
    ) -> None:
        self.sessions_dir = Path(sessions_dir)
        # per-user files (reports) live in `<data_dir>/users/<user_id>/`
        self.users_dir = Path(users_dir) if users_dir else self.sessions_dir.parent / "users"
        self._clock = clock
        self._lock = threading.RLock()
        self._touched: dict[str, float] = {}
        self._unsaved: dict[str, dict[str, Any]] = {}  # session id -> status changes
        self._retry_timer: threading.Timer | None = None
        self._tried_at = float("-inf")  # the last attempt to save them (monotonic)
        self._db = TinyDB(db_path, storage=AtomicJSONStorage, on_corrupt=on_corrupt)
        try:
            make_private_dir(self.sessions_dir)
        except OSError:
            log.warning("the sessions folder can't be created yet")
        self._users = self._db.table("users", cache_size=0)
        self._sessions = self._db.table("sessions", cache_size=0)
        self._feedback = self._db.table("feedback", cache_size=0)
        self._templates = self._db.table("templates", cache_size=0)
        self._links = self._db.table("practice_links", cache_size=0)
        self._link_uses = self._db.table("practice_link_uses", cache_size=0)
        self._shares = self._db.table("shared_reports", cache_size=0)
        self._invites = self._db.table("coach_invites", cache_size=0)
        self._recoveries = self._db.table("recoveries", cache_size=0)
        if (recovery := self._storage.recovery) is not None:
            strip_secrets(recovery.damaged)  # the copy kept aside keeps no keys
            rebuilt = complete_index(
                self._sessions, self._feedback, self._users, self.sessions_dir, orphan_owner
            )
            self._recoveries.insert(recovery_record(recovery, rebuilt, self._clock()))

    @classmethod
    def open(cls, settings: Settings, *, on_corrupt: OnCorrupt = "quarantine") -> Store:
        """Open the store of `settings.data_dir`; in local mode a session folder that names
        no owner (written by an older version) belongs to the local user."""
        orphan_owner = None if settings.public else "local"
        return cls(
            settings.db_path,
            settings.sessions_dir,
            on_corrupt=on_corrupt,
            orphan_owner=orphan_owner,
            users_dir=settings.data_dir / "users",
        )

    @property
    def _storage(self) -> AtomicJSONStorage:
        return self._db.storage  # type: ignore[return-value]

    @property
    def recovered_from(self) -> Path | None:
        """Where a damaged database file was moved at open, if it was."""
        return self._storage.recovered_from

    def last_recovery(self) -> dict[str, Any] | None:
        """The latest recovery of a damaged database (for the operator: no user data)."""
        with self._lock:
            docs = self._recoveries.all()
            return dict(max(docs, key=lambda d: d["at"])) if docs else None

    def close(self) -> None:
        with self._lock:
            if self._retry_timer is not None:
                self._retry_timer.cancel()
            self._save_unsaved(now=True)
            if self._unsaved:
                log.error("closing with unsaved status changes of sessions %s", list(self._unsaved))
            self._unsaved.clear()
            self._db.close()

    # users and their (already encrypted) keys

    def ensure_user(self, user_id: str) -> None:
        check_user(user_id)
        with self._lock:
            if not self._users.contains(Q.user_id == user_id):
                self._users.insert({"user_id": user_id, "created_at": self._clock()})

    def get_user_keys(self, user_id: str) -> dict[str, Any] | None:
        check_user(user_id)
        with self._lock:
            doc = self._users.get(Q.user_id == user_id)
            keys = doc.get("keys") if doc else None
            return copy.deepcopy(keys)

    def set_user_keys(self, user_id: str, keys: dict[str, Any] | None) -> None:
        """Store the vault's record for this user; `None` removes it."""
        check_user(user_id)
        with self._lock:
            self.ensure_user(user_id)
            if keys is None:
                self._users.update(lambda doc: doc.pop("keys", None), Q.user_id == user_id)
            else:
                self._users.update({"keys": copy.deepcopy(keys)}, Q.user_id == user_id)

    # sessions

    def create_session(
        self, user_id: str, *, role: str, track: str, level: str, mode: str
    ) -> SessionRecord:
        check_user(user_id)
        if mode not in MODES:
            raise ValueError(f"mode must be one of {sorted(MODES)}")
        session_id = new_session_id()
        record = SessionRecord(
            id=session_id,
            user_id=user_id,
            created_at=self._clock(),
            role=role,
            track=track,
            level=level,
            mode=mode,
            status="starting",
            session_dir=str(self.sessions_dir / session_id),
        )
        with self._lock:
            self.ensure_user(user_id)
            self._sessions.insert(to_doc(record))
        return record

    def get_session(self, user_id: str, session_id: str) -> SessionRecord:
        with self._lock:
            self._save_unsaved()
            return from_doc(SessionRecord, self._as_known(self._session_doc(user_id, session_id)))

    def list_sessions(self, user_id: str, limit: int | None = None) -> list[SessionRecord]:
        """This user's interviews, newest first."""
        check_user(user_id)
        with self._lock:
            self._save_unsaved()
            docs = [self._as_known(d) for d in self._sessions.search(Q.user_id == user_id)]
            docs.sort(key=lambda d: d["created_at"], reverse=True)
            return [from_doc(SessionRecord, d) for d in docs[:limit]]

    def set_status(
        self,
        user_id: str,
        session_id: str,
        status: str,
        *,
        end_reason: str | None = None,
        summary: dict[str, Any] | None = None,
    ) -> SessionRecord:
        """Move a session to `status`, stamping start or end time and duration.

        An ended session never becomes active again: a late "running" (its start raced its
        end) leaves it as it is."""
        if status not in STATUSES:
            raise ValueError(f"status must be one of {sorted(STATUSES)}")
        with self._lock:
            self._save_unsaved()
            stored = self._session_doc(user_id, session_id)
            doc = self._as_known(stored)
            if doc["status"] in ENDED_STATUSES and status in ACTIVE_STATUSES:
                return from_doc(SessionRecord, doc)
            changes = status_changes(doc, status, self._clock())
            if end_reason is not None:
                changes["end_reason"] = end_reason
            if summary is not None:
                encode_json(summary, "summary")
                changes["summary"] = {**doc.get("summary", {}), **copy.deepcopy(summary)}
            self._write_status(stored.doc_id, session_id, changes)
            return from_doc(SessionRecord, {**doc, **changes})

    def delete_session(self, user_id: str, session_id: str) -> None:
        """Delete one ended interview with its feedback and its folder."""
        with self._lock:
            doc = self._session_doc(user_id, session_id)
            if self._as_known(doc)["status"] in ACTIVE_STATUSES:
                raise StoreError("This interview is still running; end it before deleting it.")
            self._remove_sessions(user_id, [doc])

    def sessions_left_running(self) -> list[SessionRecord]:
        """Sessions of every user still marked starting/running: for the supervisor's
        reaping at app start only. Nothing else may list across users."""
        with self._lock:
            self._save_unsaved()
            docs = self._sessions.search(Q.status.one_of(sorted(ACTIVE_STATUSES)))
            known = [self._as_known(d) for d in docs]
            return [from_doc(SessionRecord, d) for d in known if d["status"] in ACTIVE_STATUSES]

    # feedback

    def save_feedback(self, user_id: str, session_id: str, report: dict[str, Any]) -> None:
        """Store (or replace) the feedback report of one of this user's sessions.

        The report is written atomically to `<session_dir>/feedback.json`; the database
        keeps only an index entry, so reports never make database writes dearer."""
        payload = encode_json(report, "feedback report")
        with self._lock:
            self._session_doc(user_id, session_id)
            write_feedback(self.sessions_dir, session_id, payload)
            doc = {"user_id": user_id, "session_id": session_id, "created_at": self._clock()}
            self._feedback.upsert(doc, _owned(user_id) & (Q.session_id == session_id))

    def get_feedback(self, user_id: str, session_id: str) -> dict[str, Any] | None:
        """The report, or None if the session has none yet; NotFoundError if the session
        is not this user's."""
        with self._lock:
            self._session_doc(user_id, session_id)
            if not self._feedback.contains(_owned(user_id) & (Q.session_id == session_id)):
                return None
            return read_feedback(self.sessions_dir, session_id)

    # everything of one user

    def delete_user_data(self, user_id: str) -> None:
        """Remove the user's keys, sessions (with folders), feedback and templates. The
        caller stops the user's running interviews first."""
        check_user(user_id)
        with self._lock:
            self._remove_sessions(user_id, self._sessions.search(_owned(user_id)))
            self._feedback.remove(_owned(user_id))
            self._templates.remove(_owned(user_id))
            self.forget_practice_candidate(user_id)
            self.forget_practice_coach(user_id)
            self._users.remove(_owned(user_id))
            self._touched.pop(user_id, None)
            self._storage.forget_copies()  # the kept copies hold the user's data too
            forget_user_in_damaged(self._storage.path, user_id)
        for folder in owned_session_folders(self.sessions_dir, user_id):  # unindexed ones
            remove_session_dir(self.sessions_dir, folder.name)
        remove_user_dir(self.users_dir, user_id)

    # recovery of a damaged database

    def recovery_notice(self, user_id: str) -> str | None:
        """What to tell this user, once, after the database was recovered while they had
        data in it (flagged at the recovery); later calls return None."""
        check_user(user_id)
        with self._lock:
            recovery = self.last_recovery()
            user = self._users.get(Q.user_id == user_id)
            if recovery is None or user is None or not user.get("recovery_pending"):
                return None
            self._users.update(lambda doc: doc.pop("recovery_pending"), doc_ids=[user.doc_id])
        return notice_text(recovery)

    # activity, for the retention of anonymous users

    def touch(self, user_id: str) -> None:
        """Note that the user is active; writes at most once per TOUCH_EVERY_SECONDS."""
        check_user(user_id)
        now = self._clock()
        if now - self._touched.get(user_id, float("-inf")) < TOUCH_EVERY_SECONDS:
            return
        with self._lock:
            self._touched[user_id] = now
            doc = self._users.get(Q.user_id == user_id)
            if doc is None:
                self._users.insert({"user_id": user_id, "created_at": now, "last_seen": now})
            elif now - doc.get("last_seen", float("-inf")) >= TOUCH_EVERY_SECONDS:
                self._users.update({"last_seen": now}, doc_ids=[doc.doc_id])

    def idle_anonymous_users(self, idle_since: float) -> list[str]:
        """Anonymous users with no activity at or after `idle_since` and no interview
        running: for the retention task only. Nothing else may list across users."""
        with self._lock:
            last: dict[str, float] = {}
            busy: set[str] = set()
            rows = [
                *((d, ("created_at", "last_seen")) for d in self._users.all()),
                *((d, ("created_at", "ended_at")) for d in self._sessions.all()),
                *((d, ("updated_at",)) for d in self._templates.all()),
                *((d, ("created_at",)) for d in self._feedback.all()),
            ]
            for doc, stamps in rows:
                user = doc.get("user_id")
                if not is_browser_id(user):
                    continue
                if doc.get("coach"):  # a coach's links outlive their visits
                    busy.add(user)
                seen = max((doc.get(k) or 0.0 for k in stamps), default=0.0)
                last[user] = max(last.get(user, 0.0), seen)
                if doc.get("status") in ACTIVE_STATUSES:
                    busy.add(user)
        return sorted(u for u, t in last.items() if t < idle_since and u not in busy)

    # status changes the disk refused, kept until it takes them

    def _write_status(self, doc_id: int, session_id: str, changes: dict[str, Any]) -> None:
        changes = {**self._unsaved.pop(session_id, {}), **changes}
        try:
            self._sessions.update(changes, doc_ids=[doc_id])
        except StoreError:
            self._unsaved[session_id] = changes
            log.error(
                "session %s: its status %r couldn't be saved; kept to save again",
                session_id,
                changes.get("status"),
            )
            self._retry_later()

    def _as_known(self, doc: Any) -> dict[str, Any]:
        """`doc` with the status changes not saved yet."""
        return {**doc, **self._unsaved.get(doc["id"], {})}

    def _save_unsaved(self, *, now: bool = False) -> None:
        """Write the kept status changes; stop at the first the disk still refuses. On an
        access, at most once a second (`now`: the timer's and close's attempts)."""
        if not self._unsaved or (not now and time.monotonic() - self._tried_at < 1.0):
            return
        self._tried_at = time.monotonic()
        for session_id, changes in list(self._unsaved.items()):
            doc = self._sessions.get(Q.id == session_id)
            if doc is None:  # deleted meanwhile
                self._unsaved.pop(session_id, None)
                continue
            try:
                self._sessions.update(changes, doc_ids=[doc.doc_id])
            except StoreError:
                return
            self._unsaved.pop(session_id, None)
            log.info("session %s: its status %r is saved now", session_id, changes.get("status"))

    def _retry_later(self) -> None:
        if self._retry_timer is not None and self._retry_timer.is_alive():
            return
        self._retry_timer = threading.Timer(STATUS_RETRY_SECONDS, self._retry)
        self._retry_timer.daemon = True
        self._retry_timer.start()

    def _retry(self) -> None:
        with self._lock:
            self._retry_timer = None
            self._save_unsaved(now=True)
            if self._unsaved:
                self._retry_later()

    # helpers

    def _session_doc(self, user_id: str, session_id: str) -> Any:
        check_user(user_id)
        doc = None
        if is_issued_session_id(session_id):
            doc = self._sessions.get(_owned(user_id) & (Q.id == session_id))
        if doc is None:
            raise NotFoundError("Interview not found.")
        return doc

    def _remove_sessions(self, user_id: str, docs: Iterable[Any]) -> None:
        docs = list(docs)
        ids = [d["id"] for d in docs]
        if not ids:
            return
        self._feedback.remove(_owned(user_id) & Q.session_id.one_of(ids))
        # a deleted interview is no longer shared; its link's usage keeps the count
        self._shares.remove((Q.candidate_id == user_id) & Q.session_id.one_of(ids))
        self._link_uses.update(
            {"session_id": None}, (Q.candidate_id == user_id) & Q.session_id.one_of(ids)
        )
        self._sessions.remove(doc_ids=[d.doc_id for d in docs])
        for session_id in ids:
            remove_session_dir(self.sessions_dir, session_id)


def _owned(user_id: str) -> Any:
    return Q.user_id == user_id
