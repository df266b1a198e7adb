"""Setup tab: one length figure on every screen, and the form's draft in the browser."""

from __future__ import annotations

from types import SimpleNamespace

import gradio as gr

from mockflow.app.setup import SETUP_FIELDS
from mockflow.ui.tabs.setup import (
    DRAFT_FIELDS,
    LENGTH_CHOICES,
    keep_draft,
    length_minutes,
    restore_draft,
    summarize,
)

SKIP = type(gr.skip())


def _summary(length: str) -> str:
    values = {name: "" for name in SETUP_FIELDS} | {"role": "Engineer", "length": length}
    values |= {"level": "mid", "track": "behavioral", "mode": "text", "patience": "patient"}
    return summarize(*(values[name] for name in SETUP_FIELDS))


def test_the_length_reads_the_same_in_the_choice_and_the_summary():
    assert length_minutes("standard") == 15  # 14.5 minutes of stages: not "about 14"
    assert dict((v, label) for label, v in LENGTH_CHOICES)["standard"] == "Standard (about 15 min)"
    for label, value in LENGTH_CHOICES:
        figure = f"about {length_minutes(value)} min"
        assert figure in label and figure in _summary(value)


def _request(query: dict[str, str]) -> SimpleNamespace:
    return SimpleNamespace(query_params=query)


def test_a_draft_comes_back_checked_value_by_value():
    values = ("Rosa", "SRE", "entry", "behavioral", "short", "voice", "JD", "normal")
    draft = keep_draft(None, *values)
    assert list(draft) == list(DRAFT_FIELDS)
    restored = dict(zip(DRAFT_FIELDS, restore_draft(draft, _request({})), strict=True))
    assert restored == draft
    forged = draft | {"level": "wizard", "role": "x" * 500, "mode": 3}
    restored = dict(zip(DRAFT_FIELDS, restore_draft(forged, _request({})), strict=True))
    assert isinstance(restored["level"], SKIP) and isinstance(restored["mode"], SKIP)
    assert restored["role"] == "x" * 160  # no more than its box takes


def test_a_practice_link_neither_keeps_nor_restores_a_draft():
    assert isinstance(keep_draft("pl_123", *("",) * len(DRAFT_FIELDS)), SKIP)
    draft = {"role": "Mine"}
    assert all(isinstance(v, SKIP) for v in restore_draft(draft, _request({"practice": "pl_1"})))
    assert all(isinstance(v, SKIP) for v in restore_draft(None, _request({})))
