"""`<session_dir>/meta.json`: what the app records about an interview beside its timeline.

The app writes it once, when the interview starts (`write_meta`). It is read by the
report (`load_meta`: a damaged file is an error the candidate is shown), by the app for the
room name (`read_meta`: lenient, {} when unreadable), and by the store when it rebuilds a
lost session index (the owner and the creation time). Every key is optional; the session
id is the folder's name and is not stored in the file.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from mockflow.errors import MockflowError
from mockflow.private_files import atomic_write, make_private_dir

META_FILE = "meta.json"
# the fields the report reads; each must be a string when present
REPORT_FIELDS = ("job_description", "track", "role", "level", "candidate_name")


class SessionMetaError(MockflowError):
    """A session's meta.json exists but is not a JSON object of strings."""


@dataclass(frozen=True)
class SessionMeta:
    session_id: str = ""  # the folder's name; not stored in the file
    user_id: str | None = None  # the owner, from which a lost index is rebuilt
    created_at: float | None = None
    candidate_name: str = ""
    role: str = ""
    level: str = ""
    track: str = ""  # empty: the report takes the `ready` event's track
    has_resume: bool = False
    job_description: str = ""
    mode: str = ""
    length: str = ""
    room: str = ""

    def to_json(self) -> dict[str, Any]:
        fields = asdict(self)
        del fields["session_id"]
        return {k: v for k, v in fields.items() if v is not None}


def write_meta(session_dir: Path, meta: SessionMeta) -> None:
    make_private_dir(session_dir)
    payload = json.dumps(meta.to_json(), ensure_ascii=False).encode("utf-8")
    atomic_write(Path(session_dir) / META_FILE, payload)


def read_meta(session_dir: Path) -> dict[str, Any]:
    """The raw object, or {} when the file is missing or unreadable."""
    try:
        meta = json.loads((Path(session_dir) / META_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return meta if isinstance(meta, dict) else {}


def load_meta(session_dir: Path) -> SessionMeta:
    """What the report needs (all fields empty when there is no file); SessionMetaError
    when the file is damaged or its report fields are not strings."""
    session_dir = Path(session_dir)
    path = session_dir / META_FILE
    where = f"{META_FILE} of session {session_dir.name}"  # never the server's path
    if not path.is_file():
        return SessionMeta(session_id=session_dir.name)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        raise SessionMetaError(f"{where}: not a readable JSON file") from None
    if not isinstance(raw, dict):
        raise SessionMetaError(f"{where}: expected a JSON object")
    fields: dict[str, str] = {}
    for key in REPORT_FIELDS:
        value = raw.get(key) or ""
        if not isinstance(value, str):
            raise SessionMetaError(f"{where}: {', '.join(REPORT_FIELDS)} must be strings")
        fields[key] = value
    return SessionMeta(
        session_id=session_dir.name,
        job_description=fields["job_description"],
        track=fields["track"],
        role=fields["role"],
        level=fields["level"],
        candidate_name=fields["candidate_name"],
    )
