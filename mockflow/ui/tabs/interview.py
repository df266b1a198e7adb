"""Interview tab: the stage bar, the live transcript, text answers or the voice room,
skip and end (each confirmed: `confirmations`); the handlers of the interview's life
(start, answer, skip, end, re-attach after a reload, the room's failure reports) and
their wiring, the polling loop (`live_page`) included.

Handlers are top-level functions taking the services first, so tests call them directly.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr

from mockflow.app.practice import practice_setup
from mockflow.app.setup import MAX_ANSWER_CHARS, SETUP_FIELDS, SetupError, setup_from_dict
from mockflow.contracts.events import EVENTS_FILE
from mockflow.store.practice_links import PracticeLinkNotFoundError, PracticeQuotaError
from mockflow.ui.common import request_ip, require_user
from mockflow.ui.live import LiveView
from mockflow.ui.livekit_js import room_script
from mockflow.ui.services import AppServices
from mockflow.ui.stage_bar import IDLE_BAR
from mockflow.ui.tabs.confirmations import (
    Confirmation,
    begin_ending,
    build_confirmation,
    into_view_js,
    wire_confirmation,
)
from mockflow.ui.tabs.live_page import (
    RENDERED,
    follow_reply,
    leave_room,
    render,
    room_value,
    tick,
)

if TYPE_CHECKING:
    from mockflow.ui.page import Page

ANSWER_HINT = "Type your answer. Enter sends; Shift+Enter starts a new line."


def _static(name: str) -> str:
    return resources.files("mockflow.ui").joinpath("static", name).read_text("utf-8")


@dataclass
class InterviewTab:
    stage_bar: gr.HTML
    room: gr.HTML
    chat: gr.Chatbot
    text_row: gr.Row
    answer: gr.Textbox
    send: gr.Button
    skip: gr.Button
    skip_confirm: Confirmation
    end: gr.Button
    end_confirm: Confirmation
    message: gr.Markdown
    see_feedback: gr.Button
    timer: gr.Timer
    end_confirm_row: gr.Row = field(init=False)  # by name, for the handlers

    def __post_init__(self) -> None:
        self.end_confirm_row = self.end_confirm.row


def build_interview_tab(livekit_client_url: str) -> InterviewTab:
    stage_bar = gr.HTML(IDLE_BAR, elem_id="mf-stage-bar")
    room = gr.HTML(
        value="",
        html_template=_static("room.html"),
        js_on_load=room_script(livekit_client_url),  # loads livekit-client, says if it cannot
        visible=False,
        elem_id="mf-room",
    )
    # each turn its own bubble: two questions in a row must not read as one
    chat = gr.Chatbot(
        label="Transcript",
        height=420,
        elem_id="mf-chat",
        buttons=[],
        group_consecutive_messages=False,
    )
    text_row, answer, send = _answer_box()
    with gr.Row():
        skip = gr.Button("Skip this stage", interactive=False, elem_id="mf-skip")
        end = gr.Button("End interview", variant="stop", interactive=False, elem_id="mf-end")
    skip_confirm = build_confirmation(
        "mf-skip-confirm",
        "Skip to the next part of the interview? You cannot come back to this one.",
        "Yes, skip",
    )
    end_confirm = build_confirmation(
        "mf-end-confirm", "End the interview now? Your transcript so far is kept.",
        "Yes, end it", variant="stop",
    )  # fmt: skip
    message = gr.Markdown(elem_classes="mf-field-error")
    see_feedback = gr.Button(
        "See your feedback", variant="primary", visible=False, elem_id="mf-see-feedback"
    )
    timer = gr.Timer(1.0, active=False)
    return InterviewTab(
        stage_bar, room, chat, text_row, answer, send, skip, skip_confirm, end, end_confirm,
        message, see_feedback, timer,
    )  # fmt: skip


def _answer_box() -> tuple[gr.Row, gr.Textbox, gr.Button]:
    """The typed answer and Send, side by side even on a phone."""
    with gr.Row(visible=False, equal_height=True, elem_id="mf-text-row") as text_row:
        answer = gr.Textbox(
            label="Your answer",
            placeholder=ANSWER_HINT,  # answer_keys.js makes it so
            lines=2,
            max_lines=8,
            max_length=MAX_ANSWER_CHARS,
            scale=5,
            elem_id="mf-answer",
            submit_btn=False,
        )
        send = gr.Button("Send", variant="primary", scale=1, min_width=70, elem_id="mf-send")
    return text_row, answer, send


def start_interview(
    services: AppServices,
    user_id: str | None,
    practice_id: str | None,
    *values: Any,
    request: gr.Request | None = None,
) -> dict[str, Any]:
    """Start from the Setup tab's fields (in `SETUP_FIELDS` order) and show it; through a
    coach's practice link, only the name, resume and mode come from the fields."""
    user = require_user(user_id)
    setup = setup_from_dict(dict(zip(SETUP_FIELDS, values, strict=True)))
    ip = request_ip(services, request)
    try:
        if practice_id:
            link = services.store.practice_link(practice_id)
            setup = practice_setup(
                link, name=setup.name, resume_text=setup.resume_text, mode=setup.mode
            )
            started = services.interviews.start(user, setup, ip=ip, practice=link)
        else:
            started = services.interviews.start(user, setup, ip=ip)
    except (PracticeLinkNotFoundError, PracticeQuotaError) as exc:
        return {"name_error": "", "role_error": "", "start_error": f"⚠️ {exc}"}
    except SetupError as exc:
        problems = exc.problems
        return {
            "name_error": _problem(problems, "name"),
            "role_error": _problem(problems, "role"),
            "start_error": _unmarked(problems),
        }
    view = LiveView(started.session_id, started.events_path, mode=started.mode)
    view.poll()
    voice = started.mode == "voice"
    return {
        "view": view,
        "name_error": "",
        "role_error": "",
        "start_error": "",
        **_shown(view, started.room if voice else None),
    }


