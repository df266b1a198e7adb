"""Public-link mode attacked through the named API (gradio_client against the real app):
only a credential this server issued names a user. `local`, `hf_*`, a bare anonymous id
or a tampered credential are refused on every endpoint, so a stranger who knows (or
guesses) a session id still reads nothing and starts nothing on someone's keys.

The data dir is prepared before the app starts: a local user's and an anonymous user's
interviews, and the local user's stored key (what an attacker would spend).
"""

from __future__ import annotations

import pytest
from gradio_client import Client

from mockflow.config import Settings
from mockflow.events import EventWriter
from mockflow.identity import LOCAL_USER_ID, AnonymousCredentials, new_browser_id
from mockflow.store import Store
from mockflow.vault import ProviderKeys, Vault
from tests.app_process import AppProcess

pytestmark = pytest.mark.integration
LOCAL_KEY = "sk-local-user-own-key-4321"


def _prepare(data_dir):
    settings = Settings(data_dir=data_dir)
    store = Store.open(settings)
    vault = Vault.open(settings, store)
    vault.save_keys(LOCAL_USER_ID, ProviderKeys(openai_api_key=LOCAL_KEY))
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
def public(tmp_path_factory):
    data = tmp_path_factory.mktemp("public-api")
    sessions, credentials = _prepare(data)
    app = AppProcess(data, {"MOCKFLOW_PUBLIC": "1"})
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
