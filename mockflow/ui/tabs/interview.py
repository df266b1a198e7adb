"""Interview tab: the stage bar, the live transcript, text answers or the voice room,
skip and end (each confirmed), and the polling loop that follows `events.jsonl`; the
handlers of the interview's life (start, answer, skip, end, re-attach after a reload, the
room's failure reports) and their wiring.

Handlers are top-level functions taking the services first, so tests call them directly.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr

from mockflow.app.practice import practice_setup
from mockflow.app.setup import SETUP_FIELDS, SetupError, setup_from_dict
from mockflow.contracts.events import EVENTS_FILE
from mockflow.store.practice_links import PracticeLinkNotFoundError, PracticeQuotaError
from mockflow.ui.common import request_ip, require_user
from mockflow.ui.live import LiveView, chat_messages, stage_bar_html, waiting_for_interviewer
from mockflow.ui.livekit_js import room_props
from mockflow.ui.services import AppServices

if TYPE_CHECKING:
    from mockflow.ui.page import Page

IDLE_BAR = (
    '<div class="mf-progress"><p class="mf-status" role="status">'
    "No interview running. Set one up in the Setup tab.</p></div>"
)


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
    skip_confirm_row: gr.Row
    skip_yes: gr.Button
    skip_no: gr.Button
    end: gr.Button
    end_confirm_row: gr.Row
    end_yes: gr.Button
    end_no: gr.Button
    message: gr.Markdown
    see_feedback: gr.Button
    timer: gr.Timer


def build_interview_tab(livekit_client_url: str) -> InterviewTab:
    stage_bar = gr.HTML(IDLE_BAR, elem_id="mf-stage-bar")
    room = gr.HTML(
        value="",
        html_template=_static("room.html"),
        js_on_load=_static("room.js"),
        **room_props(livekit_client_url),  # room.js loads the script and says if it cannot
        visible=False,
        elem_id="mf-room",
    )
    chat = gr.Chatbot(label="Transcript", height=420, elem_id="mf-chat", buttons=[])
    with gr.Row(visible=False, equal_height=True) as text_row:
        answer = gr.Textbox(
            label="Your answer",
            placeholder="Type your answer, then press Send (Shift+Enter also sends)",
            lines=2,
            max_lines=8,
            scale=5,
            elem_id="mf-answer",
            submit_btn=False,
        )
        send = gr.Button("Send", variant="primary", scale=1, elem_id="mf-send")
    with gr.Row():
        skip = gr.Button("Skip this stage", interactive=False, elem_id="mf-skip")
        end = gr.Button("End interview", variant="stop", interactive=False, elem_id="mf-end")
    with gr.Row(visible=False) as skip_confirm_row:
        gr.Markdown("Skip to the next part of the interview? You cannot come back to this one.")
        skip_yes = gr.Button("Yes, skip", variant="primary", elem_id="mf-skip-yes")
        skip_no = gr.Button("Keep going", elem_id="mf-skip-no")
    with gr.Row(visible=False) as end_confirm_row:
        gr.Markdown("End the interview now? Your transcript so far is kept.")
        end_yes = gr.Button("Yes, end it", variant="stop", elem_id="mf-end-yes")
        end_no = gr.Button("Keep going", elem_id="mf-end-no")
    message = gr.Markdown(elem_classes="mf-field-error")
    see_feedback = gr.Button(
        "See your feedback", variant="primary", visible=False, elem_id="mf-see-feedback"
    )
    timer = gr.Timer(1.0, active=False)
    return InterviewTab(
        stage_bar,
        room,
        chat,
        text_row,
        answer,
        send,
        skip,
        skip_confirm_row,
        skip_yes,
        skip_no,
        end,
        end_confirm_row,
        end_yes,
        end_no,
        message,
        see_feedback,
        timer,
    )


def room_value(action: str, room: dict[str, str] | None = None) -> str:
    """What the room component receives: only this browser's own connection details."""
    return json.dumps({"action": action, **(room or {})})


RUNNING_NOTE = (
    "An interview of yours is running: continue it in the Interview tab, or end it there "
    "to start a new one."
)
RENDERED = (
    "stage_bar", "chat", "timer", "skip", "end", "send", "start", "running_note", "see_feedback"
)  # fmt: skip


