"""Named HTTP endpoints (`api_name`) so a script can run a practice session with
gradio_client, plus the `/api/health` route.

Identity: in local mode every call acts for the single local user. In public-link mode a
call passes `user_token`, the credential its first `start_interview` returned (an
anonymous id signed by this server); nothing else names a user, so `local`, `hf_*` or a
bare id are refused on every endpoint.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import gradio as gr
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from mockflow import __version__
from mockflow.app.disk import disk_state
from mockflow.app.practice import practice_setup
from mockflow.app.setup import SetupError, setup_from_dict
from mockflow.contracts.events import EVENTS_FILE, EventTail, Timeline
from mockflow.errors import MockflowError
from mockflow.feedback.report.markdown import render_markdown
from mockflow.ui.api_users import api_user
from mockflow.ui.coach_api import COACH_ENDPOINTS
from mockflow.ui.common import PROVIDER_CALLS, request_ip, user_errors, with_services
from mockflow.ui.services import AppServices

ENDPOINTS = (
    "start_interview",
    "send_answer",
    "poll",
    "end_interview",
    "get_report",
    "generate_report",
    *(fn.__name__ for fn in COACH_ENDPOINTS),
)


def register_api(services: AppServices) -> None:
    """Create the named endpoints inside the current Blocks context."""
    for fn in (start_interview, send_answer, poll, end_interview, get_report, *COACH_ENDPOINTS):
        endpoint = user_errors(with_services(fn, services))
        gr.api(endpoint, api_name=fn.__name__, concurrency_limit=None)
    endpoint = user_errors(with_services(generate_report, services))
    gr.api(endpoint, api_name="generate_report", **PROVIDER_CALLS)


def start_interview(
    services: AppServices,
    name: str,
    role: str,
    level: str = "mid",
    track: str = "behavioral",
    length: str = "standard",
    job_description: str = "",
    resume_text: str = "",
    user_token: str = "",
    practice_link_id: str = "",
    request: gr.Request = None,  # type: ignore[assignment]
) -> dict[str, Any]:
    """Start a text interview; returns session_id and user_token. With a coach's
    practice_link_id the link sets the interview (role, level, track, length, job
    description: those given here are ignored) and a sponsored link pays for it."""
    ip = request_ip(services, request)
    link = services.store.practice_link(practice_link_id.strip()) if practice_link_id else None
    if link is not None:
        setup = practice_setup(link, name=name, resume_text=resume_text, mode="text")
    else:
        fields = dict(role=role, level=level, track=track, length=length, mode="text",
                      resume_text=resume_text, job_description=job_description)  # fmt: skip
        setup = setup_from_dict({"name": name, **fields})
    if problems := setup.problems():  # before a new visitor or a start is counted
        raise SetupError(problems)
    if services.settings.public and not user_token:
        services.interviews.fair.admit_new_user(ip)  # type: ignore[union-attr]
    user = api_user(services, user_token, mint=True)
    started = services.interviews.start(user, setup, ip=ip, practice=link)
    return {
        "session_id": started.session_id,
        "user_token": services.credentials.issue(user) if services.settings.public else "",
    }


def send_answer(services: AppServices, session_id: str, text: str, user_token: str = "") -> str:
    """Send one typed answer to the interviewer: "sent", or "ended" when the interview
    has already ended (an answer to the goodbye: nothing is sent, nothing is wrong)."""
    user = api_user(services, user_token)
    if services.interviews.is_over(user, session_id):
        return "ended"
    services.interviews.send_answer(user, session_id, text)
    return "sent"


def poll(
    services: AppServices, session_id: str, offset: int = 0, user_token: str = ""
) -> dict[str, Any]:
    """Events appended since `offset` (bytes); pass back the returned offset next time."""
    record = services.interviews.session(api_user(services, user_token), session_id)
    tail = EventTail(Path(record.session_dir) / EVENTS_FILE, int(offset))
    events = tail.read_new()
    ended = Timeline.of(events).ended is not None
    return {"events": events, "offset": tail.offset, "ended": ended}


def end_interview(services: AppServices, session_id: str, user_token: str = "") -> str:
    """End the interview; the transcript is kept."""
    services.interviews.end(api_user(services, user_token), session_id)
    return "ended"


def get_report(services: AppServices, session_id: str, user_token: str = "") -> dict[str, Any]:
    """The session's facts, transcript and (when generated) report, as Markdown."""
    return _finished_report(services, session_id, user_token, services.reports.report)


def generate_report(services: AppServices, session_id: str, user_token: str = "") -> dict[str, Any]:
    """Generate scores and coaching with your model (stored; takes a while), then
    return the report as `get_report` does."""
    return _finished_report(services, session_id, user_token, services.reports.generate)


def _finished_report(
    services: AppServices,
    session_id: str,
    user_token: str,
    build: Callable[[str, str], dict[str, Any]],
) -> dict[str, Any]:
    user = api_user(services, user_token)
    record = services.interviews.session(user, session_id)
    if not services.interviews.is_over(user, session_id):
        raise gr.Error("The interview is still running; end it first.")
    report = build(user, session_id)
    return {"status": record.status, "report": report, "markdown": render_markdown(report)}


def _resources(supervisor: Any, session_id: str) -> dict[str, Any]:
    try:
        rss, cpu = supervisor.resources(session_id)
        status = supervisor.status(session_id)
    except MockflowError:  # it ended between the listing and now
        return {"state": "ended"}
    return {
        "state": status.state,
        "rss_mb": round(rss / 1e6, 1),
        "cpu_percent": round(cpu, 1),
        "seconds_running": round(status.seconds_running),
    }


def _voice_server(services: AppServices) -> dict[str, Any] | None:
    status = services.voice_status()
    return None if status is None else {"state": status.state, "url": status.url}


def _local_models(services: AppServices) -> dict[str, str] | None:
    models = services.local_models
    if models is None:
        return None
    return {role: status.state for role, status in models.status().items()}


def health_route(services: AppServices) -> APIRoute:
    def health() -> JSONResponse:
        supervisor = services.supervisor
        disk = disk_state(services.settings)
        local = [_resources(supervisor, s) for s in supervisor.active_sessions()]
        workers = services.voice_workers
        remote = workers.active_sessions() if workers is not None else []
        return JSONResponse(
            {
                # under the free-disk floor no interview starts: `disk` has the figures
                "status": "low_disk" if disk.low else "ok",
                "version": __version__,
                "active_sessions": len(local) + len(remote),
                "sessions": local,  # this machine's agent processes: no ids, no content
                "dispatched_sessions": len(remote),
                "voice_agents": services.settings.voice_agents,
                "pool_size": len(supervisor.pool_pids()),
                "fork_server": supervisor.fork_server_pid() is not None,
                "max_sessions": services.settings.max_sessions,
                "public": services.settings.public,
                "disk": disk.health(),
                # the latest recovery of a damaged database: when, from what, how many
                # sessions were re-indexed from their folders (no user data)
                "recovery": services.store.last_recovery(),
                # the app's own local LiveKit server (local mode without a LiveKit URL)
                "voice_server": _voice_server(services),
                # the app's own models per role (state only), where it offers them
                "local_models": _local_models(services),
            }
        )

    return APIRoute("/api/health", health, methods=["GET"])
