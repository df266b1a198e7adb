"""The interview service: set-up validation, keys per mode, the launch spec it hands the
supervisor, and the store kept in step with how sessions end."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest

from mockflow.app.fair_use import FairUseError
from mockflow.app.interviews import InterviewService
from mockflow.app.practice import practice_setup
from mockflow.app.setup import InterviewSetup, MissingKeysError, SetupError, missing_keys
from mockflow.config import Settings
from mockflow.contracts.ids import new_browser_id
from mockflow.errors import MockflowError
from mockflow.net.guard import AddressRefusedError, NetGuard
from mockflow.store.db import NotFoundError, Store
from mockflow.store.vault import ProviderKeys, Vault
from tests.waiting import eventually


class RecordingSupervisor:
    """Stands in for the process layer: records what it is asked to do."""

    def __init__(self, fail: Exception | None = None) -> None:
        self.specs: list[dict] = []
        self.sent: list[tuple[str, dict]] = []
        self.ended: list[str] = []
        self.waited: list[bool] = []
        self.end_requests: list[tuple[str, str, str]] = []
        self.fail = fail

    def start(self, spec, *, wait=True):
        if self.fail:
            raise self.fail
        self.specs.append(spec)
        self.waited.append(wait)

        class Handle:
            events_path = Path(spec["session_dir"]) / "events.jsonl"

        return Handle()

    def send(self, session_id, command):
        self.sent.append((session_id, command))

    def end(self, session_id, reason="user_ended", message=""):
        self.ended.append(session_id)
        self.end_requests.append((session_id, reason, message))
        return reason


@pytest.fixture
def service(tmp_path):
    settings = Settings(data_dir=tmp_path, secret_key="a long enough passphrase for tests")
    store = Store.open(settings)
    vault = Vault.open(settings, store)
    vault.update_keys("local", {"openai_api_key": "sk-user-key-123456", "openai_model": "gpt-4o"})
    svc = InterviewService(settings, store, vault)
    svc.attach(RecordingSupervisor())
    yield svc
    store.close()


SETUP = InterviewSetup(
    name="Ana",
    role="Backend Engineer",
    track="technical",
    length="short",
    resume_text="Ana. Payments.",
    job_description="Own billing.",
)


def test_setup_problems_are_per_field():
    problems = InterviewSetup(name=" ", role="", track="sales", mode="fax").problems()
    assert set(problems) == {"name", "role", "track", "mode"}
    assert "Enter your name" in problems["name"]


def test_short_preset_scales_every_stage():
    limits = SETUP.stage_limits()
    assert limits["past_experience"] == pytest.approx(165)
    assert SETUP.stage_limits(scale=0.1)["greeting"] == pytest.approx(5)


def test_voice_needs_livekit_and_speech_keys():
    keys = ProviderKeys(openai_api_key="sk-x")
    assert missing_keys(keys, "text") == []
    voice = missing_keys(keys, "voice")
    assert any("LiveKit" in m for m in voice) and any("Deepgram" in m for m in voice)
    assert not any(
        "Deepgram" in m
        for m in missing_keys(
            ProviderKeys(
                openai_api_key="sk-x",
                stt_provider="openai",
                livekit_url="wss://x",
                livekit_api_key="k",
                livekit_api_secret="s",
            ),
            "voice",
        )
    )


def test_start_hands_a_complete_spec_and_records_the_session(service):
    started = service.start("local", SETUP)
    spec = service.supervisor.specs[0]
    assert spec["session_id"] == started.session_id
    assert spec["providers"]["llm"] == {
        "api_key": "sk-user-key-123456",
        "base_url": None,
        "model": "gpt-4o",
        "timeout": 20.0,  # a remote model's first-token timeout
    }
    assert spec["track"] == "technical" and spec["transport"] == "text"
    assert spec["stage_overrides"]["greeting"] == pytest.approx(49.5)
    assert spec["resume_text"] == "Ana. Payments."
    meta = json.loads((Path(spec["session_dir"]) / "meta.json").read_text())
    assert meta["job_description"] == "Own billing." and "api_key" not in json.dumps(meta)
    assert service.session("local", started.session_id).status == "running"


def test_start_without_keys_says_what_is_missing(service):
    service.vault.forget_keys("local")
    with pytest.raises(MissingKeysError, match="OpenAI API key"):
        service.start("local", SETUP)


def test_invalid_setup_never_reaches_the_supervisor(service):
    with pytest.raises(SetupError) as info:
        service.start("local", InterviewSetup(name="", role=""))
    assert set(info.value.problems) == {"name", "role"}
    assert service.supervisor.specs == []


def test_failed_start_marks_the_session_failed(service):
    service.attach(RecordingSupervisor(fail=MockflowError("The interviewer did not start")))
    with pytest.raises(MockflowError):
        service.start("local", SETUP)
    assert service.store.list_sessions("local")[0].status == "failed"


def test_session_end_updates_status_and_answers_relay(service):
    started = service.start("local", SETUP)
    service.send_answer("local", started.session_id, "  I built the billing service.  ")
    assert service.supervisor.sent[-1][1] == {
        "type": "user_text",
        "text": "I built the billing service.",
    }
    service.on_session_end(started.session_id, "error")
    assert service.session("local", started.session_id).status == "failed"
    with pytest.raises(MockflowError, match="already ended"):
        service.send_answer("local", started.session_id, "late answer")


def test_other_users_cannot_touch_a_session(service):
    started = service.start("local", SETUP)
    intruder = "b_" + "x" * 32
    with pytest.raises(NotFoundError):
        service.send_answer(intruder, started.session_id, "hi")
    with pytest.raises(NotFoundError):
        service.end(intruder, started.session_id)
    assert service.supervisor.sent == [] and service.supervisor.ended == []


def test_restart_marks_a_previous_runs_sessions_interrupted(service):
    # a session a previous app instance left "running" (its agent was reaped or died)
    old = service.store.create_session(
        "local", role="Engineer", track="behavioral", level="mid", mode="text"
    )
    service.store.set_status("local", old.id, "running")
    service.mark_interrupted([old.id])
    assert service.session("local", old.id).status == "interrupted"
    current = service.start("local", SETUP)  # this run's own session stays running
    service.mark_interrupted([])
    assert service.session("local", current.session_id).status == "running"


def test_voice_refresh_gets_a_new_token_for_the_same_room(service):
    from livekit import api

    _voice_keys(service)
    started = service.start("local", InterviewSetup(name="Ana", role="Engineer", mode="voice"))
    spec = service.supervisor.specs[-1]
    assert spec["transport"] == "room" and spec["providers"]["stt"]["provider"] == "deepgram"
    again = service.rejoin_room("local", started.session_id)
    verifier = api.TokenVerifier("APIkey123", "a-secret-long-enough-for-hs256-signing-0123456789")
    claims = verifier.verify(again["token"])
    assert claims.video.room == spec["livekit"]["room"]
    assert claims.identity == "candidate" and again["url"] == "wss://lk.example"
    assert again["token"] != spec["livekit"]["token"]  # the agent's token is never reused


def _voice_keys(service):
    service.vault.update_keys(
        "local",
        {
            "livekit_url": "wss://lk.example",
            "livekit_api_key": "APIkey123",
            "livekit_api_secret": "a-secret-long-enough-for-hs256-signing-0123456789",
            "deepgram_api_key": "dg-key-123456",
        },
    )


def test_voice_start_does_not_wait_for_the_agent_and_text_does(service):
    _voice_keys(service)
    first = service.start("local", SETUP)
    service.on_session_end(first.session_id, "completed")
    service.start("local", InterviewSetup(name="Ana", role="Engineer", mode="voice"))
    assert service.supervisor.waited == [True, False]


def test_a_voice_start_that_fails_at_once_stays_failed(service):
    # the agent's handshake failed in the background before start() returned
    _voice_keys(service)
    supervisor = service.supervisor
    original = supervisor.start

    def start_and_fail(spec, *, wait=True):
        handle = original(spec, wait=wait)
        service.on_session_end(spec["session_id"], "error")
        return handle

    supervisor.start = start_and_fail
    started = service.start("local", InterviewSetup(name="Ana", role="Engineer", mode="voice"))
    assert service.session("local", started.session_id).status == "failed"


def test_a_second_interview_while_one_runs_is_refused_with_a_clear_message(service):
    first = service.start("local", SETUP)
    with pytest.raises(FairUseError, match="already have an interview running"):
        service.start("local", SETUP)
    assert service.active_session("local").id == first.session_id
    service.on_session_end(first.session_id, "user_ended")
    assert service.start("local", SETUP).session_id != first.session_id


def test_two_starts_at_once_for_one_user_give_one_interview(service):
    import threading

    results: list[object] = []
    barrier = threading.Barrier(4)

    def start() -> None:
        barrier.wait()
        try:
            results.append(service.start("local", SETUP))
        except FairUseError as exc:
            results.append(exc)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    started = [r for r in results if not isinstance(r, FairUseError)]
    assert len(started) == 1 and len(results) == 4


VISITOR = new_browser_id()


@pytest.fixture
def public_service(tmp_path):
    """A public-link service for one visitor with `keys`, `dns` standing in for DNS."""
    stores = []

    def build(keys: dict, *, allowed=(), dns=None) -> InterviewService:
        settings = Settings(
            data_dir=tmp_path / "public",
            secret_key="a long enough passphrase for tests",
            public=True,
            allowed_provider_hosts=allowed,
        )
        store = Store.open(settings)
        stores.append(store)
        vault = Vault.open(settings, store)
        vault.update_keys(VISITOR, keys)
        guard = NetGuard.from_settings(settings, dns or (lambda host, port: []))
        svc = InterviewService(settings, store, vault, guard=guard)
        svc.attach(RecordingSupervisor())
        return svc

    yield build
    for store in stores:
        store.close()


VOICE_KEYS = {
    "openai_api_key": "sk-user-key-123456",
    "stt_provider": "openai",
    "livekit_url": "wss://lk.example",
    "livekit_api_key": "APIkey123",
    "livekit_api_secret": "a-livekit-secret-that-is-long-enough-000",
}


@pytest.mark.parametrize(
    ("mode", "keys"),
    [
        ("text", {"openai_api_key": "sk-x", "openai_base_url": "http://127.0.0.1:11434/v1"}),
        ("text", {"openai_api_key": "sk-x", "openai_base_url": "https://metadata.lan/v1"}),
        ("voice", {**VOICE_KEYS, "livekit_url": "ws://10.0.0.8:7880"}),
        ("voice", {**VOICE_KEYS, "openai_base_url": "https://[::1]/v1"}),
    ],
)
def test_a_public_start_with_a_private_address_launches_nothing(public_service, mode, keys):
    dns = {"metadata.lan": ["169.254.169.254"], "lk.example": ["203.0.114.10"]}
    svc = public_service(keys, dns=lambda host, port: dns.get(host, []))
    with pytest.raises(AddressRefusedError, match="can't be used on a shared link"):
        svc.start(VISITOR, InterviewSetup(name="Eve", role="Engineer", mode=mode))
    assert svc.supervisor.specs == [] and svc.store.list_sessions(VISITOR, 5) == []


def test_a_public_start_pins_every_provider_to_the_vetted_address(public_service):
    keys = {**VOICE_KEYS, "openai_base_url": "https://llm.example/v1"}
    dns = {"llm.example": ["203.0.114.20"], "lk.example": ["203.0.114.10"]}
    svc = public_service(keys, dns=lambda host, port: dns[host])
    svc.start(VISITOR, InterviewSetup(name="Eve", role="Engineer", mode="voice"))
    providers = svc.supervisor.specs[0]["providers"]
    assert {name: p.get("pinned_address") for name, p in providers.items()} == {
        "llm": "203.0.114.20",
        "stt": "203.0.114.20",
        "tts": "203.0.114.20",
    }


def test_an_allow_listed_server_starts_on_a_public_link_and_local_mode_pins_nothing(
    public_service, service
):
    keys = {"openai_api_key": "sk-x", "openai_base_url": "http://127.0.0.1:11434/v1"}
    svc = public_service(keys, allowed=("127.0.0.1:11434",))
    svc.start(VISITOR, InterviewSetup(name="Eve", role="Engineer"))
    assert svc.supervisor.specs[0]["providers"]["llm"]["pinned_address"] == "127.0.0.1"
    service.vault.update_keys("local", {"openai_base_url": "http://localhost:11434/v1"})
    service.start("local", SETUP)
    assert "pinned_address" not in service.supervisor.specs[0]["providers"]["llm"]


# practice links (issue 16)


def _practice_link(service, coach: str, **limits):
    return service.store.create_practice_link(
        coach,
        title="Backend screen",
        setup={"role": "Backend Engineer", "level": "senior", "track": "technical"},
        expires_at=service.store._clock() + 86400,
        questions=["What broke in your last migration?"],
        focus_notes="Probe for numbers.",
        **limits,
    )


def test_a_sponsored_link_runs_on_the_coachs_keys_within_its_limits(service):
    candidate = new_browser_id()  # no keys of their own
    link = _practice_link(service, "local", sponsored=True, max_minutes_per_interview=5)
    setup = practice_setup(link, name="Ana")
    started = service.start(candidate, setup, practice=link)
    spec = service.supervisor.specs[0]
    assert spec["providers"]["llm"]["api_key"] == "sk-user-key-123456"  # the coach's
    assert spec["candidate"] == {"name": "Ana", "role": "Backend Engineer", "level": "senior"}
    assert spec["coach"]["questions"] == link.questions
    assert sum(spec["stage_overrides"].values()) <= 5 * 60
    meta = (Path(spec["session_dir"]) / "meta.json").read_text()
    assert "sk-user-key" not in meta
    service.on_session_end(started.session_id, "completed")
    usage = service.store.coach_link("local", link.id).usage
    assert usage["interviews"] == 1 and usage["minutes"] is not None


def test_a_spent_link_refuses_and_leaves_nothing_behind(service):
    link = _practice_link(service, "local", sponsored=True, max_interviews=1)
    first, second = new_browser_id(), new_browser_id()
    service.start(first, practice_setup(link, name="Ana"), practice=link)
    with pytest.raises(MockflowError, match="no interviews left"):
        service.start(second, practice_setup(link, name="Ben"), practice=link)
    assert service.store.list_sessions(second) == []
    assert len(service.supervisor.specs) == 1  # nothing ran on the coach's keys


def _with_minute(service, seconds: float) -> None:
    """A practice link's minute lasts `seconds` (as a test's app sets it)."""
    service.settings = replace(service.settings, practice_minute_seconds=seconds)


def test_a_link_interview_gets_its_grant_as_a_hard_end_and_the_app_backs_it_up(service):
    """Issue 25: the granted minutes reach the agent as its hard end; an agent that does
    not stop at it is ended by the app (as `timeout`) half a minute later."""
    _with_minute(service, 0.4)
    link = _practice_link(
        service, "local", sponsored=True, max_total_minutes=3, max_minutes_per_interview=2
    )
    started = service.start(new_browser_id(), practice_setup(link, name="Ana"), practice=link)
    budget = service.supervisor.specs[0]["time_budget"]
    assert budget == {"seconds": 0.8, "closing_seconds": 0.2, "idle_seconds": 0.8}
    assert eventually(lambda: service.supervisor.end_requests, timeout=30)
    assert service.supervisor.end_requests == [(started.session_id, "timeout", "")]


def test_a_start_that_fails_gives_its_minutes_back_to_the_link(service):
    link = _practice_link(service, "local", sponsored=True, max_total_minutes=2)
    service.attach(RecordingSupervisor(fail=MockflowError("The interviewer did not start")))
    with pytest.raises(MockflowError, match="did not start"):
        service.start(new_browser_id(), practice_setup(link, name="Ana"), practice=link)
    service.attach(RecordingSupervisor())
    service.start(new_browser_id(), practice_setup(link, name="Ben"), practice=link)
    assert service.supervisor.specs[0]["time_budget"]["seconds"] == 2 * 60


def test_a_link_with_its_minutes_held_by_running_interviews_starts_nothing(service):
    link = _practice_link(service, "local", sponsored=True, max_total_minutes=1)
    service.start(new_browser_id(), practice_setup(link, name="Ana"), practice=link)
    ben = new_browser_id()
    with pytest.raises(MockflowError, match="held by interviews running now"):
        service.start(ben, practice_setup(link, name="Ben"), practice=link)
    assert service.store.list_sessions(ben) == [] and len(service.supervisor.specs) == 1


def test_a_sponsoring_coach_without_keys_is_not_named_to_the_candidate(service, tmp_path):
    coach = new_browser_id()  # has no keys
    link = _practice_link(service, coach, sponsored=True)
    with pytest.raises(MissingKeysError) as caught:
        service.start(new_browser_id(), practice_setup(link, name="Ana"), practice=link)
    assert "Settings" not in str(caught.value) and "OpenAI" not in str(caught.value)


def test_a_link_offers_only_its_modes():
    link = SimpleNamespace(modes=["text"], setup={})
    with pytest.raises(SetupError) as caught:
        practice_setup(link, name="Ana", mode="voice")
    assert "text interviews only" in caught.value.problems["mode"]


def test_a_voice_interview_through_a_sponsored_link_uses_the_coachs_livekit(service):
    """The candidate's browser gets a room and a token for it, minted server-side from the
    coach's LiveKit project: never the project's key or secret."""
    coach = new_browser_id()
    service.vault.update_keys(coach, VOICE_KEYS)
    link = service.store.create_practice_link(
        coach,
        title="Voice screen",
        setup={"role": "Backend Engineer", "track": "behavioral"},
        expires_at=service.store._clock() + 86400,
        modes=["text", "voice"],
        sponsored=True,
    )
    started = service.start(
        new_browser_id(), practice_setup(link, name="Ana", mode="voice"), practice=link
    )
    spec = service.supervisor.specs[0]
    assert spec["livekit"]["url"] == "wss://lk.example"
    assert started.room is not None and started.room["url"] == "wss://lk.example"
    handed = str(started.room)
    assert "APIkey123" not in handed and VOICE_KEYS["livekit_api_secret"] not in handed
