"""Fair sharing under load: does one visitor's slow call hold up everyone else?

The real app (`python app.py`, public-link mode) with visitors prepared in its data folder
(each with stored keys and an ended interview), driven by gradio_client over the named
API (plain HTTP: `POST /gradio_api/call/<endpoint>`, then its result stream, what
gradio_client does minus its own ~70 ms of client-side work per call). Two scenes:

1. Visitor A asks for scores and coaching from a model that takes `--slow` seconds; while
   it hangs, visitor B polls their interview every 0.2 s and then generates their own
   report against a fast model. Prints B's poll round trips (p50/p95) and B's report time.
2. `--users` visitors each start a text interview (fake model answering at once) and poll
   it once a second, as the page does. Prints the poll round trips over all of them.

Prints figures; asserts nothing. Before the queue was configured (one call at a time per
listener), the issue measured B's report at 39 s instead of 0.13 s and poll p50 1.2 s at
20 users.

    python bench/concurrency.py [--users 20] [--slow 20] [--seconds 20] [--scenes 12]
"""

from __future__ import annotations

import argparse
import json
import secrets
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mockflow.app.identity import AnonymousCredentials
from mockflow.config import Settings
from mockflow.contracts.events import EventWriter
from mockflow.contracts.ids import new_browser_id
from mockflow.store.db import Store
from mockflow.store.vault import ProviderKeys, Vault
from tests.app_process import AppProcess
from tests.fakes.interviewer_script import ScriptedInterviewer
from tests.fakes.openai_server import FakeOpenAI, Reply

