"""Public-link mode attacked through the named API (gradio_client against the real app):
only a credential this server issued names a user. `local`, `hf_*`, a bare anonymous id
or a tampered credential are refused on every endpoint, so a stranger who knows (or
guesses) a session id still reads nothing and starts nothing on someone's keys.

The data dir is prepared before the app starts: a local user's and an anonymous user's
interviews, and the local user's stored key (what an attacker would spend).
"""

from __future__ import annotations

import re

import pytest
from gradio_client import Client

from mockflow.app.identity import AnonymousCredentials
from mockflow.config import Settings
from mockflow.contracts.events import EventWriter
from mockflow.contracts.ids import LOCAL_USER_ID, new_browser_id
from mockflow.net.guard import REFUSED
from mockflow.store.db import Store
from mockflow.store.vault import ProviderKeys, Vault
from tests.app_process import AppProcess
from tests.fakes.openai_server import FakeOpenAI

pytestmark = pytest.mark.integration
LOCAL_KEY = "sk-local-user-own-key-4321"
PRIVATE_URL_VISITOR = new_browser_id()


def _prepare(data_dir, private_llm_url: str):
    settings = Settings(data_dir=data_dir)
    store = Store.open(settings)
    vault = Vault.open(settings, store)
    vault.save_keys(LOCAL_USER_ID, ProviderKeys(openai_api_key=LOCAL_KEY))
    keys = ProviderKeys(openai_api_key="sk-visitor-own-key-5678", openai_base_url=private_llm_url)
    vault.save_keys(PRIVATE_URL_VISITOR, keys)
    sessions = {}
    for user in (LOCAL_USER_ID, new_browser_id()):
        record = store.create_session(
            user, role="Secret Role", track="behavioral", level="mid", mode="text"
        )
        events = EventWriter(store.sessions_dir / record.id / "events.jsonl")
        events.write("turn", role="candidate", text=f"private answer of {user}", stage="x")
        events.close()
        store.set_status(user, record.id, "completed", end_reason="completed")
        sessions[user] = record.id
    credentials = AnonymousCredentials(vault.derive_key("anonymous-credentials"))
    store.close()
    return sessions, credentials


@pytest.fixture(scope="module")
def server_side_llm():
    """An LLM server on the app's own machine, which a visitor names as their base URL."""
    server = FakeOpenAI()
    server.start_in_thread()
    yield server
    server.stop_thread()


@pytest.fixture(scope="module")
def public(tmp_path_factory, server_side_llm):
    data = tmp_path_factory.mktemp("public-api")
    sessions, credentials = _prepare(data, server_side_llm.base_url)
    # these tests try every endpoint with every forged identity, faster than a person: the
    # request rate limit (its own tests: test_rate_limit.py) would answer 429 to some of them
    app = AppProcess(data, {"MOCKFLOW_PUBLIC": "1", "MOCKFLOW_REQUEST_RATE": "0"})
    yield app, sessions, credentials
    app.stop()


def _forged(sessions, credentials) -> list[str]:
    anonymous = next(u for u in sessions if u != LOCAL_USER_ID)
    good = credentials.issue(anonymous)
    signature = good.split(".")[1]
    return [
        LOCAL_USER_ID,
        "hf_ada",
        anonymous,  # the bare id, without the server's signature
        f"{LOCAL_USER_ID}.{signature}",
        good[:-2] + ("AA" if not good.endswith("AA") else "BB"),
        AnonymousCredentials(b"another-server-key-000000000000").issue(anonymous),
    ]


def test_forged_identities_are_refused_on_every_endpoint(public):
    app, sessions, credentials = public
    client = Client(app.url, verbose=False)
    for token in _forged(sessions, credentials):
        for session_id in sessions.values():
            calls = {
                "/poll": (session_id, 0, token),
                "/get_report": (session_id, token),
                "/send_answer": (session_id, "hello", token),
                "/end_interview": (session_id, token),
            }
            for endpoint, args in calls.items():
                with pytest.raises(Exception, match="user_token is not valid"):
                    client.predict(*args, api_name=endpoint)
        with pytest.raises(Exception, match="user_token is not valid"):
            client.predict(
                "Eve",
                "Engineer",
                "mid",
                "behavioral",
                "short",
                "",
                "",
                token,
                api_name="/start_interview",
            )
    log = (app.data_dir / "app.log").read_text()
    assert LOCAL_KEY not in log and "private answer" not in log


def test_the_issued_credential_reaches_its_own_interview_and_no_other(public):
    app, sessions, credentials = public
    client = Client(app.url, verbose=False)
    anonymous = next(u for u in sessions if u != LOCAL_USER_ID)
    token = credentials.issue(anonymous)
    mine = client.predict(sessions[anonymous], 0, token, api_name="/poll")
    assert [e["text"] for e in mine["events"]] == [f"private answer of {anonymous}"]
    with pytest.raises(Exception, match="not found"):
        client.predict(sessions[LOCAL_USER_ID], 0, token, api_name="/poll")


def test_a_new_visitor_gets_a_signed_credential_and_starts_on_no_one_elses_keys(public):
    app, _, credentials = public
    client = Client(app.url, verbose=False)
    with pytest.raises(Exception, match="need an OpenAI API key"):
        client.predict(
            "Eve", "Engineer", "mid", "behavioral", "short", "", "", "", api_name="/start_interview"
        )


def test_a_start_with_a_base_url_on_the_server_s_own_network_launches_no_agent(
    public, server_side_llm
):
    app, _, credentials = public
    client = Client(app.url, verbose=False)
    token = credentials.issue(PRIVATE_URL_VISITOR)
    sessions_before = sorted((app.data_dir / "sessions").glob("*"))
    with pytest.raises(Exception, match=re.escape(REFUSED)):
        client.predict(
            "Eve",
            "Engineer",
            "mid",
            "behavioral",
            "short",
            "",
            "",
            token,
            api_name="/start_interview",
        )
    assert app.health()["active_sessions"] == 0
    assert sorted((app.data_dir / "sessions").glob("*")) == sessions_before
    assert server_side_llm.requests == []
