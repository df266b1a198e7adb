"""Voice capacity: N concurrent interviews on this machine, each in its own process (as the
supervisor runs them), each fed real-time speech and answering turn after turn.

Every session is the real `VoiceInterview` (Silero VAD, the real Deepgram/OpenAI plugins)
with a scripted 24 kHz microphone and a recording speaker, against local fakes that run in
one separate process (their CPU is reported apart). After all sessions are warm, each one
runs `--seconds` of conversation and reports: CPU used (share of one core), RSS and PSS,
microphone frame lag, the VAD's end-of-speech lag beyond its configured silence, and reply
latency beyond the profile's wait. A level counts as real time when, in every session,
p99 frame lag <= 40 ms and p95 end-of-speech lag <= 250 ms. Prints figures; asserts nothing.

    python bench/voice_capacity.py [--sessions 5,10,20,30] [--seconds 40] [--livekit]

`--livekit` measures real rooms through a real LiveKit server instead (see
bench/voice_capacity_livekit.py).
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TextIO

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ROOT = Path(__file__).resolve().parents[1]
ANSWERS = [
    "I led the migration of our billing system to Postgres, and it took six months.",
    "We measured every query before we moved a single table to the new cluster.",
    "The hardest part was keeping both databases in sync while customers kept paying.",
]
REPLY = "Thanks, that is helpful. What did you learn from it, and what would you change now?"
FRAME_LAG_LIMIT, SPEECH_END_LAG_LIMIT = 0.040, 0.250
ERRORS = Path(tempfile.gettempdir()) / "mockflow-voice-capacity.log"


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


# -- the fakes' process ---------------------------------------------------------------------


async def serve_fakes() -> None:
    from tests.fakes.deepgram_server import FakeDeepgram
    from tests.fakes.openai_server import FakeOpenAI, text

    async with FakeOpenAI() as openai, FakeDeepgram(default_transcript=ANSWERS[0]) as deepgram:
        openai.responder = lambda body: text(REPLY)
        print(json.dumps({"openai": openai.base_url, "deepgram": deepgram.url}), flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        usage = resource.getrusage(resource.RUSAGE_SELF)
        print(json.dumps({"cpu": usage.ru_utime + usage.ru_stime}), flush=True)


# -- one session's process ------------------------------------------------------------------


class _Urls:
    def __init__(self, openai: str, deepgram: str) -> None:
        self.base_url, self.url, self.api_key = openai, deepgram, "dg-test-key"
        self.transcriber = None


async def run_session(openai_url: str, deepgram_url: str, seconds: float) -> None:
    import psutil

    from mockflow.agent.turn_taking import PROFILES
    from tests.fakes.voice_rig import voice_rig

    fakes = _Urls(openai_url, deepgram_url)
    profile = PROFILES["normal"]
    with tempfile.TemporaryDirectory() as tmp:
        async with voice_rig(Path(tmp), openai=fakes, deepgram=fakes, patience="normal") as rig:
            await rig.speaker.wait_for(1, timeout=120)
            print(json.dumps({"ready": True}), flush=True)
            await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
            result = await _converse(rig, seconds, profile)
            process = psutil.Process()
            result["rss"] = process.memory_info().rss
            result["pss"] = process.memory_full_info().pss
    print(json.dumps(result), flush=True)


async def _converse(rig, seconds: float, profile) -> dict:
    """Answer, wait for the reply to play, pause, repeat; measure the window."""
    usage0, frames0, lags = resource.getrusage(resource.RUSAGE_SELF), rig.mic.frames_sent, []
    rig.mic.lags = lags  # the microphone records each frame's lag from here on
    ends, replies, started = [], [], time.monotonic()
    while time.monotonic() - started < seconds:
        heard = len(rig.speaker.playbacks)
        said = await rig.say(ANSWERS[len(ends) % len(ANSWERS)])
        ends.append(said.ended_at)
        await rig.speaker.wait_for(heard + 1, finished=False, timeout=60)
        replies.append(rig.speaker.playbacks[heard].started_at - said.ended_at - profile.wait)
        await rig.speaker.wait_for(heard + 1, timeout=60)
        await asyncio.sleep(1.0)
    elapsed = time.monotonic() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime - usage0.ru_utime - usage0.ru_stime
    stops = [e["t"] for e in rig.events("state") if e.get("user_state") == "listening"]
    speech_end_lags = [
        min((t for t in stops if t >= end - 0.2), default=float("nan")) - end for end in ends
    ]
    return {
        "cpu_share": cpu / elapsed,
        "frames": rig.mic.frames_sent - frames0,
        "frame_lag_p99": percentile(lags, 0.99),
        "speech_end_lag_p95": percentile(speech_end_lags, 0.95) - profile.vad_min_silence,
        "reply_overhead_p50": percentile(replies, 0.5),
        "reply_overhead_p95": percentile(replies, 0.95),
        "turns": len(ends),
    }


# -- the orchestrator -----------------------------------------------------------------------


@functools.cache
def _error_log() -> TextIO:
    return open(ERRORS, "a")  # shared by every child until the bench exits


def _spawn(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, __file__, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=_error_log(),
        text=True,
        cwd=ROOT,
        env={**os.environ, "LOG_LEVEL": "WARNING"},
    )


def run_level(count: int, seconds: float, urls: dict) -> dict:
    sessions = [
        _spawn("--session", urls["openai"], urls["deepgram"], str(seconds)) for _ in range(count)
    ]
    try:
        for proc in sessions:
            if not proc.stdout.readline():
                raise RuntimeError(f"a session failed to start (see {ERRORS})")
        for proc in sessions:  # everyone starts talking at once
            proc.stdin.write("go\n")
            proc.stdin.flush()
        results = [
            json.loads(proc.stdout.readline() or '{"error": "no report"}') for proc in sessions
        ]
        for proc in sessions:
            proc.wait(timeout=60)
    finally:
        for proc in sessions:
            if proc.poll() is None:
                proc.kill()
    failed = [r["error"] for r in results if "error" in r]
    if failed:
        raise RuntimeError(f"{len(failed)} session(s) failed, e.g. {failed[0]} (see {ERRORS})")
    return _summary(count, results)


def _summary(count: int, results: list[dict]) -> dict:
    def worst(key: str) -> float:
        return max(r[key] for r in results)

    real_time = (
        worst("frame_lag_p99") <= FRAME_LAG_LIMIT
        and worst("speech_end_lag_p95") <= SPEECH_END_LAG_LIMIT
    )
    return {
        "sessions": count,
        "cpu_per_session": sum(r["cpu_share"] for r in results) / count,
        "rss_mb": sum(r["rss"] for r in results) / count / 2**20,
        "pss_mb": sum(r["pss"] for r in results) / count / 2**20,
        "frame_lag_p99_ms": worst("frame_lag_p99") * 1000,
        "speech_end_lag_p95_ms": worst("speech_end_lag_p95") * 1000,
        "reply_overhead_p50_ms": max(r["reply_overhead_p50"] for r in results) * 1000,
        "reply_overhead_p95_ms": worst("reply_overhead_p95") * 1000,
        "turns": sum(r["turns"] for r in results),
        "real_time": real_time,
    }


def main(levels: list[int], seconds: float) -> None:
    fakes = _spawn("--serve-fakes")
    try:
        urls = json.loads(fakes.stdout.readline())
        print(f"{os.cpu_count()} CPUs; {seconds:g} s of conversation per session; profile normal")
        print(
            "  N  cpu/session  rss MB  pss MB  frame lag p99  speech-end lag p95  "
            "reply overhead p50/p95  turns  real time"
        )
        best = 0
        for count in levels:
            row = run_level(count, seconds, urls)
            print(_row(row), flush=True)
            best = count if row["real_time"] else best
            if not row["real_time"]:
                break
        fakes.stdin.write("done\n")
        fakes.stdin.flush()
        fake_cpu = json.loads(fakes.stdout.readline())["cpu"]
        print(f"largest N in real time: {best}; the fakes' process used {fake_cpu:.1f} CPU-s")
    finally:
        if fakes.poll() is None:
            fakes.kill()


def _row(row: dict) -> str:
    return (
        f"{row['sessions']:>3}  {row['cpu_per_session'] * 100:>9.1f} %  {row['rss_mb']:>6.0f}"
        f"  {row['pss_mb']:>6.0f}  {row['frame_lag_p99_ms']:>10.1f} ms"
        f"  {row['speech_end_lag_p95_ms']:>15.0f} ms"
        f"  {row['reply_overhead_p50_ms']:>9.0f}/{row['reply_overhead_p95_ms']:.0f} ms"
        f"  {row['turns']:>5}  {'yes' if row['real_time'] else 'NO'}"
    )


if __name__ == "__main__":
    from bench.cleanup import stops_children

    with stops_children():
        if sys.argv[1:2] == ["--serve-fakes"]:
            asyncio.run(serve_fakes())
        elif sys.argv[1:2] == ["--session"]:
            try:
                asyncio.run(run_session(sys.argv[2], sys.argv[3], float(sys.argv[4])))
            except Exception as exc:
                print(json.dumps({"error": repr(exc)}), flush=True)
                raise
        else:
            parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
            parser.add_argument("--sessions", default="5,10,20,30")
            parser.add_argument("--seconds", type=float, default=40.0)
            parser.add_argument(
                "--livekit", action="store_true", help="real rooms through a real LiveKit server"
            )
            args = parser.parse_args()
            levels = [int(n) for n in args.sessions.split(",")]
            if args.livekit:
                from bench.voice_capacity_livekit import main as through_livekit

                through_livekit(levels, args.seconds)
            else:
                main(levels, args.seconds)