KEY = "sk-bench-concurrency-0001"
ANSWER_EVENTS = [
    (
        "turn",
        {
            "role": "interviewer",
            "text": "Tell me about a project you owned.",
            "stage": "past_experience",
        },
    ),
    (
        "turn",
        {
            "role": "candidate",
            "text": "I led our ledger migration to Postgres and halved reconciliation time.",
            "stage": "past_experience",
        },
    ),
]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def prepare(data: Path, users: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """Visitors with keys pointing at `users[name]` (a base URL) and one ended interview;
    returns (name -> credential, name -> session id)."""
    settings = Settings(data_dir=data, public=True)
    store = Store.open(settings)
    vault = Vault.open(settings, store)
    credentials = AnonymousCredentials(vault.derive_key("anonymous-credentials"))
    tokens, sessions = {}, {}
    for name, base_url in users.items():
        user = new_browser_id()
        vault.save_keys(user, ProviderKeys(openai_api_key=KEY, openai_base_url=base_url))
        record = store.create_session(
            user, role="Engineer", track="behavioral", level="mid", mode="text"
        )
        events = EventWriter(store.sessions_dir / record.id / "events.jsonl")
        for kind, fields in ANSWER_EVENTS:
            events.write(kind, started_at=time.time(), ended_at=time.time(), **fields)
        events.write("ended", reason="user_ended")
        events.close()
        store.set_status(user, record.id, "user_ended", end_reason="user_ended")
        tokens[name], sessions[name] = credentials.issue(user), record.id
    store.close()
    return tokens, sessions


class Api:
    """The app's named endpoints over plain HTTP, as one visitor: one session hash for all
    of its calls, as a browser tab and gradio_client keep. (Without one, Gradio builds a
    fresh session state per call, ~25 ms of the server's event loop here.)"""

    def __init__(self, url: str) -> None:
        self.url = url
        self.session_hash = secrets.token_hex(8)

    def predict(self, *args: object, api_name: str) -> object:
        body = json.dumps({"data": list(args), "session_hash": self.session_hash}).encode()
        request = urllib.request.Request(
            f"{self.url}gradio_api/call{api_name}",
            data=body,
            headers={"Content-Type": "application/json"},
        )
        event_id = json.loads(urllib.request.urlopen(request, timeout=120).read())["event_id"]
        stream = urllib.request.urlopen(
            f"{self.url}gradio_api/call{api_name}/{event_id}", timeout=120
        )
        event, result = "", None
        for raw in stream:
            line = raw.decode().strip()
            if line.startswith("event:"):
                event = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and event in ("complete", "error"):
                result = json.loads(line.split(":", 1)[1])
                if event == "error":
                    raise RuntimeError(f"{api_name} failed: {result}")
                return result[0]
        return result


def timed(call) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def slow_report_scene(app: AppProcess, tokens, sessions, slow: float) -> None:
    a, b = Api(app.url), Api(app.url)
    hanging = threading.Thread(
        target=lambda: a.predict(sessions["A"], tokens["A"], api_name="/generate_report"),
        daemon=True,
    )
    hanging.start()
    time.sleep(1.0)  # A's call is now waiting on the slow model
    polls = [
        timed(lambda: b.predict(sessions["B"], 0, tokens["B"], api_name="/poll")) for _ in range(40)
    ]
    report = timed(lambda: b.predict(sessions["B"], tokens["B"], api_name="/generate_report"))
    print(f"scene 1: A's report hangs {slow:g} s on its model; meanwhile B:")
    print(
        f"  poll round trip p50={statistics.median(polls) * 1000:.0f} "
        f"p95={percentile(polls, 0.95) * 1000:.0f} ms over {len(polls)} polls"
    )
    print(f"  B's own report generated in {report:.2f} s (A still waiting: {hanging.is_alive()})")


def many_users_scene(app: AppProcess, tokens: dict[str, str], seconds: float) -> None:
    clients = {name: Api(app.url) for name in tokens}
    started = {}
    for name, client in clients.items():
        result = client.predict(
            "Ana",
            "Engineer",
            "mid",
            "behavioral",
            "standard",
            "",
            "",
            tokens[name],
            api_name="/start_interview",
        )
        started[name] = result["session_id"]
    for name, client in clients.items():  # measure once every interviewer has spoken
        while not client.predict(started[name], 0, tokens[name], api_name="/poll")["events"]:
            time.sleep(0.2)
    trips: list[float] = []
    lock = threading.Lock()

    def poll(name: str) -> None:
        deadline, offset = time.monotonic() + seconds, 0
        while time.monotonic() < deadline:
            t0 = time.perf_counter()
            update = clients[name].predict(started[name], offset, tokens[name], api_name="/poll")
            with lock:
                trips.append(time.perf_counter() - t0)
            offset = update["offset"]
            time.sleep(max(0.0, 1.0 - (time.perf_counter() - t0)))

    threads = [threading.Thread(target=poll, args=(name,)) for name in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for name, client in clients.items():
        client.predict(started[name], tokens[name], api_name="/end_interview")
    print(f"scene 2: {len(clients)} visitors in text interviews, each polling once a second:")
    print(
        f"  poll round trip p50={statistics.median(trips) * 1000:.0f} "
        f"p95={percentile(trips, 0.95) * 1000:.0f} max={max(trips) * 1000:.0f} ms "
        f"over {len(trips)} polls"
    )


def main(users: int, slow: float, seconds: float, scenes: str) -> None:
    slow_model = FakeOpenAI(
        api_key=KEY, responder=lambda body: Reply(text='{"competencies": []}', delay=slow)
    )
    fast_model = FakeOpenAI(api_key=KEY, responder=ScriptedInterviewer(per_conversation=True))
    with slow_model, fast_model, tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        names = {"A": slow_model.base_url, "B": fast_model.base_url}
        names.update({f"U{n}": fast_model.base_url for n in range(users)})
        tokens, sessions = prepare(data, names)
        env = {
            "MOCKFLOW_PUBLIC": "1",
            "MOCKFLOW_MAX_SESSIONS": str(users + 4),
            "MOCKFLOW_RUNNING_PER_IP": str(users + 4),
            "MOCKFLOW_STARTS_PER_HOUR": "100",
            "MOCKFLOW_READY_TIMEOUT": "120",
            "LOG_LEVEL": "WARNING",
            # the operator allows the loopback fakes (a public link refuses private hosts)
            "MOCKFLOW_ALLOWED_PROVIDER_HOSTS": ",".join(
                urlsplit(m.base_url).netloc for m in (slow_model, fast_model)
            ),
        }
        app = AppProcess(data, env)
        try:
            if "1" in scenes:
                slow_report_scene(app, tokens, sessions, slow)
            if "2" in scenes:
                many = {name: tokens[name] for name in tokens if name.startswith("U")}
                many_users_scene(app, many, seconds)
        finally:
            app.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--slow", type=float, default=20.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--scenes", default="12", help="which scenes to run: 1, 2 or 12")
    args = parser.parse_args()
    main(args.users, args.slow, args.seconds, args.scenes)
