"""Setup tab: who is interviewing for what, how, and with which documents."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr

from mockflow.app.setup import SAVED_FIELDS, SETUP_FIELDS, InterviewSetup, setup_from_dict
from mockflow.app.text_limits import FIELDS
from mockflow.documents import DocumentError, extract_isolated
from mockflow.errors import MockflowError
from mockflow.interview.fsm import load_track
from mockflow.interview.normalize import normalize_text
from mockflow.ui.common import request_ip
from mockflow.ui.services import AppServices
from mockflow.ui.tabs import setup_templates as templates

if TYPE_CHECKING:
    from mockflow.ui.page import Page

TRACK_CHOICES = [
    ("Intro call: a short recruiter screen", "intro_call"),
    ("Behavioral: real situations, STAR answers", "behavioral"),
    ("Technical: deep dive into a project you owned", "technical"),
]
LEVEL_CHOICES = [("Entry", "entry"), ("Mid", "mid"), ("Senior", "senior")]


def length_minutes(length: str) -> int:
    """A length's planned minutes, from its stage limits, rounded half up (14.5 is 15):
    the one figure the length's choice and the summary both show."""
    return int(sum(InterviewSetup(length=length).stage_limits().values()) / 60 + 0.5)


LENGTH_CHOICES = [
    (f"Short (about {length_minutes('short')} min)", "short"),
    (f"Standard (about {length_minutes('standard')} min)", "standard"),
]
MODE_CHOICES = [("Voice (LiveKit)", "voice"), ("Text (type your answers)", "text")]
PATIENCE_CHOICES = [
    ("Normal: replies quickly when you pause", "normal"),
    ("Patient: waits through short pauses (recommended)", "patient"),
    ("Very patient: long thinking pauses are fine", "very_patient"),
]


@dataclass
class SetupTab:
    practice_banner: gr.Markdown  # a coach's practice link: what it sets, what they see
    name: gr.Textbox
    name_error: gr.Markdown
    role: gr.Textbox
    role_error: gr.Markdown
    level: gr.Radio
    track: gr.Radio
    length: gr.Radio
    mode: gr.Radio
    patience: gr.Radio
    resume_file: gr.File
    resume_status: gr.Markdown
    resume_paste: gr.Textbox
    resume_text: gr.State
    job_description: gr.Textbox
    summary: gr.Markdown
    keys_notice: gr.Markdown
    open_settings: gr.Button
    start: gr.Button
    start_error: gr.Markdown
    running_note: gr.Markdown
    template_name: gr.Textbox
    save_template: gr.Button
    templates: gr.Dropdown
    template_status: gr.Markdown
    saved_setups: gr.Accordion
    draft: gr.BrowserState  # the form as last typed, in this browser only

    @property
    def fields(self) -> list[Any]:
        """The components of the set-up's fields, in `SETUP_FIELDS` order."""
        return [getattr(self, name) for name in SETUP_FIELDS]

    @property
    def draft_fields(self) -> list[Any]:
        """The components the draft keeps, in `DRAFT_FIELDS` order."""
        return [getattr(self, name) for name in DRAFT_FIELDS]

    @property
    def saved_fields(self) -> list[Any]:
        """The components a saved setup restores, in `SAVED_FIELDS` order."""
        return [getattr(self, name) for name in SAVED_FIELDS]


def build_setup_tab(draft_secret: str) -> SetupTab:
    """`draft_secret` encrypts the form's draft in the browser's storage."""
    parts: dict[str, Any] = {
        "draft": gr.BrowserState({}, storage_key=DRAFT_KEY, secret=draft_secret),
        "practice_banner": gr.Markdown(
            visible=False, elem_classes="mf-practice", elem_id="mf-practice-banner"
        ),
        "keys_notice": gr.Markdown(visible=False, elem_classes="mf-notice"),
        "open_settings": gr.Button("Open Settings", visible=False, size="sm"),
    }
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            parts.update(_who_and_how())
        with gr.Column(scale=2):
            parts.update(_documents())
    # enabled by the page load once it knows who this is (and that no interview runs):
    # a click before then would only be told to reload
    parts["start"] = gr.Button(
        "Start interview", variant="primary", size="lg", interactive=False, elem_id="mf-start"
    )
    parts["start_error"] = gr.Markdown(elem_classes="mf-field-error")
    parts["running_note"] = gr.Markdown(elem_id="mf-running-note")
    with gr.Accordion("Saved setups", open=False) as parts["saved_setups"]:
        with gr.Row(equal_height=True):
            parts["templates"] = gr.Dropdown(label="Load a saved setup", choices=[], scale=2)
            parts["template_name"] = gr.Textbox(
                label="Save this setup as",
                scale=2,
                placeholder="e.g. Acme backend, senior",
                max_length=FIELDS["template_name"].max_chars,
            )
            parts["save_template"] = gr.Button("Save setup", scale=1)
        parts["template_status"] = gr.Markdown()
    return SetupTab(**parts)


