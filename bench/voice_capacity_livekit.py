"""Voice capacity through a real LiveKit server: N concurrent interviews, each the real agent
process the app's supervisor starts (`room` transport), each with a scripted candidate that
joins the real SFU and converses in real time; the server runs on this machine too.

Processes: this one (the app's services, the server's parent), the fakes (LLM, TTS,
Deepgram; answering at once), one process per candidate (a browser stand-in: it publishes
espeak-ng speech in 10 ms frames and listens), one per interview. Reported per level: CPU
(share of one core) and RSS/PSS per interview, CPU and RSS of the LiveKit server and of the
candidates, the candidates' frame lag (p99 beyond the steady queue offset), the agent's end-
of-speech lag (its `listening` state after the speech published ended, minus the VAD's
configured silence), and reply overhead (first interviewer audio heard after the speech
ended, minus the profile's wait). A level is in real time when every session keeps p99 frame
lag <= 40 ms and end-of-speech lag p95 <= 350 ms (the room-less 250 ms plus the SFU's
one-way audio path); the target adds reply overhead p95 <= 250 ms. Prints figures;
asserts nothing.

    python bench/voice_capacity_livekit.py [--sessions 5,10,20] [--seconds 40]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.voice_capacity import ANSWERS, percentile, serve_fakes

ROOT = Path(__file__).resolve().parents[1]
FRAME_LAG_LIMIT, OVERHEAD_LIMIT = 0.040, 0.250
# the room-less limit (250 ms) plus the one-way audio path through the SFU, measured here
# at 45-60 ms with a pure livekit.rtc publisher/subscriber pair, rounded up
SPEECH_END_LAG_LIMIT = 0.250 + 0.100
ERRORS = Path(tempfile.gettempdir()) / "mockflow-voice-capacity-livekit.log"


# -- one candidate's process --------------------------------------------------------------


async def run_candidate(url: str, token: str, events: str, seconds: float) -> None:
    import resource

    from mockflow.agent.turn_taking import PROFILES
    from mockflow.contracts.events import read_events
    from tests.fakes.room_candidate import RoomCandidate

    profile = PROFILES["normal"]
    async with RoomCandidate(url, token) as me:
        await me.wait_for_burst(1, timeout=120)
        await me.wait_quiet()
        print(json.dumps({"ready": True}), flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        usage0, me.lags = resource.getrusage(resource.RUSAGE_SELF), []
        ends, overheads, started = [], [], time.monotonic()
        while time.monotonic() - started < seconds:
            heard = len(me.heard.bursts)
            said = await me.say(ANSWERS[len(ends) % len(ANSWERS)])
            ends.append(said.ended_at)
            reply = await me.wait_for_burst(heard + 1, timeout=60)
            overheads.append(reply.started_at - said.ended_at - profile.wait)
            await me.wait_quiet()
            await asyncio.sleep(1.0)
        elapsed = time.monotonic() - started
        usage = resource.getrusage(resource.RUSAGE_SELF)
    stops = [e["t"] for e in read_events(Path(events)) if e.get("user_state") == "listening"]
    lags = [min((t for t in stops if t >= end - 0.2), default=float("nan")) - end for end in ends]
    cpu = usage.ru_utime + usage.ru_stime - usage0.ru_utime - usage0.ru_stime
    lag = percentile(me.lags, 0.99) - percentile(me.lags, 0.01)
    print(
        json.dumps(
            {
                "cpu_share": cpu / elapsed,
                "frame_lag_p99": lag,
                "speech_end_lag_p95": percentile(lags, 0.95) - profile.vad_min_silence,
                "overhead_p50": percentile(overheads, 0.5),
                "overhead_p95": percentile(overheads, 0.95),
                "turns": len(ends),
            }
        ),
        flush=True,
    )


# -- the orchestrator -----------------------------------------------------------------------


def _spawn(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, __file__, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=open(ERRORS, "a"),
        text=True,
        cwd=ROOT,
        env={**os.environ, "LOG_LEVEL": "WARNING"},
    )


def _cpu(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            times = psutil.Process(pid).cpu_times()
            total += times.user + times.system
        except psutil.Error:
            pass
    return total


def run_level(count: int, seconds: float, services, server, work: Path) -> dict:
    from mockflow.app.setup import InterviewSetup
    from mockflow.contracts.ids import LOCAL_USER_ID

    started = []
    for n in range(count):
        setup = InterviewSetup(
            name="Ana",
            role=f"Backend Engineer {n}",
            mode="voice",
            patience="normal",
            length="standard",
        )
        started.append(services.interviews.start(LOCAL_USER_ID, setup))
    candidates = [
        _spawn("--candidate", s.room["url"], s.room["token"], str(s.events_path), str(seconds))
        for s in started
    ]
    try:
        for proc in candidates:
            if not proc.stdout.readline():
                raise RuntimeError(f"a candidate failed to start (see {ERRORS})")
        agents = [services.supervisor.status(s.session_id).pid for s in started]
        watched = {
            "agents": agents,
            "server": [server.pid],
            "candidates": [p.pid for p in candidates],
        }
        cpu0 = {k: _cpu(v) for k, v in watched.items()}
        t0 = time.monotonic()
        for proc in candidates:
            proc.stdin.write("go\n")
            proc.stdin.flush()
        results = [json.loads(p.stdout.readline() or '{"error": "no report"}') for p in candidates]
        elapsed = time.monotonic() - t0
        cpu = {k: (_cpu(v) - cpu0[k]) / elapsed for k, v in watched.items()}
        memory = [psutil.Process(pid).memory_full_info() for pid in agents]
        server_rss = psutil.Process(server.pid).memory_info().rss
    finally:
        for s in started:
            services.interviews.end(LOCAL_USER_ID, s.session_id)
        for proc in candidates:
            if proc.poll() is None:
                proc.kill()
    failed = [r["error"] for r in results if "error" in r]
    if failed:
        raise RuntimeError(f"{len(failed)} candidate(s) failed, e.g. {failed[0]} (see {ERRORS})")
    worst = lambda key: max(r[key] for r in results)  # noqa: E731
    return {
        "sessions": count,
        "agent_cpu": cpu["agents"] / count,
        "agent_rss_mb": sum(m.rss for m in memory) / count / 2**20,
        "agent_pss_mb": sum(m.pss for m in memory) / count / 2**20,
        "server_cpu": cpu["server"],
        "server_rss_mb": server_rss / 2**20,
        "candidate_cpu": cpu["candidates"] / count,
        "frame_lag_p99_ms": worst("frame_lag_p99") * 1000,
        "speech_end_lag_p95_ms": worst("speech_end_lag_p95") * 1000,
        "overhead_p50_ms": max(r["overhead_p50"] for r in results) * 1000,
        "overhead_p95_ms": worst("overhead_p95") * 1000,
        "turns": sum(r["turns"] for r in results),
    }


def _real_time(row: dict) -> bool:
    return (
        row["frame_lag_p99_ms"] <= FRAME_LAG_LIMIT * 1000
        and row["speech_end_lag_p95_ms"] <= SPEECH_END_LAG_LIMIT * 1000
    )


def _within_target(row: dict) -> bool:
    return _real_time(row) and row["overhead_p95_ms"] <= OVERHEAD_LIMIT * 1000


def _row(row: dict) -> str:
    return (
        f"{row['sessions']:>3}  {row['agent_cpu'] * 100:>6.1f} %  {row['agent_rss_mb']:>5.0f}"
        f"  {row['agent_pss_mb']:>5.0f}  {row['server_cpu'] * 100:>6.1f} %"
        f"  {row['server_rss_mb']:>5.0f}  {row['candidate_cpu'] * 100:>6.1f} %"
        f"  {row['frame_lag_p99_ms']:>6.1f} ms  {row['speech_end_lag_p95_ms']:>6.0f} ms"
        f"  {row['overhead_p50_ms']:>5.0f}/{row['overhead_p95_ms']:.0f} ms"
        f"  {row['turns']:>5}  {'yes' if _real_time(row) else 'NO':>9}"
        f"  {'yes' if _within_target(row) else 'NO':>6}"
    )


def main(levels: list[int], seconds: float) -> None:
    from mockflow.config import EnvKeys, Settings
    from mockflow.launch.livekit.server import LocalLiveKitServer, find_binary
    from mockflow.ui.services import build_services

    binary = find_binary(os.environ.get("MOCKFLOW_TEST_LIVEKIT_SERVER"), os.environ)
    if binary is None:
        sys.exit("no livekit-server binary: run scripts/test.sh once to build it")
    fakes = _spawn("--serve-fakes")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        server = LocalLiveKitServer(binary, work / "livekit.log", log_level="warn")
        server.start()
        try:
            urls = json.loads(fakes.stdout.readline())
            keys = EnvKeys(
                openai_api_key="sk-capacity",
                openai_base_url=urls["openai"],
                deepgram_api_key="dg-test-key",
                deepgram_base_url=urls["deepgram"],
                livekit_url=server.url,
                livekit_api_key=server.api_key,
                livekit_api_secret=server.api_secret,
            )
            settings = Settings(
                data_dir=work / "data",
                env_keys=keys,
                pool_size=0,
                max_sessions=max(levels),
                running_per_user=max(levels),
                ready_timeout_seconds=120,
                stage_scale=20.0,
                log_level="WARNING",
            )
            services = build_services(settings, os.environ)
            print(
                f"{os.cpu_count()} CPUs; {seconds:g} s of conversation per interview; "
                "profile normal; LiveKit server, agents and candidates on this machine"
            )
            print(
                "  N  agent cpu  rss  pss  server cpu  rss  cand. cpu  frame lag p99  "
                "speech-end lag p95  overhead p50/p95  turns  real time  target"
            )
            real_time = target = 0
            try:
                for count in levels:
                    row = run_level(count, seconds, services, server, work)
                    print(_row(row), flush=True)
                    real_time = count if _real_time(row) else real_time
                    target = count if _within_target(row) else target
            finally:
                services.close()
            print(
                f"largest N in real time (frame lag p99 <= 40 ms, speech-end lag p95 <= "
                f"{SPEECH_END_LAG_LIMIT * 1000:.0f} ms): {real_time}; also with reply overhead "
                f"p95 <= {OVERHEAD_LIMIT * 1000:.0f} ms: {target}"
            )
        finally:
            server.stop()
            if fakes.poll() is None:
                fakes.kill()


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve-fakes"]:
        asyncio.run(serve_fakes())
    elif sys.argv[1:2] == ["--candidate"]:
        try:
            asyncio.run(run_candidate(sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5])))
        except Exception as exc:
            print(json.dumps({"error": repr(exc)}), flush=True)
            raise
    else:
        parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
        parser.add_argument("--sessions", default="5,10,20")
        parser.add_argument("--seconds", type=float, default=40.0)
        args = parser.parse_args()
        main([int(n) for n in args.sessions.split(",")], args.seconds)
