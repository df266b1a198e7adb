"""Personas of the simulated candidate, and the set-up they interview with, loaded from files.

One TOML file per persona in `personas/` (the file name is the persona's name):

    description = "..."            # who to play; what --candidate-model is told
    [answers]                      # by the stage of the interviewer's last turn, cycling;
    self_intro = ["...", "..."]    #   `default` serves every stage without its own list
    default = ["..."]
    interject_every = 2            # optional: before every 2nd answer, a separate turn
    interjections = ["..."]        #   from this list (asks to repeat, to think, for a score)
    ask_to_end_after = 2           # optional: after 2 answers, say `end_request`, then end
    end_request = "..."
    nudge = "..."                  # optional: said when the interviewer stays silent
    resume = "..."                 # optional: replaces the resume of `material.toml`
    injection_canaries = ["5/5"]   # optional: what injected text asks the interviewer to say
    gibberish_seed = 7             # optional: every answer is random letters from this seed,
                                   #   the same on every run ([answers] may then be left out)

`material.toml` holds the default candidate: name, role, level, resume, job description.
"""

from __future__ import annotations

import random
import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from mockflow.errors import MockflowError
from mockflow.interview.fsm import STAGES

DEFAULT_NUDGE = "Sorry, I didn't hear anything. Are you still there?"
_KEYS = frozenset(
    {
        "description",
        "answers",
        "interject_every",
        "interjections",
        "ask_to_end_after",
        "end_request",
        "nudge",
        "resume",
        "injection_canaries",
        "gibberish_seed",
    }
)
GIBBERISH_WORDS = (3, 14)  # words per gibberish answer
GIBBERISH_LETTERS = (2, 9)  # letters per gibberish word


class PersonaError(MockflowError):
    """A persona name is unknown or its file is malformed."""


@dataclass(frozen=True)
class Persona:
    name: str
    description: str
    answers: Mapping[str, tuple[str, ...]]
    interject_every: int = 0
    interjections: tuple[str, ...] = ()
    ask_to_end_after: int = 0
    end_request: str = ""
    nudge: str = DEFAULT_NUDGE
    resume: str | None = None
    injection_canaries: tuple[str, ...] = ()
    gibberish_seed: int | None = None

    def answer(self, stage: str, index: int) -> str:
        """The persona's `index`-th answer in `stage` (cycling through its list), or its
        gibberish for that stage and index."""
        if self.gibberish_seed is not None:
            return gibberish(self.gibberish_seed, stage, index)
        options = self.answers.get(stage) or self.answers["default"]
        return options[index % len(options)]


def gibberish(seed: int, stage: str, index: int) -> str:
    """Random lowercase letter strings, the same for the same seed, stage and index."""
    rng = random.Random(f"{seed}/{stage}/{index}")
    words = rng.randint(*GIBBERISH_WORDS)
    return " ".join(
        "".join(rng.choices(string.ascii_lowercase, k=rng.randint(*GIBBERISH_LETTERS)))
        for _ in range(words)
    )


@dataclass(frozen=True)
class Material:
    """The interview set-up a candidate would enter in the app."""

    name: str
    role: str
    level: str
    resume: str
    job_description: str


def persona_names() -> tuple[str, ...]:
    folder = resources.files(__package__).joinpath("personas")
    return tuple(sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml")))


@cache
def load_persona(name: str) -> Persona:
    """The persona in `personas/<name>.toml`; `PersonaError` if unknown or malformed."""
    names = persona_names()
    if name not in names:
        raise PersonaError(f"unknown persona {name!r}; expected one of {', '.join(names)}")
    text = resources.files(__package__).joinpath("personas", f"{name}.toml").read_text("utf-8")
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PersonaError(f"persona {name}: not valid TOML ({exc})") from None
    return parse_persona(name, raw)


def parse_persona(name: str, raw: Mapping[str, Any]) -> Persona:
    """Validate one persona's data; the error names the persona and the key."""
    if unknown := sorted(set(raw) - _KEYS):
        raise PersonaError(f"persona {name}: unknown keys {', '.join(unknown)}")
    description = _text(name, raw, "description")
    seed = raw.get("gibberish_seed")
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
        raise PersonaError(f"persona {name}: gibberish_seed must be a whole number")
    answers = (
        {} if seed is not None and "answers" not in raw else _answers(name, raw.get("answers"))
    )
    every = _count(name, raw, "interject_every")
    interjections = _lines(name, raw, "interjections")
    if every and not interjections:
        raise PersonaError(f"persona {name}: interject_every needs interjections")
    end_after = _count(name, raw, "ask_to_end_after")
    end_request = _text(name, raw, "end_request", required=bool(end_after))
    return Persona(
        name=name,
        description=description,
        answers=answers,
        interject_every=every,
        interjections=interjections,
        ask_to_end_after=end_after,
        end_request=end_request,
        nudge=_text(name, raw, "nudge", required=False) or DEFAULT_NUDGE,
        resume=_text(name, raw, "resume", required=False) or None,
        injection_canaries=_lines(name, raw, "injection_canaries"),
        gibberish_seed=seed,
    )


@cache
def load_material() -> Material:
    text = resources.files(__package__).joinpath("material.toml").read_text("utf-8")
    raw = tomllib.loads(text)
    return Material(
        name=raw["name"],
        role=raw["role"],
        level=raw["level"],
        resume=raw["resume"].strip(),
        job_description=raw["job_description"].strip(),
    )


def _text(name: str, raw: Mapping[str, Any], key: str, *, required: bool = True) -> str:
    value = raw.get(key, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise PersonaError(f"persona {name}: {key} must be a non-empty string")
    return value.strip()


def _count(name: str, raw: Mapping[str, Any], key: str) -> int:
    value = raw.get(key, 0)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise PersonaError(f"persona {name}: {key} must be a whole number ≥ 0")
    return value


def _lines(name: str, raw: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise PersonaError(f"persona {name}: {key} must be a list of non-empty strings")
    return tuple(v.strip() for v in value)


def _answers(name: str, value: object) -> dict[str, tuple[str, ...]]:
    if not isinstance(value, dict) or not value:
        raise PersonaError(f"persona {name}: [answers] is missing")
    if unknown := sorted(set(value) - {*STAGES, "default"}):
        raise PersonaError(f"persona {name}: answers for unknown stages {', '.join(unknown)}")
    if "default" not in value:
        raise PersonaError(f"persona {name}: [answers] needs a default list")
    return {stage: _lines(name, value, stage) or _empty(name, stage) for stage in value}


def _empty(name: str, stage: str) -> tuple[str, ...]:
    raise PersonaError(f"persona {name}: answers.{stage} is empty")