def _who_and_how() -> dict[str, Any]:
    return {
        "name": gr.Textbox(
            label="Your name", placeholder="e.g. Ana", max_length=FIELDS["name"].max_chars
        ),
        "name_error": gr.Markdown(elem_classes="mf-field-error"),
        "role": gr.Textbox(
            label="Target role",
            placeholder="e.g. Backend Engineer",
            max_length=FIELDS["role"].max_chars,
        ),
        "role_error": gr.Markdown(elem_classes="mf-field-error"),
        "level": gr.Radio(LEVEL_CHOICES, value="mid", label="Experience level"),
        "track": gr.Radio(TRACK_CHOICES, value="behavioral", label="Interview track"),
        "length": gr.Radio(LENGTH_CHOICES, value="standard", label="Length"),
        "mode": gr.Radio(MODE_CHOICES, value="text", label="Mode"),
        # shown in voice mode only, by the page itself (`SHOW_PATIENCE`)
        "patience": gr.Radio(
            PATIENCE_CHOICES, value="patient", label="Turn-taking (voice)", elem_id="mf-patience"
        ),
    }


def _documents() -> dict[str, Any]:
    return {
        "resume_file": gr.File(
            label="Resume (optional: PDF, DOCX or TXT, up to 5 MB)",
            file_types=[".pdf", ".docx", ".txt", ".md"],
            type="filepath",
        ),
        "resume_status": gr.Markdown(NO_RESUME),
        "resume_paste": gr.Textbox(
            label="Or paste your resume's text here",
            lines=5,
            max_length=FIELDS["resume_text"].max_chars,
            visible=False,
            elem_id="mf-resume-paste",
        ),
        "resume_text": gr.State(""),
        "job_description": gr.Textbox(
            label="Job description (optional)",
            lines=6,
            max_length=FIELDS["job_description"].max_chars,
            placeholder="Paste the posting to get questions about it.",
        ),
        "summary": gr.Markdown(elem_classes="mf-summary"),
    }


def wire(page: Page) -> None:
    """The Setup tab's own listeners (Start is wired by the Interview tab)."""
    setup, bind = page.setup, page.bind
    # one listener each, run one at a time, only the latest of those waiting: a quick run of
    # changes ends with the form as it is now (separate listeners could finish out of order
    # and leave an older draft or summary last)
    in_order: dict[str, Any] = {"trigger_mode": "always_last", "concurrency_limit": 1}
    changes = [field.change for field in setup.fields if hasattr(field, "change")]
    gr.on(changes, summarize, setup.fields, setup.summary, show_progress="hidden", **in_order)
    page.demo.load(summarize, setup.fields, setup.summary)
    drafted = setup.draft_fields
    page.demo.load(restore_draft, [setup.draft], drafted)
    gr.on(
        [field.change for field in drafted],
        keep_draft,
        [page.practice, *drafted],
        setup.draft,
        show_progress="hidden",
        **in_order,
    )
    setup.mode.change(None, setup.mode, None, js=SHOW_PATIENCE)
    notice = [setup.keys_notice, setup.open_settings]
    setup.mode.change(bind(keys_notice), [page.user, setup.mode, page.practice], notice)
    resume = [setup.resume_text, setup.resume_status, setup.resume_paste]
    setup.resume_file.upload(bind(read_resume), setup.resume_file, resume, api_name="read_resume")
    setup.resume_file.clear(lambda: ("", NO_RESUME, gr.Textbox(visible=False)), None, resume)
    setup.resume_paste.change(
        pasted_resume, setup.resume_paste, [setup.resume_text, setup.resume_status]
    )
    page.load.then(bind(templates.template_choices), [page.user], setup.templates)
    setup.save_template.click(
        page.guarded(templates.save_template),
        [page.user, setup.template_name, *setup.saved_fields],
        [setup.templates, setup.template_status],
    )
    setup.templates.input(
        page.guarded(templates.load_template),
        [page.user, setup.templates],
        [*setup.saved_fields, setup.template_status],
    )
    setup.open_settings.click(lambda: gr.Tabs(selected="settings"), None, page.tabs)


# The turn-taking choice is for voice only. The page shows and hides it itself: a server
# update of its visibility re-renders the form, which Gradio reports as a change of the
# mode when the mode differs from its first value (a practice link's voice), and under
# load that looped, several events a second for as long as the page was open.
SHOW_PATIENCE = """(mode) => {
  document.body.classList.toggle("mf-voice-mode", mode === "voice");
  return [];
}"""


# the form survives a reload in the visitor's own browser (never on the server): all but
# the resume, which is personal and long, and is re-uploaded on purpose
DRAFT_FIELDS = ("name", *SAVED_FIELDS)
DRAFT_KEY = "mockflow_setup_draft"
CHOICES = {
    "level": LEVEL_CHOICES,
    "track": TRACK_CHOICES,
    "length": LENGTH_CHOICES,
    "mode": MODE_CHOICES,
    "patience": PATIENCE_CHOICES,
}
MAX_CHARS = {name: FIELDS[name].max_chars for name in ("name", "role")}  # as their boxes allow


