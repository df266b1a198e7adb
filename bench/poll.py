"""Cost of one polling tick of the Interview tab.

A 10,000-line events.jsonl (a long interview, many state/metrics events) is followed by
50 concurrent pollers (threads, as Gradio runs handlers), each ticking once a second
while a writer appends a new event every 100 ms. Prints p50/p95 of the tick handler
time: for ticks with nothing new (only the clock moves), ticks that fold in new events,
and the one-off attach (first read of the whole file after a page refresh).

    python bench/poll.py [--pollers 50] [--seconds 15] [--lines 10000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mockflow.contracts.events import EventWriter
from mockflow.ui.live import LiveView
from mockflow.ui.tabs.interview import tick

STAGES = ["greeting", "self_intro", "past_experience", "company_fit", "closing"]


def write_history(writer: EventWriter, lines: int) -> None:
    writer.write(
        "ready",
        transport="room",
        stages=[{"stage": s, "title": s, "time_limit": 300} for s in STAGES],
    )
    writer.write("stage", stage="greeting", reason="start")
    for i in range(lines - 2):
        kind = i % 4
        if kind == 0:
            role = "interviewer" if (i // 4) % 2 == 0 else "candidate"
            text = f"Turn {i}: " + "some words of a realistic answer " * 6
            writer.write(
                "turn",
                role=role,
                text=text,
                stage=STAGES[min(4, i // 2500)],
                started_at=float(i),
                ended_at=float(i) + 5,
            )
        elif kind == 1:
            writer.write("state", agent_state="listening")
        else:
            writer.write("metrics", e2e_latency=0.8, llm_ttft=0.3, tts_ttfb=0.2)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pollers", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--append-every", type=float, default=0.1, help="seconds between events")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds not measured")
    args = parser.parse_args()
    path = Path(tempfile.mkdtemp()) / "events.jsonl"
    writer = EventWriter(path)
    write_history(writer, args.lines)
    print(f"events file: {args.lines:,} lines, {path.stat().st_size / 1e6:.1f} MB")

    attach, idle, changed = [], [], []
    lock = threading.Lock()
    stop = threading.Event()
    measuring = threading.Event()

    def poller() -> None:
        view = LiveView("iv_bench", path)
        started = time.perf_counter()
        tick(view)
        with lock:
            attach.append(time.perf_counter() - started)
        while not stop.is_set():
            time.sleep(1.0)
            before = view.offset
            started = time.perf_counter()
            tick(view)
            spent = time.perf_counter() - started
            if measuring.is_set():
                with lock:
                    (changed if view.offset != before else idle).append(spent)

    def appender() -> None:
        n = 0
        while not stop.is_set():
            writer.write("state", agent_state="speaking" if n % 2 else "listening")
            n += 1
            time.sleep(args.append_every)

    threads = [threading.Thread(target=poller) for _ in range(args.pollers)]
    threads.append(threading.Thread(target=appender))
    for thread in threads:
        thread.start()
    time.sleep(args.warmup)
    measuring.set()
    time.sleep(args.seconds)
    stop.set()
    for thread in threads:
        thread.join()

    def show(name: str, values: list[float]) -> None:
        if not values:
            print(f"{name:<34} no samples")
            return
        ms = [v * 1000 for v in values]
        print(
            f"{name:<34} n={len(ms):5d}  p50={statistics.median(ms):7.2f} ms  "
            f"p95={percentile(ms, 0.95):7.2f} ms  max={max(ms):7.2f} ms"
        )

    print(
        f"{args.pollers} pollers, {args.seconds:.0f} s measured after {args.warmup:.0f} s "
        f"warm-up, one new event every {args.append_every * 1000:.0f} ms"
    )
    show("tick, new events folded in", changed)
    show("tick, nothing new", idle)
    show("attach (first full read)", attach)


if __name__ == "__main__":
    main()
