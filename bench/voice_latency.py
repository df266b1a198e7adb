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

    python bench/voice_latency.py [--turns 10] [--profiles normal,patient,very_patient]
                                  [--llm-delay 0.0]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mockflow.agent.turn_taking import PROFILES
from tests.fakes.deepgram_server import FakeDeepgram
from tests.fakes.openai_server import FakeOpenAI, Reply
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
            "end_of_turn_delay",
            "transcription_delay",
            "hook_delay",
            "llm_ttft",
            "tts_ttfb",
        ):
            figures.setdefault(key, []).extend(m[key] for m in metrics if key in m)
    return figures


async def _interview(
    profile: str, turns: int, finished_words: bool, llm_delay: float
) -> tuple[list, list]:
    latencies: list[float] = []
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
                    latencies.append(rig.speaker.playbacks[i + 1].started_at - said.ended_at)
                    await rig.speaker.wait_for(i + 2)
                metrics = [e for e in rig.events("metrics") if "e2e_latency" in e]
    return latencies, metrics


def report(profile: str, path: str, wait: float, figures: dict[str, list[float]]) -> None:
    latency = figures["latency"]
    overhead = [v - wait for v in latency]
    parts = [
        f"{profile:<13} {path:<6} n={len(latency):<3} wait={wait:.2f} s",
        f"latency p50={percentile(latency, 0.5):.3f} p95={percentile(latency, 0.95):.3f} s",
        f"overhead p50={percentile(overhead, 0.5) * 1000:.0f} "
        f"p95={percentile(overhead, 0.95) * 1000:.0f} ms",
    ]
    inner = ", ".join(
        f"{key} {statistics.median(values) * 1000:.0f}/{percentile(values, 0.95) * 1000:.0f}"
        for key, values in figures.items()
        if key != "latency" and values
    )
    print("  ".join(parts) + f"  (p50/p95, ms: {inner})", flush=True)


async def main(turns: int, profiles: list[str], llm_delay: float) -> None:
    print(
        f"voice latency, {turns} answers per row, fake LLM first token after {llm_delay:g} s; "
        "overhead = latency - configured wait"
    )
    for profile in profiles:
        config = PROFILES[profile]
        report(profile, "full", config.wait, await measure(profile, turns, False, llm_delay))
        report(profile, "quick", config.quick_wait, await measure(profile, turns, True, llm_delay))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=10)
    parser.add_argument("--profiles", default="normal,patient,very_patient")
    parser.add_argument("--llm-delay", type=float, default=0.0)
    args = parser.parse_args()
    asyncio.run(main(args.turns, args.profiles.split(","), args.llm_delay))
