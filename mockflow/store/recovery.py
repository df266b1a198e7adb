"""Rebuilding the session index from the session folders after the database was damaged.

Every session folder holds `meta.json` (written at start by `InterviewService`, with its
owner and creation time) and `events.jsonl`; together they give back a History entry for
every interview, so none becomes unreachable even when no copy of the database survived.
Keys and templates are not in the folders: they come back only with a restored copy.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from mockflow.app.identity import is_valid_user_id
from mockflow.contracts.events import EVENTS_FILE, EventTail

log = logging.getLogger(__name__)

META_FILE = "meta.json"
FEEDBACK_FILE = "feedback.json"
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
        meta = _read_json(folder / META_FILE)
        owner = meta.get("user_id") or orphan_owner
        if not is_valid_user_id(owner):
            log.warning("session %s: no owner recorded; left out of the index", folder.name)
            continue
        yield _session_doc(folder, meta, str(owner))


def has_feedback(session_dir: Path) -> bool:
    return (Path(session_dir) / FEEDBACK_FILE).is_file()


def _session_doc(folder: Path, meta: dict[str, Any], owner: str) -> dict[str, Any]:
    events = EventTail(folder / EVENTS_FILE).read_new()
    first = events[0]["t"] if events and isinstance(events[0].get("t"), int | float) else None
    ended = next((e for e in reversed(events) if e.get("type") == "ended"), None)
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


def _read_json(path: Path) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}
