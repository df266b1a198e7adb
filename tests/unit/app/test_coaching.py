"""The coach's figures: one row per shared report (what is missing stays missing), the
CSV a coach exports (no cell a spreadsheet would run), usage in words, and who is a coach."""

from __future__ import annotations

import csv
import io

from mockflow.app.coaching import (
    is_coach,
    report_row,
    rows_csv,
    sync_space_coach,
    usage_lines,
)
from mockflow.config import Settings
from mockflow.contracts.ids import new_browser_id
from mockflow.feedback.demo import sample_report
from mockflow.store.db import Store


def test_a_scored_voice_report_gives_every_figure_and_each_competency() -> None:
    row = report_row("Sam", 1.8e9, sample_report().to_dict())
    assert row["candidate"] == "Sam" and row["overall_score"] == 3.5
    assert row["answers"] == 12 and row["words"] == 841
    assert isinstance(row["pace_wpm"], float) and row["pace_wpm"] > 0
    assert row["scores"]["Communication"] == 3
    assert row["interview_minutes"] == 8.0


def test_an_unscored_text_report_leaves_scores_and_pace_unavailable() -> None:
    report = sample_report().to_dict()
    report["rubric"] = None
    report["analytics"]["pace_wpm"] = {"value": None, "reason": "text mode"}
    row = report_row("Ana", 1.8e9, report)
    assert row["overall_score"] is None and row["scores"] == {}
    assert row["pace_wpm"] is None


def test_the_csv_has_a_column_per_competency_and_no_formula_cells() -> None:
    scored = report_row('=HYPERLINK("http://evil")', 1.8e9, sample_report().to_dict())
    unscored = report_row("Ben", 1.8e9, {"analytics": {}, "rubric": None, "session": {}})
    table = list(csv.reader(io.StringIO(rows_csv([scored, unscored]))))
    header = table[0]
    assert header[:4] == ["candidate", "shared_at", "interview_minutes", "overall_score"]
    assert "Communication" in header
    assert table[1][0].startswith("'=")  # shown as text, never run
    assert table[2][header.index("overall_score")] == ""  # not scored: empty, not 0


def test_usage_is_said_against_its_limits_and_unreported_figures_say_so() -> None:
    lines = usage_lines(
        {"interviews": 3, "minutes": 41.5, "shared_reports": 1, "llm_input_tokens": 12000,
         "llm_output_tokens": 900, "tts_characters": None, "stt_audio_seconds": None},
        {"interviews": 10, "total_minutes": None},
    )  # fmt: skip
    assert "Interviews: 3 of 10" in lines
    assert "Minutes: 41.5 min (no limit)" in lines
    assert "Model tokens: 12,000 in, 900 out" in lines
    assert "Speech synthesised: not reported" in lines
    fresh = usage_lines({"interviews": 0, "minutes": 0}, {})
    assert "Model tokens: not reported" in fresh  # said once, not once per direction


def test_who_is_a_coach(tmp_path) -> None:
    store = Store.open(Settings(data_dir=tmp_path))
    try:
        visitor, signed_in = new_browser_id(), new_browser_id()
        assert is_coach(Settings(data_dir=tmp_path), store, "local")  # the local user
        public = Settings(data_dir=tmp_path, public=True)
        assert not is_coach(public, store, visitor)
        space = Settings(data_dir=tmp_path, public=True, on_space=True, coaches=frozenset({"ada"}))
        sync_space_coach(space, store, signed_in, "Ada")
        assert is_coach(space, store, signed_in)
        sync_space_coach(space, store, signed_in, None)  # signed out: nothing changes
        assert is_coach(space, store, signed_in)
        removed = Settings(data_dir=tmp_path, public=True, on_space=True)
        sync_space_coach(removed, store, signed_in, "ada")  # no longer on the list
        assert not is_coach(removed, store, signed_in)
    finally:
        store.close()
