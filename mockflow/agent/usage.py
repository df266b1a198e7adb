"""What an interview used of its providers, from the framework's own usage figures
(`AgentSession.usage`): model tokens, speech characters synthesised, audio seconds
transcribed. A coach's practice link shows these per interview.

A figure is None when nothing reported it: a text interview has no speech, and an
OpenAI-compatible server may send no token counts. Never a guessed 0.
"""

from __future__ import annotations

from typing import Any

from livekit.agents.metrics import LLMModelUsage, STTModelUsage, TTSModelUsage


def usage_figures(model_usage: list[Any]) -> dict[str, int | float | None]:
    """The interview's totals by kind of provider, from `AgentSession.usage.model_usage`."""
    llm = [u for u in model_usage if isinstance(u, LLMModelUsage)]
    tts = [u for u in model_usage if isinstance(u, TTSModelUsage)]
    stt = [u for u in model_usage if isinstance(u, STTModelUsage)]
    tokens_in = sum(u.input_tokens for u in llm)
    tokens_out = sum(u.output_tokens for u in llm)
    reported = tokens_in > 0 or tokens_out > 0  # a server without usage reports zeros
    return {
        "llm_input_tokens": tokens_in if reported else None,
        "llm_output_tokens": tokens_out if reported else None,
        "tts_characters": sum(u.characters_count for u in tts) if tts else None,
        "stt_audio_seconds": round(sum(u.audio_duration for u in stt), 1) if stt else None,
    }
