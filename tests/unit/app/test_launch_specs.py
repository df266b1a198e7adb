"""The launch spec, built in one place: it meets contract 1; the interviewer gets the
user's keys, the browser only its own room token; workers get none of the user's keys; a
practice link's questions and time budget are in it; a pinned base URL is pinned everywhere."""

from __future__ import annotations

import json
from dataclasses import replace
from types import SimpleNamespace

import jwt

from mockflow.app.launch_specs import launch_spec
from mockflow.app.local_providers import LocalProviders, with_local_defaults
from mockflow.app.practice import time_budget
from mockflow.app.setup import InterviewSetup
from mockflow.contracts.launch_spec import parse_launch_spec
from mockflow.store.practice_links import PracticeLink
from mockflow.store.records import SessionRecord
from mockflow.store.vault import ProviderKeys

LIVEKIT = ("ws://127.0.0.1:7880", "APIdevkey", "s" * 32)
KEYS = ProviderKeys(
    openai_api_key="sk-user-1",
    openai_base_url="https://models.example.test/v1",
    deepgram_api_key="dg-user-1",
)
LIMITS = {"greeting": 60.0, "self_intro": 120.0, "past_experience": 240.0}


def _record(tmp_path, mode: str) -> SessionRecord:
    return SessionRecord(
        id="iv_spec_test_1", user_id="local", created_at=1.8e9, role="SRE", track="behavioral",
        level="mid", mode=mode, status="starting", session_dir=str(tmp_path / "iv_spec_test_1"),
    )  # fmt: skip


def _setup(mode: str) -> InterviewSetup:
    return InterviewSetup(name="Ana", role="SRE", mode=mode, resume_text="Five years on call.")


def test_a_text_spec_meets_the_contract_with_the_users_keys(tmp_path) -> None:
    record = _record(tmp_path, "text")
    spec, browser = launch_spec(record, _setup("text"), KEYS, stage_limits=LIMITS)
    parsed = parse_launch_spec(json.dumps(spec))
    assert browser is None and parsed.transport == "text"
    assert parsed.providers.llm.api_key == "sk-user-1" and parsed.stage_overrides == LIMITS
    assert parsed.candidate.name == "Ana" and parsed.resume_text == "Five years on call."


def test_a_voice_spec_gives_the_browser_only_its_own_room_token(tmp_path) -> None:
    spec, browser = launch_spec(
        _record(tmp_path, "voice"), _setup("voice"), KEYS, LIVEKIT, stage_limits=LIMITS
    )
    parsed = parse_launch_spec(json.dumps(spec))
    assert browser is not None and set(browser) == {"url", "token"}
    assert "sk-user-1" not in json.dumps(browser) and LIVEKIT[2] not in json.dumps(browser)
    claims = jwt.decode(browser["token"], LIVEKIT[2], algorithms=["HS256"], audience=None)
    assert claims["video"]["room"] == parsed.livekit.room
    assert browser["token"] != parsed.livekit.token  # the interviewer has its own
    assert parsed.providers.stt.api_key == "dg-user-1"


def test_workers_get_none_of_the_users_keys(tmp_path) -> None:
    spec, _ = launch_spec(
        _record(tmp_path, "voice"), _setup("voice"), KEYS, LIVEKIT,
        stage_limits=LIMITS, by_workers=True,
    )  # fmt: skip
    text = json.dumps(spec["providers"])
    assert "sk-user-1" not in text and "dg-user-1" not in text


def test_a_practice_link_brings_its_questions_and_fits_its_granted_minutes(tmp_path) -> None:
    link = PracticeLink(
        id="pl_x", coach_id="local", title="Screen", setup={}, questions=["Why SRE?"],
        focus_notes="Probe on-call.", modes=["text"], sponsored=True, expires_at=2e9,
        created_at=1.8e9, max_minutes_per_interview=3,
    )  # fmt: skip
    budget = time_budget(link, 3.0)
    spec, _ = launch_spec(
        _record(tmp_path, "text"), _setup("text"), KEYS, stage_limits=LIMITS, practice=link,
        budget=budget,
    )  # fmt: skip
    parsed = parse_launch_spec(json.dumps(spec))
    assert parsed.coach is not None and parsed.coach.questions == ["Why SRE?"]
    assert sum(spec["stage_overrides"].values()) <= 3 * 60
    assert parsed.time_budget == budget  # the hard end and the idle stop reach the agent


def test_a_pinned_base_url_is_pinned_for_every_provider_that_uses_it(tmp_path) -> None:
    keys = ProviderKeys(**{**KEYS.__dict__, "stt_provider": "openai"})
    spec, _ = launch_spec(
        _record(tmp_path, "voice"), _setup("voice"), keys, LIVEKIT,
        stage_limits=LIMITS, pinned_address="203.0.113.9",
    )  # fmt: skip
    pinned = {name: config.get("pinned_address") for name, config in spec["providers"].items()}
    assert pinned == {"llm": "203.0.113.9", "stt": "203.0.113.9", "tts": "203.0.113.9"}


def test_roles_given_to_local_models_use_their_loopback_endpoints_and_no_user_key(
    tmp_path,
) -> None:
    """The user keeps Deepgram for speech-to-text but gives the model and the voice to the
    app's local servers: those providers point at loopback with a local model's timeout,
    and the user's OpenAI key is not sent anywhere it is not used."""
    llm = SimpleNamespace(base_url="http://127.0.0.1:8123/v1", model="qwen2.5-coder-0.5b")
    speech = SimpleNamespace(base_url="http://127.0.0.1:8125/v1", model="whisper-tiny.en")
    keys = replace(KEYS, models="local", stt_provider="deepgram", tts_provider="local")
    spec, _ = launch_spec(
        _record(tmp_path, "voice"),
        _setup("voice"),
        keys,
        LIVEKIT,
        stage_limits=LIMITS,
        local=LocalProviders(llm=llm, speech=speech),
        llm_timeout=90.0,
    )
    parsed = parse_launch_spec(json.dumps(spec))
    assert parsed.providers.llm.base_url == llm.base_url
    assert parsed.providers.llm.model == "qwen2.5-coder-0.5b"
    assert parsed.providers.llm.timeout == 90.0
    assert parsed.providers.stt.provider == "deepgram"  # still the user's choice
    assert parsed.providers.tts.base_url == speech.base_url
    assert "sk-user-1" not in json.dumps(spec)


def test_fresh_installs_default_every_unset_role_to_local_models() -> None:
    fresh = with_local_defaults(ProviderKeys())
    assert (fresh.models, fresh.stt_provider, fresh.tts_provider) == ("local", "local", "local")
    own = with_local_defaults(ProviderKeys(openai_api_key="sk-1", deepgram_api_key="dg-1"))
    assert (own.models, own.stt_provider, own.tts_provider) == ("keys", "deepgram", "openai")
    chosen = with_local_defaults(ProviderKeys(openai_api_key="sk-1", models="local"))
    assert chosen.models == "local" and chosen.tts_provider == "openai"
