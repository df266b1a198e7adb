"""The stage bar: each stage's state in marks and words, the status line and its clock."""

from __future__ import annotations

from mockflow.ui.live import LiveView
from mockflow.ui.stage_bar import stage_bar_html, stage_states

STAGES = [
    {"stage": s, "title": s, "time_limit": 60}
    for s in ("greeting", "self_intro", "past_experience", "company_fit", "closing")
]


def _view(tmp_path, *events) -> LiveView:
    view = LiveView("iv_1", tmp_path / "events.jsonl")
    view.apply({"t": 100.0, "type": "ready", "stages": STAGES})
    view.apply({"t": 100.0, "type": "stage", "stage": "greeting", "reason": "start"})
    for event in events:
        view.apply(event)
    return view


def test_a_skipped_stage_is_marked_skipped_not_done(tmp_path):
    view = _view(
        tmp_path,
        {"t": 110.0, "type": "stage", "stage": "self_intro", "reason": "tool"},
        {"t": 120.0, "type": "stage", "stage": "past_experience", "reason": "skip"},
    )
    assert dict(stage_states(view)) == {
        "greeting": "done",
        "self_intro": "skipped",
        "past_experience": "current",
        "company_fit": "todo",
        "closing": "todo",
    }
    bar = stage_bar_html(view, now=130.0)
    assert bar.count("✓") == 1 and "↷" in bar
    assert 'Self-introduction</span> <span class="mf-stage-note">(skipped)</span>' in bar


def test_skip_in_the_last_stage_marks_it_skipped_when_the_interview_ends(tmp_path):
    view = _view(tmp_path, {"t": 110.0, "type": "stage", "stage": "closing", "reason": "timer"})
    view.skip_asked_in = "closing"  # Skip confirmed there: no stage is left to move to
    view.apply({"t": 120.0, "type": "ended", "reason": "completed"})
    assert dict(stage_states(view))["closing"] == "skipped"


def test_skip_in_the_last_stage_is_read_from_the_ended_line_in_any_tab(tmp_path):
    """Another tab, or this one after a reload, never saw the Skip click."""
    view = _view(tmp_path, {"t": 110.0, "type": "stage", "stage": "closing", "reason": "timer"})
    ended = {"t": 120.0, "type": "ended", "reason": "completed"}
    view.apply({**ended, "last_stage": "closing", "last_move": "skip"})
    assert dict(stage_states(view))["closing"] == "skipped"
    other = _view(tmp_path, {"t": 110.0, "type": "stage", "stage": "closing", "reason": "timer"})
    other.apply({**ended, "last_stage": "closing", "last_move": "tool"})
    assert dict(stage_states(other))["closing"] == "done"


def test_a_skip_that_moved_on_is_not_held_against_a_later_end(tmp_path):
    view = _view(tmp_path)
    view.skip_asked_in = "greeting"
    view.apply({"t": 110.0, "type": "stage", "stage": "self_intro", "reason": "skip"})
    view.apply({"t": 120.0, "type": "ended", "reason": "completed"})
    states = dict(stage_states(view))
    assert states["greeting"] == "skipped" and states["self_intro"] == "done"


def test_end_marks_the_stage_it_cut_short_as_ended_early(tmp_path):
    view = _view(
        tmp_path,
        {"t": 110.0, "type": "stage", "stage": "self_intro", "reason": "tool"},
        {"t": 120.0, "type": "ended", "reason": "user_ended"},
    )
    assert [state for _, state in stage_states(view)] == ["done", "cut", "todo", "todo", "todo"]
    assert "(ended early)" in stage_bar_html(view, now=500.0)


def test_ending_stops_the_clock_and_says_so(tmp_path):
    view = _view(tmp_path)
    view.ending_t = 130.0
    for now in (131.0, 190.0):  # the clock stays where End was confirmed
        bar = stage_bar_html(view, now=now)
        assert "Ending the interview… · elapsed 0:30" in bar
        assert "left" not in bar


def test_time_left_under_a_minute_is_said_in_seconds(tmp_path):
    view = _view(tmp_path)
    view.timeline.ready["stages"][0]["time_limit"] = 150  # type: ignore[index]
    assert "about 2:05 left" in stage_bar_html(view, now=125.0)
    assert "about 45 s left" in stage_bar_html(view, now=205.0)


def test_only_a_running_interview_gets_the_compact_phone_bar(tmp_path):
    view = _view(tmp_path)
    assert 'class="mf-progress mf-live"' in stage_bar_html(view, now=101.0)
    view.apply({"t": 120.0, "type": "ended", "reason": "user_ended"})
    assert "mf-live" not in stage_bar_html(view, now=121.0)


def test_the_clock_stays_where_end_was_confirmed_once_the_interview_has_ended(tmp_path):
    view = _view(tmp_path)
    view.ending_t = 130.0
    view.apply({"t": 136.0, "type": "ended", "reason": "user_ended"})  # stopping took 6 s
    assert "elapsed 0:30" in stage_bar_html(view, now=200.0)