def _unmarked(problems: dict[str, str]) -> str:
    """The start's refusal: a pointer to the fields marked above (name, role), and the
    words of any problem no field marks (a resume or job description too long)."""
    words = ["Please fix the fields marked above."] if {"name", "role"} & set(problems) else []
    words += [m for field, m in problems.items() if field not in ("name", "role")]
    return "⚠️ " + " ".join(words) if words else ""


def _shown(view: LiveView, room: dict[str, str] | None) -> dict[str, Any]:
    """The Interview tab opened on `view`, its voice room told to connect."""
    voice = view.mode == "voice"
    return {
        "tabs": gr.Tabs(selected="interview"),
        "text_row": gr.Row(visible=True),
        "room": gr.HTML(visible=voice, value=room_value("connect", room) if room else ""),
        **render(view),
    }


def _problem(problems: dict[str, str], name: str) -> str:
    return f"⚠️ {problems[name]}" if name in problems else ""


def send_answer(
    services: AppServices, user_id: str | None, view: LiveView | None, text: str
) -> dict[str, Any]:
    user = require_user(user_id)
    if view is None or view.ended:
        raise gr.Error("There is no interview running. Start one in the Setup tab.")
    text = (text or "").strip()
    if not text:
        return {"message": "Type an answer first."}
    services.interviews.send_answer(user, view.session_id, text)
    view.pending.append(text)
    return {"answer": "", "message": "", **render(view)}


def skip_stage(services: AppServices, user_id: str | None, view: LiveView | None) -> Any:
    user = require_user(user_id)
    if view is not None and not view.ended:
        services.interviews.skip_stage(user, view.session_id)
        view.skip_asked_in = view.stage
    return gr.Row(visible=False)


def end_interview(
    services: AppServices, user_id: str | None, view: LiveView | None
) -> dict[str, Any]:
    """Stop the interviewer (a few seconds: `begin_ending` has said so already)."""
    user = require_user(user_id)
    if view is None:
        return {"end_confirm_row": gr.Row(visible=False), **render(None)}
    try:
        services.interviews.end(user, view.session_id)
    except BaseException:
        view.ending_t = None  # still running: its buttons come back with the error
        raise
    view.poll()  # `ended` is written by now, or the timer's next poll finds it
    shown = {**render(view), **leave_room(view, ending=True)}
    return {"end_confirm_row": gr.Row(visible=False), **shown}


