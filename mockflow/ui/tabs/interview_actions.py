"""Handlers of the interview lifecycle: start, answer, skip, end, re-attach, room reports.

Top-level functions taking the services first (bound with functools.partial in
`ui.app`), so tests call them directly.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import gradio as gr

from mockflow.app.setup import SetupError, setup_from_dict
from mockflow.contracts.events import EVENTS_FILE
from mockflow.ui.common import request_ip, require_user
from mockflow.ui.live import LiveView
from mockflow.ui.services import AppServices
from mockflow.ui.tabs.interview import RENDERED, render, room_value

SETUP_FIELDS = (
    "name",
    "role",
    "level",
    "track",
    "length",
    "mode",
    "resume_text",
    "job_description",
    "patience",
)


def start_interview(
    services: AppServices, user_id: str | None, *values: Any, request: gr.Request | None = None
) -> Any:
    """Outputs: view, name error, role error, start error, tab, text row, room (visible,
    value), then the `render` outputs."""
    user = require_user(user_id)
    setup = setup_from_dict(dict(zip(SETUP_FIELDS, values, strict=True)))
    try:
        started = services.interviews.start(user, setup, ip=request_ip(services, request))
    except SetupError as exc:
        problems = exc.problems
        return (
            gr.skip(),
            _problem(problems, "name"),
            _problem(problems, "role"),
            "⚠️ Please fix the fields marked above." if problems else "",
            gr.skip(),
            gr.skip(),
            gr.skip(),
            *(gr.skip(),) * RENDERED,
        )
    view = LiveView(started.session_id, started.events_path, mode=started.mode)
    view.poll()
    voice = started.mode == "voice"
    room = gr.HTML(visible=voice, value=room_value("connect", started.room) if voice else "")
    return (
        view,
        "",
        "",
        "",
        gr.Tabs(selected="interview"),
        gr.Row(visible=True),
        room,
        *render(view),
    )


def _problem(problems: dict[str, str], name: str) -> str:
    return f"⚠️ {problems[name]}" if name in problems else ""


def send_answer(
    services: AppServices, user_id: str | None, view: LiveView | None, text: str
) -> Any:
    """Outputs: answer box, message, then the `render` outputs."""
    user = require_user(user_id)
    if view is None or view.ended:
        raise gr.Error("There is no interview running. Start one in the Setup tab.")
    text = (text or "").strip()
    if not text:
        return gr.skip(), "Type an answer first.", *(gr.skip(),) * RENDERED
    services.interviews.send_answer(user, view.session_id, text)
    view.pending.append(text)
    return "", "", *render(view)


def confirm_row(show: bool) -> Any:
    return gr.Row(visible=show)


def skip_stage(services: AppServices, user_id: str | None, view: LiveView | None) -> Any:
    user = require_user(user_id)
    if view is not None and not view.ended:
        services.interviews.skip_stage(user, view.session_id)
    return gr.Row(visible=False)


def end_interview(services: AppServices, user_id: str | None, view: LiveView | None) -> Any:
    """Outputs: confirm row, room value, then the `render` outputs."""
    user = require_user(user_id)
    if view is None:
        return gr.Row(visible=False), gr.skip(), *render(None)
    services.interviews.end(user, view.session_id)
    view.poll()
    view.room_left = True
    return gr.Row(visible=False), room_value("disconnect"), *render(view)


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


def reattach(services: AppServices, user_id: str | None) -> Any:
    """After a page load (a refresh, a second tab): land on the user's running interview,
    if there is one, instead of an empty Setup form.

    Outputs: view, tab, text row, room (visible, value), then the `render` outputs."""
    if not user_id:
        return None, gr.skip(), gr.skip(), gr.skip(), *render(None)
    record = services.interviews.active_session(user_id)
    if record is None:
        return None, gr.skip(), gr.skip(), gr.skip(), *render(None)
    view = LiveView(record.id, Path(record.session_dir) / EVENTS_FILE, mode=record.mode)
    view.poll()
    if view.ended is not None:  # ended, its agent still exiting: nothing to continue
        return None, gr.skip(), gr.skip(), gr.skip(), *render(None)
    voice = record.mode == "voice"
    room = services.interviews.rejoin_room(user_id, record.id) if voice else None
    room_html = gr.HTML(visible=voice, value=room_value("connect", room) if room else "")
    return view, gr.Tabs(selected="interview"), gr.Row(visible=True), room_html, *render(view)
