"""The FSM decides stage progress: guards, timers, caps, skip, overrides, tracks."""

from __future__ import annotations

import pytest

from mockflow.errors import UnknownTrackError
from mockflow.interview.fsm import DEFAULT_TIME_LIMITS, STAGES, TRACK_NAMES, build_fsm, load_track


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


def test_stages_run_in_order_and_interview_ends_after_closing(clock):
    fsm = build_fsm("behavioral", clock=clock)
    assert fsm.start().to_stage == "greeting"
    seen = ["greeting"]
    while not fsm.finished:
        transition = fsm.skip()
        if transition.to_stage:
            seen.append(transition.to_stage)
    assert tuple(seen) == STAGES
    assert fsm.history[-1].to_stage is None
    with pytest.raises(RuntimeError):
        fsm.skip()


def test_llm_request_refused_until_enough_answers(clock):
    fsm = build_fsm("behavioral", clock=clock)
    fsm.start()
    clock.now = 80
    verdict = fsm.request_complete()
    assert not verdict.accepted
    assert "ask 1 more" in verdict.refusal
    fsm.note_question()
    fsm.note_answer()
    assert fsm.request_complete().accepted
    assert fsm.stage.name == "self_intro"


def test_llm_request_refused_when_stage_just_started(clock):
    fsm = build_fsm("technical", clock=clock)
    fsm.start()
    fsm.note_question()
    fsm.note_answer()
    clock.now = 1  # well under 20 % of the 90 s greeting
    verdict = fsm.request_complete()
    assert not verdict.accepted and "barely started" in verdict.refusal
    clock.now = 18
    assert fsm.request_complete().accepted


def test_timer_fallback_becomes_due_only_after_the_limit(clock):
    fsm = build_fsm("intro_call", clock=clock)
    fsm.start()
    clock.now = 89
    assert fsm.due_reason() is None
    clock.now = 90
    assert fsm.due_reason() == "timer"
    transition = fsm.advance("timer")
    assert (transition.from_stage, transition.to_stage) == ("greeting", "self_intro")
    assert fsm.due_reason() is None  # the new stage's clock starts now


def test_question_cap_moves_on_once_the_last_question_is_answered(clock):
    fsm = build_fsm("behavioral", clock=clock)
    fsm.start()
    cap = fsm.stage.max_questions
    for _ in range(cap):
        fsm.note_question()
        assert fsm.due_reason() is None  # the candidate still has to answer
        fsm.note_answer()
    assert fsm.due_reason() == "limit"


def test_overrides_shrink_limits_and_guards_scale(clock):
    fsm = build_fsm("behavioral", {"greeting": 2, "closing": 1}, clock=clock)
    assert fsm.track.stage("greeting").time_limit == 2
    assert fsm.track.stage("closing").time_limit == 1
    assert fsm.track.stage("self_intro").time_limit == DEFAULT_TIME_LIMITS["self_intro"]
    fsm.start()
    fsm.note_question()
    fsm.note_answer()
    clock.now = 0.5
    assert fsm.request_complete().accepted


def test_end_finishes_from_any_stage(clock):
    fsm = build_fsm("technical", clock=clock)
    fsm.start()
    fsm.skip()
    transition = fsm.end()
    assert transition.reason == "end" and fsm.finished and fsm.stage is None


def test_unknown_track_is_a_clear_error():
    with pytest.raises(UnknownTrackError, match="unknown track 'sales'"):
        load_track("sales")


@pytest.mark.parametrize("name", TRACK_NAMES)
def test_every_track_plans_all_stages_with_sane_bounds(name):
    track = load_track(name)
    assert tuple(s.name for s in track.stages) == STAGES
    for stage in track.stages:
        assert stage.goal and stage.guidance
        assert 1 <= stage.min_questions <= stage.max_questions
        assert stage.time_limit > 0
    assert track.stage("self_intro").uses_resume
    assert track.stage("company_fit").uses_jd
    assert not track.stage("greeting").uses_resume and not track.stage("greeting").uses_jd


def test_tracks_really_differ():
    goals = {name: load_track(name).stage("past_experience").goal for name in TRACK_NAMES}
    assert "STAR" in goals["behavioral"]
    assert "trade-offs" in goals["technical"]
    assert "looking now" in goals["intro_call"]
    assert "logistics" in load_track("intro_call").stage("company_fit").goal
    assert load_track("technical").stage("past_experience").uses_jd
    assert not load_track("behavioral").stage("past_experience").uses_jd


def _in_closing(fsm) -> None:
    fsm.start()
    while fsm.stage.name != "closing":
        fsm.skip()


def test_the_last_stage_ends_with_an_answer_once_too_little_time_is_left_for_another(clock):
    fsm = build_fsm("behavioral", clock=clock)
    _in_closing(fsm)
    limit = fsm.stage.time_limit
    fsm.note_question()
    clock.now += limit * 0.8  # a fifth of the closing left, its question not answered yet
    assert fsm.due_reason() is None and not fsm.may_wrap_up()
    fsm.note_answer()
    assert fsm.may_wrap_up() and fsm.due_reason() == "timer"
    fsm.advance("timer")
    assert fsm.finished


def test_an_earlier_stage_runs_its_whole_time(clock):
    fsm = build_fsm("behavioral", clock=clock)
    fsm.start()
    fsm.skip()
    fsm.note_question()
    fsm.note_answer()
    clock.now += fsm.stage.time_limit * 0.9
    assert fsm.due_reason() is None and not fsm.may_wrap_up()


def test_close_early_goes_straight_to_the_closing_from_any_earlier_stage(clock):
    fsm = build_fsm("behavioral", clock=clock)
    fsm.start()
    fsm.advance("timer")  # self_intro
    clock.now = 50
    transition = fsm.close_early("timer")
    assert (transition.from_stage, transition.to_stage) == ("self_intro", "closing")
    assert fsm.stage.name == "closing" and fsm.counts() == (0, 0) and fsm.elapsed() == 0
    assert fsm.history[-1] == transition
    with pytest.raises(RuntimeError):
        fsm.close_early("timer")  # already in the closing
