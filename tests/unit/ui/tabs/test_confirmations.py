"""End's "ending…" state, shown before the interviewer is stopped."""

from __future__ import annotations

from mockflow.ui.live import LiveView
from mockflow.ui.tabs.confirmations import begin_ending, into_view_js
from mockflow.ui.tabs.live_page import render, tick


def _running(tmp_path) -> LiveView:
    path = tmp_path / "events.jsonl"
    path.write_text(
        '{"t": 100.0, "type": "ready", "stages": [{"stage": "greeting", "time_limit": 60}]}\n'
        '{"t": 100.0, "type": "stage", "stage": "greeting", "reason": "start"}\n'
    )
    view = LiveView("iv_1", path)
    view.poll()
    return view


def test_confirmed_end_says_ending_and_turns_every_action_off_at_once(tmp_path):
    view = _running(tmp_path)
    shown = begin_ending(view)
    assert "Ending the interview…" in shown["stage_bar"]
    assert shown["end_confirm_row"].visible is False
    assert all(shown[name].interactive is False for name in ("skip", "end", "send"))
    # the 1 s poll keeps the state: still ending, nothing to press, Start still waits
    assert "Ending the interview…" in tick(view)["stage_bar"]
    page = render(view)
    assert page["end"].interactive is False and page["send"].interactive is False
    assert page["start"].interactive is False and page["timer"].active is True


def test_ending_an_interview_that_already_ended_changes_nothing_else(tmp_path):
    view = _running(tmp_path)
    with open(view.events_path, "a") as f:
        f.write('{"t": 101.0, "type": "ended", "reason": "completed"}\n')
    view.poll()
    shown = begin_ending(view)
    assert "stage_bar" not in shown and view.ending_t is None


def test_the_view_code_names_its_target_safely():
    code = into_view_js('x"); alert(1); ("', "#x-no")
    assert 'getElementById("x\\"); alert(1); (\\"")' in code
