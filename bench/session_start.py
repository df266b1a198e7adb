"""Interview start latency, cold vs warm pool (issue 3 targets: warm p95 <= 0.5 s, cold p95
<= 4 s, RSS <= 250 MB per process).

Runs the REAL `agent_entry.py` through the `Supervisor`, text transport, against the local
fake OpenAI server. A run is timed from `Supervisor.start()` to the `ready` event it
returns on; the session is then ended and the next run begins. Warm runs wait (untimed)
for the pool to be warm again first. RSS is read with psutil: an idle pool process
(imports done, blocked on stdin) and an active session after its first interviewer turn.
Prints figures; asserts nothing.

    python bench/session_start.py [--runs 20] [--agent agent_entry.py]
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mockflow.config import Settings
from mockflow.events import read_events
from mockflow.supervisor import DEFAULT_AGENT_SCRIPT, Supervisor
from tests.fakes.openai_server import FakeOpenAI

API_KEY = "sk-bench-0000000000"
MB = 1024 * 1024


def spec(session_id: str, base_url: str) -> dict[str, Any]:
    return {
        "session_id": session_id,
        "transport": "text",
        "candidate": {"name": "Ada Bench", "role": "Backend engineer", "level": "mid"},
        "track": "behavioral",
        "providers": {"llm": {"base_url": base_url, "api_key": API_KEY, "timeout": 5.0}},
    }


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(math.ceil(q / 100 * len(ordered)) - 1, 0)]


def wait_for_greeting(events_path: Path, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(e["type"] == "turn" for e in read_events(events_path)):
            return
        time.sleep(0.05)


def run_mode(
    mode: str, runs: int, data_dir: Path, agent: Path, base_url: str
) -> tuple[list[float], list[int], list[int]]:
    """Start and end `runs` sessions; return start seconds, idle-pool RSS, active RSS."""
    settings = Settings(
        data_dir=data_dir / mode,
        pool_size=1 if mode == "warm" else 0,
        max_sessions=1,
        ready_timeout_seconds=30.0,
    )
    seconds: list[float] = []
    idle_rss: list[int] = []
    active_rss: list[int] = []
    with Supervisor(settings, agent_script=agent) as sup:
        for i in range(runs):
            if mode == "warm":
                if not sup.wait_pool_warm(60.0):
                    print(f"  run {i}: pool not warm after 60 s", file=sys.stderr)
                idle_rss.extend(_rss(pid) for pid in sup.pool_pids())
            session_id = f"iv_{mode}_{i:02d}"
            began = time.perf_counter()
            handle = sup.start(spec(session_id, base_url))
            seconds.append(time.perf_counter() - began)
            if i == 0 or i == runs - 1:
                wait_for_greeting(handle.events_path)
                active_rss.append(sup.resources(session_id)[0])
            sup.end(session_id)
            print(f"  {mode} run {i + 1:2d}/{runs}: {seconds[-1]:.3f} s", file=sys.stderr)
    return seconds, idle_rss, active_rss


def _rss(pid: int) -> int:
    try:
        return psutil.Process(pid).memory_info().rss
    except psutil.Error:
        return 0


def report(mode: str, seconds: list[float], target: float) -> None:
    p50, p95 = percentile(seconds, 50), percentile(seconds, 95)
    verdict = "ok" if p95 <= target else "OVER TARGET"
    print(
        f"{mode:<5} start -> ready  n={len(seconds):<3} p50 {p50:6.3f} s  p95 {p95:6.3f} s  "
        f"max {max(seconds):6.3f} s   (target p95 <= {target:g} s: {verdict})"
    )


def report_rss(label: str, values: list[int]) -> None:
    if not values:
        print(f"{label:<28} n/a")
        return
    peak = max(values) / MB
    verdict = "ok" if peak <= 250 else "OVER TARGET"
    print(
        f"{label:<28} median {statistics.median(values) / MB:6.0f} MB  max {peak:6.0f} MB"
        f"   (target <= 250 MB: {verdict})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--agent", type=Path, default=DEFAULT_AGENT_SCRIPT)
    args = parser.parse_args(argv)

    with FakeOpenAI(api_key=API_KEY) as server, tempfile.TemporaryDirectory() as tmp:
        cold, _, cold_active = run_mode("cold", args.runs, Path(tmp), args.agent, server.base_url)
        warm, idle, warm_active = run_mode(
            "warm", args.runs, Path(tmp), args.agent, server.base_url
        )

    print(f"\nsession start, {args.runs} runs each, {psutil.cpu_count()} CPUs, {args.agent.name}")
    report("cold", cold, 4.0)
    report("warm", warm, 0.5)
    report_rss("RSS idle pool process", idle)
    report_rss("RSS active session", cold_active + warm_active)
    return 0


if __name__ == "__main__":
    sys.exit(main())
