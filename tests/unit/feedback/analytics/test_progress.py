"""Progress across sessions: in order, with gaps where a figure was not measured."""

from __future__ import annotations

from mockflow.contracts.meta import SessionMeta
from mockflow.feedback.analytics.progress import progress_series
from mockflow.feedback.demo import sample_report
from mockflow.feedback.report.model import build_report
from tests.fakes.rubric_llm import rubric_report, text_mode_events


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
