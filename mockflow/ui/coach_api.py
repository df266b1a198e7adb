"""The named API for coaches and their practice links (issue 16): a coach's script
creates links and reads their usage and the reports candidates shared; a candidate
shares (or withdraws) a report. In local mode the local user is the coach; behind a
public link, the user who redeemed the one-time invite the app printed on its console.
Every rule is the store's (`mockflow.store.practice_links`); these only translate."""

from __future__ import annotations

import time
from typing import Any

import gradio as gr

from mockflow.app.coaching import require_coach, share_interview, shared_entries
from mockflow.app.practice import LinkDraft, create_link
from mockflow.ui.api_users import api_user
from mockflow.ui.services import AppServices


def become_coach(services: AppServices, invite: str, user_token: str = "") -> dict[str, Any]:
    """Redeem the one-time coach invite the app printed at start (public mode); returns
    the user_token to use for the coach's calls."""
    if not services.settings.public:
        return {"coach": True, "user_token": ""}
    user = api_user(services, user_token, mint=True)
    if not services.store.redeem_coach_invite(user, invite.strip()):
        raise gr.Error(
            "This coach invite is not valid. It works once; restart the app for a new one."
        )
    return {"coach": True, "user_token": services.credentials.issue(user)}


def _coach(services: AppServices, user_token: str) -> str:
    user = api_user(services, user_token)
    return require_coach(services.settings, services.store, user)  # user_errors words it


def create_practice_link(
    services: AppServices,
    title: str,
    role: str,
    level: str = "mid",
    track: str = "behavioral",
    length: str = "standard",
    job_description: str = "",
    questions: list[str] | None = None,
    focus_notes: str = "",
    modes: list[str] | None = None,
    sponsored: bool = False,
    days: float = 14,
    max_interviews: int | None = None,
    max_minutes_per_interview: int | None = None,
    max_total_minutes: int | None = None,
    max_per_candidate_per_day: int | None = None,
    user_token: str = "",
) -> dict[str, Any]:
    """Create a practice link (questions: at most 10; modes: ["text"], ["voice"] or
    both); returns its id, the query to add to the app's URL and its expiry. A sponsored
    link's interviews run on your keys, within its quotas (None: no limit)."""
    coach = _coach(services, user_token)
    draft = LinkDraft(
        title=title,
        interview=dict(role=role, level=level, track=track, length=length,
                       job_description=job_description),
        questions=tuple(questions or ()),
        focus_notes=focus_notes,
        modes=tuple(modes or ("text",)),
        sponsored=bool(sponsored),
        days=float(days),
        quotas=dict(max_interviews=max_interviews,
                    max_minutes_per_interview=max_minutes_per_interview,
                    max_total_minutes=max_total_minutes,
                    max_per_candidate_per_day=max_per_candidate_per_day),
    )  # fmt: skip
    link = create_link(services.store, coach, draft, now=time.time())
    return {"link_id": link.id, "url_query": f"?practice={link.id}", "expires_at": link.expires_at}


def practice_link_usage(
    services: AppServices, link_id: str, user_token: str = ""
) -> dict[str, Any]:
    """One of your links: its limits and what has been used (interviews, minutes, shares)."""
    link = services.store.coach_link(_coach(services, user_token), link_id)
    return {
        "title": link.title,
        "expires_at": link.expires_at,
        "sponsored": link.sponsored,
        "limits": {
            "interviews": link.max_interviews,
            "minutes_per_interview": link.max_minutes_per_interview,
            "total_minutes": link.max_total_minutes,
            "per_candidate_per_day": link.max_per_candidate_per_day,
        },
        "usage": link.usage,
    }


def shared_reports(
    services: AppServices, link_id: str, user_token: str = ""
) -> list[dict[str, Any]]:
    """The reports candidates chose to share on one of your links, newest first."""
    coach = _coach(services, user_token)
    return shared_entries(services.store, services.reports, coach, link_id)


def share_with_coach(
    services: AppServices, session_id: str, share: bool = True, user_token: str = ""
) -> str:
    """Share your report of an interview started through a practice link with that link's
    coach ("shared"), or withdraw it (share=False: "withdrawn")."""
    share_interview(services.store, api_user(services, user_token), session_id, bool(share))
    return "shared" if share else "withdrawn"


COACH_ENDPOINTS = (
    become_coach,
    create_practice_link,
    practice_link_usage,
    shared_reports,
    share_with_coach,
)
