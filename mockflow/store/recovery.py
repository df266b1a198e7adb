"""Rebuilding the session index from the session folders after the database was damaged.

Every session folder holds `meta.json` (written at start by `InterviewService`, with its
owner and creation time) and `events.jsonl`; together they give back a History entry for
every interview, so none becomes unreachable even when no copy of the database survived.
Keys and templates are not in the folders: they come back only with a restored copy.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tinydb import Query
from tinydb.table import Table

from mockflow.contracts.events import read_timeline
from mockflow.contracts.ids import is_valid_user_id
from mockflow.contracts.meta import read_meta
from mockflow.store.atomic_json import Recovery
from mockflow.store.session_files import FEEDBACK_FILE

log = logging.getLogger(__name__)

# how an `ended` reason shows in the History (the store's statuses)
STATUS_OF_REASON = {
    "completed": "completed",
    "user_ended": "user_ended",
    "app_gone": "interrupted",
    "interrupted": "interrupted",
    "timeout": "timeout",
    "error": "failed",
}


def sessions_in_folders(
    sessions_dir: Path, known: set[str], orphan_owner: str | None
) -> Iterator[dict[str, Any]]:
    """A session document for each folder not in `known`; a folder whose meta.json names
    no owner (written before owners were recorded) goes to `orphan_owner`, or is skipped."""
    try:
        folders = sorted(p for p in Path(sessions_dir).iterdir() if p.is_dir())
    except FileNotFoundError:
        return
    for folder in folders:
        if folder.name in known or not folder.name.startswith("iv_"):
            continue
        meta = read_meta(folder)
        owner = meta.get("user_id") or orphan_owner
        if not is_valid_user_id(owner):
            log.warning("session %s: no owner recorded; left out of the index", folder.name)
            continue
        yield _session_doc(folder, meta, str(owner))


def complete_index(
    sessions: Table, feedback: Table, users: Table, sessions_dir: Path, orphan_owner: str | None
) -> int:
    """Add every session folder the loaded database does not index (with its feedback
    entry and owner), flag every user to be told once; returns how many were added."""
    q = Query()
    known = {d["id"] for d in sessions.all()}
    docs = list(sessions_in_folders(sessions_dir, known, orphan_owner))
    for doc in docs:
        sessions.insert(doc)
        if has_feedback(Path(doc["session_dir"])):
            owned = {"user_id": doc["user_id"], "session_id": doc["id"]}
            feedback.insert({**owned, "created_at": doc["created_at"]})
        owner = users.get(q.user_id == doc["user_id"])
        if owner is None:
            users.insert({"user_id": doc["user_id"], "created_at": doc["created_at"]})
        elif owner["created_at"] > doc["created_at"]:
            users.update({"created_at": doc["created_at"]}, doc_ids=[owner.doc_id])
    users.update({"recovery_pending": True})  # each is told once
    log.warning("database recovered; %d session(s) re-indexed from their folders", len(docs))
    return len(docs)


def recovery_record(recovery: Recovery, rebuilt: int, now: float) -> dict[str, Any]:
    """The `recoveries` row kept for the operator (no user data)."""
    return {
        "at": now,
        "kind": "copy" if recovery.restored_from else "index",
        "copy_made_at": recovery.copy_made_at,
        "damaged_file": recovery.damaged.name,
        "sessions_rebuilt": rebuilt,
    }


def notice_text(recovery: dict[str, Any]) -> str:
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


def has_feedback(session_dir: Path) -> bool:
    return (Path(session_dir) / FEEDBACK_FILE).is_file()


def _session_doc(folder: Path, meta: dict[str, Any], owner: str) -> dict[str, Any]:
    timeline = read_timeline(folder)
    first, ended = timeline.first_t, timeline.ended
    created = meta.get("created_at")
    if not isinstance(created, int | float):
        created = first if first is not None else folder.stat().st_mtime
    doc: dict[str, Any] = {
        "id": folder.name,
        "user_id": owner,
        "created_at": float(created),
        "role": str(meta.get("role") or ""),
        "track": str(meta.get("track") or ""),
        "level": str(meta.get("level") or ""),
        "mode": meta.get("mode") if meta.get("mode") in ("voice", "text") else "text",
        # no `ended` yet: "running", so the start-up reaping decides, as for any session
        "status": "running",
        "session_dir": str(folder),
        "started_at": first,
        "summary": {},
    }
    if ended is not None:
        reason = str(ended.get("reason"))
        doc["status"] = STATUS_OF_REASON.get(reason, "failed")
        doc["end_reason"] = reason
        doc["ended_at"] = ended.get("t")
        if isinstance(ended.get("t"), int | float) and first is not None:
            doc["duration"] = round(ended["t"] - first, 3)
    return doc
