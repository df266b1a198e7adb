"""The stage bar: every stage named with its state (done, current, skipped, ended early,
not reached) in words and marks, not colour alone, and one status line (where the
interview is, the time left, the elapsed clock, what the interviewer is doing).

While an interview runs the bar carries `mf-live`, which the phone layout uses to show
only the current stage's name (the others keep theirs for screen readers).
"""

from __future__ import annotations

import html
import time
from typing import TYPE_CHECKING

from mockflow.interview.fsm import STAGE_TITLES, STAGES
from mockflow.ui.live import waiting_for_interviewer

if TYPE_CHECKING:
    from mockflow.ui.live import LiveView

IDLE_BAR = (
    '<div class="mf-progress"><p class="mf-status" role="status">'
    "No interview running. Set one up in the Setup tab.</p></div>"
)
END_MESSAGES = {
    "completed": "The interview is complete. Your feedback is in the Feedback tab.",
    "user_ended": "You ended the interview. Your transcript is in the Feedback tab.",
    "timeout": "The interview reached its time limit and was stopped.",
    "app_gone": "The app restarted while the interview was running; your transcript is kept.",
    "interrupted": "The interview was interrupted; your transcript is kept.",
    "error": "The interview stopped because of an error.",
}
ENDING = "Ending the interview…"
# state: (mark, what is said after the stage's name)
MARKS = {
    "done": ("✓", ""),
    "current": ("▶", ""),
    "skipped": ("↷", "skipped"),
    "cut": ("◐", "ended early"),
    "todo": ("○", ""),
}


def stage_states(view: LiveView) -> list[tuple[str, str]]:
    """(stage, state) for every stage: a stage left by Skip is skipped, the one an early
    end stopped is cut short; only a completed interview finishes its last stage."""
    current = STAGES.index(view.stage) if view.stage in STAGES else -1
    states = []
    for index, stage in enumerate(STAGES):
        if stage in view.skipped:
            state = "skipped"
        elif index < current:
            state = "done"
        elif index > current:
            state = "todo"
        elif view.ended is None:
            state = "current"
        else:
            state = "done" if view.ended == "completed" else "cut"
        states.append((stage, state))
    return states


def stage_bar_html(view: LiveView, now: float | None = None) -> str:
    now = time.time() if now is None else now
    items = []
    for stage, state in stage_states(view):
        mark, note = MARKS[state]
        said = f' <span class="mf-stage-note">({note})</span>' if note else ""
        aria = "step" if state == "current" else "false"
        items.append(
            f'<li class="mf-stage mf-{state}" aria-current="{aria}">'
            f'<span aria-hidden="true">{mark}</span> '
            f'<span class="mf-stage-name">{html.escape(STAGE_TITLES[stage])}</span>{said}</li>'
        )
    live = " mf-live" if view.ended is None else ""
    return (
        f'<div class="mf-progress{live}">'
        f'<ol class="mf-stages" aria-label="Interview stages">{"".join(items)}</ol>'
        f'<p class="mf-status" role="status">{_status(view, now)}</p>'
        "</div>"
    )


def _status(view: LiveView, now: float) -> str:
    """Where the interview is, then the elapsed clock (stopped once End is confirmed),
    then what the interviewer is doing."""
    stopped = view.ending_t or (view.ended_t if view.ended else None)
    elapsed = _clock((stopped or now) - view.started_t) if view.started_t else "0:00"
    if view.ended:
        where = END_MESSAGES.get(view.ended, "The interview has ended.")
        return f"{html.escape(where)} · elapsed {elapsed}"
    if view.ending_t is not None:
        return f"{ENDING} · elapsed {elapsed}"
    if view.stage and view.stage_t is not None:
        limits = {s["stage"]: float(s.get("time_limit", 0)) for s in view.stages}
        left = limits.get(view.stage, 0) - (now - view.stage_t)
        timing = f"about {_left(left)} left" if left > 0 else "wrapping up after this answer"
        where = f"Now: {html.escape(STAGE_TITLES[view.stage])} · {timing}"
    else:
        where = "Starting the interviewer…"
    return f"{where} · elapsed {elapsed}{_doing(view)}"


def _doing(view: LiveView) -> str:
    if view.draft.strip():  # words are arriving (text mode's drafts)
        return " · the interviewer is replying…"
    if view.agent_state:
        return f" · interviewer {html.escape(view.agent_state)}"
    if waiting_for_interviewer(view) and view.started_t is not None:
        return " · the interviewer is thinking…"
    return ""


def _clock(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def _left(seconds: float) -> str:
    """Time left: under a minute in seconds ("40 s"), else as a clock ("2:05")."""
    return f"{max(0, int(seconds))} s" if seconds < 60 else _clock(seconds)
