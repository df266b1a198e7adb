"""Admission through the interview service on a public link: a start holds its address's
and the server's slot from before anything is launched, and every way a start can fail
gives the slot back (a launch that fails, a local model that cannot start, a spent
practice link), so a failed start never leaves the address locked out."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from mockflow.app.fair_use import FairUseError
from mockflow.app.interviews import InterviewService
from mockflow.app.practice import practice_setup
from mockflow.app.setup import InterviewSetup
from mockflow.config import Settings
from mockflow.contracts.ids import new_browser_id
from mockflow.errors import MockflowError
from mockflow.launch.errors import SessionStartError
from mockflow.store.db import Store
from mockflow.store.vault import Vault
from tests.waiting import eventually

ADDRESS = "198.51.100.7"
SETUP = InterviewSetup(name="Ana", role="Backend Engineer")
KEYS = {"openai_api_key": "sk-visitor-key-123456"}


class Launcher:
    """Starts nothing; fails while `failing` is set; `gate` holds every start until set."""

    def __init__(self) -> None:
        self.failing: Exception | None = None
        self.started: list[str] = []
        self.gate = threading.Event()
        self.gate.set()

    def start(self, spec, *, wait=True):
        self.gate.wait(10)
        if self.failing is not None:
            raise self.failing
        self.started.append(spec["session_id"])

        class Handle:
            events_path = Path(spec["session_dir"]) / "events.jsonl"

        return Handle()

    def send(self, session_id, command):
        pass

    def end(self, session_id, reason="user_ended", message=""):
        return reason


class BrokenModels:
    def ensure_llm(self):
        raise MockflowError("The local model could not start.")

    def ensure_speech(self):
        raise MockflowError("The local speech server could not start.")


@pytest.fixture
def public(tmp_path):
    settings = Settings(
        data_dir=tmp_path,
        secret_key="a long enough passphrase for tests",
        public=True,
        running_per_ip=1,
        max_sessions=2,
    )
    store = Store.open(settings)
    vault = Vault.open(settings, store)
    service = InterviewService(settings, store, vault)
    service.attach(Launcher())
    yield service
    store.close()


def _visitor(service: InterviewService) -> str:
    user = new_browser_id()
    service.vault.update_keys(user, KEYS)
    return user


def test_a_launch_that_fails_frees_its_slot(public):
    public.supervisor.failing = SessionStartError("The interviewer did not start.")
    for _ in range(3):  # more failures than the address's cap
        with pytest.raises(SessionStartError):
            public.start(_visitor(public), SETUP, ip=ADDRESS)
    public.supervisor.failing = None
    public.start(_visitor(public), SETUP, ip=ADDRESS)
    with pytest.raises(FairUseError, match="1 interview is already running from your network"):
        public.start(_visitor(public), SETUP, ip=ADDRESS)


def test_a_local_model_that_cannot_start_frees_its_slot(public):
    public.local_models = BrokenModels()
    for _ in range(2):  # visitors without keys of their own get the server's models
        with pytest.raises(MockflowError, match="local model could not start"):
            public.start(new_browser_id(), SETUP, ip=ADDRESS)
    public.local_models = None
    public.start(_visitor(public), SETUP, ip=ADDRESS)


def test_a_spent_practice_link_frees_the_slot_it_refused(public):
    coach = _visitor(public)
    link = public.store.create_practice_link(
        coach,
        title="Backend screen",
        setup={"role": "Backend Engineer", "level": "senior", "track": "technical"},
        expires_at=public.store._clock() + 86400,
        sponsored=True,
        max_interviews=1,
    )
    ana, ben = new_browser_id(), new_browser_id()
    first = public.start(ana, practice_setup(link, name="Ana"), ip=ADDRESS, practice=link)
    public.on_session_end(first.session_id, "completed")
    with pytest.raises(MockflowError, match="no interviews left"):
        public.start(ben, practice_setup(link, name="Ben"), ip=ADDRESS, practice=link)
    public.start(_visitor(public), SETUP, ip=ADDRESS)  # the refused start held nothing


def test_an_ended_interview_frees_its_slot(public):
    started = public.start(_visitor(public), SETUP, ip=ADDRESS)
    public.on_session_end(started.session_id, "user_ended")
    public.start(_visitor(public), SETUP, ip=ADDRESS)


def test_the_server_is_full_before_anything_is_created(public):
    visitors = [_visitor(public) for _ in range(3)]
    public.start(visitors[0], SETUP, ip=ADDRESS)
    public.start(visitors[1], SETUP, ip="203.0.113.5")
    with pytest.raises(FairUseError, match="All interview slots on this server are in use"):
        public.start(visitors[2], SETUP, ip="192.0.2.9")
    assert public.store.list_sessions(visitors[2]) == []  # no failed interview in history


def test_starts_held_at_the_launch_count_against_the_address(public):
    """The launch is slow (an agent process warming up): a second start from the address
    meanwhile is refused, not let through to run beside it."""
    public.supervisor.gate.clear()
    visitor = _visitor(public)
    first = threading.Thread(target=lambda: public.start(visitor, SETUP, ip=ADDRESS))
    first.start()
    try:
        assert eventually(lambda: public.fair.running(ADDRESS) == 1, timeout=10)
        with pytest.raises(FairUseError, match="already running from your network"):
            public.start(_visitor(public), SETUP, ip=ADDRESS)
    finally:
        public.supervisor.gate.set()
        first.join()
    assert len(public.supervisor.started) == 1
