"""Voice capacity through a real LiveKit server: N concurrent interviews, each the real agent
process the app's supervisor starts (`room` transport), each with a scripted candidate that
joins the real SFU and converses in real time; the server runs on this machine too.

Processes: this one (the app's services and supervisor, the server's parent), the fakes
(LLM, TTS, Deepgram; answering at once), the fork server and one process per interview (the
agents), the LiveKit server, and the candidates: browser stand-ins that publish espeak-ng
speech in 10 ms frames and listen, which in real life run on the candidates' own devices,
so here as few processes as can keep them in real time host them all (`--per-process`
candidates each) and their CPU is counted apart. Reported per level, CPU as a share of one
core over the conversation: per interview the agent's CPU, RSS and PSS (`memory_full_info`);
the LiveKit server's CPU and RSS; the fork server's and this process's (the app) CPU; the
candidates' CPU per candidate and the fakes' CPU (both stand in for what runs elsewhere);
the candidates' frame lag (p99 beyond the steady queue offset), the agent's end-of-speech
lag (its `listening` state after the speech published ended, minus the VAD's configured
silence), reply overhead (first interviewer audio heard after the speech ended, minus the
profile's wait), and the 1-minute load average at the end. A level's agents kept up when
every agent lived and end-of-speech lag p95 <= 350 ms (the room-less 250 ms plus the
SFU's one-way audio path); it is in real time when also every candidate kept p99 frame
lag <= 40 ms (the stand-ins share this machine's cores: that part is theirs); the target
adds reply overhead p95 <= 250 ms. Prints figures; asserts nothing. Ctrl+C or SIGTERM
stops everything it started.

    python bench/voice_capacity_livekit.py [--sessions 4,8,12] [--seconds 40]
                                           [--per-process 8]
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


# -- the candidates' process ----------------------------------------------------------------


async def run_candidates(seconds: float) -> None:
    """Host the candidates given on stdin (one JSON line: url, token and timeline of each;
    tokens never go in argv): "ready" once all heard the greeting, then on "go" each
    converses for `seconds`, and one JSON line reports each one's figures."""
    loop = asyncio.get_running_loop()
    rooms = json.loads(await loop.run_in_executor(None, sys.stdin.readline))
    go = asyncio.Event()
    ready = [asyncio.Event() for _ in rooms]
    runs = [
        asyncio.create_task(_converse(room, seconds, ready[i], go)) for i, room in enumerate(rooms)
    ]
    waiting = asyncio.gather(*(e.wait() for e in ready))
    done, _ = await asyncio.wait([waiting, *runs], return_when=asyncio.FIRST_COMPLETED)
    if waiting not in done:  # a candidate failed before it was ready
        waiting.cancel()
        for run in runs:
            run.cancel()
    else:
        print(json.dumps({"ready": True}), flush=True)
        await loop.run_in_executor(None, sys.stdin.readline)
        go.set()
    results = await asyncio.gather(*runs, return_exceptions=True)
    print(
        json.dumps([r if isinstance(r, dict) else {"error": repr(r)} for r in results]),
        flush=True,
    )


async def _converse(room: dict, seconds: float, ready: asyncio.Event, go: asyncio.Event) -> dict:
    from mockflow.agent.turn_taking import PROFILES
    from mockflow.contracts.events import read_events
    from tests.fakes.room_candidate import RoomCandidate

    profile = PROFILES["normal"]
    async with RoomCandidate(room["url"], room["token"]) as me:
        await me.wait_for_burst(1, timeout=300)
        await me.wait_quiet(timeout=120)
        ready.set()
        await go.wait()
        me.lags = []
        ends, overheads, started = [], [], time.monotonic()
        while time.monotonic() - started < seconds:
            heard = len(me.heard.bursts)
            said = await me.say(ANSWERS[len(ends) % len(ANSWERS)])
            ends.append(said.ended_at)
            reply = await me.wait_for_burst(heard + 1, timeout=60)
            overheads.append(reply.started_at - said.ended_at - profile.wait)
            await me.wait_quiet(timeout=120)
            await asyncio.sleep(1.0)
    stops = [
        e["t"] for e in read_events(Path(room["events"])) if e.get("user_state") == "listening"
    ]
    lags = [min((t for t in stops if t >= end - 0.2), default=float("nan")) - end for end in ends]
    return {
        "frame_lag_p99": percentile(me.lags, 0.99) - percentile(me.lags, 0.01),
        "speech_end_lag_p95": percentile(lags, 0.95) - profile.vad_min_silence,
        "overhead_p50": percentile(overheads, 0.5),
        "overhead_p95": percentile(overheads, 0.95),
        "turns": len(ends),
    }


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


