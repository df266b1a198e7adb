"""The Coach tab's new-link form: its fields, listed once in the order the handler reads
them, and their layout."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import gradio as gr

from mockflow.app.practice import QUOTA_NAMES
from mockflow.app.text_limits import FIELDS
from mockflow.store.practice_links import MAX_QUESTIONS
from mockflow.ui.tabs import setup as setup_tab

QUOTA_LABELS = dict(
    zip(
        QUOTA_NAMES,
        (
            "Interviews through this link",
            "Minutes per interview",
            "Total minutes",
            "Interviews per candidate per day",
        ),
        strict=True,
    )
)


@dataclass
class LinkForm:
    title: gr.Textbox
    role: gr.Textbox
    level: gr.Radio
    track: gr.Radio
    length: gr.Radio
    job_description: gr.Textbox
    questions: gr.Textbox
    focus_notes: gr.Textbox
    modes: gr.CheckboxGroup
    days: gr.Number
    sponsored: gr.Checkbox
    max_interviews: gr.Number
    max_minutes_per_interview: gr.Number
    max_total_minutes: gr.Number
    max_per_candidate_per_day: gr.Number


FORM_NAMES = tuple(f.name for f in fields(LinkForm))  # the create handler's inputs


def form_inputs(form: LinkForm) -> list[Any]:
    return [getattr(form, name) for name in FORM_NAMES]


def build_link_form() -> LinkForm:
    form: dict[str, Any] = {
        "title": gr.Textbox(
            label="Title your client sees", max_length=FIELDS["link_title"].max_chars
        ),
        "role": gr.Textbox(
            label="Target role", max_length=FIELDS["role"].max_chars, elem_id="mf-coach-role"
        ),
        "level": gr.Radio(setup_tab.LEVEL_CHOICES, value="mid", label="Experience level"),
        "track": gr.Radio(setup_tab.TRACK_CHOICES, value="behavioral", label="Interview track"),
        "length": gr.Radio(setup_tab.LENGTH_CHOICES, value="standard", label="Length"),
        "job_description": gr.Textbox(
            label="Job description (optional)",
            lines=4,
            max_length=FIELDS["job_description"].max_chars,
        ),
        "questions": gr.Textbox(
            label=f"Questions the interviewer must ask (one per line, up to {MAX_QUESTIONS})",
            lines=4,
            max_length=MAX_QUESTIONS * (FIELDS["question"].max_chars + 1),
            placeholder="Asked one at a time, in the experience and company-fit stages.",
        ),
        "focus_notes": gr.Textbox(
            label="Focus notes for the interviewer (optional)",
            lines=2,
            max_length=FIELDS["focus_notes"].max_chars,
        ),
        "modes": gr.CheckboxGroup(
            [("Text", "text"), ("Voice", "voice")], value=["text"], label="Modes offered"
        ),
        "days": gr.Number(value=14, minimum=1, maximum=366, precision=0, label="Expires in (days)"),
        "sponsored": gr.Checkbox(
            label="Pay with my keys (Settings): clients need no keys of their own",
        ),
    }
    with gr.Row():
        for name, label in QUOTA_LABELS.items():
            form[name] = gr.Number(label=f"{label} (0: no limit)", value=0, precision=0)
    return LinkForm(**form)
