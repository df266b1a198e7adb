"""The Coach tab's handlers: create a practice link, show a link's usage and the reports
shared on it side by side, open, remove, delete. Each returns values by component name;
every rule is the store's, these show only what the store lets this coach see."""

from __future__ import annotations

import html
import time
from typing import Any

import gradio as gr

from mockflow.app.coaching import (
    is_coach,
    report_row,
    require_coach,
    shared_entries,
    shared_report_files,
    usage_lines,
)
from mockflow.app.practice import LINK_SETUP, QUOTA_NAMES, LinkDraft
from mockflow.app.practice import create_link as create_practice_link
from mockflow.errors import MockflowError
from mockflow.feedback.report.markdown import render_markdown
from mockflow.ui.common import require_user
from mockflow.ui.downloads import shared_links_html
from mockflow.ui.markdown_safety import without_images
from mockflow.ui.services import AppServices
from mockflow.ui.tabs.coach_form import FORM_NAMES
from mockflow.ui.tabs.feedback import with_transcript

NO_LINKS = "You have no practice links yet. Create one above and send it to a client."
NO_SHARES = "No candidate has shared a report on this link yet."


def _coach(services: AppServices, user_id: str | None) -> str:
    return require_coach(services.settings, services.store, require_user(user_id))


def create_link(services: AppServices, user_id: str | None, *values: Any) -> dict[str, Any]:
    coach = _coach(services, user_id)
    form = dict(zip(FORM_NAMES, values, strict=True))
    draft = LinkDraft(
        title=str(form["title"] or ""),
        interview={name: str(form[name] or "") for name in LINK_SETUP},
        questions=tuple(str(form["questions"] or "").splitlines()),
        focus_notes=str(form["focus_notes"] or ""),
        modes=tuple(form["modes"] or ()),
        sponsored=bool(form["sponsored"]),
        days=float(form["days"] or 14),
        quotas={name: _limit(form[name]) for name in QUOTA_NAMES},
    )
    link = create_practice_link(services.store, coach, draft, now=time.time())
    note = ""
    if link.sponsored and services.interviews.missing_for(
        services.vault.resolve_keys(coach).keys, "text"
    ):
        note = "\n\n⚠️ Your keys are not set: add them in Settings before clients start."
    return {
        "created": f"✓ Created **{html.escape(link.title)}**. Send your client this link.{note}",
        "link_url": gr.update(value=f"?practice={link.id}", visible=True),
        **show_links(services, coach, link.id),
    }


def _limit(value: Any) -> int | None:
    """A quota field: a whole number of at least 1, or none (0 or empty)."""
    if value in (None, "", 0):
        return None
    if float(value) < 0 or float(value) != int(value):
        raise gr.Error("Limits are whole numbers (0 for no limit).")
    return int(value)


def show_links(
    services: AppServices, user_id: str | None, selected: str | None = None
) -> dict[str, Any]:
    """The coach's links in the picker, and the selected (or newest) one shown."""
    if not user_id or not is_coach(services.settings, services.store, str(user_id)):
        return {}
    links = services.store.coach_links(str(user_id))
    choices = [(_link_label(link), link.id) for link in links]
    chosen = selected if any(value == selected for _, value in choices) else None
    chosen = chosen or (choices[0][1] if choices else None)
    return {
        "links": gr.update(choices=choices, value=chosen),
        **show_link(services, user_id, chosen),
    }


def _link_label(link: Any) -> str:
    expiry = time.strftime("%Y-%m-%d", time.localtime(link.expires_at))
    state = "expired" if link.expires_at <= time.time() else f"until {expiry}"
    return f"{link.title} ({state})"


