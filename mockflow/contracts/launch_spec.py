"""Contract 1: the launch spec the app sends as the first line of the agent's stdin.

Validated with pydantic because it is external JSON; unknown fields are ignored so the
contract can grow. Error messages name the field, never its value (values may be keys).
"""

from __future__ import annotations

import ipaddress
import json
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from mockflow.contracts.ids import SESSION_ID_PATTERN
from mockflow.errors import LaunchSpecError, UnknownTrackError

TRACKS = ("intro_call", "behavioral", "technical")


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _Endpoint(_Model):
    """A provider endpoint. On a public link the app vetted `base_url`'s host and sends
    the address it checked as `pinned_address`: the agent connects there and nowhere else
    (the URL keeps its name for Host and TLS)."""

    base_url: str | None = None
    pinned_address: str | None = None

    @field_validator("pinned_address")
    @classmethod
    def _an_ip(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ipaddress.ip_address(value)
            except ValueError:
                raise ValueError("must be an IP address") from None
        return value


class Candidate(_Model):
    name: str = Field(min_length=1, max_length=120)
    role: str = Field(min_length=1, max_length=160)
    level: Literal["entry", "mid", "senior"] = "mid"


class LLMProvider(_Endpoint):
    api_key: str = Field(min_length=1)
    model: str = "gpt-4o-mini"
    temperature: float = 0.7
    timeout: float = 20.0  # seconds to the first token; the app sends ~90 for a local model
    # Offer the interviewer the complete_stage tool? None: only to OpenAI itself (no
    # base_url); small local models write tool calls as text instead of calling them.
    tool_calls: bool | None = None


class STTProvider(_Endpoint):
    provider: Literal["deepgram", "openai"] = "deepgram"
    api_key: str | None = None
    model: str | None = None
    language: str = "en"
    keyterms: list[str] = Field(default_factory=list, max_length=50)


class TTSProvider(_Endpoint):
    provider: Literal["openai"] = "openai"
    api_key: str | None = None
    voice: str = "alloy"
    model: str = "gpt-4o-mini-tts"
    speed: float = 1.0


class Providers(_Model):
    llm: LLMProvider
    stt: STTProvider | None = None
    tts: TTSProvider | None = None


class LiveKitRoom(_Model):
    url: str
    room: str
    token: str
    candidate_identity: str = "candidate"
    connect_timeout: float = Field(default=10.0, gt=0)
    join_timeout: float = Field(default=120.0, gt=0)


class TurnTaking(_Model):
    patience: Literal["normal", "patient", "very_patient"] = "patient"
    check_in_after: float | None = Field(default=None, gt=0)  # overrides the profile's


class CoachBrief(_Model):
    """What a coach's practice link asks of the interviewer (issue 16)."""

    questions: list[str] = Field(default_factory=list, max_length=10)
    focus_notes: str = Field(default="", max_length=2000)

    @field_validator("questions")
    @classmethod
    def _short(cls, value: list[str]) -> list[str]:
        if any(len(q) > 300 for q in value):
            raise ValueError("each coach question must be at most 300 characters")
        return [q.strip() for q in value if q.strip()]


class TimeBudget(_Model):
    """How long a coach's practice link lets the interview run (issue 25), in seconds
    from the agent's start: the interviewer moves to its closing `closing_seconds`
    before the hard end at `seconds` and ends there (`timeout`); a candidate who leaves
    a question unanswered for `idle_seconds` is ended too. None: no such limit."""

    seconds: float | None = Field(default=None, gt=0)
    closing_seconds: float = Field(default=60.0, ge=0)
    idle_seconds: float | None = Field(default=None, gt=0)


class LaunchSpec(_Model):
    session_id: str = Field(pattern=f"^{SESSION_ID_PATTERN}$")
    session_dir: str = Field(min_length=1)
    transport: Literal["text", "room"] = "text"
    candidate: Candidate
    track: str = "behavioral"
    stage_overrides: dict[str, float] = Field(default_factory=dict)
    resume_text: str = ""
    job_description: str = ""
    providers: Providers
    livekit: LiveKitRoom | None = None
    turn_taking: TurnTaking = Field(default_factory=TurnTaking)
    coach: CoachBrief | None = None
    time_budget: TimeBudget | None = None

    @field_validator("stage_overrides")
    @classmethod
    def _positive(cls, value: dict[str, float]) -> dict[str, float]:
        for stage, seconds in value.items():
            if seconds <= 0:
                raise ValueError(f"time limit for {stage} must be positive")
        return value


def parse_launch_spec(line: str | bytes) -> LaunchSpec:
    """Parse and validate one JSON line; raise `LaunchSpecError` naming what is wrong."""
    if not line or not line.strip():
        raise LaunchSpecError("launch spec: stdin was empty; expected one JSON line")
    try:
        raw = json.loads(line)
    except json.JSONDecodeError as exc:
        raise LaunchSpecError(
            f"launch spec: not valid JSON ({exc.msg} at column {exc.colno})"
        ) from None
    except ValueError as exc:  # e.g. an integer too long to convert
        raise LaunchSpecError(f"launch spec: not valid JSON ({exc})") from None
    if not isinstance(raw, dict):
        raise LaunchSpecError("launch spec: expected a JSON object")
    try:
        spec = LaunchSpec.model_validate(raw)
    except ValidationError as exc:
        raise LaunchSpecError(f"launch spec: {_describe(exc)}") from None
    if spec.track not in TRACKS:
        raise UnknownTrackError(
            f"launch spec: unknown track {spec.track!r}; expected one of {', '.join(TRACKS)}"
        )
    if spec.transport == "room" and spec.livekit is None:
        raise LaunchSpecError("launch spec: transport 'room' needs the 'livekit' section")
    return spec


def _describe(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors()[:3]:
        where = ".".join(str(p) for p in error["loc"]) or "(root)"
        message = "missing" if error["type"] == "missing" else error["msg"]
        parts.append(f"{where}: {message}")
    return "; ".join(parts)
