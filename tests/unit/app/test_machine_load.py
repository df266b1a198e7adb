"""The load-aware limit: a voice start that would push the machine past real time is refused
with the reason (issue 26); text starts and worker-served voice are not. The machine's load
comes from an injected sampler: no real CPU load in these tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from mockflow.app.interviews import InterviewService
from mockflow.app.machine_load import SETTLE_SECONDS, CpuLoad, MachineBusyError, MachineLoad
from mockflow.app.setup import InterviewSetup
from mockflow.config import EnvKeys, Settings
from mockflow.errors import ConfigError
from mockflow.store.db import Store
from mockflow.store.vault import Vault

VOICE = InterviewSetup(name="Ana", role="Engineer", mode="voice")
TEXT = InterviewSetup(name="Ana", role="Engineer", mode="text")


class Load:
    """The machine's recent CPU use, as the test sets it."""

    def __init__(self, share: float | None) -> None:
        self.share = share
        self.calls = 0

    def __call__(self) -> float | None:
        self.calls += 1
        return self.share


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def limit(share: float | None, *, at: float = 0.75, clock: Clock | None = None) -> MachineLoad:
    # one interview: 6 % of the machine (12 % of a core on 2 cores)
    return MachineLoad(at, Load(share), share_per_interview=0.06, clock=clock or Clock())


def test_a_busy_machine_refuses_a_voice_start_and_says_why():
    with pytest.raises(MachineBusyError) as refused:
        limit(0.86).refuse_when_busy()
    message = str(refused.value)
    assert "too busy for another voice interview" in message
    assert "86%" in message and "text interview" in message


def test_a_quiet_machine_admits_until_the_start_itself_would_cross_the_limit():
    limit(0.60).refuse_when_busy()  # 0.60 + 0.06 = 0.66
    with pytest.raises(MachineBusyError):
        limit(0.70).refuse_when_busy()  # 0.70 + 0.06 = 0.76 > 0.75


def test_starts_at_once_count_before_their_load_shows_and_are_forgotten_once_it_does():
    clock = Clock()
    load = limit(0.0, clock=clock)
    for _ in range(12):  # 12 x 0.06 = 0.72
        load.refuse_when_busy()
    with pytest.raises(MachineBusyError, match="just started"):
        load.refuse_when_busy()
    clock.now += SETTLE_SECONDS + 1  # their load is in the samples by now (0.0 here)
    load.refuse_when_busy()


def test_before_the_first_measurement_only_the_starts_count():
    load = limit(None)
    load.refuse_when_busy()
    assert len(load._admitted) == 1


def test_no_limit_measures_nothing():
    sampler = Load(1.0)
    MachineLoad(0.0, sampler).refuse_when_busy()
    assert sampler.calls == 0


def test_the_real_sampler_averages_its_last_five_measurements():
    measured = iter([100.0, 90.0, 10.0, 20.0, 30.0, 40.0, 50.0])
    cpu = CpuLoad(measure=lambda interval: next(measured))
    assert cpu.recent() is None
    for _ in range(7):
        cpu.sample()
    assert cpu.recent() == pytest.approx(0.30)  # 10..50 %, the two oldest dropped


def test_the_limit_comes_from_the_environment_and_is_on_for_public_links():
    assert Settings.from_env({}).max_cpu_load == 0.0  # your own machine: one at a time
    assert Settings.from_env({"MOCKFLOW_PUBLIC": "1"}).max_cpu_load == 0.75
    env = {"MOCKFLOW_PUBLIC": "1", "MOCKFLOW_MAX_CPU_LOAD": "0.6"}
    assert Settings.from_env(env).max_cpu_load == 0.6
    with pytest.raises(ConfigError, match="MOCKFLOW_MAX_CPU_LOAD must be a share"):
        Settings.from_env({"MOCKFLOW_MAX_CPU_LOAD": "75"})


# -- through the interview service ------------------------------------------------------------


class Launcher:
    def __init__(self) -> None:
        self.started: list[str] = []

    def start(self, spec, *, wait=True):
        self.started.append(spec["transport"])

        class Handle:
            events_path = Path(spec["session_dir"]) / "events.jsonl"

        return Handle()

    def send(self, session_id, command):
        pass

    def end(self, session_id, reason="user_ended", message=""):
        return reason


@pytest.fixture
def service(tmp_path):
    settings = Settings(data_dir=tmp_path, secret_key="a long enough passphrase for tests")
    store = Store.open(settings)
    vault = Vault.open(settings, store)
    vault.update_keys(
        "local",
        {
            "openai_api_key": "sk-user-key-123456",
            "livekit_url": "wss://lk.example",
            "livekit_api_key": "APIkey123",
            "livekit_api_secret": "a-secret-long-enough-for-hs256-signing-0123456789",
            "deepgram_api_key": "dg-key-123456",
        },
    )
    svc = InterviewService(settings, store, vault, machine_load=limit(0.95))
    svc.attach(Launcher())
    yield svc
    store.close()


def test_a_voice_start_on_a_busy_machine_is_refused_and_nothing_runs(service):
    with pytest.raises(MachineBusyError, match="95%"):
        service.start("local", VOICE)
    assert service.supervisor.started == []
    assert service.active_session("local") is None
    service.machine_load.sampler.share = 0.30  # the machine calmed down: the same user may
    service.start("local", VOICE)
    assert service.supervisor.started == ["room"]


def test_a_text_start_on_a_busy_machine_runs(service):
    service.start("local", TEXT)
    assert service.supervisor.started == ["text"]


def test_worker_served_voice_is_left_to_the_workers_own_load(service):
    workers = Launcher()
    service.attach(service.supervisor, workers)
    service.settings = service.settings.with_overrides(
        env_keys=EnvKeys(
            livekit_url="wss://lk.example",
            livekit_api_key="APIkey123",
            livekit_api_secret="a-secret-long-enough-for-hs256-signing-0123456789",
        )
    )
    service.start("local", VOICE)
    assert workers.started == ["room"]