def room_report(
    services: AppServices, user_id: str | None, view: LiveView | None, value: str
) -> Any:
    """The room component reported a failure: stop the agent and say why."""
    try:
        report = json.loads(value or "null")
    except ValueError:
        return gr.skip()
    if not isinstance(report, dict) or report.get("report") != "failed" or view is None:
        return gr.skip()
    user = require_user(user_id)
    message = str(report.get("message") or "The voice connection failed.")[:300]
    services.interviews.end(
        user, view.session_id, "error", f"Your browser could not join the voice room: {message}"
    )
    return ""  # the room shows the browser's reason, the transcript the interviewer's


def reattach(services: AppServices, user_id: str | None) -> dict[str, Any]:
    """After a page load (a refresh, a second tab): land on the user's running interview,
    if there is one, instead of an empty Setup form."""
    record = services.interviews.active_session(user_id) if user_id else None
    if record is None:
        return {"view": None, **render(None)}
    view = LiveView(record.id, Path(record.session_dir) / EVENTS_FILE, mode=record.mode)
    view.poll()
    if view.ended is not None:  # ended, its agent still exiting: nothing to continue
        return {"view": None, **render(None)}
    room = (
        services.interviews.rejoin_room(record.user_id, record.id) if view.mode == "voice" else None
    )
    return {"view": view, **_shown(view, room)}


def wire(page: Page) -> None:
    """The interview's listeners, Start and the page-load re-attach included; handlers
    return values by component name (`Page.named`)."""
    interview, setup, named = page.interview, page.setup, page.named
    shown = page.outputs("view", "tabs", "text_row", "room", *RENDERED)
    show_answer = {"fn": None, "js": into_view_js("mf-answer")}  # on a phone, with the question
    page.load.then(None, js=_static("answer_keys.js"))
    page.load.then(named(page.bind(reattach)), [page.user], shown).then(**show_answer)
    errors = page.outputs("name_error", "role_error", "start_error")
    streamed = page.outputs("room", *RENDERED)  # the follower may read the end first
    follow = {"show_progress": "hidden", "concurrency_limit": None}  # one per visitor
    started = setup.start.click(
        named(page.guarded(start_interview)),
        [page.user, page.practice, *setup.fields],
        [*shown, *errors],
    )
    started.success(named(follow_reply), [page.view], streamed, **follow)
    started.success(**show_answer)
    interview.timer.tick(
        named(tick),
        [page.view],
        page.outputs("room", *RENDERED),
        show_progress="hidden",
        concurrency_limit=None,  # never queued behind anything
    )
    answer = named(page.guarded(send_answer))
    for trigger in (interview.send.click, interview.answer.submit):
        trigger(
            answer,
            [page.user, page.view, interview.answer],
            page.outputs("answer", "message", *RENDERED),
            show_progress="hidden",  # the answer shows at once; a spinner would only flicker
        ).success(named(follow_reply), [page.view], streamed, **follow)
    _wire_skip_and_end(page)
    interview.room.input(  # fired only by room.js, with a report: never the token
        page.guarded(room_report), [page.user, page.view, interview.room], interview.message
    )


def _wire_skip_and_end(page: Page) -> None:
    """Each asks first; a confirmed End says "ending…" before the interviewer is stopped."""
    interview, named = page.interview, page.named
    wire_confirmation(interview.skip, interview.skip_confirm)
    wire_confirmation(interview.end, interview.end_confirm)
    interview.skip_confirm.yes.click(
        page.guarded(skip_stage), [page.user, page.view], interview.skip_confirm.row
    )
    interview.end_confirm.yes.click(
        named(begin_ending),
        [page.view],
        page.outputs("end_confirm_row", "skip", "end", "send", "stage_bar"),
        show_progress="hidden",
        concurrency_limit=None,  # at once, never queued
    ).then(
        named(page.guarded(end_interview)),
        [page.user, page.view],
        page.outputs("end_confirm_row", "room", *RENDERED),
        show_progress="hidden",
    )