def _start_candidates(started: list, seconds: float, per_process: int) -> list[subprocess.Popen]:
    """The candidates, `per_process` to a process; returns once every one is ready."""
    hosts = []
    for first in range(0, len(started), per_process):
        rooms = [
            {"url": s.room["url"], "token": s.room["token"], "events": str(s.events_path)}
            for s in started[first : first + per_process]
        ]
        host = _spawn("--candidates", str(seconds))
        host.stdin.write(json.dumps(rooms) + "\n")
        host.stdin.flush()
        hosts.append(host)
    for host in hosts:
        answer = json.loads(host.stdout.readline() or '[{"error": "no answer"}]')
        if isinstance(answer, list):
            raise RuntimeError(f"a candidate failed to start: {answer[0]} (see {ERRORS})")
    return hosts


def run_level(count: int, seconds: float, per_process: int, services, server) -> dict:
    from mockflow.app.setup import InterviewSetup
    from mockflow.contracts.ids import LOCAL_USER_ID

    started, hosts = [], []
    try:
        for n in range(count):
            setup = InterviewSetup(
                name="Ana",
                role=f"Backend Engineer {n}",
                mode="voice",
                patience="normal",
                length="standard",
            )
            started.append(services.interviews.start(LOCAL_USER_ID, setup))
        hosts = _start_candidates(started, seconds, per_process)
        agents = [services.supervisor.status(s.session_id).pid for s in started]
        watched = {
            "agents": agents,
            "server": [server.pid],
            "candidates": [h.pid for h in hosts],
            "fork_server": [pid for pid in [services.supervisor.fork_server_pid()] if pid],
            "app": [os.getpid()],
        }
        cpu0 = {k: _cpu(v) for k, v in watched.items()}
        t0 = time.monotonic()
        for host in hosts:
            host.stdin.write("go\n")
            host.stdin.flush()
        results = []
        for host in hosts:
            results += json.loads(host.stdout.readline() or '[{"error": "no report"}]')
        elapsed = time.monotonic() - t0
        # a process that ended in the window drops out of the sum: its share reads low
        cpu = {k: max(_cpu(v) - cpu0[k], 0.0) / elapsed for k, v in watched.items()}
        memory, ended = [], 0
        for pid in agents:  # an agent that ended early (crashed, stopped) counts apart
            try:
                memory.append(psutil.Process(pid).memory_full_info())
            except psutil.Error:
                ended += 1
        server_rss = psutil.Process(server.pid).memory_info().rss
        load = os.getloadavg()[0]
    finally:
        for s in started:
            services.interviews.end(LOCAL_USER_ID, s.session_id)
        for host in hosts:
            if host.poll() is None:
                host.kill()
            host.wait()
    failed = [r["error"] for r in results if "error" in r]
    if failed:
        raise RuntimeError(f"{len(failed)} candidate(s) failed, e.g. {failed[0]} (see {ERRORS})")
    worst = lambda key: max(r[key] for r in results)  # noqa: E731
    return {
        "sessions": count,
        "agent_cpu": cpu["agents"] / count,
        "agent_rss_mb": sum(m.rss for m in memory) / max(len(memory), 1) / 2**20,
        "agent_pss_mb": sum(m.pss for m in memory) / max(len(memory), 1) / 2**20,
        "agents_ended": ended,
        "server_cpu": cpu["server"],
        "server_rss_mb": server_rss / 2**20,
        "fork_server_cpu": cpu["fork_server"],
        "app_cpu": cpu["app"],
        "candidate_cpu": cpu["candidates"] / count,
        "candidate_processes": len(hosts),
        "frame_lag_p99_ms": worst("frame_lag_p99") * 1000,
        "speech_end_lag_p95_ms": worst("speech_end_lag_p95") * 1000,
        "overhead_p50_ms": max(r["overhead_p50"] for r in results) * 1000,
        "overhead_p95_ms": worst("overhead_p95") * 1000,
        "turns": sum(r["turns"] for r in results),
        "load": load,
    }


def _agents_kept_up(row: dict) -> bool:
    """The agents' side alone: every agent lived and saw each answer end in time (the
    end of speech is dated by the candidate as it sent the last frame, so a candidate
    process that runs late does not count against the agents)."""
    return row["agents_ended"] == 0 and row["speech_end_lag_p95_ms"] <= SPEECH_END_LAG_LIMIT * 1000


def _real_time(row: dict) -> bool:
    """The whole conversation, the candidates' side too (their frames left on time)."""
    return _agents_kept_up(row) and row["frame_lag_p99_ms"] <= FRAME_LAG_LIMIT * 1000


