"""The page's doors refuse typed text past its limit in words the candidate sees: the
Start button (a resume no field marks) and Save setup (its name)."""

from __future__ import annotations

from types import SimpleNamespace

import gradio as gr
import pytest

from mockflow.app.setup import SAVED_FIELDS, SETUP_FIELDS, SetupError
from mockflow.ui.tabs.interview import start_interview
from mockflow.ui.tabs.setup_templates import save_template


def _services(started: list) -> SimpleNamespace:
    def start(user, setup, **_):
        if problems := setup.problems():  # as InterviewService.start does, first
            raise SetupError(problems)
        started.append(setup)

    return SimpleNamespace(
        settings=SimpleNamespace(on_space=False),
        interviews=SimpleNamespace(start=start),
    )


def _values(**changes) -> list:
    values = {"name": "Ana", "role": "Dev", "level": "mid", "track": "behavioral"}
    values |= {"length": "standard", "mode": "text", "patience": "patient"}
    values |= {"resume_text": "", "job_description": "", **changes}
    return [values[name] for name in SETUP_FIELDS]


def test_start_says_which_unmarked_field_is_too_long():
    started: list = []
    shown = start_interview(_services(started), "local", None, *_values(resume_text="r" * 30_001))
    assert shown["start_error"] == (
        "⚠️ The resume text is too long: 30,000 characters at most (30,001 given)."
    )
    assert shown["name_error"] == "" and not started


def test_start_points_at_the_marked_fields_and_names_the_rest():
    shown = start_interview(
        _services([]), "local", None, *_values(name="", job_description="j" * 20_001)
    )
    assert shown["start_error"].startswith("⚠️ Please fix the fields marked above. The job")
    assert "20,000 characters at most" in shown["start_error"]
    assert shown["name_error"]


def test_a_saved_setups_name_is_cleaned_and_limited():
    saved: dict = {}
    store = SimpleNamespace(
        save_template=lambda user, name, setup: saved.update({name: setup}),
        list_templates=lambda user: [SimpleNamespace(name=n) for n in saved],
    )
    services = SimpleNamespace(store=store)
    form = {"role": "Dev\x00", "level": "mid", "track": "behavioral", "length": "standard"}
    form |= {"mode": "text", "job_description": "j\x1b[0mobs", "patience": "patient"}
    values = [form[name] for name in SAVED_FIELDS]
    save_template(services, "local", "Acme\x00\nbackend", *values)
    assert list(saved) == ["Acme backend"]
    assert saved["Acme backend"]["role"] == "Dev"
    assert saved["Acme backend"]["job_description"] == "jobs"
    with pytest.raises(gr.Error, match="The setup's name is too long: 80 characters"):
        save_template(services, "local", "n" * 81, *values)
