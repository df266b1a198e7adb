"""Hand-built interview timelines with known counts, for the analytics and report tests."""

from __future__ import annotations

T0 = 1_700_000_000.0


def session(*turns: tuple, transport: str | None = "room") -> list[dict]:
    """Events for (role, text, stage, started_offset, ended_offset) turns."""
    events: list[dict] = []
    if transport:
        events.append({"t": T0, "type": "ready", "transport": transport})
    for role, text, stage, start, end in turns:
        events.append(
            {
                "t": T0 + end,
                "type": "turn",
                "role": role,
                "text": text,
                "stage": stage,
                "started_at": T0 + start,
                "ended_at": T0 + end,
            }
        )
    events.append({"t": T0 + 1000, "type": "ended", "reason": "completed"})
    return events