def show_link(services: AppServices, user_id: str | None, link_id: str | None) -> dict[str, Any]:
    """One link: its usage against its limits, its shared reports side by side, exports."""
    if not link_id:
        empty = gr.update(choices=[], value=None)
        return {"usage": NO_LINKS, "compare": "", "reports": empty, "exports": "", "report": ""}
    coach = _coach(services, user_id)
    link = services.store.coach_link(coach, link_id)
    limits = {
        "interviews": link.max_interviews,
        "total_minutes": link.max_total_minutes,
    }
    details = [
        f"Link: `?practice={link.id}`",
        f"Modes: {', '.join(link.modes)}; "
        + ("paid with your keys" if link.sponsored else "clients use their own keys"),
        *usage_lines(link.usage, limits),
    ]
    entries = shared_entries(services.store, services.reports, coach, link.id)
    choices = [
        (f"{e['given_name'] or 'Unnamed'} · {_when(e['shared_at'])}", e["session_id"])
        for e in entries
    ]
    return {
        "usage": "\n".join(f"- {line}" for line in details),
        "compare": compare_html(entries),
        "reports": gr.update(choices=choices, value=choices[0][1] if choices else None),
        "exports": shared_links_html(services.downloads, coach, link.id, None) if entries else "",
        "report": "",
    }


def _when(t: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(t))


def compare_html(entries: list[dict[str, Any]]) -> str:
    """The shared reports side by side: one row per candidate; "—" where a figure is not
    available (no scores yet, pace in a text interview)."""
    if not entries:
        return f"<p>{NO_SHARES}</p>"
    rows = [report_row(e["given_name"], e["shared_at"], e["report"]) for e in entries]
    competencies = sorted({name for row in rows for name in row["scores"]})
    head = ["Candidate", "Shared", "Minutes", "Overall", "Fillers /100 words", "Pace (wpm)",
            "Job terms used", *competencies]  # fmt: skip
    body = []
    for row in rows:
        terms = row["job_terms_used_percent"]
        cells = [row["candidate"] or "Unnamed", row["shared_at"], row["interview_minutes"],
                 row["overall_score"], row["fillers_per_100_words"], row["pace_wpm"],
                 f"{terms} %" if terms is not None else None,
                 *(row["scores"].get(name) for name in competencies)]  # fmt: skip
        body.append("".join(f"<td>{_cell(c)}</td>" for c in cells))
    header = "".join(f'<th scope="col">{html.escape(str(h))}</th>' for h in head)
    lines = "".join(f"<tr>{cells}</tr>" for cells in body)
    return (
        '<div class="mf-scroll" role="region" aria-label="Shared reports compared" tabindex="0">'
        f'<table class="mf-compare"><thead><tr>{header}</tr></thead><tbody>{lines}</tbody>'
        "</table></div>"
    )


def _cell(value: Any) -> str:
    return "—" if value is None or value == "" else html.escape(str(value))


def open_report(
    services: AppServices, user_id: str | None, link_id: str | None, session_id: str | None
) -> dict[str, Any]:
    coach = _coach(services, user_id)
    if not link_id or not session_id:
        raise gr.Error("Choose a shared report first.")
    try:
        report, events = shared_report_files(
            services.store, services.reports, coach, link_id, session_id
        )
    except MockflowError:
        return {
            **show_link(services, coach, link_id),
            "report": "_This report is no longer shared with you._",
        }
    return {
        "report": without_images(render_markdown(with_transcript(report, events))),
        "exports": shared_links_html(services.downloads, coach, link_id, session_id),
    }


def remove_report(
    services: AppServices, user_id: str | None, link_id: str | None, session_id: str | None
) -> dict[str, Any]:
    coach = _coach(services, user_id)
    if link_id and session_id:
        services.store.remove_share(coach, link_id, session_id)
    return show_link(services, coach, link_id)


def delete_link(services: AppServices, user_id: str | None, link_id: str | None) -> dict[str, Any]:
    coach = _coach(services, user_id)
    if link_id:
        services.store.delete_practice_link(coach, link_id)
    return {
        "created": "Link deleted: it no longer opens, and its shared reports left your console.",
        "link_url": gr.update(visible=False),
        "delete_row": gr.Row(visible=False),
        **show_links(services, coach),
    }
