"""Totals and per-persona rates of a rehearsal, and the printed table."""

from __future__ import annotations

from dataclasses import replace

from mockflow.rehearse.grader import InterviewMetrics
from mockflow.rehearse.runner import InterviewResult
from mockflow.rehearse.summary import format_errors, format_table, summarise

BASE = InterviewMetrics(
    silent_turns=0,
    repeated_questions=0,
    multi_question_turns=0,
    stage_narration=0,
    praise=0,
    feedback_leaks=0,
    injection_followed=0,
    markup_turns=0,
    markup_kinds={},
    no_question_turns=0,
    repeated_turns=0,
    mean_words_per_turn=10.0,
    max_words_per_turn=20,
    questions_per_stage={},
    stages_reached=[],
    ended_reason="completed",
    ended_in_error=False,
    error_message=None,
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


SERVER_DOWN = "The language model provider at 127.0.0.1:8011 had a server error (500)."
RESULTS = [
    result("prepared", praise=2, mean_words_per_turn=12.0, judge=4.0),
    result("prepared", praise=1, silent_turns=1, max_words_per_turn=40, judge=5.0),
    result("silent", silent_turns=3, closing_ok=False, ended_reason="timeout", timed_out=True),
    result(
        "gibberish",
        markup_turns=10,
        no_question_turns=9,
        repeated_turns=9,
        closing_ok=False,
        ended_reason="error",
        ended_in_error=True,
        error_message=SERVER_DOWN,
    ),
]


def test_totals_add_counts_and_count_interviews():
    totals = summarise(RESULTS)["totals"]
    assert totals["interviews"] == 4 and totals["completed"] == 2 and totals["timed_out"] == 1
    assert totals["praise"] == 3 and totals["silent_turns"] == 4
    assert (totals["markup_turns"], totals["no_question_turns"], totals["repeated_turns"]) == (
        10,
        9,
        9,
    )
    assert totals["ended_in_error"] == 1 and totals["errors"] == 1
    assert totals["closing_ok"] == 2
    assert totals["max_words_per_turn"] == 40
    assert totals["mean_words_per_turn"] == round((12 + 10 + 10 + 10) / 4, 1)
    assert totals["judge_overall"] == 4.5


def test_per_persona_figures_are_rates_per_interview():
    per = summarise(RESULTS)["per_persona"]
    assert list(per) == ["prepared", "silent", "gibberish"]
    assert per["prepared"]["praise"] == 1.5 and per["prepared"]["silent_turns"] == 0.5
    assert per["prepared"]["closing_ok"] == 1.0 and per["silent"]["closing_ok"] == 0.0
    assert per["silent"]["timed_out"] == 1.0 and per["silent"]["judge_overall"] is None
    assert per["gibberish"]["markup_turns"] == 10.0 and per["gibberish"]["ended_in_error"] == 1.0
    assert per["prepared"]["ended_in_error"] == 0.0


def test_the_table_has_a_row_per_persona_and_a_total():
    table = format_table(summarise(RESULTS)).splitlines()
    headers = table[0].split()
    assert headers[:4] == ["persona", "n", "silent", "repeat"]
    assert headers[-1] == "judge"
    names = ("prepared", "silent", "gibberish", "TOTAL")
    cells = [line.split() for line in table if line.split()[0] in names]
    rows = {row[0]: dict(zip(headers, row, strict=True)) for row in cells}
    assert rows["prepared"]["n"] == "2" and rows["prepared"]["closing"] == "100%"
    assert rows["TOTAL"]["n"] == "4" and rows["TOTAL"]["silent"] == "4"
    assert rows["gibberish"]["markup"] == "10.00" and rows["gibberish"]["no-q"] == "9.00"
    assert rows["gibberish"]["same"] == "9.00" and rows["gibberish"]["error"] == "100%"
    assert rows["prepared"]["error"] == "0%" and rows["TOTAL"]["error"] == "1"
    assert table[-2].startswith("Persona rows: mean per interview")
    assert table[-1].startswith("markup: turns with tool-call or markup syntax")


def test_interviews_ended_in_error_are_listed_with_their_message():
    assert format_errors(RESULTS).splitlines() == [
        "Ended by an error:",
        f"  gibberish × behavioral #1: {SERVER_DOWN}",
    ]
    assert format_errors(RESULTS[:3]) == ""


def test_no_judge_column_without_a_judge():
    plain = [replace(r, judge=None) for r in RESULTS]
    assert "judge" not in format_table(summarise(plain)).splitlines()[0]
