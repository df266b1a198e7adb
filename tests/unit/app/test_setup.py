"""An interview's set-up: each field's problem told in words, next to its field; a short
interview shortens every stage; what a saved setup keeps leaves out the personal fields;
what meta.json records of it."""

from __future__ import annotations

import pytest

from mockflow.app.setup import (
    LOCAL_MODELS_OFF,
    MAX_JD_CHARS,
    SAVED_FIELDS,
    SETUP_FIELDS,
    InterviewSetup,
    missing_keys,
    session_meta,
    setup_from_dict,
)
from mockflow.interview.fsm import DEFAULT_TIME_LIMITS
from mockflow.store.vault import ProviderKeys

GOOD = InterviewSetup(name="Ana", role="Backend Engineer")


def test_a_complete_setup_has_no_problem() -> None:
    assert GOOD.problems() == {}


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"name": "  "}, "name", "Enter your name"),
        ({"name": "A" * 121}, "name", "120 characters at most"),
        ({"role": ""}, "role", "Enter the role you are preparing for"),
        ({"role": "R" * 161}, "role", "160 characters at most"),
        ({"job_description": "x" * (MAX_JD_CHARS + 1)}, "job_description", "too long"),
        ({"level": "principal"}, "level", "Choose a level: entry, mid, senior."),
        ({"mode": "video"}, "mode", "Choose a mode: text, voice."),
        ({"length": "long"}, "length", "Choose a length: short, standard."),
    ],
)
def test_each_problem_is_told_beside_its_field(changes, field, words) -> None:
    problems = setup_from_dict({**GOOD.__dict__, **changes}).problems()
    assert list(problems) == [field] and words in problems[field]


def test_a_short_interview_shortens_every_stage() -> None:
    standard = GOOD.stage_limits()
    short = setup_from_dict({**GOOD.__dict__, "length": "short"}).stage_limits()
    assert standard == DEFAULT_TIME_LIMITS
    assert all(short[stage] < standard[stage] for stage in standard)
    assert sum(short.values()) == pytest.approx(0.55 * sum(standard.values()), rel=0.01)


def test_unknown_and_empty_values_fall_back_to_the_defaults() -> None:
    setup = setup_from_dict({"name": "Ana", "role": "SRE", "level": None, "admin": True})
    assert setup.level == "mid" and not hasattr(setup, "admin")


def test_a_saved_setup_keeps_neither_the_name_nor_the_resume() -> None:
    assert "name" not in SAVED_FIELDS and "resume_text" not in SAVED_FIELDS
    assert set(SAVED_FIELDS) < set(SETUP_FIELDS)


def test_what_each_mode_still_needs_is_said_in_plain_words() -> None:
    none = ProviderKeys()
    assert missing_keys(none, "text") == ["an OpenAI API key (or an OpenAI-compatible server URL)"]
    voice = missing_keys(ProviderKeys(openai_api_key="sk-1"), "voice")
    assert voice == [
        "LiveKit URL, API key and secret",
        "a Deepgram key (or choose another speech-to-text in Settings)",
    ]
    assert missing_keys(ProviderKeys(openai_api_key="sk-1"), "voice", voice_by_workers=True) == []


def test_roles_given_to_local_models_need_no_key_where_the_server_offers_them() -> None:
    local = ProviderKeys(models="local", stt_provider="local", tts_provider="local")
    assert missing_keys(local, "text", local_models=True) == []
    assert missing_keys(local, "voice", local_models=True, local_livekit=True) == []
    assert missing_keys(local, "text") == [LOCAL_MODELS_OFF]
    assert missing_keys(local, "voice", local_livekit=True) == [LOCAL_MODELS_OFF]
    mixed = ProviderKeys(models="local", stt_provider="openai")
    assert missing_keys(mixed, "voice", local_models=True, local_livekit=True) == [
        "an OpenAI key for speech-to-text (or choose local Whisper)",
        "an OpenAI key for the interviewer's voice (or the local voice)",
    ]


def test_meta_records_the_setup_without_the_resume_text() -> None:
    setup = setup_from_dict({**GOOD.__dict__, "resume_text": "Private history", "mode": "voice"})
    meta = session_meta(setup, room="room-1").to_json()
    assert meta["candidate_name"] == "Ana" and meta["has_resume"] is True
    assert meta["room"] == "room-1" and "Private history" not in str(meta)
