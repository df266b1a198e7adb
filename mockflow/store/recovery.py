"""Rebuilding the session index from the session folders after the database was damaged.

Every session folder holds `meta.json` (written at start by `InterviewService`, with its
owner and creation time) and `events.jsonl`; together they give back a History entry for
every interview, so none becomes unreachable even when no copy of the database survived.
Keys and templates are not in the folders: they come back only with a restored copy.

The damaged file is kept beside the database (`<name>.corrupt-<time>`) for the operator,
but it keeps no secrets and, after "Delete my data", nothing of that user:
- at the recovery, every vault token (an encrypted key record, `gAAAAA…`) is cut out of it
  (`strip_secrets`), whatever its damage: a stray token needs only `secret.key` to open;
- at a user's deletion, each such file that names the user is rewritten without every
  document that names them when it still parses as JSON, and is removed when it does not
  (`forget_user_in_damaged`): a file that cannot be parsed cannot be cut by document, and
  what it held was restored from a copy or rebuilt from the session folders already.
The session folders a user owns (their meta.json names them) go too, indexed or not
(`owned_session_folders`).
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tinydb import Query
from tinydb.table import Table

from mockflow.contracts.events import read_timeline
from mockflow.contracts.ids import is_valid_user_id
from mockflow.contracts.meta import read_meta
from mockflow.private_files import atomic_write
from mockflow.store.atomic_json import Recovery, dumps
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


# a Fernet token: version byte 0x80 and a 64-bit timestamp, base64url (the vault's records)
_VAULT_TOKEN = re.compile(rb"gAAAAA[A-Za-z0-9_\-]*=*")


def strip_secrets(damaged: Path) -> int:
    """Cut every vault token out of a damaged database file kept aside (rewritten
    atomically); returns how many were cut."""
    try:
        kept, cut = _VAULT_TOKEN.subn(b"", damaged.read_bytes())
        if cut:
            atomic_write(damaged, kept)
    except OSError as exc:
        log.error("couldn't cut the keys out of the damaged %s: %s", damaged.name, exc.strerror)
        return 0
    if cut:
        log.warning("cut %d encrypted key record(s) out of the damaged %s", cut, damaged.name)
    return cut


def damaged_copies(db_path: Path) -> list[Path]:
    """The damaged database files kept aside beside `db_path`."""
    return sorted(Path(db_path).parent.glob(f"{Path(db_path).name}.corrupt-*"))


def forget_user_in_damaged(db_path: Path, user_id: str) -> None:
    """Take `user_id` out of every damaged copy of the database: rewritten without the
    documents that name them, or removed when it cannot be parsed."""
    needle = user_id.encode("utf-8")
    for copy in damaged_copies(db_path):
        try:
            raw = copy.read_bytes()
            if needle not in raw:
                continue
            try:
                data = json.loads(raw)
            except ValueError:
                data = None
            if isinstance(data, dict | list):
                atomic_write(copy, dumps(_without(data, user_id)).encode("utf-8"))
                log.warning("took a deleted user's data out of the damaged %s", copy.name)
            else:
                copy.unlink()
                log.warning(
                    "removed the damaged %s: it held a deleted user's data and can't be "
                    "parsed to take only theirs out",
                    copy.name,
                )
        except OSError as exc:
            log.error("couldn't clean the damaged %s: %s", copy.name, exc.strerror)


def owned_session_folders(sessions_dir: Path, user_id: str) -> Iterator[Path]:
    """Every session folder whose meta.json names `user_id` as its owner."""
    with contextlib.suppress(FileNotFoundError):
        for folder in sorted(Path(sessions_dir).iterdir()):
            is_session = folder.is_dir() and folder.name.startswith("iv_")
            if is_session and read_meta(folder).get("user_id") == user_id:
                yield folder


def _without(value: Any, user_id: str) -> Any:
    """`value` without any string or document (an object with a field) naming `user_id`,
    looked for at every depth."""
    if isinstance(value, dict):
        return {
            k: _without(v, user_id)
            for k, v in value.items()
            if user_id not in k and not _names(v, user_id)
        }
    if isinstance(value, list):
        return [_without(v, user_id) for v in value if not _names(v, user_id)]
    return value


def _names(value: Any, user_id: str) -> bool:
    """A string naming the user, or a document one of whose fields does."""
    if isinstance(value, str):
        return user_id in value
    if isinstance(value, dict):
        return any(isinstance(v, str) and user_id in v for v in value.values())
    return False
