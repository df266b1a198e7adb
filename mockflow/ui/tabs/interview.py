"""Interview tab: the stage bar, the live transcript, text answers or the voice room,
skip and end (each confirmed), and the polling loop that follows `events.jsonl`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

import gradio as gr

from mockflow.ui.live import LiveView, chat_messages, stage_bar_html

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
        head=f'<script src="{livekit_client_url}"></script>',
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
RENDERED = 9  # how many outputs `render` fills


def render(view: LiveView | None) -> tuple:
    """(stage bar, chat, timer, skip, end, send, Setup's Start, Setup's running note,
    See your feedback) for a view: one running interview per user, so Start waits for
    this one to end, and an ended one offers its feedback."""
    if view is None:
        return (
            IDLE_BAR,
            [],
            gr.Timer(active=False),
            gr.Button(interactive=False),
            gr.Button(interactive=False),
            gr.Button(interactive=False),
            gr.Button(interactive=True),
            "",
            gr.Button(visible=False),
        )
    running = view.ended is None
    view.chat_changed()
    messages = chat_messages(view)
    if view.error:
        messages.append({"role": "assistant", "content": f"⚠️ {view.error}"})
    return (
        stage_bar_html(view),
        messages,
        gr.Timer(active=running),
        gr.Button(interactive=running),
        gr.Button(interactive=running),
        gr.Button(interactive=running),
        gr.Button(interactive=not running),
        RUNNING_NOTE if running else "",
        gr.Button(visible=not running),
    )


def tick(view: LiveView | None) -> Any:
    """One poll: read only the new events; resend the transcript only when it changed;
    stop polling once the interview has ended, and then tell the voice room to leave
    (the microphone must not stay published after the interviewer is gone).

    Outputs: the `render` outputs, then the room component's value."""
    if view is None:
        return (gr.skip(),) * (RENDERED + 1)
    changed = view.poll()
    if view.ended is None and not (changed and view.chat_changed()):
        # only the clock or the agent's state moved: refresh the bar alone
        return (stage_bar_html(view), *(gr.skip(),) * RENDERED)
    return (*render(view), _leave_room_once(view))


def _leave_room_once(view: LiveView) -> Any:
    if view.ended is None or view.mode != "voice" or view.room_left:
        return gr.skip()
    view.room_left = True
    return room_value("disconnect")
