"""Agent output made safe to show: the launch spec's secrets masked, one line, bounded."""

from __future__ import annotations

from mockflow.launch.local.redact import MAX_LINE, safe_line, spec_secrets

SPEC = {
    "session_id": "iv_1",
    "providers": {
        "llm": {"api_key": "sk-llm-1234", "model": "gpt-4o-mini"},
        "stt": {"provider": "deepgram", "api_key": "dg-5678"},
        "tts": {"api_key": None},
    },
    "livekit": {"url": "wss://lk.example", "room": "r", "token": "eyJhbGciOi.jwt"},
    "candidate": {"name": "Ada", "role": "token engineer"},
}


def test_spec_secrets_finds_keys_and_tokens_only() -> None:
    assert set(spec_secrets(SPEC)) == {"sk-llm-1234", "dg-5678", "eyJhbGciOi.jwt"}


def test_safe_line_masks_secrets_and_keeps_one_line() -> None:
    text = "\nerror: key sk-llm-1234 refused by wss://lk.example\nTraceback ..."

    assert safe_line(text, spec_secrets(SPEC)) == "error: key *** refused by wss://lk.example"


def test_safe_line_is_bounded() -> None:
    line = safe_line("x" * 1000, [])
    assert len(line) == MAX_LINE and line.endswith("…")
