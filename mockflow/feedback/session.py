"""What the feedback needs from a session directory: its turns, transport and metadata.

`<session_dir>/events.jsonl` is the record (Contract 3); `<session_dir>/meta.json` is
read through `mockflow.contracts.meta`. When meta.json has no track, the `ready` event's
`track` is used.
Timings are speech timings only when the `ready` event says `"transport": "room"`; in
text mode `started_at`/`ended_at` are typing and commit times and are never used.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

from mockflow.contracts.events import Timeline
from mockflow.contracts.meta import SessionMeta


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


def with_event_facts(meta: SessionMeta, events: list[dict[str, Any]]) -> SessionMeta:
    """Fill the track and session id from the `ready` event where meta.json had none."""
    ready = Timeline.of(events).ready or {}
    track = meta.track or ready.get("track")
    session_id = meta.session_id or ready.get("session_id")
    return replace(
        meta,
        track=track if isinstance(track, str) else "",
        session_id=session_id if isinstance(session_id, str) else "",
    )


def transport_of(events: list[dict[str, Any]]) -> str | None:
    """The transport announced by the `ready` event ("room" or "text"), if any."""
    ready = Timeline.of(events).ready
    transport = ready.get("transport") if ready else None
    return transport if isinstance(transport, str) else None


def turns_of(events: list[dict[str, Any]]) -> list[Turn]:
    """The committed transcript, in file order; empty turns are left out."""
    turns = []
    for event in Timeline.of(events).turns:
        if event.get("role") not in ("interviewer", "candidate"):
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
