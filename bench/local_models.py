"""The app's own local models on this machine: how fast each is, and what a candidate waits.

Everything runs for real, nothing is faked: the packaged Qwen2.5-Coder 0.5B model on
llama.cpp, Whisper tiny.en behind the app's speech server, the Piper voice, and (for the
voice figures) a real LiveKit server. Prints figures; asserts nothing.

1. Language model, straight to its OpenAI-compatible endpoint: time to the first token
   and decode speed (tokens/s, one streamed chunk per token) of interview-sized prompts.
2. A text interview through the app's own services (the interviewer process, the prompt
   the interviewer really sends): seconds from an answer to the committed reply, and the
   share of each prompt reused from the previous turn's (`prompt_prefix_reused`, what
   llama.cpp's prompt cache can skip).
3. Speech: the voice's real-time factor (seconds to synthesize / seconds of speech) and
   its first audio; Whisper's real-time factor through the speech server.
4. Voice (with `--voice-turns N`, needs `livekit-server`): a voice interview with all
   three local, through the real SFU; the candidate speaks in the Piper voice; from the
   end of each answer's speech to the first interviewer audio the candidate hears, p50/p95,
   with the framework's own breakdown.
Also the memory (RSS) and CPU time of each local server at the end.

    python bench/local_models.py [--requests 5] [--turns 5] [--voice-turns 4]
                                 [--models-dir DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import openai
import psutil

from mockflow.app.setup import InterviewSetup
from mockflow.config import LocalModelSettings, Settings
from mockflow.contracts.events import read_events
from mockflow.contracts.ids import LOCAL_USER_ID
from mockflow.localmodels import LocalModels
from mockflow.localmodels.audio import read_wav, resample
from mockflow.store.vault import ProviderKeys
from mockflow.ui.services import build_services

SENTENCES = [
    "Thanks for joining me today. Could you start by telling me about your current role?",
    "That sounds like a demanding project. What was the hardest decision you made on it?",
    "How did you measure whether the migration was a success?",
    "Tell me about a time you disagreed with a teammate, and how it was resolved.",
    "Thank you, that is all from me. You will get your feedback in a moment.",
]
ANSWERS = [
    "Hi, yes, I'm ready. Thanks for having me.",
    "I'm a backend engineer. For three years I have owned the payment services of a small "
    "online shop, mostly in Go with a PostgreSQL database.",
    "Last year our database filled up during a sale. I moved old orders to cheaper storage, "
    "added an alert on disk space, and we have not lost an order since.",
    "We compared error rates and checkout times for two weeks before and after the change.",
    "A colleague wanted to rewrite the service from scratch. We agreed to replace one piece "
    "at a time, and the first piece shipped in a month.",
    "I would like to learn more about running systems at a larger scale.",
]
SYSTEM = (
    "You are an experienced hiring manager interviewing a candidate for a backend engineer "
    "position. Ask exactly one question per turn, in one to three short spoken sentences. "
    "Build follow-ups on what the candidate just said. Never praise or grade the answers."
)


def pct(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def line(name: str, values: list[float], unit: str, scale: float = 1.0) -> str:
    if not values:
        return f"  {name:<44} unavailable"
    return (
        f"  {name:<44} p50 {pct(values, 0.5) * scale:8.2f} {unit}   "
        f"p95 {pct(values, 0.95) * scale:8.2f} {unit}   n={len(values)}"
    )


def bench_llm(models: LocalModels, requests: int) -> None:
    endpoint = models.ensure_llm()
    client = openai.OpenAI(base_url=endpoint.base_url, api_key="local", timeout=600)
    first, speed = [], []
    history = [{"role": "system", "content": SYSTEM}]
    for i in range(requests):
        history.append({"role": "user", "content": ANSWERS[i % len(ANSWERS)]})
        started = time.perf_counter()
        stamps: list[float] = []
        text = ""
        stream = client.chat.completions.create(
            model=endpoint.model, messages=history, stream=True, max_tokens=80, temperature=0.7
        )
        for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                stamps.append(time.perf_counter())
                text += chunk.choices[0].delta.content
        history.append({"role": "assistant", "content": text})
        if stamps:
            first.append(stamps[0] - started)
            if len(stamps) > 1:
                speed.append((len(stamps) - 1) / (stamps[-1] - stamps[0]))
    print(f"1. Language model: {endpoint.model} on {endpoint.kind} ({endpoint.base_url})")
    print(line("time to first token", first, "s"))
    print(line("decode speed", speed, "tok/s"))


def bench_text_interview(data: Path, models_dir: Path, turns: int) -> None:
    settings = Settings(
        data_dir=data,
        stage_scale=10.0,  # stages long enough that every answer gets a reply
        local=LocalModelSettings(models_dir=models_dir, ollama_url=None),
    )
    services = build_services(settings, dict(os.environ))
    try:
        services.vault.save_keys(LOCAL_USER_ID, ProviderKeys(models="local"))
        setup = InterviewSetup(name="Ana", role="Backend Engineer", track="behavioral")
        started = services.interviews.start(LOCAL_USER_ID, setup)
        replies = []

        def interviewer_turns() -> int:
            events = read_events(started.events_path) if started.events_path.exists() else []
            return sum(1 for e in events if e["type"] == "turn" and e["role"] == "interviewer")

        wait_for(lambda: interviewer_turns() >= 1, 600)
        for i in range(turns):
            before = interviewer_turns()
            sent = time.perf_counter()
            services.interviews.send_answer(LOCAL_USER_ID, started.session_id, ANSWERS[i + 1])
            if not wait_for(lambda n=before: interviewer_turns() > n, 600):
                break
            replies.append(time.perf_counter() - sent)
        events = read_events(started.events_path)
        services.interviews.end(LOCAL_USER_ID, started.session_id)
    finally:
        services.close()
    reuse = [e["prompt_prefix_reused"] for e in events if "prompt_prefix_reused" in e]
    ttft = [e["llm_ttft"] for e in events if e.get("type") == "metrics" and "llm_ttft" in e]
    print("2. A text interview through the app (the interviewer's real prompt)")
    print(line("answer -> committed reply", replies, "s"))
    print(line("first token (the framework's llm_ttft)", ttft, "s"))
    print(line("prompt reused from the previous turn", reuse, "%", 100))
    faults = [e["message"] for e in events if e["type"] == "error"]
    if faults:
        print(f"  errors: {faults}")


def bench_speech(models: LocalModels) -> list[tuple[str, np.ndarray, int]]:
    speech = models.ensure_speech()
    client = openai.OpenAI(base_url=speech.base_url, api_key="local", timeout=600)
    tts_rtf, first_audio, stt_rtf, spoken = [], [], [], []
    for sentence in SENTENCES:
        started = time.perf_counter()
        first = None
        body = b""
        with client.audio.speech.with_streaming_response.create(
            model="tts-1", voice="joe", input=sentence, response_format="wav"
        ) as response:
            for chunk in response.iter_bytes():
                if first is None and chunk:
                    first = time.perf_counter() - started
                body += chunk
        took = time.perf_counter() - started
        pcm = read_wav(body)
        tts_rtf.append(took / pcm.seconds)
        first_audio.append(first or took)
        spoken.append((sentence, pcm.samples, pcm.rate))
        started = time.perf_counter()
        client.audio.transcriptions.create(
            model="whisper-tiny.en", file=("answer.wav", body, "audio/wav"), language="en"
        )
        stt_rtf.append((time.perf_counter() - started) / pcm.seconds)
    print("3. Speech (through the app's speech server)")
    print(line("voice: real-time factor", tts_rtf, "x"))
    print(line("voice: first audio of a sentence", first_audio, "s"))
    print(line("Whisper: real-time factor (round trip)", stt_rtf, "x"))
    return spoken


async def bench_voice(data: Path, models_dir: Path, turns: int) -> None:
    from mockflow.launch.livekit.server import LocalLiveKitServer, find_binary
    from tests.fakes.deepgram_server import FakeDeepgram
    from tests.fakes.openai_server import FakeOpenAI
    from tests.fakes.room_candidate import RATE
    from tests.fakes.voice_app import VoiceApp

    binary = find_binary(os.environ.get("MOCKFLOW_TEST_LIVEKIT_SERVER"), os.environ)
    if binary is None:
        print("4. Voice: unavailable (no livekit-server binary; scripts/test.sh builds one)")
        return
    server = LocalLiveKitServer(binary, data / "livekit.log")
    server.start()
    latencies: list[float] = []
    figures: dict[str, list[float]] = {}
    try:
        with FakeOpenAI(api_key="sk-unused") as unused, FakeDeepgram() as deepgram:
            app = VoiceApp.build(
                data / "voice",
                livekit=server,
                openai=unused,
                deepgram=deepgram,
                user_keys=ProviderKeys(models="local", stt_provider="local", tts_provider="local"),
                local=LocalModelSettings(models_dir=models_dir, ollama_url=None),
                stage_scale=10.0,
            )
            try:
                speech = app.services.local_models.ensure_speech()
                client = openai.OpenAI(base_url=speech.base_url, api_key="local", timeout=600)
                live = await app.start(patience="normal")
                async with live.candidate as me:
                    await live.wait_turns("interviewer", 1, timeout=600)
                    for i in range(turns):
                        await me.wait_quiet(timeout=600)
                        answer = ANSWERS[(i + 1) % len(ANSWERS)]
                        wav = client.audio.speech.create(
                            model="tts-1", voice="joe", input=answer, response_format="wav"
                        ).content
                        pcm = read_wav(wav)
                        samples = resample(pcm.samples, pcm.rate, RATE).astype(np.int16)
                        said = await me.say(answer, samples=samples)
                        # the reply is committed once it has been spoken
                        await live.wait_turns("interviewer", i + 2, timeout=600)
                        reply = me.bursts_after(said.ended_at)
                        if reply:
                            latencies.append(reply[0].started_at - said.ended_at)
                for event in live.events("metrics"):
                    for key in ("transcription_delay", "end_of_turn_delay", "llm_ttft"):
                        if key in event:
                            figures.setdefault(key, []).append(event[key])
                    for key in ("tts_ttfb", "e2e_latency"):
                        if key in event:
                            figures.setdefault(key, []).append(event[key])
            finally:
                app.close()
    finally:
        server.stop()
    print("4. Voice, all three local, through the real LiveKit server ('normal' patience)")
    print(line("end of speech -> first interviewer audio", latencies, "s"))
    for key, values in figures.items():
        print(line(f"  of which {key}", values, "s"))


def server_resources(models: LocalModels) -> None:
    print("Local servers at the end (RSS, CPU seconds)")
    me = psutil.Process()
    for child in me.children(recursive=True):
        with_cmd = " ".join(child.cmdline()[1:4])
        if "llama_cpp" in with_cmd or "speech_server" in with_cmd or "piper" in with_cmd:
            times = child.cpu_times()
            print(
                f"  {with_cmd[:60]:<60} RSS {child.memory_info().rss / 1e6:7.0f} MB   "
                f"CPU {times.user + times.system:7.1f} s"
            )


def wait_for(predicate, timeout: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=5)
    parser.add_argument("--turns", type=int, default=4)
    parser.add_argument("--voice-turns", type=int, default=4)
    parser.add_argument("--models-dir", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mockflow-bench-") as tmp:
        data = Path(tmp)
        models_dir = args.models_dir or data / "models"
        models = LocalModels(models_dir, data / "direct", ollama_url=None)
        print(f"machine: {os.cpu_count()} cores, {psutil.virtual_memory().total / 1e9:.0f} GB")
        try:
            started = time.perf_counter()
            models.prepare()
            print(f"models ready in {time.perf_counter() - started:.1f} s ({models_dir})")
            started = time.perf_counter()
            models.ensure_llm()
            print(f"language model server up in {time.perf_counter() - started:.1f} s")
            bench_llm(models, args.requests)
            bench_speech(models)
            server_resources(models)
        finally:
            models.close()
        bench_text_interview(data / "text", models_dir, args.turns)
        if args.voice_turns:
            asyncio.run(bench_voice(data, models_dir, args.voice_turns))


if __name__ == "__main__":
    from bench.cleanup import stops_children

    with stops_children():
        main()
