"""A candidate's page opened through a coach's practice link (`?practice=<id>`): the set-up
the coach fixed, filled in and locked (the candidate gives a name and may add a resume),
and a plain statement of what the coach will and will not see."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import gradio as gr

from mockflow.errors import MockflowError
from mockflow.interview.fsm import load_track
from mockflow.store.practice_links import PracticeLink, is_link_id
from mockflow.ui.markdown_safety import without_images
from mockflow.ui.services import AppServices
from mockflow.ui.tabs import setup as setup_tab

if TYPE_CHECKING:
    from mockflow.ui.page import Page

QUERY = "practice"
WHAT_THE_COACH_SEES = (
    "**What your coach will see.** Nothing of yours unless you choose to share: after the "
    "interview, your report has a **Share with my coach** button. If you share, your coach "
    "sees the name you give here, your scores, the measured delivery figures and the "
    "transcript of this interview, and you can withdraw it at any time. Your coach always "
    "sees how many interviews ran through this link and how long they took, never by whom."
)
LOCKED = ("role", "level", "track", "length", "job_description")


def practice_id_of(request: gr.Request | None) -> str | None:
    """The practice-link id in the page's address, if it has one."""
    params = getattr(request, "query_params", None) or {}
    value = params.get(QUERY)
    return value.strip() if isinstance(value, str) and value.strip() else None


def practice_on_load(services: AppServices, request: gr.Request) -> dict[str, Any]:
    """Page load: the link's set-up, locked, or a plain "does not exist" (the page then
    works as the visitor's own practice space)."""
    link_id = practice_id_of(request)
    if link_id is None:
        return {"practice": None}
    try:
        link = services.store.practice_link(link_id if is_link_id(link_id) else "")
    except MockflowError as exc:  # unknown, tampered and expired read the same
        shown = f"⚠️ **{exc}** Ask your coach for a new one."
        return {"practice": None, "practice_banner": gr.update(value=shown, visible=True)}
    return {"practice": link.id, **_locked(link)}


def _locked(link: PracticeLink) -> dict[str, Any]:
    fixed = link.setup
    modes = [(label, value) for label, value in setup_tab.MODE_CHOICES if value in link.modes]
    updates: dict[str, Any] = {
        name: gr.update(value=fixed.get(name, ""), interactive=False) for name in LOCKED
    }
    return {
        **updates,
        "mode": gr.update(choices=modes, value=modes[0][1]),
        "saved_setups": gr.update(visible=False),
        "practice_banner": gr.update(value=without_images(banner(link)), visible=True),
    }


def banner(link: PracticeLink) -> str:
    track = load_track(str(link.setup.get("track", "behavioral"))).title
    role = html.escape(str(link.setup.get("role", "")))
    count = len(link.questions)
    asked = {0: "", 1: " Your coach added a question the interviewer will ask."}.get(
        count, f" Your coach added {count} questions the interviewer will ask."
    )
    if link.max_minutes_per_interview:
        asked += f" Each interview lasts at most {link.max_minutes_per_interview} minutes."
    paid = (
        " Your coach's account pays for these interviews: you need no keys."
        if link.sponsored
        else " You use your own keys (Settings tab)."
    )
    return (
        f"### Practice link: {html.escape(link.title)}\n"
        f"Your coach set this interview: **{track}** for **{role}**. Enter your name, and "
        f"add your resume if you like.{asked}{paid}\n\n{WHAT_THE_COACH_SEES}"
    )


def wire(page: Page) -> None:
    """On page load, after the user is known: the link's set-up, then the keys notice
    (none for a sponsored link)."""
    setup = page.setup
    outputs = page.outputs("practice", "practice_banner", *LOCKED, "mode", "saved_setups")
    page.load.then(page.named(page.bind(practice_on_load)), None, outputs).then(
        page.bind(setup_tab.keys_notice),
        [page.user, setup.mode, page.practice],
        [setup.keys_notice, setup.open_settings],
    )
