"""The report's measured delivery: each figure once, timing figures only where they were
measured, the reason for every one that was not, and the job description's coverage."""

from __future__ import annotations

from mockflow.feedback.analytics.measures import analyze_events
from mockflow.feedback.report.blocks import Items, Para
from mockflow.feedback.report.delivery import (
    NO_TIMING_NOTE,
    TEXT_MODE_NOTE,
    delivery_sections,
)
from tests.fakes.transcripts import T0, session

JD = "Backend Engineer\nWe run Kafka and PostgreSQL on AWS."


def _items(sections) -> list[str]:
    return next(b for b in sections[0].blocks if isinstance(b, Items)).items


def _notes(sections) -> list[str]:
    return [b.text for b in sections[0].blocks if isinstance(b, Para) and b.note]


def test_a_voice_interview_shows_its_timings():
    events = session(
        ("interviewer", "Tell me about yourself.", "self_intro", 0, 4),
        ("candidate", "Um, I build billing systems in Python and Go.", "self_intro", 5, 11),
    )
    sections = delivery_sections(analyze_events(events).to_dict())
    items = _items(sections)
    assert "Answers: 1 (9 words)" in items
    assert "Filler words: 1 (“um” 1); 11.1 per 100 words" in items
    assert "Speaking pace: 90 words per minute" in items
    assert "Time to start answering (median): 1.0 s" in items
    assert not any(item.startswith("Not measured") for item in items)
    assert _notes(sections) == []


def test_a_text_interview_leaves_out_timings_and_says_why_once():
    events = session(
        ("interviewer", "Tell me about yourself.", "self_intro", 0, 1),
        ("candidate", "I build billing systems.", "self_intro", 30, 31),
        transport="text",
    )
    sections = delivery_sections(analyze_events(events).to_dict())
    shown = " ".join(_items(sections))
    assert "pace" not in shown.lower() and "speaking time" not in shown.lower()
    assert _notes(sections) == [TEXT_MODE_NOTE]


def test_voice_turns_without_timing_are_named_as_not_measured_never_guessed():
    events = session(("interviewer", "Question?", "self_intro", 0, 1))
    answer = {"t": T0 + 5, "type": "turn", "role": "candidate", "text": "I built it in Go."}
    events.insert(-1, {**answer, "stage": "self_intro"})
    items = _items(delivery_sections(analyze_events(events).to_dict()))
    (missing,) = [item for item in items if item.startswith("Not measured")]
    assert missing.startswith("Not measured (no timing): speaking time, speaking pace")
    assert not any(item.startswith("Speaking pace:") for item in items)


def test_no_answers_is_said_plainly():
    events = session(("interviewer", "Hello?", "greeting", 0, 1))
    sections = delivery_sections(analyze_events(events).to_dict())
    assert len(sections) == 1 and _notes(sections) == ["There were no answers to measure."]


def test_job_description_coverage_lists_what_was_used_and_never_mentioned():
    events = session(("candidate", "I ran Kafka on AWS.", "past_experience", 0, 5))
    sections = delivery_sections(analyze_events(events, job_description=JD).to_dict())
    coverage = sections[1]
    assert coverage.title == "Job description coverage"
    assert coverage.blocks[0].text == "2 of 3 key terms used"
    assert coverage.blocks[1].items == ["Used: Kafka, AWS", "Never mentioned: PostgreSQL"]
    assert "no AI is involved" in coverage.blocks[2].text


def test_an_interview_whose_transport_was_not_recorded_claims_no_timing():
    events = session(("candidate", "I built it in Go.", "self_intro", 0, 2), transport=None)
    sections = delivery_sections(analyze_events(events).to_dict())
    assert _notes(sections) == [NO_TIMING_NOTE]
    assert not any("pace" in item.lower() for item in _items(sections))
