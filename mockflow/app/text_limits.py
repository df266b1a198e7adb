"""The free-text fields people type, their limits, and the one normaliser every door
(the page, the named API, a practice link) applies before a value is checked or stored.

`clean_text` removes control characters other than newline and tab (NUL, escape codes
with their sequences, DEL, C1 controls), turns every line break into `\\n`; a one-line
field also loses its newlines and tabs (each becomes a space). `too_long` words the
refusal of a value past its field's limit. The limits are checked where the value is
first used (`InterviewSetup.problems()`, `create_link`, `InterviewService.send_answer`),
before any quota or admission is spent, and listed in the README.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class TextField:
    label: str  # how a message names the field, as a sentence's subject
    max_chars: int
    one_line: bool


FIELDS: dict[str, TextField] = {
    "name": TextField("Your name", 120, True),
    "role": TextField("The target role", 160, True),
    "resume_text": TextField("The resume text", 30_000, False),
    "job_description": TextField("The job description", 20_000, False),
    "answer": TextField("Your answer", 4_000, False),
    "template_name": TextField("The setup's name", 80, True),
    "link_title": TextField("The link's title", 80, True),
    "question": TextField("Each question", 300, True),
    "focus_notes": TextField("The focus notes", 2_000, False),
}

# ESC-introduced sequences go whole (an ANSI colour code would otherwise leave "[31m"):
# CSI (ESC [ … final byte), OSC (ESC ] … BEL or ESC \), and any other two-byte escape.
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?")
_LINE_BREAKS = re.compile(r"\r\n?|[\x0b\x0c\x85\u2028\u2029]")
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_ONE_LINE = re.compile(r"[\n\t]+")


def clean_text(text: str, *, one_line: bool = False) -> str:
    """`text` without control characters other than newline and tab (`one_line`: without
    those too, each run becoming one space). Nothing else changes: no stripping."""
    text = _ESCAPES.sub("", text)
    text = _LINE_BREAKS.sub("\n", text)
    text = _CONTROLS.sub("", text)
    return _ONE_LINE.sub(" ", text) if one_line else text


def clean_field(name: str, value: object) -> str:
    """A field's value as text, cleaned by its field's rule."""
    return clean_text("" if value is None else str(value), one_line=FIELDS[name].one_line)


def too_long(name: str, value: str) -> str | None:
    """The refusal of `value` if it is past the field's limit, naming field and limit."""
    field = FIELDS[name]
    if len(value) <= field.max_chars:
        return None
    return (
        f"{field.label} is too long: {field.max_chars:,} characters at most ({len(value):,} given)."
    )
