"""Interview start latency, cold vs warm pool vs fork server (issue 3 targets: warm p95 <=
0.5 s, cold p95 <= 4 s, RSS <= 250 MB per process; issue 12: 20 concurrent starts p95 <=
1.5 s, PSS <= 80 MB per idle text interview).

Runs the REAL `agent_entry.py` through the `Supervisor`, text transport, against the local
fake OpenAI server. A run is timed from `Supervisor.start()` to the `ready` event it
returns on; the session is then ended and the next run begins. Warm runs wait (untimed)
for the pool to be warm again first. RSS is read with psutil: an idle pool process
(imports done, blocked on stdin) and an active session after its first interviewer turn.
Prints figures; asserts nothing.

`--concurrent N` starts N sessions at once per mode instead (threads released together)
and prints RSS and PSS per idle session process and in total (with the fork server's).

    python bench/session_start.py [--runs 20] [--modes cold,warm,forked] [--agent agent_entry.py]
    python bench/session_start.py --concurrent 20 --modes forked,cold
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mockflow.config import Settings
from mockflow.contracts.events import read_events
from mockflow.launch import Supervisor
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


def settings_for(mode: str, data_dir: Path, sessions: int) -> Settings:
    return Settings(
        data_dir=data_dir / mode,
        pool_size=1 if mode == "warm" else 0,
        fork_server=mode == "forked",
        max_sessions=sessions,
        ready_timeout_seconds=120.0,
    )


def get_ready(sup: Supervisor, mode: str) -> None:
    """Untimed: a warm pool process or a fork server past its imports."""
    ok = sup.wait_pool_warm(60.0) if mode == "warm" else True
    if mode == "forked":
        ok = sup.wait_fork_server(60.0)
    if not ok:
        print(f"  {mode}: not ready after 60 s", file=sys.stderr)


def run_mode(
    mode: str, runs: int, data_dir: Path, agent: Path | None, base_url: str
) -> tuple[list[float], list[int], list[int]]:
    """Start and end `runs` sessions one by one; return start seconds, idle RSS, active RSS."""
    seconds: list[float] = []
    idle_rss: list[int] = []
    active_rss: list[int] = []
    with Supervisor(settings_for(mode, data_dir, 1), agent_script=agent) as sup:
        for i in range(runs):
            get_ready(sup, mode)
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


def run_concurrent(
    mode: str, count: int, data_dir: Path, agent: Path | None, base_url: str
) -> None:
    """Start `count` sessions at once; time each to `ready`; memory of the idle sessions."""
    with Supervisor(settings_for(mode, data_dir, count), agent_script=agent) as sup:
        get_ready(sup, mode)
        barrier = threading.Barrier(count)
        seconds: dict[str, float] = {}
        handles: dict[str, Any] = {}

        def one(session_id: str) -> None:
            barrier.wait()
            began = time.perf_counter()
            try:
                handles[session_id] = sup.start(spec(session_id, base_url))
            except Exception as exc:  # a failed start is a figure too
                print(f"  {session_id}: {exc}", file=sys.stderr)
                return
            seconds[session_id] = time.perf_counter() - began

        ids = [f"iv_{mode}_c{i:02d}" for i in range(count)]
        _in_threads(one, ids)
        for handle in handles.values():
            wait_for_greeting(handle.events_path)
        time.sleep(1.0)  # let the greetings settle: an idle interview is what is measured
        memory = {sid: _memory(h.pid) for sid, h in handles.items()}
        server_pid = sup.fork_server_pid()
        server = _memory(server_pid) if server_pid else None
        _in_threads(sup.end, list(handles))
    print(f"\n{mode}, {count} concurrent starts ({len(seconds)} ready), load {_load()}")
    if seconds:
        report(f"{mode} x{count}", list(seconds.values()), 1.5)
    report_memory(mode, list(memory.values()), server)


def _in_threads(target: Any, items: list[str]) -> None:
    threads = [threading.Thread(target=target, args=(item,)) for item in items]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _memory(pid: int) -> tuple[int, int]:
    """(RSS, PSS) bytes; PSS counts each shared page divided by the processes sharing it."""
    try:
        info = psutil.Process(pid).memory_full_info()
    except psutil.Error:
        return 0, 0
    return info.rss, info.pss


def report_memory(mode: str, values: list[tuple[int, int]], server: tuple[int, int] | None) -> None:
    if not values:
        return
    rss = [v[0] / MB for v in values]
    pss = [v[1] / MB for v in values]
    for i, (r, p) in enumerate(zip(rss, pss, strict=True)):
        print(f"  process {i:2d}: RSS {r:6.0f} MB  PSS {p:6.0f} MB", file=sys.stderr)
    verdict = "ok" if max(pss) <= 80 else "OVER TARGET"
    print(
        f"{mode:<6} idle text interview  RSS median {statistics.median(rss):5.0f} MB  "
        f"PSS median {statistics.median(pss):5.0f} MB max {max(pss):5.0f} MB "
        f"(target PSS <= 80 MB: {verdict})"
    )
    total_pss = sum(pss) + (server[1] / MB if server else 0.0)
    line = f"{mode:<6} total of {len(values)}: RSS {sum(rss):6.0f} MB  PSS {total_pss:6.0f} MB"
    if server:
        line += f" (incl. fork server RSS {server[0] / MB:.0f} MB PSS {server[1] / MB:.0f} MB)"
    print(line)


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in psutil.getloadavg())


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


TARGETS = {"cold": 4.0, "warm": 0.5, "forked": 0.5}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--agent", type=Path, help="a script (default: python -m mockflow.agent)")
    parser.add_argument("--modes", default="cold,warm,forked", help="comma list")
    parser.add_argument("--concurrent", type=int, default=0, help="N starts at once instead")
    args = parser.parse_args(argv)
    modes = [m for m in args.modes.split(",") if m]

    agent_label = args.agent.name if args.agent else "python -m mockflow.agent"
    print(f"{psutil.cpu_count()} CPUs, load before {_load()}, {agent_label}")
    with FakeOpenAI(api_key=API_KEY) as server, tempfile.TemporaryDirectory() as tmp:
        if args.concurrent:
            for mode in modes:
                run_concurrent(mode, args.concurrent, Path(tmp), args.agent, server.base_url)
            return 0
        results = {m: run_mode(m, args.runs, Path(tmp), args.agent, server.base_url) for m in modes}

    print(f"\nsession start, {args.runs} runs each, load after {_load()}")
    for mode, (seconds, _, _) in results.items():
        report(mode, seconds, TARGETS[mode])
    report_rss("RSS idle pool process", [r for s in results.values() for r in s[1]])
    report_rss("RSS active session", [r for s in results.values() for r in s[2]])
    return 0


if __name__ == "__main__":
    from bench.cleanup import stops_children

    with stops_children():
        sys.exit(main())
