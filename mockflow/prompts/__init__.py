"""Prompt text lives in files beside this module; this loader renders them.

Templates use `string.Template` (`$name`) so braces in the text need no escaping.
Candidate-supplied text (resume, job description) enters a prompt only through
`data_block`, which fences it and neutralises anything that looks like a fence.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from string import Template

_FENCE_RUN = re.compile(r"[<>]{3,}|[«»‹›]{2,}")
_FENCE_WORDS = re.compile(r"\b(BEGIN|END)[ _](CANDIDATE[ _]DATA)\b", re.IGNORECASE)


@cache
def load(name: str) -> str:
    """The text of `mockflow/prompts/<name>.md`."""
    return resources.files(__name__).joinpath(f"{name}.md").read_text("utf-8").strip()


def render(name: str, **fields: str) -> str:
    return Template(load(name)).substitute(fields).strip()


def data_block(label: str, text: str) -> str:
    """Fence candidate-supplied `text` as inert data labelled `label`."""
    safe = _FENCE_RUN.sub(lambda m: "-" * len(m.group()), text)
    safe = _FENCE_WORDS.sub(lambda m: f"{m.group(1).lower()} {m.group(2).lower()}", safe)
    tag = label.upper().replace(" ", "_")
    return (
        f"<<<BEGIN_CANDIDATE_DATA {tag}>>>\n{safe.strip()}\n<<<END_CANDIDATE_DATA {tag}>>>"
    )
