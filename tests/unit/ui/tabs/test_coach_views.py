"""The Coach tab's handlers: the new-link form becomes a link with what the coach typed
(one question per line, 0 for no limit), and a mistake is told before anything is kept."""

from __future__ import annotations

from types import SimpleNamespace

import gradio as gr
import pytest

from mockflow.config import Settings
from mockflow.errors import MockflowError
from mockflow.store.db import Store
from mockflow.ui.tabs.coach_form import FORM_NAMES
from mockflow.ui.tabs.coach_views import NO_SHARES, create_link


@pytest.fixture
def services(tmp_path):
    store = Store(tmp_path / "db.json", tmp_path / "sessions")
    yield SimpleNamespace(store=store, settings=Settings(data_dir=tmp_path), reports=None)
    store.close()


def _form(**changes) -> list:
    values = dict(
        title="Acme data screen",
        role="Data Engineer",
        level="mid",
        track="behavioral",
        length="short",
        job_description="Airflow and dbt.",
        questions="Tell me about a pipeline you owned.\n\nHow do you test a SQL change?\n",
        focus_notes="Probe for testing habits.",
        modes=["text", "voice"],
        days=14,
        sponsored=False,
        max_interviews=20,
        max_minutes_per_interview=0,
        max_total_minutes=None,
        max_per_candidate_per_day=2,
    )
    values.update(changes)
    return [values[name] for name in FORM_NAMES]


def test_the_form_becomes_a_link_and_the_coach_is_given_its_address(services) -> None:
    shown = create_link(services, "local", *_form())
    (link,) = services.store.coach_links("local")
    assert shown["link_url"]["value"] == f"?practice={link.id}"
    assert "Created **Acme data screen**" in shown["created"]
    assert link.questions == [
        "Tell me about a pipeline you owned.",
        "How do you test a SQL change?",
    ]
    assert link.setup["length"] == "short" and link.modes == ["text", "voice"]
    assert (link.max_interviews, link.max_minutes_per_interview) == (20, None)  # 0: no limit
    assert link.max_per_candidate_per_day == 2
    assert "Interviews: 0 of 20" in shown["usage"]
    assert shown["compare"] == f"<p>{NO_SHARES}</p>"


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"role": " "}, "Enter the target role."),
        ({"max_interviews": 2.5}, "Limits are whole numbers"),
        ({"questions": "\n".join(f"Question {i}?" for i in range(11))}, "at most 10 questions"),
        ({"title": ""}, "needs a title"),
    ],
)
def test_a_mistake_is_told_and_no_link_is_made(services, changes, words) -> None:
    with pytest.raises((gr.Error, MockflowError), match=words):
        create_link(services, "local", *_form(**changes))
    assert services.store.coach_links("local") == []
