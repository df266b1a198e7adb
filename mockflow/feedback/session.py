"""What the feedback needs from a session directory: its turns, transport and metadata.

`<session_dir>/events.jsonl` is the record (Contract 3). `<session_dir>/meta.json` is
optional and written by the app next to it; every key is optional:

    {"job_description": "...", "track": "behavioral", "role": "Backend Engineer",
     "level": "mid", "candidate_name": "Sam"}

When meta.json has no track, the `ready` event's `track` is used.
Timings are speech timings only when the `ready` event says `"transport": "room"`; in
text mode `started_at`/`ended_at` are typing and commit times and are never used.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from mockflow.errors import MockflowError

META_FILE = "meta.json"
_META_KEYS = ("job_description", "track", "role", "level", "candidate_name")


class SessionMetaError(MockflowError):
    """A session's meta.json exists but is not a JSON object of strings."""


@dataclass(frozen=True)
class SessionMeta:
    session_id: str = ""
    job_description: str = ""
    track: str = ""
    role: str = ""
    level: str = ""
    candidate_name: str = ""


@dataclass(frozen=True)
class Turn:
    role: str  # interviewer | candidate
    text: str
    stage: str
    started_at: float | None
    ended_at: float | None

    @property
    def duration(self) -> float | None:
        if self.started_at is None or self.ended_at is None or self.ended_at < self.started_at:
            return None
        return self.ended_at - self.started_at


def load_meta(session_dir: Path) -> SessionMeta:
    """The session's meta.json (all fields empty if there is none)."""
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
    fields = {key: raw.get(key) or "" for key in _META_KEYS}
    if not all(isinstance(value, str) for value in fields.values()):
        raise SessionMetaError(f"{where}: {', '.join(_META_KEYS)} must be strings")
    return SessionMeta(session_id=session_dir.name, **fields)


def with_event_facts(meta: SessionMeta, events: list[dict[str, Any]]) -> SessionMeta:
    """Fill the track and session id from the `ready` event where meta.json had none."""
    ready = next((e for e in events if e.get("type") == "ready"), {})
    track = meta.track or ready.get("track")
    session_id = meta.session_id or ready.get("session_id")
    return replace(
        meta,
        track=track if isinstance(track, str) else "",
        session_id=session_id if isinstance(session_id, str) else "",
    )


def transport_of(events: list[dict[str, Any]]) -> str | None:
    """The transport announced by the `ready` event ("room" or "text"), if any."""
    ready = next((e for e in events if e.get("type") == "ready"), None)
    transport = ready.get("transport") if ready else None
    return transport if isinstance(transport, str) else None


def turns_of(events: list[dict[str, Any]]) -> list[Turn]:
    """The committed transcript, in file order; empty turns are left out."""
    turns = []
    for event in events:
        if event.get("type") != "turn" or event.get("role") not in ("interviewer", "candidate"):
            continue
        text = event.get("text")
        if not isinstance(text, str) or not text.strip():
            continue
        turns.append(
            Turn(
                role=event["role"],
                text=text.strip(),
                stage=str(event.get("stage") or ""),
                started_at=_number(event.get("started_at")),
                ended_at=_number(event.get("ended_at")),
            )
        )
    return turns


def session_span(events: list[dict[str, Any]]) -> float | None:
    """Wall-clock seconds from the first to the last event (valid in both transports)."""
    times = [t for e in events if (t := _number(e.get("t"))) is not None]
    return round(max(times) - min(times), 1) if len(times) >= 2 else None


def started_at(events: list[dict[str, Any]]) -> float | None:
    return next((t for e in events if (t := _number(e.get("t"))) is not None), None)


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None
