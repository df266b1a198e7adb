"""The provider usage an interview reports: the framework's figures, summed by kind, and
None (never 0) for what nothing reported."""

from __future__ import annotations

from livekit.agents.metrics import LLMModelUsage, STTModelUsage, TTSModelUsage

from mockflow.agent.usage import usage_figures
from mockflow.contracts.events import Timeline


def test_a_voice_interview_reports_tokens_characters_and_audio_seconds() -> None:
    figures = usage_figures(
        [
            LLMModelUsage(
                provider="openai", model="gpt-4o-mini", input_tokens=800, output_tokens=90
            ),
            LLMModelUsage(provider="openai", model="gpt-4o", input_tokens=200, output_tokens=10),
            TTSModelUsage(provider="openai", model="tts-1", characters_count=1234),
            STTModelUsage(provider="deepgram", model="nova-3", audio_duration=61.26),
        ]
    )
    assert figures == {
        "llm_input_tokens": 1000,
        "llm_output_tokens": 100,
        "tts_characters": 1234,
        "stt_audio_seconds": 61.3,
    }


def test_what_nothing_reported_is_unavailable_not_zero() -> None:
    # a text interview (no speech) on a server that sends no token counts
    figures = usage_figures([LLMModelUsage(provider="local", model="llama")])
    assert figures == dict.fromkeys(figures, None)
    assert set(figures) == {
        "llm_input_tokens",
        "llm_output_tokens",
        "tts_characters",
        "stt_audio_seconds",
    }


def test_the_timeline_keeps_the_usage_line() -> None:
    timeline = Timeline.of(
        [
            {"t": 1.0, "type": "usage", "llm_input_tokens": 5, "tts_characters": None},
            {"t": 2.0, "type": "ended", "reason": "completed"},
        ]
    )
    assert timeline.usage == {"llm_input_tokens": 5, "tts_characters": None}
