"""What the feedback reads from a session's timeline: committed turns only, timings only
where they are numbers, and the facts meta.json left out taken from the `ready` event."""

from __future__ import annotations

from mockflow.contracts.meta import SessionMeta
from mockflow.feedback.session import (
    Turn,
    session_span,
    started_at,
    transport_of,
    turns_of,
    with_event_facts,
)

READY = {
    "t": 10.0,
    "type": "ready",
    "transport": "room",
    "track": "technical",
    "session_id": "iv_9",
}


def test_turns_are_the_committed_ones_with_drafts_and_empty_turns_left_out():
    events = [
        READY,
        {"t": 11.0, "type": "draft", "role": "interviewer", "reply": 1, "delta": "Hel"},
        {"t": 12.0, "type": "turn", "role": "interviewer", "text": " Hello? ", "stage": "greeting"},
        {"t": 13.0, "type": "turn", "role": "candidate", "text": "   ", "stage": "greeting"},
        {"t": 14.0, "type": "turn", "role": "system", "text": "injected", "stage": "greeting"},
        {
            "t": 15.0,
            "type": "turn",
            "role": "candidate",
            "text": "Hi!",
            "started_at": 13.5,
            "ended_at": 14.5,
            "stage": "greeting",
        },
    ]
    assert turns_of(events) == [
        Turn("interviewer", "Hello?", "greeting", None, None),
        Turn("candidate", "Hi!", "greeting", 13.5, 14.5),
    ]


def test_a_timing_that_is_not_a_finite_number_is_no_timing():
    for bad in (True, "12.5", float("nan"), float("inf"), None):
        turn = {"t": 1.0, "type": "turn", "role": "candidate", "text": "x", "started_at": bad}
        assert turns_of([turn])[0].started_at is None
    backwards = Turn("candidate", "x", "greeting", started_at=20.0, ended_at=19.0)
    assert backwards.duration is None  # never a negative duration


def test_the_transport_and_span_come_from_the_timeline():
    events = [READY, {"t": 70.5, "type": "ended", "reason": "completed"}]
    assert transport_of(events) == "room" and transport_of(events[1:]) is None
    assert session_span(events) == 60.5 and started_at(events) == 10.0
    assert session_span(events[:1]) is None


def test_meta_without_a_track_takes_the_ready_events():
    meta = with_event_facts(SessionMeta(role="SRE"), [READY])
    assert (meta.track, meta.session_id, meta.role) == ("technical", "iv_9", "SRE")
    kept = with_event_facts(SessionMeta(track="behavioral", session_id="iv_1"), [READY])
    assert (kept.track, kept.session_id) == ("behavioral", "iv_1")
