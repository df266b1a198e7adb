"""Store write latency with 1,000 stored interviews (issue 3 target: p95 <= 20 ms).

Seeds a fresh data folder with N sessions (each with a ~3 KB feedback report, as after a
year of practice; reports live in `<session_dir>/feedback.json`, the database indexes
them), then times the writes the app makes during an interview and the reads
the History tab makes. Every write is a real atomic write with fsync. Prints figures;
asserts nothing.

    python bench/store_write.py [--sessions 1000] [--runs 200] [--feedback-bytes 3000]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mockflow.contracts.ids import LOCAL_USER_ID, new_browser_id, new_session_id
from mockflow.store.db import SessionRecord, Store
from mockflow.store.session_files import FEEDBACK_FILE


def fake_report(size: int) -> dict[str, object]:
    comment = "Clear structure, but quantify the impact of the migration you led. "
    stages = {
        f"stage_{i}": {"score": 3, "comment": comment * 2, "evidence": [comment] * 2}
        for i in range(6)
    }
    report: dict[str, object] = {"overall": 3.5, "stages": stages, "filler_per_min": 2.1}
    padding = size - len(json.dumps(report))
    report["notes"] = "x" * max(padding, 0)
    return report


def seed(data_dir: Path, sessions: int, feedback_bytes: int) -> None:
    """Write the seeded database in one go (seeding through the API would take minutes)."""
    users = [LOCAL_USER_ID] + [new_browser_id() for _ in range(9)]
    session_docs, feedback_docs = {}, {}
    for i in range(sessions):
        user = users[i % len(users)]
        sid = new_session_id()
        record = SessionRecord(
            id=sid,
            user_id=user,
            created_at=1.7e9 + i * 3600,
            role="Senior Backend Engineer",
            track="technical",
            level="senior",
            mode="voice",
            status="completed",
            session_dir=str(data_dir / "sessions" / sid),
            started_at=1.7e9 + i * 3600 + 2,
            ended_at=1.7e9 + i * 3600 + 1800,
            duration=1798.0,
            end_reason="completed",
            summary={"turns": 24, "candidate_words": 2100, "overall": 3.5},
        )
        session_docs[str(i + 1)] = record.__dict__.copy()
        if feedback_bytes:
            feedback_docs[str(i + 1)] = {"user_id": user, "session_id": sid, "created_at": 1.7e9}
            session_dir = Path(record.session_dir)
            session_dir.mkdir(parents=True)
            (session_dir / FEEDBACK_FILE).write_text(json.dumps(fake_report(feedback_bytes)))
    data = {"sessions": session_docs, "feedback": feedback_docs}
    (data_dir / "mockflow.json").write_text(json.dumps(data, separators=(",", ":")))


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def report_line(name: str, samples: list[float]) -> None:
    print(
        f"  {name:<28} p50 {statistics.median(samples):6.2f} ms   "
        f"p95 {pct(samples, 0.95):6.2f} ms   max {max(samples):6.2f} ms"
    )


def run(sessions: int, runs: int, feedback_bytes: int) -> None:
    with tempfile.TemporaryDirectory(dir=Path.cwd()) as tmp:
        data_dir = Path(tmp)
        seed(data_dir, sessions, feedback_bytes)
        start = time.perf_counter()
        store = Store(data_dir / "mockflow.json", data_dir / "sessions")
        open_ms = (time.perf_counter() - start) * 1000
        size_kb = (data_dir / "mockflow.json").stat().st_size / 1024
        print(
            f"{sessions} sessions, feedback {feedback_bytes} B each: "
            f"file {size_kb:.0f} KB, open {open_ms:.1f} ms"
        )
        user = LOCAL_USER_ID
        created: list[str] = []

        def create() -> None:
            rec = store.create_session(
                user, role="Backend Engineer", track="behavioral", level="mid", mode="voice"
            )
            created.append(rec.id)

        report_line("create_session", timed(create, runs))
        report_line(
            "set_status", timed(lambda: store.set_status(user, created[-1], "running"), runs)
        )
        report_line(
            "save_feedback",
            timed(lambda: store.save_feedback(user, created[-1], fake_report(3000)), runs),
        )
        report_line("list_sessions (read)", timed(lambda: store.list_sessions(user), runs))
        report_line("get_session (read)", timed(lambda: store.get_session(user, created[0]), runs))
        report_line(
            "get_feedback (read)", timed(lambda: store.get_feedback(user, created[-1]), runs)
        )
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--feedback-bytes", type=int, default=3000)
    args = parser.parse_args()
    run(args.sessions, args.runs, args.feedback_bytes)


if __name__ == "__main__":
    main()
