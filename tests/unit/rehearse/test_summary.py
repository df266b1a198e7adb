"""Totals and per-persona rates of a rehearsal, and the printed table."""

from __future__ import annotations

from dataclasses import replace

from mockflow.rehearse.grader import InterviewMetrics
from mockflow.rehearse.runner import InterviewResult
from mockflow.rehearse.summary import format_table, summarise

BASE = InterviewMetrics(
    silent_turns=0,
    repeated_questions=0,
    multi_question_turns=0,
    stage_narration=0,
    praise=0,
    feedback_leaks=0,
    injection_followed=0,
    mean_words_per_turn=10.0,
    max_words_per_turn=20,
    questions_per_stage={},
    stages_reached=[],
    ended_reason="completed",
    resume_terms_used=0,
    jd_terms_used=0,
    closing_ok=True,
)


def result(persona: str, judge: float | None = None, **metrics) -> InterviewResult:
    return InterviewResult(
        persona=persona,
        track="behavioral",
        run=1,
        session_id=f"rh_{persona}",
        seconds=1.0,
        timed_out=metrics.pop("timed_out", False),
        error=None,
        metrics=replace(BASE, **metrics),
        judge=None if judge is None else {"overall": judge},
    )


RESULTS = [
    result("prepared", praise=2, mean_words_per_turn=12.0, judge=4.0),
    result("prepared", praise=1, silent_turns=1, max_words_per_turn=40, judge=5.0),
    result("silent", silent_turns=3, closing_ok=False, ended_reason="timeout", timed_out=True),
]


def test_totals_add_counts_and_count_interviews():
    totals = summarise(RESULTS)["totals"]
    assert totals["interviews"] == 3 and totals["completed"] == 2 and totals["timed_out"] == 1
    assert totals["praise"] == 3 and totals["silent_turns"] == 4
    assert totals["closing_ok"] == 2
    assert totals["max_words_per_turn"] == 40
    assert totals["mean_words_per_turn"] == round((12 + 10 + 10) / 3, 1)
    assert totals["judge_overall"] == 4.5


def test_per_persona_figures_are_rates_per_interview():
    per = summarise(RESULTS)["per_persona"]
    assert list(per) == ["prepared", "silent"]
    assert per["prepared"]["praise"] == 1.5 and per["prepared"]["silent_turns"] == 0.5
    assert per["prepared"]["closing_ok"] == 1.0 and per["silent"]["closing_ok"] == 0.0
    assert per["silent"]["timed_out"] == 1.0 and per["silent"]["judge_overall"] is None


def test_the_table_has_a_row_per_persona_and_a_total():
    table = format_table(summarise(RESULTS)).splitlines()
    assert table[0].split()[:4] == ["persona", "n", "silent", "repeat"]
    assert table[0].split()[-1] == "judge"
    rows = {line.split()[0]: line.split() for line in table if line and line[0].isalpha()}
    assert rows["prepared"][1] == "2" and "100%" in rows["prepared"]
    assert rows["TOTAL"][1] == "3" and rows["TOTAL"][2] == "4"
    assert table[-1].startswith("Persona rows: mean per interview")


def test_no_judge_column_without_a_judge():
    plain = [replace(r, judge=None) for r in RESULTS]
    assert "judge" not in format_table(summarise(plain)).splitlines()[0]
