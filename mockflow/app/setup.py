"""An interview's set-up as the candidate gives it: the fields, their rules and limits,
what each mode needs from the provider keys, and the meta.json the set-up is recorded in."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from mockflow.app.text_limits import FIELDS, clean_field, too_long
from mockflow.contracts.meta import SessionMeta
from mockflow.errors import MockflowError
from mockflow.interview.fsm import DEFAULT_TIME_LIMITS, STAGES, TRACK_NAMES
from mockflow.store.db import SessionRecord
from mockflow.store.vault import ProviderKeys

LENGTHS = {"short": 0.55, "standard": 1.0}  # share of the default stage limits
LEVELS = ("entry", "mid", "senior")
MODES = ("text", "voice")
PATIENCE = ("normal", "patient", "very_patient")
MAX_ANSWER_CHARS = FIELDS["answer"].max_chars
MAX_JD_CHARS = FIELDS["job_description"].max_chars
MAX_RESUME_CHARS = FIELDS["resume_text"].max_chars
TEXT_FIELDS = ("name", "role", "resume_text", "job_description")  # typed by the candidate


class SetupError(MockflowError):
    """The interview set-up has problems; `problems` maps each field to its message."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__(" ".join(problems.values()))
        self.problems = problems


class MissingKeysError(MockflowError):
    """The chosen mode needs provider keys the user has not given."""


@dataclass(frozen=True)
class InterviewSetup:
    """Built by every door (page, API, practice link): its typed fields are cleaned of
    control characters here, once, and their limits are in `problems()`, which
    `InterviewService.start` checks before anything is admitted or spent."""

    name: str = ""
    role: str = ""
    level: str = "mid"
    track: str = "behavioral"
    length: str = "standard"
    mode: str = "text"
    resume_text: str = ""
    job_description: str = ""
    patience: str = "patient"

    def __post_init__(self) -> None:
        for name in TEXT_FIELDS:
            object.__setattr__(self, name, clean_field(name, getattr(self, name)))

    def problems(self) -> dict[str, str]:
        found = {}
        for name in TEXT_FIELDS:
            if message := too_long(name, getattr(self, name)):
                found[name] = message
        if not self.name.strip():
            found["name"] = "Enter your name (a first name is enough)."
        if not self.role.strip():
            found["role"] = "Enter the role you are preparing for, e.g. Backend Engineer."
        checks = (
            ("level", LEVELS),
            ("track", TRACK_NAMES),
            ("length", tuple(LENGTHS)),
            ("mode", MODES),
            ("patience", PATIENCE),
        )
        for name, allowed in checks:
            if getattr(self, name) not in allowed:
                found[name] = f"Choose a {name}: {', '.join(allowed)}."
        return found

    def stage_limits(self, scale: float = 1.0) -> dict[str, float]:
        scale *= LENGTHS.get(self.length, 1.0)
        return {stage: round(DEFAULT_TIME_LIMITS[stage] * scale, 1) for stage in STAGES}


def answer_text(text: str | None) -> str:
    """A typed answer as sent to the interviewer: cleaned, trimmed, and within its limit
    (`SetupError` otherwise, before anything is sent)."""
    text = clean_field("answer", text).strip()
    if not text:
        raise SetupError({"answer": "Type an answer first."})
    if message := too_long("answer", text):
        raise SetupError({"answer": message})
    return text


def missing_keys(
    keys: ProviderKeys,
    mode: str,
    *,
    voice_by_workers: bool = False,
    local_livekit: bool = False,
    local_models: bool = False,
) -> list[str]:
    """Plain names of what `mode` still needs; none for voice that workers serve with their
    own keys (dispatch mode); no LiveKit keys while the app's own local server runs; no key
    for a role the user gave to the app's local models (`local_models`: they may be used)."""
    if mode == "voice" and voice_by_workers:
        return []
    missing = []
    has_openai = bool(keys.openai_api_key or keys.openai_base_url)
    if keys.local_llm and not local_models:
        missing.append(LOCAL_MODELS_OFF)
    elif not keys.local_llm and not has_openai:
        missing.append("an OpenAI API key (or an OpenAI-compatible server URL)")
    if mode == "voice":
        if not (_has_livekit(keys) or local_livekit):
            missing.append("LiveKit URL, API key and secret")
        stt = keys.stt_provider or "deepgram"
        if stt == "deepgram" and not keys.deepgram_api_key:
            missing.append("a Deepgram key (or choose another speech-to-text in Settings)")
        if keys.local_llm and not has_openai:  # the other roles may still use OpenAI
            if stt == "openai":
                missing.append("an OpenAI key for speech-to-text (or choose local Whisper)")
            if not keys.local_tts:
                missing.append("an OpenAI key for the interviewer's voice (or the local voice)")
        wants_local = keys.local_stt or keys.local_tts
        if wants_local and not local_models and LOCAL_MODELS_OFF not in missing:
            missing.append(LOCAL_MODELS_OFF)
    return missing


LOCAL_MODELS_OFF = "local models, which this server does not offer (choose your own keys)"


def _has_livekit(keys: ProviderKeys) -> bool:
    return bool(keys.livekit_url and keys.livekit_api_key and keys.livekit_api_secret)


def session_meta(
    setup: InterviewSetup, room: str | None = None, *, record: SessionRecord | None = None
) -> SessionMeta:
    """What the report needs besides the timeline (read by `mockflow report`), and the
    owner and creation time, from which a lost session index is rebuilt (`recovery`)."""
    return SessionMeta(
        candidate_name=setup.name.strip(),
        role=setup.role.strip(),
        level=setup.level,
        track=setup.track,
        mode=setup.mode,
        length=setup.length,
        job_description=setup.job_description,
        has_resume=bool(setup.resume_text.strip()),
        room=room or "",
        user_id=record.user_id if record else None,
        created_at=record.created_at if record else None,
    )


# The set-up's fields, listed nowhere else: the Setup tab's components carry these names,
# and every handler and endpoint zips values with them.
SETUP_FIELDS = tuple(f.name for f in fields(InterviewSetup))
# what a saved setup keeps: not the name, not the resume (personal; re-uploaded on purpose)
SAVED_FIELDS = tuple(f for f in SETUP_FIELDS if f not in ("name", "resume_text"))


def setup_from_dict(values: dict[str, Any]) -> InterviewSetup:
    known = {f for f in asdict(InterviewSetup())}
    return InterviewSetup(**{k: v for k, v in values.items() if k in known and v is not None})
