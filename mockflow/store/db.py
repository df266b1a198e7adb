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
"""

from __future__ import annotations

import copy
import json
import logging
import secrets
import shutil
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tinydb import Query, TinyDB

from mockflow.app.identity import is_browser_id, is_valid_user_id
from mockflow.contracts.ids import is_issued_session_id, new_session_id
from mockflow.private_files import make_private_dir
from mockflow.store.atomic_json import (
    AtomicJSONStorage,
    CorruptDatabaseError,
    DatabaseInUseError,
    DataDirNotWritableError,
    OnCorrupt,
    Recovery,
    StoreError,
    atomic_write,
    dumps,
)
from mockflow.store.recovery import has_feedback, sessions_in_folders

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

ACTIVE_STATUSES = frozenset({"starting", "running"})
ENDED_STATUSES = frozenset({"completed", "user_ended", "timeout", "failed", "interrupted"})
STATUSES = ACTIVE_STATUSES | ENDED_STATUSES
MODES = frozenset({"voice", "text"})
FEEDBACK_FILE = "feedback.json"
MAX_FEEDBACK_BYTES = 512_000
MAX_TEMPLATE_BYTES = 32_000
TOUCH_EVERY_SECONDS = 3600.0  # last activity is stamped at most this often per user

Q = Query()


class NotFoundError(StoreError):
    """No such record for this user (or it belongs to someone else: the same answer)."""


@dataclass(frozen=True)
class SessionRecord:
    """One interview in the history; transcripts are in `<session_dir>/events.jsonl`."""

    id: str
    user_id: str
    created_at: float
    role: str
    track: str
    level: str
    mode: str
    status: str
    session_dir: str
    started_at: float | None = None
    ended_at: float | None = None
    duration: float | None = None
    end_reason: str | None = None
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


@dataclass(frozen=True)
class TemplateRecord:
    """A saved interview setup (role, level, track, job description...) under a name."""

    id: str
    user_id: str
    name: str
    setup: dict[str, Any]
    updated_at: float


def _record(cls: type, doc: dict[str, Any]) -> Any:
    names = {f.name for f in fields(cls)}
    return cls(**{k: copy.deepcopy(v) for k, v in doc.items() if k in names})


def _encode(value: object, what: str) -> bytes:
    if not isinstance(value, dict):
        raise StoreError(f"The {what} can't be saved: it is not a JSON object.")
    try:
        return dumps(value).encode("utf-8")
    except (TypeError, ValueError):
        raise StoreError(f"The {what} can't be saved: it is not plain JSON data.") from None


class Store:
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
        self._db = TinyDB(db_path, storage=AtomicJSONStorage, on_corrupt=on_corrupt)
        try:
            make_private_dir(self.sessions_dir)
        except OSError:
            log.warning("the sessions folder can't be created yet")
        self._users = self._db.table("users", cache_size=0)
        self._sessions = self._db.table("sessions", cache_size=0)
        self._feedback = self._db.table("feedback", cache_size=0)
        self._templates = self._db.table("templates", cache_size=0)
        self._recoveries = self._db.table("recoveries", cache_size=0)
        if (recovery := self._storage.recovery) is not None:
            self._complete_index(recovery, orphan_owner)

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
            self._db.close()

    # users and their (already encrypted) keys

    def ensure_user(self, user_id: str) -> None:
        _check_user(user_id)
        with self._lock:
            if not self._users.contains(Q.user_id == user_id):
                self._users.insert({"user_id": user_id, "created_at": self._clock()})

    def get_user_keys(self, user_id: str) -> dict[str, Any] | None:
        _check_user(user_id)
        with self._lock:
            doc = self._users.get(Q.user_id == user_id)
            keys = doc.get("keys") if doc else None
            return copy.deepcopy(keys)

    def set_user_keys(self, user_id: str, keys: dict[str, Any] | None) -> None:
        """Store the vault's record for this user; `None` removes it."""
        _check_user(user_id)
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
        _check_user(user_id)
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
            self._sessions.insert(_to_doc(record))
        return record

    def get_session(self, user_id: str, session_id: str) -> SessionRecord:
        with self._lock:
            return _record(SessionRecord, self._session_doc(user_id, session_id))

    def list_sessions(self, user_id: str, limit: int | None = None) -> list[SessionRecord]:
        """This user's interviews, newest first."""
        _check_user(user_id)
        with self._lock:
            docs = self._sessions.search(Q.user_id == user_id)
            docs.sort(key=lambda d: d["created_at"], reverse=True)
            return [_record(SessionRecord, d) for d in docs[:limit]]

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
            doc = self._session_doc(user_id, session_id)
            if doc["status"] in ENDED_STATUSES and status in ACTIVE_STATUSES:
                return _record(SessionRecord, doc)
            changes = _status_changes(doc, status, self._clock())
            if end_reason is not None:
                changes["end_reason"] = end_reason
            if summary is not None:
                _encode(summary, "summary")
                changes["summary"] = {**doc.get("summary", {}), **copy.deepcopy(summary)}
            self._sessions.update(changes, doc_ids=[doc.doc_id])
            return _record(SessionRecord, {**doc, **changes})

    def delete_session(self, user_id: str, session_id: str) -> None:
        """Delete one ended interview with its feedback and its folder."""
        with self._lock:
            doc = self._session_doc(user_id, session_id)
            if doc["status"] in ACTIVE_STATUSES:
                raise StoreError("This interview is still running; end it before deleting it.")
            self._remove_sessions(user_id, [doc])

    def sessions_left_running(self) -> list[SessionRecord]:
        """Sessions of every user still marked starting/running: for the supervisor's
        reaping at app start only. Nothing else may list across users."""
        with self._lock:
            docs = self._sessions.search(Q.status.one_of(sorted(ACTIVE_STATUSES)))
            return [_record(SessionRecord, d) for d in docs]

    # feedback

    def save_feedback(self, user_id: str, session_id: str, report: dict[str, Any]) -> None:
        """Store (or replace) the feedback report of one of this user's sessions.

        The report is written atomically to `<session_dir>/feedback.json`; the database
        keeps only an index entry, so reports never make database writes dearer."""
        payload = _encode(report, "feedback report")
        if len(payload) > MAX_FEEDBACK_BYTES:
            raise StoreError("The feedback report is too large to save.")
        with self._lock:
            self._session_doc(user_id, session_id)
            path = self._feedback_path(session_id)
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                atomic_write(path, payload)
            except OSError as exc:
                raise StoreError(f"Couldn't save the feedback report: {exc.strerror}.") from None
            doc = {"user_id": user_id, "session_id": session_id, "created_at": self._clock()}
            self._feedback.upsert(doc, _owned(user_id) & (Q.session_id == session_id))

    def get_feedback(self, user_id: str, session_id: str) -> dict[str, Any] | None:
        """The report, or None if the session has none yet; NotFoundError if the session
        is not this user's."""
        with self._lock:
            self._session_doc(user_id, session_id)
            if not self._feedback.contains(_owned(user_id) & (Q.session_id == session_id)):
                return None
            return self._read_feedback(session_id)

    # templates

    def save_template(self, user_id: str, name: str, setup: dict[str, Any]) -> TemplateRecord:
        """Save an interview setup under `name`, replacing this user's one of that name."""
        _check_user(user_id)
        name = name.strip()
        if not name or len(name) > 80:
            raise StoreError("A template needs a name of 1 to 80 characters.")
        if len(_encode(setup, "template")) > MAX_TEMPLATE_BYTES:
            raise StoreError("This template is too large to save (shorten the job description).")
        with self._lock:
            old = self._templates.get(_owned(user_id) & (Q.name == name))
            record = TemplateRecord(
                id=old["id"] if old else "tpl_" + secrets.token_urlsafe(9),
                user_id=user_id,
                name=name,
                setup=copy.deepcopy(setup),
                updated_at=self._clock(),
            )
            self._templates.upsert(_to_doc(record), _owned(user_id) & (Q.name == name))
            return record

    def list_templates(self, user_id: str) -> list[TemplateRecord]:
        """This user's templates in name order."""
        _check_user(user_id)
        with self._lock:
            docs = self._templates.search(_owned(user_id))
            return sorted((_record(TemplateRecord, d) for d in docs), key=lambda t: t.name)

    def get_template(self, user_id: str, name: str) -> TemplateRecord:
        _check_user(user_id)
        with self._lock:
            doc = self._templates.get(_owned(user_id) & (Q.name == name))
            if doc is None:
                raise NotFoundError("Template not found.")
            return _record(TemplateRecord, doc)

    def delete_template(self, user_id: str, name: str) -> None:
        _check_user(user_id)
        with self._lock:
            if not self._templates.remove(_owned(user_id) & (Q.name == name)):
                raise NotFoundError("Template not found.")

    # everything of one user

    def delete_user_data(self, user_id: str) -> None:
        """Remove the user's keys, sessions (with folders), feedback and templates. The
        caller stops the user's running interviews first."""
        _check_user(user_id)
        with self._lock:
            self._remove_sessions(user_id, self._sessions.search(_owned(user_id)))
            self._feedback.remove(_owned(user_id))
            self._templates.remove(_owned(user_id))
            self._users.remove(_owned(user_id))
            self._touched.pop(user_id, None)
            self._storage.forget_copies()  # the kept copies hold the user's data too
        self._remove_user_dir(user_id)

    # recovery of a damaged database

    def recovery_notice(self, user_id: str) -> str | None:
        """What to tell this user, once, after the database was recovered while they had
        data in it (flagged at the recovery); later calls return None."""
        _check_user(user_id)
        with self._lock:
            recovery = self.last_recovery()
            user = self._users.get(Q.user_id == user_id)
            if recovery is None or user is None or not user.get("recovery_pending"):
                return None
            self._users.update(lambda doc: doc.pop("recovery_pending"), doc_ids=[user.doc_id])
        return _notice_text(recovery)

    def _complete_index(self, recovery: Recovery, orphan_owner: str | None) -> None:
        """Add every session folder the loaded database does not index, and record the
        recovery."""
        known = {d["id"] for d in self._sessions.all()}
        docs = list(sessions_in_folders(self.sessions_dir, known, orphan_owner))
        for doc in docs:
            self._sessions.insert(doc)
            if has_feedback(Path(doc["session_dir"])):
                owned = {"user_id": doc["user_id"], "session_id": doc["id"]}
                self._feedback.insert({**owned, "created_at": doc["created_at"]})
            owner = self._users.get(Q.user_id == doc["user_id"])
            if owner is None:
                self._users.insert({"user_id": doc["user_id"], "created_at": doc["created_at"]})
            elif owner["created_at"] > doc["created_at"]:
                self._users.update({"created_at": doc["created_at"]}, doc_ids=[owner.doc_id])
        self._users.update({"recovery_pending": True})  # each is told once
        self._recoveries.insert(
            {
                "at": self._clock(),
                "kind": "copy" if recovery.restored_from else "index",
                "copy_made_at": recovery.copy_made_at,
                "damaged_file": recovery.damaged.name,
                "sessions_rebuilt": len(docs),
            }
        )
        log.warning("database recovered; %d session(s) re-indexed from their folders", len(docs))

    # activity, for the retention of anonymous users

    def touch(self, user_id: str) -> None:
        """Note that the user is active; writes at most once per TOUCH_EVERY_SECONDS."""
        _check_user(user_id)
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
                seen = max((doc.get(k) or 0.0 for k in stamps), default=0.0)
                last[user] = max(last.get(user, 0.0), seen)
                if doc.get("status") in ACTIVE_STATUSES:
                    busy.add(user)
        return sorted(u for u, t in last.items() if t < idle_since and u not in busy)

    # helpers

    def _session_doc(self, user_id: str, session_id: str) -> Any:
        _check_user(user_id)
        doc = None
        if is_issued_session_id(session_id):
            doc = self._sessions.get(_owned(user_id) & (Q.id == session_id))
        if doc is None:
            raise NotFoundError("Interview not found.")
        return doc

    def _feedback_path(self, session_id: str) -> Path:
        return self.sessions_dir / session_id / FEEDBACK_FILE

    def _read_feedback(self, session_id: str) -> dict[str, Any] | None:
        try:
            report = json.loads(self._feedback_path(session_id).read_bytes())
        except FileNotFoundError:
            log.warning("feedback file of session %s is missing", session_id)
            return None
        except (OSError, ValueError):
            raise StoreError("The feedback report of this interview can't be read.") from None
        if not isinstance(report, dict):
            raise StoreError("The feedback report of this interview can't be read.")
        return report

    def _remove_sessions(self, user_id: str, docs: Iterable[Any]) -> None:
        docs = list(docs)
        ids = [d["id"] for d in docs]
        if not ids:
            return
        self._feedback.remove(_owned(user_id) & Q.session_id.one_of(ids))
        self._sessions.remove(doc_ids=[d.doc_id for d in docs])
        for session_id in ids:
            self._remove_session_dir(session_id)

    def _remove_user_dir(self, user_id: str) -> None:
        # `user_id` was validated: a direct child of users_dir, never a stored path
        try:
            shutil.rmtree(self.users_dir / user_id)
        except FileNotFoundError:
            pass
        except OSError as exc:
            log.warning("couldn't remove a user folder: %s", exc.strerror)

    def _remove_session_dir(self, session_id: str) -> None:
        # Only ever a direct child of sessions_dir named by a validated id: a stored path
        # is never trusted for a recursive delete.
        if not is_issued_session_id(session_id):
            return
        try:
            shutil.rmtree(self.sessions_dir / session_id)
        except FileNotFoundError:
            pass
        except OSError as exc:
            log.warning("couldn't remove the folder of session %s: %s", session_id, exc.strerror)


def _notice_text(recovery: dict[str, Any]) -> str:
    if recovery.get("copy_made_at"):
        made = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(recovery["copy_made_at"]))
        return (
            f"Your history was restored from a copy made at {made}. Anything you changed in "
            "the moments before may be missing."
        )
    return (
        "Your interview history was rebuilt from the saved interviews after the server's "
        "database was damaged. Your saved keys and templates could not be restored: please "
        "enter your keys again in Settings."
    )


def _check_user(user_id: str) -> None:
    if not is_valid_user_id(user_id):
        raise ValueError("invalid user id")


def _owned(user_id: str) -> Any:
    return Q.user_id == user_id


def _to_doc(record: Any) -> dict[str, Any]:
    return {f.name: copy.deepcopy(getattr(record, f.name)) for f in fields(record)}


def _status_changes(doc: dict[str, Any], status: str, now: float) -> dict[str, Any]:
    changes: dict[str, Any] = {"status": status}
    if status == "running" and doc.get("started_at") is None:
        changes["started_at"] = now
    if status in ENDED_STATUSES and doc.get("ended_at") is None:
        changes["ended_at"] = now
        changes["duration"] = round(now - (doc.get("started_at") or doc["created_at"]), 3)
    return changes