def render(view: LiveView | None) -> dict[str, Any]:
    """The page for a view, by component name: one running interview per user, so Setup's
    Start waits for this one to end, and an ended one offers its feedback."""
    if view is None:
        return {
            "stage_bar": IDLE_BAR,
            "chat": [],
            "timer": gr.Timer(active=False),
            "skip": gr.Button(interactive=False),
            "end": gr.Button(interactive=False),
            "send": gr.Button(interactive=False),
            "start": gr.Button(interactive=True),
            "running_note": "",
            "see_feedback": gr.Button(visible=False),
        }
    running = view.ended is None
    view.chat_changed()
    return {
        "stage_bar": stage_bar_html(view),
        "chat": _chat(view),
        "timer": gr.Timer(active=running),
        "skip": gr.Button(interactive=running),
        "end": gr.Button(interactive=running),
        "send": gr.Button(interactive=running),
        "start": gr.Button(interactive=not running),
        "running_note": RUNNING_NOTE if running else "",
        "see_feedback": gr.Button(visible=not running),
    }


def tick(view: LiveView | None) -> dict[str, Any]:
    """One poll: read only the new events; resend the transcript only when it changed;
    stop polling once the interview has ended, and then tell the voice room to leave
    (the microphone must not stay published after the interviewer is gone)."""
    if view is None:
        return {}
    changed = view.poll()
    if view.ended is None and not (changed and view.chat_changed()):
        return {"stage_bar": stage_bar_html(view)}  # only the clock or the agent's state moved
    shown = render(view)
    if view.ended is not None and view.mode == "voice" and not view.room_left:
        view.room_left = True
        shown["room"] = room_value("disconnect")
    return shown


FOLLOW_INTERVAL = 0.05  # seconds between reads of the timeline while a reply streams
FOLLOW_LIMIT = 120.0  # then the 1 s timer carries on alone


async def follow_reply(
    view: LiveView | None, interval: float = FOLLOW_INTERVAL, limit: float = FOLLOW_LIMIT
) -> AsyncIterator[dict[str, Any]]:
    """After an answer (or Start): show the interviewer's reply as it is generated, read
    every `interval` seconds, until its turn is committed or the interview ends. The
    timer's 1 s poll stays the fallback; this only makes the wait visible sooner."""
    if view is None:
        yield render(None)
        return
    deadline = time.monotonic() + limit
    while view.ended is None and waiting_for_interviewer(view) and time.monotonic() < deadline:
        await asyncio.sleep(interval)
        if view.poll() and view.chat_changed():
            yield {"stage_bar": stage_bar_html(view), "chat": _chat(view)}
    # always a last full page: a stream that yields nothing leaves its outputs empty
    yield render(view)


def _chat(view: LiveView) -> list[dict[str, str]]:
    messages = chat_messages(view)
    if view.error:
        messages.append({"role": "assistant", "content": f"⚠️ {view.error}"})
    return messages


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
            "start_error": "⚠️ Please fix the fields marked above." if problems else "",
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


def confirm_row(show: bool) -> Any:
    return gr.Row(visible=show)


def skip_stage(services: AppServices, user_id: str | None, view: LiveView | None) -> Any:
    user = require_user(user_id)
    if view is not None and not view.ended:
        services.interviews.skip_stage(user, view.session_id)
    return gr.Row(visible=False)


def end_interview(
    services: AppServices, user_id: str | None, view: LiveView | None
) -> dict[str, Any]:
    user = require_user(user_id)
    if view is None:
        return {"end_confirm_row": gr.Row(visible=False), **render(None)}
    services.interviews.end(user, view.session_id)
    view.poll()
    view.room_left = True
    return {
        "end_confirm_row": gr.Row(visible=False),
        "room": room_value("disconnect"),
        **render(view),
    }


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
    page.load.then(named(page.bind(reattach)), [page.user], shown)
    errors = page.outputs("name_error", "role_error", "start_error")
    streamed = page.outputs(*RENDERED)
    follow = {"show_progress": "hidden", "concurrency_limit": None}  # one per visitor
    setup.start.click(
        named(page.guarded(start_interview)),
        [page.user, page.practice, *setup.fields],
        [*shown, *errors],
    ).success(named(follow_reply), [page.view], streamed, **follow)
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
    for ask, no, row in (
        (interview.skip, interview.skip_no, interview.skip_confirm_row),
        (interview.end, interview.end_no, interview.end_confirm_row),
    ):
        ask.click(lambda: confirm_row(True), None, row)
        no.click(lambda: confirm_row(False), None, row)
    interview.skip_yes.click(
        page.guarded(skip_stage), [page.user, page.view], interview.skip_confirm_row
    )
    interview.end_yes.click(
        named(page.guarded(end_interview)),
        [page.user, page.view],
        page.outputs("end_confirm_row", "room", *RENDERED),
    )
    interview.room.input(  # fired only by room.js, with a report: never the token
        page.guarded(room_report), [page.user, page.view, interview.room], interview.message
    )
