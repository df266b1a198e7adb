"""The interview question by question in the report: a card per answer under its stage,
what was marked in it and why, its figures, what the rubric said about it, and the
stages that were skipped or never reached."""

from __future__ import annotations

from mockflow.feedback.analytics.measures import analyze_events
from mockflow.feedback.report.answers import LEGEND, answer_figures, answers_section
from mockflow.feedback.report.blocks import Card, Heading, Items, Line, Marked, Para, Quote
from tests.fakes.transcripts import session

TURNS = (
    ("interviewer", "Hi Ana, ready?", "greeting", 0, 2),
    ("candidate", "Yes, ready.", "greeting", 3, 4),
    ("interviewer", "Tell me about a project.", "past_experience", 5, 7),
    (
        "candidate",
        "Um, I think I moved our jobs to Kafka, like, last year.",
        "past_experience",
        8,
        14,
    ),
)
JD = "Data Engineer\nWe run Kafka and Airflow."


def _report(**extra) -> dict:
    events = session(*TURNS)
    transcript = [{"role": r, "text": t, "stage": s} for r, t, s, _, _ in TURNS]
    analytics = analyze_events(events, job_description=JD).to_dict()
    return {"analytics": analytics, "transcript": transcript, **extra}


def _cards(section) -> list[Card]:
    return [b for b in section.blocks if isinstance(b, Card)]


def test_each_answer_is_a_card_under_its_stage_after_what_was_asked():
    section = answers_section(_report(session={"candidate_name": "Ana"}))
    assert section.blocks[0] == LEGEND  # the marks are explained in words, not by colour
    headings = [b.text for b in section.blocks if isinstance(b, Heading)]
    assert headings == ["Greeting", "Self-introduction", "Past experience"]
    first, second = _cards(section)
    assert first.title == "Answer 1" and second.title == "Answer 2"
    asked = second.blocks[0]
    assert isinstance(asked, Line) and asked.text == "Tell me about a project."
    marked = next(b for b in second.blocks if isinstance(b, Marked))
    assert marked.speaker == "Ana"
    kinds = {text: kind for text, kind in marked.segments if kind}
    assert kinds == {"Um": "filler", "I think": "hedge", "Kafka": "term", "like": "filler"}


def test_a_stage_passed_over_says_skipped_and_later_stages_not_reached():
    section = answers_section(_report())
    notes = [b.text for b in section.blocks if isinstance(b, Para) and b.note]
    assert "Skipped: the interview moved on before this stage." in notes  # self-introduction
    assert notes[-1] == "Not reached: the interview ended before Company fit, Closing."


def test_what_the_rubric_said_sits_on_the_answer_it_is_about():
    rubric = {
        "strengths": [{"point": "Named the tool", "evidence": {"answer": 2, "quote": "Kafka"}}],
        "competencies": [{"title": "Ownership", "evidence": [{"answer": 2, "quote": "I moved"}]}],
        "improvements": [
            {
                "point": "Say what you did without hedging",
                "original": {"answer": 2, "quote": "I think I moved"},
                "rewrite": "I moved our jobs to Kafka last year.",
            }
        ],
    }
    first, second = _cards(answers_section(_report(rubric=rubric)))
    assert not any(isinstance(b, Quote) for b in first.blocks)
    labelled = {b.label: b.text for b in second.blocks if isinstance(b, Para) and b.label}
    assert labelled == {
        "✓ What worked: ": "Named the tool",
        "Counted as evidence for: ": "Ownership",
        "✎ To change: ": "Say what you did without hedging",
    }
    (rewrite,) = [b for b in second.blocks if isinstance(b, Quote)]
    assert rewrite.text == "I moved our jobs to Kafka last year."


def test_figures_show_only_what_was_measured():
    voice = _report()["analytics"]["answers"][1]
    assert answer_figures(voice) == (
        "12 words · 6 s · 120 words per minute · 1.0 s to start · 2 filler words · 1 hedge"
    )
    typed = analyze_events(session(*TURNS, transport="text")).to_dict()["answers"][1]
    assert answer_figures(typed) == "12 words · 2 filler words · 1 hedge"
    one = {**typed, "words": 1, "filler_count": 0, "hedge_count": 0}
    assert answer_figures(one) == "1 word · 0 filler words · 0 hedges"  # not "1 words"


def test_a_stored_report_without_its_transcript_lists_the_answers_by_figures():
    report = _report()
    del report["transcript"]
    (items,) = answers_section(report).blocks
    assert isinstance(items, Items)
    assert items.items[0].startswith("Answer 1 (Greeting): 2 words")


def _skip_then_end_events() -> list[dict]:
    """Greeting, then the candidate answers once in past experience and presses Skip, then
    presses End during company fit."""
    events = session(*TURNS, ("interviewer", "Why us?", "company_fit", 20, 22))
    events.insert(1, {"t": 1.0, "type": "stage", "stage": "greeting", "reason": "start"})
    events.insert(4, {"t": 4.5, "type": "stage", "stage": "past_experience", "reason": "tool"})
    events.insert(7, {"t": 15.0, "type": "stage", "stage": "company_fit", "reason": "skip"})
    events[-1] = {"t": 30.0, "type": "ended", "reason": "user_ended"}
    return events


def test_a_stage_the_candidate_skipped_and_the_stage_an_end_cut_short_say_so():
    events = _skip_then_end_events()
    transcript = [{"role": r, "text": t, "stage": s} for r, t, s, _, _ in TURNS]
    transcript.append({"role": "interviewer", "text": "Why us?", "stage": "company_fit"})
    report = {"analytics": analyze_events(events).to_dict(), "transcript": transcript}
    blocks = answers_section(report).blocks
    after = {
        blocks[i].text: blocks[i + 1].text
        for i in range(len(blocks) - 1)
        if isinstance(blocks[i], Heading) and isinstance(blocks[i + 1], Para)
    }
    assert after["Past experience"] == "You skipped the rest of this stage."
    assert after["Company fit"] == "The interview ended during this stage."
