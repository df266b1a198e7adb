"""Admission under a burst (the real app, public-link mode, plain HTTP calls to the named
API from many threads at once): twenty visitors on one address press Start together, and
exactly the address's cap of interviews run; the rest are told why. A launch that fails
gives its slot back.

The visitors are prepared in the data folder before the app starts, each with stored keys
for a local fake model the operator allows.
"""

from __future__ import annotations

import json
import secrets
import threading
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from mockflow.app.identity import AnonymousCredentials
from mockflow.config import Settings
from mockflow.contracts.ids import new_browser_id
from mockflow.store.db import Store
from mockflow.store.vault import ProviderKeys, Vault
from tests.app_process import AppProcess
from tests.fakes.interviewer_script import ScriptedInterviewer
from tests.fakes.openai_server import FakeOpenAI

pytestmark = pytest.mark.integration
KEY = "sk-admission-test-key-0420"
VISITORS = 20
CAP = 3


class ApiError(Exception):
    """The endpoint answered with an error; its text is what the caller was shown."""


def call(url: str, endpoint: str, *args: object) -> Any:
    """One named-endpoint call over plain HTTP (what gradio_client does), with a session
    hash of its own, so the calls are as independent as twenty browsers."""
    body = json.dumps({"data": list(args), "session_hash": secrets.token_hex(8)}).encode()
    request = urllib.request.Request(
        f"{url}gradio_api/call/{endpoint}", data=body, headers={"Content-Type": "application/json"}
    )
    event_id = json.loads(urllib.request.urlopen(request, timeout=180).read())["event_id"]
    stream = urllib.request.urlopen(f"{url}gradio_api/call/{endpoint}/{event_id}", timeout=180)
    event = ""
    for raw in stream:
        line = raw.decode().strip()
        if line.startswith("event:"):
            event = line.split(":", 1)[1].strip()
        elif line.startswith("data:") and event in ("complete", "error"):
            data = json.loads(line.split(":", 1)[1])
            if event == "error":
                raise ApiError(str(data))
            return data[0]
    raise ApiError("no result")


def _prepare(data: Path, base_url: str) -> list[str]:
    """Visitors with keys; returns their credentials."""
    settings = Settings(data_dir=data, public=True)
    store = Store.open(settings)
    vault = Vault.open(settings, store)
    credentials = AnonymousCredentials(vault.derive_key("anonymous-credentials"))
    tokens = []
    for _ in range(VISITORS + 2):
        user = new_browser_id()
        vault.save_keys(user, ProviderKeys(openai_api_key=KEY, openai_base_url=base_url))
        tokens.append(credentials.issue(user))
    store.close()
    return tokens


def _start(url: str, token: str) -> dict[str, Any]:
    return call(
        url, "start_interview", "Ana", "Engineer", "mid", "behavioral", "short", "", "", token, ""
    )


@pytest.fixture(scope="module")
def model():
    fake = FakeOpenAI(api_key=KEY, responder=ScriptedInterviewer(per_conversation=True))
    fake.start_in_thread()
    yield fake
    fake.stop_thread()


@pytest.fixture(scope="module")
def public(tmp_path_factory, model):
    data = tmp_path_factory.mktemp("admission")
    tokens = _prepare(data, model.base_url)
    app = AppProcess(
        data,
        {
            "MOCKFLOW_PUBLIC": "1",
            "MOCKFLOW_RUNNING_PER_IP": str(CAP),
            "MOCKFLOW_MAX_SESSIONS": "10",  # more slots than the address may take
            "MOCKFLOW_READY_TIMEOUT": "120",
            "MOCKFLOW_ALLOWED_PROVIDER_HOSTS": urlsplit(model.base_url).netloc,
            "MOCKFLOW_REQUEST_RATE": "0",  # this burst is what is measured, not refused
        },
    )
    yield app, tokens
    app.stop()


@pytest.fixture(scope="module")
def failing(tmp_path_factory, model):
    """An app whose interviewers never get ready in time: every launch fails."""
    data = tmp_path_factory.mktemp("admission-failing")
    tokens = _prepare(data, model.base_url)
    app = AppProcess(
        data,
        {
            "MOCKFLOW_PUBLIC": "1",
            "MOCKFLOW_RUNNING_PER_IP": str(CAP),
            "MOCKFLOW_READY_TIMEOUT": "0.001",
            "MOCKFLOW_ALLOWED_PROVIDER_HOSTS": urlsplit(model.base_url).netloc,
        },
    )
    yield app, tokens
    app.stop()


def test_twenty_simultaneous_starts_from_one_address_run_exactly_the_cap(public):
    app, tokens = public
    barrier = threading.Barrier(VISITORS)
    started: list[tuple[str, str]] = []
    refused: list[str] = []
    lock = threading.Lock()

    def press_start(token: str) -> None:
        barrier.wait()
        try:
            result = _start(app.url, token)
        except ApiError as exc:
            with lock:
                refused.append(str(exc))
        else:
            with lock:
                started.append((result["session_id"], token))

    threads = [threading.Thread(target=press_start, args=(t,)) for t in tokens[:VISITORS]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(f"{len(started)} of {VISITORS} simultaneous starts ran")  # the figure for the note
    assert len(started) == CAP, (started, refused)
    assert len(refused) == VISITORS - CAP
    assert all("already running from your network" in reason for reason in refused), refused
    for session_id, token in started:  # the address's slots are free again
        call(app.url, "end_interview", session_id, token)


def test_launches_that_fail_give_their_slots_back(failing):
    app, tokens = failing
    reasons = []
    for token in tokens[: CAP + 2]:  # more failed starts than the address's cap
        with pytest.raises(ApiError) as failed:
            _start(app.url, token)
        reasons.append(str(failed.value))
    assert not any("already running from your network" in r for r in reasons), reasons
