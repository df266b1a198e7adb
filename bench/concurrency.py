"""Fair sharing under load: does one visitor's slow call hold up everyone else?

The real app (`python app.py`, public-link mode) with visitors prepared in its data folder
(each with stored keys and an ended interview), driven by gradio_client over the named
API (plain HTTP: `POST /gradio_api/call/<endpoint>`, then its result stream, what
gradio_client does minus its own ~70 ms of client-side work per call). Three scenes:

1. Visitor A asks for scores and coaching from a model that takes `--slow` seconds; while
   it hangs, visitor B polls their interview every 0.2 s and then generates their own
   report against a fast model. Prints B's poll round trips (p50/p95) and B's report time.
2. `--users` visitors each start a text interview (fake model answering at once) and poll
   it once a second, as the page does. Prints the poll round trips over all of them.
3. One address (127.0.0.1) floods the API with 1,000 polls, 50 at a time, while visitor B
   on another (127.0.0.2) polls every 0.2 s: B's poll p50/p95 during the flood and quiet,
   in an app without the per-address rate limit and in one with the default limit.

Prints figures; asserts nothing. Before the queue was configured (one call at a time per
listener), the issue measured B's report at 39 s instead of 0.13 s and poll p50 1.2 s at
20 users; and one address's flood moved B's poll from p50 52 / p95 260 ms to p50 0.9-1.2 s
/ p95 1.7-3.1 s, before the rate limit.

    python bench/concurrency.py [--users 20] [--slow 20] [--seconds 20] [--scenes 123]
"""

from __future__ import annotations

import argparse
import collections
import http.client
import json
import multiprocessing
import secrets
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
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
ROUNDS = 3  # floods in scene 3
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
    fresh session state per call, ~25 ms of the server's event loop here.) `source` is
    the loopback address it connects from: the app tells 127.0.0.1 and 127.0.0.2 apart."""

    def __init__(self, url: str, source: str = "127.0.0.1") -> None:
        self.url = url
        self.port = urlsplit(url).port
        self.source = source
        self.session_hash = secrets.token_hex(8)

    def _open(self, method: str, path: str, body: bytes | None = None) -> http.client.HTTPResponse:
        connection = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=120, source_address=(self.source, 0)
        )
        headers = {"Content-Type": "application/json"} if body is not None else {}
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        if response.status != 200:
            response.read()
            connection.close()
            raise Refused(response.status)
        return response

    def predict(self, *args: object, api_name: str) -> object:
        body = json.dumps({"data": list(args), "session_hash": self.session_hash}).encode()
        posted = self._open("POST", f"/gradio_api/call{api_name}", body)
        event_id = json.loads(posted.read())["event_id"]
        stream = self._open("GET", f"/gradio_api/call{api_name}/{event_id}")
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


class Refused(Exception):
    """The app answered with an HTTP error status (429: over the rate limit)."""

    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status


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
            "",
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


def flood(url: str, token: str, session_id: str, outcomes: multiprocessing.Queue) -> None:
    """1,000 polls from 127.0.0.1, 50 at a time, never slowing down for a 429; puts the
    count of each outcome on `outcomes`. Run in a process of its own, so its 50 threads do
    not hold the measuring visitor's interpreter lock."""
    flooder, lock = Api(url), threading.Lock()
    counts: collections.Counter[str] = collections.Counter()

    def flood_call(_: int) -> None:
        try:
            flooder.predict(session_id, 0, token, api_name="/poll")
            outcome = "served"
        except Refused as exc:
            outcome = str(exc.status)
        except Exception:
            outcome = "failed"
        with lock:
            counts[outcome] += 1

    with ThreadPoolExecutor(50) as pool:
        list(pool.map(flood_call, range(1000)))
    outcomes.put(dict(counts))


def flood_scene(
    app: AppProcess, tokens: dict[str, str], sessions: dict[str, str], label: str
) -> None:
    """One address floods (`flood`) while B (127.0.0.2) polls its own interview every
    0.25 s; then B polls alone for 8 s, a quiet baseline (the flooder's bucket refills
    meanwhile). `ROUNDS` times, the figures over all of them."""
    b = Api(app.url, source="127.0.0.2")

    b_failed: collections.Counter[str] = collections.Counter()

    def b_polls(until: Callable[[], bool]) -> list[float]:
        trips = []
        while not until():
            try:
                trips.append(
                    timed(lambda: b.predict(sessions["B"], 0, tokens["B"], api_name="/poll"))
                )
            except Exception as exc:  # a poll the server dropped: counted, not timed
                b_failed[type(exc).__name__] += 1
            time.sleep(0.25)  # 8 requests a second: four times a page's, within the limit
        return trips

    during: list[float] = []
    quiet: list[float] = []
    outcomes: collections.Counter[str] = collections.Counter()
    flood_seconds = 0.0
    fork = multiprocessing.get_context("fork")
    for _ in range(ROUNDS):
        results = fork.Queue()
        flooder = fork.Process(target=flood, args=(app.url, tokens["A"], sessions["A"], results))
        started = time.perf_counter()
        flooder.start()
        during += b_polls(lambda: not flooder.is_alive())  # noqa: B023
        flood_seconds += time.perf_counter() - started
        outcomes.update(results.get())
        flooder.join()
        quiet_until = time.monotonic() + 8
        quiet += b_polls(lambda: time.monotonic() > quiet_until)  # noqa: B023
    print(f"scene 3 ({label}): one address floods 1,000 polls, 50 at a time, {ROUNDS}x; B:")
    print(
        f"  B's poll p50={statistics.median(during) * 1000:.0f} "
        f"p95={percentile(during, 0.95) * 1000:.0f} ms over {len(during)} polls "
        f"(quiet: p50={statistics.median(quiet) * 1000:.0f} "
        f"p95={percentile(quiet, 0.95) * 1000:.0f} ms)"
    )
    print(f"  B's polls that failed: {dict(b_failed) or 'none'}")
    print(f"  flood: {dict(outcomes)} in {flood_seconds:.1f} s of flooding")


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
        if "1" in scenes or "2" in scenes:
            app = AppProcess(data, env)
            try:
                if "1" in scenes:
                    slow_report_scene(app, tokens, sessions, slow)
                if "2" in scenes:
                    many = {name: tokens[name] for name in tokens if name.startswith("U")}
                    many_users_scene(app, many, seconds)
            finally:
                app.stop()
        if "3" in scenes:
            for rate, label in (("0", "no rate limit"), ("", "the default rate limit")):
                app = AppProcess(data, {**env, "MOCKFLOW_REQUEST_RATE": rate})
                try:
                    flood_scene(app, tokens, sessions, label)
                finally:
                    app.stop()


if __name__ == "__main__":
    from bench.cleanup import stops_children

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--slow", type=float, default=20.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--scenes", default="123", help="which scenes to run: 1, 2, 3 or 123")
    args = parser.parse_args()
    with stops_children():
        main(args.users, args.slow, args.seconds, args.scenes)
