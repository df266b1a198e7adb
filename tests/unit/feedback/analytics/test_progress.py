"""Progress across sessions: in order, with gaps where a figure was not measured."""

from __future__ import annotations

from mockflow.contracts.meta import SessionMeta
from mockflow.feedback.analytics.progress import progress_series
from mockflow.feedback.demo import sample_report
from mockflow.feedback.report.model import FeedbackReport, build_report, generate_report
from tests.fakes.rubric_llm import EVENTS, META, ScriptedLLM, reply


def text_mode_events(candidate_text: str = "I build billing systems, um, in Python.") -> list:
    return [
        {"t": 100.0, "type": "ready", "transport": "text"},
        {"t": 101.0, "type": "stage", "stage": "self_intro", "reason": "start"},
        {"t": 102.0, "type": "turn", "role": "interviewer", "text": "Who are you?",
         "stage": "self_intro", "started_at": 101.0, "ended_at": 102.0},
        {"t": 140.0, "type": "turn", "role": "candidate", "text": candidate_text,
         "stage": "self_intro", "started_at": 110.0, "ended_at": 140.0},
        {"t": 150.0, "type": "ended", "reason": "completed"},
    ]  # fmt: skip


async def rubric_report() -> FeedbackReport:
    llm = ScriptedLLM(reply())
    return await generate_report(EVENTS, META, llm, model_name="test-model", clock=lambda: 5.0)


async def test_progress_series_orders_sessions_and_leaves_gaps_for_unmeasured() -> None:
    voice = (await rubric_report()).to_dict()
    voice["session"]["started_at"] = 2_000_000_000.0
    text_only = build_report(text_mode_events(), SessionMeta(session_id="t1")).to_dict()
    sample = sample_report().to_dict()
    series = progress_series([voice, text_only, sample])
    assert [s["session_id"] for s in series["sessions"]] == ["t1", "sample", "s1"]
    assert series["overall"] == [None, 3.5, 4.0]
    assert series["pace_wpm"][0] is None and series["pace_wpm"][1] == 143.2
    assert series["competencies"]["structure"] == [None, 4, 3]
    assert series["competencies"]["role_fit"] == [None, 4, None]
    assert series["competency_titles"]["structure"] == "Structure (STAR)"
    metrics = {(row["session"], row["metric"]) for row in series["rows"]}
    assert ("Session 1", "pace_wpm") not in metrics  # text mode: a gap, not a zero
    assert all(row["value"] is not None for row in series["rows"])
    structure = [r for r in series["rows"] if r["metric"] == "structure"]
    assert [(r["label"], r["kind"], r["value"]) for r in structure] == [
        ("Structure (STAR)", "score", 4),
        ("Structure (STAR)", "score", 3),
    ]
    assert progress_series([])["sessions"] == []