def _within_target(row: dict) -> bool:
    return _real_time(row) and row["overhead_p95_ms"] <= OVERHEAD_LIMIT * 1000


HEADER = (
    "  N  agent cpu  rss  pss | server cpu  rss | fork srv  app cpu | cand. cpu (procs) | "
    "frame lag p99  speech-end lag p95  overhead p50/p95  turns  load | agents  real time  target"
)


def _row(row: dict) -> str:
    return (
        f"{row['sessions']:>3}  {row['agent_cpu'] * 100:>7.1f} %  {row['agent_rss_mb']:>3.0f}"
        f"  {row['agent_pss_mb']:>3.0f} | {row['server_cpu'] * 100:>8.1f} %  "
        f"{row['server_rss_mb']:>3.0f} | {row['fork_server_cpu'] * 100:>6.1f} %"
        f"  {row['app_cpu'] * 100:>5.1f} % | {row['candidate_cpu'] * 100:>7.1f} % "
        f"({row['candidate_processes']})    | {row['frame_lag_p99_ms']:>10.1f} ms"
        f"  {row['speech_end_lag_p95_ms']:>15.0f} ms  {row['overhead_p50_ms']:>6.0f}/"
        f"{row['overhead_p95_ms']:.0f} ms  {row['turns']:>5}  {row['load']:>4.1f}"
        f" | {'yes' if _agents_kept_up(row) else 'NO':>6}"
        f"  {'yes' if _real_time(row) else 'NO':>9}  {'yes' if _within_target(row) else 'NO':>6}"
        + (f"  ({row['agents_ended']} agent(s) ended early)" if row["agents_ended"] else "")
    )


def main(levels: list[int], seconds: float, per_process: int = 8) -> None:
    from mockflow.launch.livekit.server import LocalLiveKitServer, find_binary
    from mockflow.ui.services import build_services

    binary = find_binary(os.environ.get("MOCKFLOW_TEST_LIVEKIT_SERVER"), os.environ)
    if binary is None:
        sys.exit("no livekit-server binary: run scripts/test.sh once to build it")
    fakes = _spawn("--serve-fakes")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            server = LocalLiveKitServer(binary, work / "livekit.log", log_level="warn")
            server.start()
            try:
                services = build_services(_settings(work, server, fakes, sum(levels)), os.environ)
                try:
                    _run_levels(levels, seconds, per_process, services, server)
                finally:
                    services.close()
            finally:
                server.stop()
    finally:
        if fakes.poll() is None:
            fakes.kill()
        fakes.wait()


def _settings(work: Path, server, fakes: subprocess.Popen, most: int):
    from mockflow.config import EnvKeys, Settings

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
    return Settings(
        data_dir=work / "data",
        env_keys=keys,
        pool_size=0,
        max_sessions=most,
        running_per_user=most,
        ready_timeout_seconds=120,
        stage_scale=20.0,
        log_level="WARNING",
    )


def _run_levels(levels: list[int], seconds: float, per_process: int, services, server) -> None:
    print(
        f"{os.cpu_count()} CPUs; {seconds:g} s of conversation per interview; profile normal; "
        f"LiveKit server, agents and candidates on this machine, {per_process} candidates "
        f"per process; CPU in % of one core; memory in MB",
        flush=True,
    )
    print(HEADER, flush=True)
    kept_up = real_time = target = 0
    for count in levels:
        row = run_level(count, seconds, per_process, services, server)
        print(_row(row), flush=True)
        kept_up = count if _agents_kept_up(row) else kept_up
        real_time = count if _real_time(row) else real_time
        target = count if _within_target(row) else target
    print(
        f"largest N in real time (frame lag p99 <= 40 ms, speech-end lag p95 <= "
        f"{SPEECH_END_LAG_LIMIT * 1000:.0f} ms): {real_time}; also with reply overhead "
        f"p95 <= {OVERHEAD_LIMIT * 1000:.0f} ms: {target}; agents alone (speech-end lag, "
        f"the candidates' own lateness left out): {kept_up}"
    )


if __name__ == "__main__":
    from bench.cleanup import stops_children

    with stops_children():
        if sys.argv[1:2] == ["--serve-fakes"]:
            asyncio.run(serve_fakes())
        elif sys.argv[1:2] == ["--candidates"]:
            asyncio.run(run_candidates(float(sys.argv[2])))
        else:
            parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
            parser.add_argument("--sessions", default="4,8,12")
            parser.add_argument("--seconds", type=float, default=40.0)
            parser.add_argument("--per-process", type=int, default=8)
            args = parser.parse_args()
            main([int(n) for n in args.sessions.split(",")], args.seconds, args.per_process)
