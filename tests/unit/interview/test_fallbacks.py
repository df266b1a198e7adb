"""A reply left with nothing to say gets a line from the track: the stage's question, a
goodbye once the interview is over; never silence, never the same line twice in a row."""

from __future__ import annotations

from mockflow.interview.fallbacks import Fallbacks
from mockflow.interview.fsm import STAGES, TRACK_NAMES, load_track


def test_every_stage_of_every_track_has_fallback_questions():
    for name in TRACK_NAMES:
        track = load_track(name)
        assert len(track.fallback_goodbyes) >= 2
        for stage in track.stages:
            assert 2 <= len(stage.fallback_questions) <= 3, (name, stage.name)
            assert all("?" in line for line in stage.fallback_questions)


def test_the_greeting_greets_the_candidate_by_first_name_and_the_end_says_goodbye():
    track = load_track("behavioral")
    fallbacks = Fallbacks(track, "Ana Lima")
    assert "Ana" in fallbacks.next(track.stage("greeting"))
    assert "Lima" not in fallbacks.next(track.stage("greeting"))
    goodbye = fallbacks.next(None)
    assert "Goodbye" in goodbye and "?" not in goodbye and "Ana" in goodbye


def test_never_the_same_line_twice_in_a_row():
    for name in TRACK_NAMES:
        track = load_track(name)
        fallbacks = Fallbacks(track, "Ana")
        stages = [track.stage(s) for s in STAGES]
        lines = [fallbacks.next(stage) for stage in stages for _ in range(5)]
        lines += [fallbacks.next(None) for _ in range(3)]
        assert all(a != b for a, b in zip(lines, lines[1:], strict=False))
        assert all(line.strip() for line in lines)


def test_lines_not_said_yet_come_first():
    track = load_track("behavioral")
    stage = next(s for s in track.stages if s.name == "past_experience")
    fallbacks = Fallbacks(track, "Ana Lima")
    said = [fallbacks.next(stage) for _ in stage.fallback_questions]
    assert sorted(said) == sorted(stage.fallback_questions)
