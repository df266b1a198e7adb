"""Prompt text lives in files beside this module; this loader renders them.

Templates use `string.Template` (`$name`) so braces in the text need no escaping.
Candidate-supplied text (name, role, resume, job description, answers) enters a prompt only through
`data_block`, which fences it and neutralises anything that looks like a fence.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from importlib import resources
from string import Template

# Fence look-alikes: runs of angle brackets or guillemets in any width (NFKC folds the
# full-width and small forms to "<" and ">"), and the fence words with any separator.
_FENCE_RUN = re.compile(r"[<>«»‹›〈〉《》⟨⟩❮❯❬❭]{2,}")
_FENCE_WORDS = re.compile(r"\b(BEGIN|END)[\W_]*(CANDIDATE)[\W_]*(DATA)\b", re.IGNORECASE)
# Invisible characters could split a look-alike so that no pattern sees it.
_INVISIBLE = re.compile(r"[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
_LINE_BREAKS = re.compile(r"\r\n?|[\v\f\x85\u2028\u2029]")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_LABEL = re.compile(r"[^A-Z0-9]+")


@cache
def load(name: str) -> str:
    """The text of `mockflow/interview/prompts/<name>.md`."""
    return resources.files(__name__).joinpath(f"{name}.md").read_text("utf-8").strip()


def render(name: str, **fields: str) -> str:
    return Template(load(name)).substitute(fields).strip()


def data_block(label: str, text: str) -> str:
    """Fence candidate-supplied `text` as inert data labelled `label`.

    Inside the fence nothing can close it: fence look-alikes (however spelled, split by
    invisible characters or written in full-width forms) are defused first.
    """
    safe = unicodedata.normalize("NFKC", _LINE_BREAKS.sub("\n", text))
    safe = _CONTROL.sub("", _INVISIBLE.sub("", safe))
    safe = _FENCE_RUN.sub(lambda m: "-" * len(m.group()), safe)
    safe = _FENCE_WORDS.sub(lambda m: " ".join(m.groups()).lower(), safe)
    tag = _LABEL.sub("_", label.upper()).strip("_") or "DATA"
    return f"<<<BEGIN_CANDIDATE_DATA {tag}>>>\n{safe.strip()}\n<<<END_CANDIDATE_DATA {tag}>>>"
