"""Patience profiles, what the words say about a turn, and the silence check-in policy."""

from __future__ import annotations

import pytest
from livekit.agents import ChatContext

from mockflow.agent.turn_taking import (
    PROFILES,
    AnswerEndDetector,
    SilenceWatch,
    is_thinking_aloud,
    profile_for,
    sounds_finished,
    turn_handling,
)
from mockflow.contracts.launch_spec import TurnTaking


def test_patient_is_the_default_everywhere():
    assert TurnTaking().patience == "patient"
    assert profile_for(None) is PROFILES["patient"]
    assert profile_for("no-such-profile") is PROFILES["patient"]


def test_profiles_grow_more_patient_in_every_respect():
    normal, patient, very = (PROFILES[n] for n in ("normal", "patient", "very_patient"))
    for field in ("vad_min_silence", "quick_wait", "wait", "interrupt_min_speech"):
        assert getattr(normal, field) < getattr(patient, field) < getattr(very, field), field
    assert normal.check_in_after < patient.check_in_after < very.check_in_after
    for profile in PROFILES.values():
        assert profile.quick_wait < profile.wait
        assert profile.think_check_in_after > profile.check_in_after


def test_patient_outlasts_a_two_and_a_half_second_pause_with_margin():
    assert PROFILES["patient"].wait >= 2.5 + 0.5
    assert PROFILES["normal"].wait < 2.5  # the control case of the voice test


def test_check_in_override_keeps_thinking_longer():
    profile = profile_for("normal", check_in_after=3.0)
    assert (profile.check_in_after, profile.think_check_in_after) == (3.0, 6.0)
    assert profile.wait == PROFILES["normal"].wait


def test_turn_handling_leaves_nothing_to_auto_detection():
    detector = AnswerEndDetector()
    options = turn_handling(PROFILES["patient"], detector)
    assert options["turn_detection"] is detector
    assert options["endpointing"] == {"mode": "fixed", "min_delay": 0.8, "max_delay": 3.2}
    assert options["interruption"]["mode"] == "vad"  # not the cloud "adaptive" detector
    assert options["interruption"]["min_duration"] == 0.8
    assert options["interruption"]["min_words"] == 2
    preemptive = options["preemptive_generation"]
    assert preemptive["enabled"] and not preemptive["preemptive_tts"]  # drafts cost no audio
    assert preemptive["max_speech_duration"] >= 120  # long answers get a draft too


@pytest.mark.parametrize(
    "text",
    [
        "Let me think.",
        "Hmm, good question. Let me think about that for a second.",
        "Give me a second, um.",
        "One moment please",
        "Just a sec...",
        "I need a moment to think.",
        "Let me gather my thoughts.",
        "I'm still thinking.",
        "Hold on.",
        "Hmm.",
        "Um, well...",
    ],
)
def test_thinking_aloud_is_recognised(text):
    assert is_thinking_aloud(text)
    assert not sounds_finished(text)


@pytest.mark.parametrize(
    "text",
    [
        "Let me think. I would put a queue in front of the service.",
        "That is what I was thinking.",
        "I led the migration.",
        "Okay.",
        "Mm-hm.",
        "",
    ],
)
def test_an_answer_is_not_thinking_aloud(text):
    assert not is_thinking_aloud(text)


@pytest.mark.parametrize(
    ("text", "finished"),
    [
        ("That's it.", True),
        ("So yeah, that's about it.", True),
        ("Could you repeat the question?", True),
        ("Yes, I'm ready.", True),
        ("No questions from me. Thank you.", True),
        ("No.", True),
        ("I led the migration of our billing system.", False),  # could go on: full wait
        ("Yes, and", False),
        ("So I was working on the, um", False),
        ("We chose Postgres because", False),
        ("Okay.", False),
        ("Yes, so the first thing we did was to measure everything we could.", False),
    ],
)
def test_only_the_words_can_end_a_turn_early(text, finished):
    assert sounds_finished(text) is finished


@pytest.mark.parametrize(
    ("question", "short_reply_expected"),
    [
        ("Hi Ana, thanks for joining. Are you ready to get started?", True),
        ("Do you have any questions for me?", True),
        ("Anything else?", True),
        ("Tell me about a project you owned from start to finish.", False),
        ("What was the hardest decision you made on it?", False),
        ("Could you walk me through your background? Take your time.", False),
    ],
)
def test_a_bare_yes_ends_the_turn_only_after_a_yes_no_question(question, short_reply_expected):
    assert sounds_finished("Sure.", question) is short_reply_expected
    assert sounds_finished("That's it.", question) is True  # closers end it either way


async def test_detector_reads_the_last_user_message():
    detector = AnswerEndDetector()
    ctx = ChatContext.empty()
    ctx.add_message(role="assistant", content="Are you ready?")
    ctx.add_message(role="user", content="Yes, ready.")
    assert await detector.predict_end_of_turn(ctx) == 1.0
    ctx.add_message(role="user", content="And then we")
    assert await detector.predict_end_of_turn(ctx) == 0.0
    ctx.add_message(role="assistant", content="Tell me about a project you led.")
    ctx.add_message(role="user", content="Yes.")
    assert await detector.predict_end_of_turn(ctx) == 0.0  # an open question: it goes on
    assert await detector.unlikely_threshold(None) == 0.5
    assert await detector.supports_language("fr") is True


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _watch(check_in_after: float = 10.0) -> tuple[SilenceWatch, _Clock]:
    clock = _Clock()
    return SilenceWatch(profile_for("patient", check_in_after), clock), clock


def test_nothing_is_due_before_the_interviewer_has_spoken():
    watch, clock = _watch()
    clock.now += 60
    assert not watch.due()


def test_one_check_in_per_silence_then_back_off():
    watch, clock = _watch()
    watch.agent_state("listening")
    clock.now += 9.9
    assert not watch.due()
    clock.now += 0.2
    assert watch.due()
    watch.checked_in()
    watch.agent_state("speaking")  # the check-in itself
    watch.agent_state("listening")
    clock.now += 600
    assert not watch.due()  # however long the silence lasts


def test_the_candidate_speaking_rearms_the_check_in():
    watch, clock = _watch()
    watch.agent_state("listening")
    clock.now += 11
    watch.checked_in()
    watch.user_state("speaking")
    clock.now += 30
    assert not watch.due()  # never while the candidate talks
    watch.user_state("listening")
    clock.now += 10.5
    assert watch.due()


def test_agent_busy_time_does_not_count_as_silence():
    watch, clock = _watch()
    watch.agent_state("listening")
    clock.now += 6
    watch.agent_state("thinking")
    clock.now += 30
    watch.agent_state("listening")
    clock.now += 6
    assert not watch.due()


def test_thinking_aloud_gets_a_longer_grace():
    watch, clock = _watch(check_in_after=10)
    watch.agent_state("listening")
    watch.candidate_thinking()
    clock.now += 15
    assert not watch.due() and watch.thinking
    clock.now += 6
    assert watch.due()
    watch.user_state("speaking")
    assert not watch.thinking