def keep_draft(practice_id: str | None, *values: Any) -> Any:
    """The form's values for the browser's storage; none from a coach's practice link (its
    locked set-up is the coach's, not the visitor's own draft)."""
    if practice_id:
        return gr.skip()
    return dict(zip(DRAFT_FIELDS, values, strict=True))


def restore_draft(draft: Any, request: gr.Request = None) -> Any:  # type: ignore[assignment]
    """Page load: the form as this browser last had it, each value checked (the storage
    is the visitor's to edit); nothing on a practice link's page, which sets its own."""
    from mockflow.ui.tabs.practice import practice_id_of  # practice imports this module

    if practice_id_of(request) or not isinstance(draft, dict):
        return (gr.skip(),) * len(DRAFT_FIELDS)
    return tuple(_drafted(name, draft.get(name)) for name in DRAFT_FIELDS)


def _drafted(name: str, value: Any) -> Any:
    if not isinstance(value, str):
        return gr.skip()
    if name in CHOICES:
        return value if value in {v for _, v in CHOICES[name]} else gr.skip()
    return value[: MAX_CHARS[name]] if name in MAX_CHARS else value


NO_RESUME = "No resume: the interviewer will ask about your background."
NOT_FROM_HERE = (
    "⚠️ **That file did not come from this page.** Choose your resume again to upload it."
)


def read_resume(
    services: AppServices,
    path: str | None,
    request: gr.Request = None,  # type: ignore[assignment]  # Gradio fills it in
) -> tuple[str, str, Any]:
    """(resume text, status line, paste box) for a file this page just uploaded; the file
    itself is deleted once read. A path this page did not upload is refused and left
    alone. A file that cannot be read opens a box to paste the resume's text instead."""
    hidden = gr.Textbox(visible=False, value="")
    if not path:
        return "", NO_RESUME, hidden
    session = getattr(request, "session_hash", None)
    if not services.uploads.claim(path, session, request_ip(services, request)):
        return "", NOT_FROM_HERE, hidden
    filename = Path(path).name
    try:
        # a child process with memory and time caps: PDFium calls cannot be interrupted
        text = extract_isolated(Path(path), filename).text
    except DocumentError as exc:
        status = f"⚠️ **Could not read {filename}:** {exc} You can paste its text below instead."
        return "", status, gr.Textbox(visible=True)
    finally:
        services.uploads.discard(path)
    words = len(text.split())
    status = f"✓ Read {words:,} words from **{filename}**. The interviewer will use them."
    return text, status, hidden


def pasted_resume(text: str | None) -> Any:
    """The resume's text pasted by hand (when its file could not be read). An empty box
    changes nothing: it is also emptied by the upload handler, after a file was read."""
    text = normalize_text(text or "")
    if not text.strip():
        return gr.skip(), gr.skip()
    return text, f"✓ Using the {len(text.split()):,} words you pasted."


def summarize(*values: Any) -> str:
    """What the set-up will do, from the fields' values in `SETUP_FIELDS` order."""
    setup = setup_from_dict(dict(zip(SETUP_FIELDS, values, strict=True)))
    role, level, track, mode = setup.role, setup.level, setup.track, setup.mode
    resume_text, job_description = setup.resume_text, setup.job_description
    lines = [
        f"**What will be used:** {load_track(track).title} for **{(role or '').strip() or '…'}** "
        f"({level} level), about {length_minutes(setup.length)} min, "
        f"{'voice' if mode == 'voice' else 'text'} mode.",
        f"- Resume: {_words(resume_text)}",
        f"- Job description: {_words(job_description)}",
        "- Stages: greeting → self-introduction → past experience → company fit → closing",
    ]
    return "\n".join(lines)


def _words(text: str | None) -> str:
    count = len((text or "").split())
    return f"yes, {count:,} words" if count else "none"


def keys_notice(
    services: AppServices, user_id: str | None, mode: str, practice_id: str | None = None
) -> Any:
    """Plain words about which keys are missing for the chosen mode, if any (none through
    a coach's sponsored practice link: the coach's keys are never the candidate's concern)."""
    if not user_id or sponsored(services, practice_id):
        return gr.update(visible=False), gr.update(visible=False)
    try:
        keys = services.vault.resolve_keys(user_id).keys
    except Exception:  # undecryptable keys: the Settings tab explains and offers a reset
        keys = None
    missing = (
        services.interviews.missing_for(keys, mode)
        if keys is not None
        else ["your keys (they need re-entering)"]
    )
    if not missing:
        return gr.update(visible=False), gr.update(visible=False)
    other = (
        "Voice mode also needs LiveKit and a speech-to-text key."
        if mode != "voice"
        else "Text mode needs only the OpenAI key (or server)."
    )
    text = (
        f"**Before you start, add your keys in Settings.** {mode.capitalize()} mode still "
        f"needs {'; '.join(missing)}. {other} Meanwhile you can open the sample report in "
        "the Feedback tab."
    )
    return gr.update(value=text, visible=True), gr.update(visible=True)


def sponsored(services: AppServices, practice_id: str | None) -> bool:
    if not practice_id:
        return False
    try:
        return services.store.practice_link(practice_id).sponsored
    except MockflowError:
        return False
