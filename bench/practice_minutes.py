"""What a practice link's minute quotas hold against: `--clients` candidates start at once
through one sponsored link with 1 minute in total and 1 per interview (issue 25, finding
2), each answering every question after `--think` link-seconds, until their interview
ends. Prints each interview's length (its timeline, first event to `ended`), its end
reason, the refusals, and the total in the link's minutes.

The real app (`python app.py`, public-link mode) on the fake OpenAI-compatible model, with
time scaled by `--scale`: a link minute is 60 x scale seconds, and the stage limits and the
idle stop are scaled alike (`MOCKFLOW_STAGE_SCALE`, `MOCKFLOW_IDLE_SECONDS`). Run it in a
checkout of any version to compare (an older app ignores the minute setting; the figures
here are measured the same way in both). Asserts nothing. Issue 25 measured 5.5 minutes
used by 3 clients (71, 109 and 157 s) before the fix. Here, at the defaults (a link
minute = 6 s): before, 37.2 link minutes (3 interviews run to completion, 11.9-12.7
each); after, 0.97 (one interview, granted the minute, completed in it; two refused).
With clients who never answer (`--think 1000`): before, 32.8 (each ran to the idle
stop); after, 1.00 (one, stopped at its minute as `timeout`; two refused).

    python bench/practice_minutes.py [--clients 3] [--scale 0.1] [--think 20]
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gradio_client import Client  # noqa: E402

from mockflow.app.identity import AnonymousCredentials  # noqa: E402
from mockflow.config import Settings  # noqa: E402
from mockflow.contracts.ids import new_browser_id  # noqa: E402
from mockflow.store.db import Store  # noqa: E402
from mockflow.store.vault import ProviderKeys, Vault  # noqa: E402
from tests.app_process import AppProcess  # noqa: E402
from tests.fakes.interviewer_script import ScriptedInterviewer  # noqa: E402
from tests.fakes.openai_server import FakeOpenAI  # noqa: E402

KEY = "sk-bench-coach-key-2025"


def _coach(data_dir: Path, base_url: str) -> str:
    settings = Settings(data_dir=data_dir)
    store = Store.open(settings)
    coach = new_browser_id()
    vault = Vault.open(settings, store)
    vault.save_keys(coach, ProviderKeys(openai_api_key=KEY, openai_base_url=base_url))
    token = AnonymousCredentials(vault.derive_key("anonymous-credentials")).issue(coach)
    store.close()
    return token


def _candidate(url: str, link_id: str, name: str, think: float, start: threading.Barrier) -> dict:
    client = Client(url, verbose=False)
    seen: dict[str, Any] = {"name": name, "events": []}
    start.wait()
    try:
        started = client.predict(
            name=name, role="x", practice_link_id=link_id, api_name="/start_interview"
        )
    except Exception as exc:
        seen["refused"] = str(exc)
        return seen
    session_id, token = started["session_id"], started["user_token"]
    offset, ended, asked_at, answered = 0, False, None, 0
    while not ended:
        polled = client.predict(session_id, offset, token, api_name="/poll")
        offset, ended = polled["offset"], polled["ended"]
        seen["events"] += polled["events"]
        turns = [e for e in seen["events"] if e["type"] == "turn"]
        waiting = bool(turns) and turns[-1]["role"] == "interviewer"
        if waiting and asked_at is None:
            asked_at = time.monotonic()
        if waiting and asked_at is not None and time.monotonic() - asked_at >= think:
            answered += 1
            client.predict(session_id, f"Answer {answered}: cut errors by half.", token,
                           api_name="/send_answer")  # fmt: skip
            asked_at = None
        time.sleep(0.2)
    return seen


def _length(events: list[dict[str, Any]]) -> tuple[float, str]:
    times = [e["t"] for e in events if isinstance(e.get("t"), int | float)]
    ended = next(e for e in events if e["type"] == "ended")
    return ended["t"] - times[0], str(ended.get("reason"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=3)
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--think", type=float, default=20.0, help="link-seconds per answer")
    args = parser.parse_args()
    minute = 60 * args.scale
    llm = FakeOpenAI(api_key=KEY, responder=ScriptedInterviewer(per_conversation=True))
    llm.start_in_thread()
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder)
        coach_token = _coach(data_dir, llm.base_url)
        app = AppProcess(
            data_dir,
            {
                "MOCKFLOW_PUBLIC": "1",
                "MOCKFLOW_STAGE_SCALE": str(args.scale),
                "MOCKFLOW_IDLE_SECONDS": str(600 * args.scale),
                "MOCKFLOW_PRACTICE_MINUTE_SECONDS": str(minute),
                "MOCKFLOW_ALLOWED_PROVIDER_HOSTS": urlsplit(llm.base_url).netloc,
            },
        )
        try:
            client = Client(app.url, verbose=False)
            invite = re.search(
                r"become_coach with invite=(\S+)", (data_dir / "app.log").read_text("utf-8")
            )
            assert invite is not None
            client.predict(invite.group(1), coach_token, api_name="/become_coach")
            link = client.predict(
                title="Bench", role="Backend Engineer", track="behavioral", modes=["text"],
                sponsored=True, days=1, max_total_minutes=1, max_minutes_per_interview=1,
                user_token=coach_token, api_name="/create_practice_link",
            )  # fmt: skip
            start = threading.Barrier(args.clients)
            results: list[dict] = []
            threads = [
                threading.Thread(
                    target=lambda n=n: results.append(
                        _candidate(app.url, link["link_id"], n, args.think * args.scale, start)
                    )
                )
                for n in [f"Client{i + 1}" for i in range(args.clients)]
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        finally:
            app.stop()
            llm.stop_thread()
    total = 0.0
    print(f"a link minute = {minute:g} s; stages x{args.scale:g}; idle stop {600 * args.scale:g} s")
    for seen in sorted(results, key=lambda s: s["name"]):
        if "refused" in seen:
            print(f"{seen['name']}: refused: {seen['refused']}")
            continue
        seconds, reason = _length(seen["events"])
        total += seconds
        print(f"{seen['name']}: {seconds:.1f} s = {seconds / minute:.2f} link minutes ({reason})")
    print(f"total: {total / minute:.2f} link minutes (the link's total: 1)")


if __name__ == "__main__":
    from bench.cleanup import stops_children

    with stops_children():
        main()
