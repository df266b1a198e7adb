"""Voice reply latency: end of the candidate's speech -> first interviewer audio frame.

Room-less, in real time: espeak-ng answers through a scripted microphone, Silero VAD, the
real Deepgram plugin (local fake), the real OpenAI LLM and TTS plugins (local fake
answering at once), a recording speaker. Per patience profile, p50/p95 over `--turns`
answers, then the same minus the profile's configured wait: what is left is the
pipeline's own overhead (VAD, transcript, LLM and TTS round trips through the plugins,
scheduling). Ordinary answers get the profile's full `wait`; answers whose words end the
turn ("... That's it.") get `quick_wait`; both paths are measured. Prints figures; asserts
nothing. `--llm-delay` makes the fake model wait before its first token, as a real one
does (gpt-4o-mini: a few hundred ms), to show what the pipeline hides of it.

`--livekit` adds, per row, the same measured through a real LiveKit server (built by
scripts/test.sh, started here on loopback): the app's services start the real agent
process, a scripted `livekit.rtc` candidate publishes the speech and listens; latency runs
from the end of the speech it publishes to the first interviewer audio frame it receives.

Each row also splits the reply into its two legs, from the timeline's own times (same
clock): leg 1, the end of the published speech -> the agent's VAD calling it ended (minus
the profile's `vad_min_silence`: what is left is the path and the VAD's frames); leg 2,
the agent's first reply frame (its `speaking` state) -> the first loud frame the candidate
received. Beside them, the tracks' own WebRTC stats (`get_stats()`): on the agent's side
(`MOCKFLOW_VOICE_AUDIO=stats=1`) the jitter buffer's mean delay and target over each
answer and the packets a second; on the candidate's side the same over the reply's first
300 ms, and the packets a second it received in the silence before the reply (DTX sends
few).

`--levers` measures the room path's settings (`mockflow/agent/audio_path.py`) one at a
time against `baseline` (the framework's own: DTX on, 24 kHz 50 ms input frames, 200 ms
queue), and `product` (the defaults kept: all that helped, together).

    python bench/voice_latency.py [--turns 10] [--profiles normal,patient,very_patient]
                                  [--llm-delay 0.0] [--livekit] [--no-roomless]
                                  [--paths full,quick] [--levers product,baseline,dtx_off]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mockflow.agent.audio_path import OVERRIDE_VAR, track_stats
from mockflow.agent.turn_taking import PROFILES
from mockflow.launch.livekit.server import LocalLiveKitServer, find_binary
from tests.fakes.deepgram_server import FakeDeepgram
from tests.fakes.openai_server import FakeOpenAI, Reply
from tests.fakes.voice_app import VoiceApp
from tests.fakes.voice_rig import voice_rig

ANSWERS = [
    "I led the migration of our billing system to Postgres.",
    "We measured every query before we moved a single table.",
    "The hardest part was keeping both databases in sync for a month.",
    "I would start with the reporting service, because it only reads.",
    "My manager reviewed the design with me every Friday.",
]
CLOSER = " That's it."
# each reply is a question; the track's question caps end an interview after ~16 answers
TURNS_PER_INTERVIEW = 8
BASELINE = (
    "dtx=1,input_rate=24000,input_frame_ms=50,output_rate=24000,queue_ms=200,vad_release=0.35"
)
LEVERS = {
    "product": "",  # the defaults in mockflow/agent/audio_path.py
    "baseline": BASELINE,
    "dtx_off": f"{BASELINE},dtx=0",
    "in_frame_20": f"{BASELINE},input_frame_ms=20",
    "in_frame_10": f"{BASELINE},input_frame_ms=10",
    "in_rate_16k": f"{BASELINE},input_rate=16000",
    "out_rate_48k": f"{BASELINE},output_rate=48000",
    "queue_50": f"{BASELINE},queue_ms=50",
    "tts_wav": f"{BASELINE},tts_format=wav",  # the fake sends WAV for every non-pcm format
    "vad_release_50": f"{BASELINE},vad_release=0.5",
    "product_vad_50": "vad_release=0.5",  # the product, its VAD letting go at 0.5
}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def measure(
    profile: str, turns: int, finished_words: bool, llm_delay: float = 0.0
) -> dict[str, list[float]]:
    """Latency of each answer's reply, and the framework's own figures for it."""
    figures: dict[str, list[float]] = {"latency": []}
    for first in range(0, turns, TURNS_PER_INTERVIEW):
        count = min(TURNS_PER_INTERVIEW, turns - first)
        latencies, metrics = await _interview(profile, count, finished_words, llm_delay)
        figures["latency"] += latencies
        for key in (
            "leg1",
            "vad_decided",
            "leg2",
            "end_of_turn_delay",
            "transcription_delay",
            "hook_delay",
            "llm_ttft",
            "tts_ttfb",
            "e2e_latency",
        ):
            figures.setdefault(key, []).extend(m[key] for m in metrics if key in m)
    return figures


async def _interview(
    profile: str, turns: int, finished_words: bool, llm_delay: float
) -> tuple[list, list]:
    latencies: list[float] = []
    times: list[tuple[float, float]] = []
    async with FakeOpenAI() as openai, FakeDeepgram() as deepgram:
        openai.responder = lambda body: Reply(
            text="Thanks. Could you tell me more?", delay=llm_delay
        )
        with tempfile.TemporaryDirectory() as tmp:
            async with voice_rig(
                Path(tmp), openai=openai, deepgram=deepgram, patience=profile
            ) as rig:
                await rig.speaker.wait_for(1)
                for i in range(turns):
                    answer = ANSWERS[i % len(ANSWERS)] + (CLOSER if finished_words else "")
                    await asyncio.sleep(0.5)
                    said = await rig.say(answer)
                    await rig.speaker.wait_for(i + 2, finished=False)
                    heard, ended = rig.speaker.playbacks[i + 1].started_at, said.ended_at or 0.0
                    latencies.append(heard - ended)
                    times.append((ended, heard))
                    await rig.speaker.wait_for(i + 2)
                metrics = [e for e in rig.events("metrics") if "e2e_latency" in e]
                split = legs(rig.events(), times)
    return latencies, [*metrics, *split]


def legs(events: list[dict], times: list[tuple[float, float]]) -> list[dict[str, float]]:
    """Per answer (its speech's end, its reply's first frame heard): leg 1, to where the
    agent dates the end of speech (its VAD, back-dated by the silence it waited for: the
    patience wait runs from there); `vad_decided`, to the VAD's decision itself; leg 2,
    from the agent's first reply frame (its `speaking` state) to the candidate's ears."""
    answers = [e for e in events if e["type"] == "turn" and e["role"] == "candidate"]
    states = [e for e in events if e["type"] == "state"]
    out = []
    for (ended, heard), turn in zip(times, answers, strict=False):
        vad = [e["t"] for e in states if e.get("user_state") == "listening" and e["t"] > ended]
        spoke = [
            e["t"]
            for e in states
            if e.get("agent_state") == "speaking" and ended < e["t"] <= heard + 0.002
        ]
        if vad and spoke:
            out.append(
                {"leg1": turn["ended_at"] - ended, "vad_decided": vad[0] - ended}
                | {"leg2": heard - spoke[-1]}
            )
    return out


def interviewer_track(candidate: object) -> object | None:
    from livekit import rtc

    room: rtc.Room = candidate.room  # type: ignore[attr-defined]
    for participant in room.remote_participants.values():
        for publication in participant.track_publications.values():
            if publication.kind == rtc.TrackKind.KIND_AUDIO and publication.track is not None:
                return publication.track
    return None


def buffer_figures(before: dict, after: dict, seconds: float) -> dict[str, float]:
    """Mean jitter-buffer delay and target (s) over the samples emitted between two
    snapshots, and packets a second."""
    emitted = after.get("jb_emitted", 0) - before.get("jb_emitted", 0)
    figures = {"pkt_per_s": (after["packets"] - before["packets"]) / max(seconds, 1e-3)}
    if emitted > 0:
        figures["jb_delay"] = (after["jb_delay"] - before["jb_delay"]) / emitted
        figures["jb_target"] = (after["jb_target"] - before["jb_target"]) / emitted
    return figures


def agent_buffers(metrics: list[dict]) -> list[dict[str, float]]:
    """The agent's jitter buffer over each answer (its `rtc_` stats at the VAD's start and
    end of speech)."""
    out, start = [], None
    for event in metrics:
        if "rtc_speaking" not in event:
            continue
        snap = {k[4:]: v for k, v in event.items() if k.startswith("rtc_")}
        if event["rtc_speaking"]:
            start = (event["t"], snap)
        elif start is not None and "packets" in snap:
            figures = buffer_figures(start[1], snap, event["t"] - start[0])
            out.append({f"agent_{k}": v for k, v in figures.items()})
            start = None
    return out


@contextlib.contextmanager
def livekit_room_path(llm_delay: float) -> Iterator[tuple]:
    """A real LiveKit server and threaded fakes, for `measure_livekit`."""
    binary = find_binary(os.environ.get("MOCKFLOW_TEST_LIVEKIT_SERVER"), os.environ)
    if binary is None:
        sys.exit("no livekit-server binary: run scripts/test.sh once to build it")
    with tempfile.TemporaryDirectory() as tmp:
        server = LocalLiveKitServer(binary, Path(tmp) / "livekit.log")
        server.start()
        try:
            with FakeOpenAI(api_key="sk-bench-0001") as openai, FakeDeepgram() as deepgram:
                openai.responder = lambda body: Reply(
                    text="Thanks. Could you tell me more?", delay=llm_delay
                )
                yield server, openai, deepgram, Path(tmp)
        finally:
            server.stop()


async def sfu_one_way(server: LocalLiveKitServer, bursts: int = 20) -> list[float]:
    """The SFU's own audio path: one `livekit.rtc` participant publishes 200 ms tone bursts
    in 10 ms frames, another receives them; seconds from each burst's first frame sent to
    its first loud frame received (Opus, the jitter buffer, the SFU hop)."""
    import numpy as np
    from livekit import api, rtc

    def token(identity: str) -> str:
        grants = api.VideoGrants(room_join=True, room="bench-one-way")
        access = api.AccessToken(server.api_key, server.api_secret).with_identity(identity)
        return access.with_grants(grants).to_jwt()

    sender, receiver = rtc.Room(), rtc.Room()
    await sender.connect(server.url, token("sender"))
    await receiver.connect(server.url, token("receiver"))
    heard: list[float] = []

    async def listen(track: rtc.Track) -> None:
        stream = rtc.AudioStream.from_track(track=track, sample_rate=48000, frame_size_ms=10)
        async for event in stream:
            samples = np.frombuffer(event.frame.data, dtype=np.int16).astype(np.float32)
            if np.sqrt(np.mean(samples**2)) > 100:
                heard.append(time.time())

    receiver.on("track_subscribed", lambda track, *_: asyncio.ensure_future(listen(track)))
    source = rtc.AudioSource(48000, 1, queue_size_ms=10)
    track = rtc.LocalAudioTrack.create_audio_track("probe", source)
    options = rtc.TrackPublishOptions(source=rtc.TrackSource.SOURCE_MICROPHONE)
    await sender.local_participant.publish_track(track, options)
    tone = (np.sin(np.arange(480) * 2 * np.pi * 440 / 48000) * 8000).astype(np.int16).tobytes()
    quiet = bytes(960)
    sent: list[float] = []
    for i in range((bursts + 1) * 100):
        loud = i >= 100 and i % 100 < 20  # the first second lets the subscription settle
        if loud and i % 100 == 0:
            sent.append(time.time())
        await source.capture_frame(rtc.AudioFrame(tone if loud else quiet, 48000, 1, 480))
    await asyncio.sleep(0.5)
    await sender.disconnect()
    await receiver.disconnect()
    return [min((t for t in heard if t >= s), default=float("nan")) - s for s in sent]


async def measure_livekit(
    profile: str, turns: int, finished_words: bool, rig: tuple
) -> dict[str, list[float]]:
    """The same answers through the real SFU: publish end of speech -> first frame heard."""
    server, openai, deepgram, tmp = rig
    figures: dict[str, list[float]] = {"latency": []}
    per_turn: list[dict[str, float]] = []
    for first in range(0, turns, TURNS_PER_INTERVIEW):
        count = min(TURNS_PER_INTERVIEW, turns - first)
        data = Path(tempfile.mkdtemp(dir=tmp))
        app = VoiceApp.build(
            data,
            livekit=server,
            openai=openai,
            deepgram=deepgram,
            stage_scale=20.0,
            ready_timeout_seconds=60.0,  # a loaded machine starts an agent slowly
        )
        try:
            live = await app.start(patience=profile)
            times: list[tuple[float, float]] = []
            async with live.candidate as candidate:
                await candidate.wait_for_burst(1, timeout=60)
                track = interviewer_track(candidate)
                for i in range(count):
                    await candidate.wait_quiet()
                    await asyncio.sleep(0.5)
                    answer = ANSWERS[i % len(ANSWERS)] + (CLOSER if finished_words else "")
                    said = await candidate.say(answer)
                    ended = said.ended_at or time.time()
                    quiet = await track_stats(track) if track else {}  # type: ignore[arg-type]
                    heard = await candidate.wait_for_burst(i + 2, timeout=30)
                    onset = await track_stats(track) if track else {}  # type: ignore[arg-type]
                    await asyncio.sleep(0.3)
                    reply = await track_stats(track) if track else {}  # type: ignore[arg-type]
                    figures["latency"].append(heard.started_at - ended)
                    times.append((ended, heard.started_at))
                    if quiet and onset and reply:
                        gap = buffer_figures(quiet, onset, heard.started_at - ended)
                        start = buffer_figures(onset, reply, 0.3)
                        per_turn.append(
                            {"gap_pkt_per_s": gap["pkt_per_s"]}
                            | {f"onset_{k}": v for k, v in start.items() if k != "pkt_per_s"}
                        )
            per_turn += legs(live.events(), times)
            metrics = live.events("metrics")
            per_turn += agent_buffers(metrics)
            for event in metrics:
                for key in (
                    "end_of_turn_delay",
                    "llm_ttft",
                    "tts_ttfb",
                    "e2e_latency",
                    "transcription_delay",
                ):
                    if key in event:
                        figures.setdefault(key, []).append(event[key])
        finally:
            app.close()
    for turn in per_turn:
        for key, value in turn.items():
            figures.setdefault(key, []).append(value)
    return figures


LEG_KEYS = ("leg1", "vad_decided", "leg2")


def p50_p95(values: list[float]) -> str:
    return f"p50={statistics.median(values) * 1e3:.0f} p95={percentile(values, 0.95) * 1e3:.0f}"


RTC_KEYS = ("agent_", "gap_", "onset_")


def report(
    profile: str,
    path: str,
    wait: float,
    figures: dict[str, list[float]],
    where: str = "",
    min_silence: float = 0.0,
) -> None:
    latency = figures["latency"]
    overhead = [v - wait for v in latency]
    parts = [
        f"{profile:<13} {path:<6} {where:<9} n={len(latency):<3} wait={wait:.2f} s",
        f"latency p50={percentile(latency, 0.5):.3f} p95={percentile(latency, 0.95):.3f} s",
        f"overhead p50={percentile(overhead, 0.5) * 1000:.0f} "
        f"p95={percentile(overhead, 0.95) * 1000:.0f} ms",
        f"load {os.getloadavg()[0]:.1f}",
    ]
    inner = ", ".join(
        f"{key} {statistics.median(values) * 1000:.0f}/{percentile(values, 0.95) * 1000:.0f}"
        for key, values in figures.items()
        if key != "latency" and values and key not in LEG_KEYS and not key.startswith(RTC_KEYS)
    )
    print("  ".join(parts) + f"  (p50/p95, ms: {inner})", flush=True)
    split = []
    if figures.get("leg1"):
        split.append(f"leg 1 speech end -> agent's dated end: {p50_p95(figures['leg1'])}")
    if figures.get("vad_decided"):
        lag = [v - min_silence for v in figures["vad_decided"]]
        split.append(f"VAD decided, less {min_silence * 1000:.0f} ms silence: {p50_p95(lag)}")
    if figures.get("e2e_latency"):
        inside = [v - wait for v in figures["e2e_latency"]]
        split.append(f"agent's dated end -> its first frame, less wait: {p50_p95(inside)}")
    if figures.get("leg2"):
        split.append(f"leg 2 agent first frame -> heard: {p50_p95(figures['leg2'])}")
    rtc_figures = [
        f"{key} {statistics.median(values) * (1 if 'pkt' in key else 1000):.0f}"
        for key, values in figures.items()
        if key.startswith(RTC_KEYS) and values
    ]
    if split:
        print("    " + "; ".join(split) + " ms", flush=True)
    if rtc_figures:
        print("    webrtc stats (median; delays ms): " + ", ".join(rtc_figures), flush=True)


async def main(
    turns: int,
    profiles: list[str],
    llm_delay: float,
    livekit: bool,
    *,
    roomless: bool = True,
    paths: tuple[str, ...] = ("full", "quick"),
    levers: tuple[str, ...] = ("product",),
) -> None:
    print(
        f"voice latency, {turns} answers per row, fake LLM first token after {llm_delay:g} s; "
        "overhead = latency - configured wait"
    )
    os.environ[OVERRIDE_VAR] = "stats=1"
    with contextlib.ExitStack() as stack:
        rig = stack.enter_context(livekit_room_path(llm_delay)) if livekit else None
        if rig is not None:
            one_way = await sfu_one_way(rig[0])
            print(
                f"SFU one-way audio path (rtc publisher -> subscriber, 10 ms frames): "
                f"p50={percentile(one_way, 0.5) * 1000:.0f} "
                f"p95={percentile(one_way, 0.95) * 1000:.0f} ms over {len(one_way)} bursts",
                flush=True,
            )
        for profile in profiles:
            config = PROFILES[profile]
            silence = config.vad_min_silence
            for path, wait, finished in (
                ("full", config.wait, False),
                ("quick", config.quick_wait, True),
            ):
                if path not in paths:
                    continue
                if roomless:
                    os.environ[OVERRIDE_VAR] = "stats=1"
                    figures = await measure(profile, turns, finished, llm_delay)
                    report(profile, path, wait, figures, "room-less", silence)
                if rig is None:
                    continue
                for lever in levers:
                    os.environ[OVERRIDE_VAR] = ",".join(filter(None, (LEVERS[lever], "stats=1")))
                    figures = await measure_livekit(profile, turns, finished, rig)
                    where = "livekit" if levers == ("product",) else f"lk:{lever}"
                    report(profile, path, wait, figures, where, silence)


if __name__ == "__main__":
    from bench.cleanup import stops_children

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=10)
    parser.add_argument("--profiles", default="normal,patient,very_patient")
    parser.add_argument("--llm-delay", type=float, default=0.0)
    parser.add_argument("--livekit", action="store_true", help="also through a real SFU")
    parser.add_argument("--no-roomless", action="store_true", help="only the SFU rows")
    parser.add_argument("--paths", default="full,quick", help="full, quick or both")
    parser.add_argument(
        "--levers", default="product", help=f"SFU rows, one per lever: {','.join(LEVERS)}"
    )
    args = parser.parse_args()
    levers = tuple(args.levers.split(","))
    if unknown := set(levers) - set(LEVERS):
        parser.error(f"unknown lever(s): {', '.join(sorted(unknown))}")
    with stops_children():
        asyncio.run(
            main(
                args.turns,
                args.profiles.split(","),
                args.llm_delay,
                args.livekit,
                roomless=not args.no_roomless,
                paths=tuple(args.paths.split(",")),
                levers=levers,
            )
        )
