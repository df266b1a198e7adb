"""Coach tab (shown to a coach only): create practice links, see each link's usage, and
open, compare, export and delete the reports candidates chose to share. Every rule is
the store's; this tab only shows what the store lets this coach see."""

from __future__ import annotations

import html
import inspect
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import gradio as gr

from mockflow.app.coaching import (
    is_coach,
    report_row,
    shared_entries,
    shared_report_files,
    usage_lines,
)
from mockflow.errors import MockflowError
from mockflow.feedback.report.markdown import render_markdown
from mockflow.store.practice_links import MAX_QUESTIONS
from mockflow.ui.common import require_user
from mockflow.ui.downloads import shared_links_html
from mockflow.ui.markdown_safety import without_images
from mockflow.ui.services import AppServices
from mockflow.ui.tabs import setup as setup_tab
from mockflow.ui.tabs.feedback import with_transcript

if TYPE_CHECKING:
    from mockflow.ui.page import Page

DAY = 86400
INVITE_QUERY = "coach_invite"
# the invite leaves the address bar (and the browser's history) once it has been read
FORGET_INVITE_JS = """() => {
  const url = new URL(window.location.href);
  if (url.searchParams.has('coach_invite')) {
    url.searchParams.delete('coach_invite');
    window.history.replaceState(null, '', url);
  }
}"""
NO_LINKS = "You have no practice links yet. Create one above and send it to a client."
NO_SHARES = "No candidate has shared a report on this link yet."
QUOTAS = (
    ("max_interviews", "Interviews through this link"),
    ("max_minutes_per_interview", "Minutes per interview"),
    ("max_total_minutes", "Total minutes"),
    ("max_per_candidate_per_day", "Interviews per candidate per day"),
)


@dataclass
class CoachTab:
    title: gr.Textbox
    role: gr.Textbox
    level: gr.Radio
    track: gr.Radio
    length: gr.Radio
    job_description: gr.Textbox
    questions: gr.Textbox
    focus_notes: gr.Textbox
    modes: gr.CheckboxGroup
    days: gr.Number
    sponsored: gr.Checkbox
    max_interviews: gr.Number
    max_minutes_per_interview: gr.Number
    max_total_minutes: gr.Number
    max_per_candidate_per_day: gr.Number
    create: gr.Button
    created: gr.Markdown
    link_url: gr.Textbox
    links: gr.Dropdown
    usage: gr.Markdown
    compare: gr.HTML
    reports: gr.Dropdown
    open_report: gr.Button
    remove_report: gr.Button
    delete_link: gr.Button
    delete_row: gr.Row
    delete_yes: gr.Button
    delete_no: gr.Button
    exports: gr.HTML
    report: gr.Markdown

    @property
    def form(self) -> list[Any]:
        return [getattr(self, name) for name in _FORM_NAMES]


def build_coach_tab() -> CoachTab:
    parts: dict[str, Any] = {}
    gr.Markdown(
        "### Practice links\nSet an interview once and send its link to your clients: they "
        "see it filled in and locked, add their name, and practise. You see a report only "
        "when a client chooses to share it.",
        elem_id="mf-coach-intro",
    )
    with gr.Accordion("New practice link", open=True):
        parts.update(_link_form())
        parts["create"] = gr.Button("Create practice link", variant="primary")
        parts["created"] = gr.Markdown(elem_id="mf-coach-created")
        parts["link_url"] = gr.Textbox(
            label="Link to send", visible=False, buttons=["copy"], elem_id="mf-coach-link"
        )
    gr.Markdown("### Your links", elem_id="mf-coach-links-title")
    parts["links"] = gr.Dropdown(label="Practice link", choices=[], elem_id="mf-coach-links")
    parts["usage"] = gr.Markdown(NO_LINKS, elem_id="mf-coach-usage")
    parts["delete_link"] = gr.Button("Delete this link", size="sm", variant="stop")
    with gr.Row(visible=False) as parts["delete_row"]:
        gr.Markdown(
            "Delete this link? It stops working, and its shared reports leave your console."
        )
        parts["delete_yes"] = gr.Button("Yes, delete the link", variant="stop", size="sm")
        parts["delete_no"] = gr.Button("Keep it", size="sm")
    gr.Markdown("### Reports shared with you on this link")
    parts["compare"] = gr.HTML(elem_id="mf-coach-compare")
    with gr.Row(equal_height=True):
        parts["reports"] = gr.Dropdown(label="Shared report", choices=[], scale=3)
        parts["open_report"] = gr.Button("Open", scale=1)
        parts["remove_report"] = gr.Button("Delete from my console", scale=1, variant="stop")
    parts["exports"] = gr.HTML(elem_id="mf-coach-exports")
    parts["report"] = gr.Markdown(elem_id="mf-coach-report")
    return CoachTab(**parts)


def _link_form() -> dict[str, Any]:
    form: dict[str, Any] = {
        "title": gr.Textbox(label="Title your client sees", max_length=80),
        "role": gr.Textbox(label="Target role", max_length=160, elem_id="mf-coach-role"),
        "level": gr.Radio(setup_tab.LEVEL_CHOICES, value="mid", label="Experience level"),
        "track": gr.Radio(setup_tab.TRACK_CHOICES, value="behavioral", label="Interview track"),
        "length": gr.Radio(setup_tab.LENGTH_CHOICES, value="standard", label="Length"),
        "job_description": gr.Textbox(label="Job description (optional)", lines=4),
        "questions": gr.Textbox(
            label=f"Questions the interviewer must ask (one per line, up to {MAX_QUESTIONS})",
            lines=4,
            info="Asked one at a time, in the experience and company-fit stages.",
        ),
        "focus_notes": gr.Textbox(
            label="Focus notes for the interviewer (optional)", lines=2, max_length=2000
        ),
        "modes": gr.CheckboxGroup(
            [("Text", "text"), ("Voice", "voice")], value=["text"], label="Modes offered"
        ),
        "days": gr.Number(value=14, minimum=1, maximum=366, precision=0, label="Expires in (days)"),
        "sponsored": gr.Checkbox(
            label="Pay with my keys (Settings): clients need no keys of their own",
        ),
    }
    with gr.Row():
        for name, label in QUOTAS:
            form[name] = gr.Number(label=f"{label} (0: no limit)", value=0, precision=0)
    return form


def redeem_invite(services: AppServices, user_id: str | None, request: gr.Request) -> Any:
    """Page load with `?coach_invite=…` (the admin link the app printed on its console,
    public mode): this visitor becomes the coach, once. Then the Coach tab's visibility."""
    params = getattr(request, "query_params", None) or {}
    token = params.get(INVITE_QUERY)
    offered = services.settings.public and user_id and isinstance(token, str) and token
    if offered and not services.store.redeem_coach_invite(str(user_id), str(token).strip()):
        gr.Warning("This coach link is not valid. It works once; restart the app for a new one.")
    return coach_tab_visible(services, user_id)


def coach_tab_visible(services: AppServices, user_id: str | None) -> Any:
    shown = bool(user_id) and is_coach(services.settings, services.store, str(user_id))
    return gr.update(visible=shown)


def _coach(services: AppServices, user_id: str | None) -> str:
    user = require_user(user_id)
    if not is_coach(services.settings, services.store, user):
        raise gr.Error("Only this app's coach can manage practice links.")
    return user


def create_link(services: AppServices, user_id: str | None, *values: Any) -> dict[str, Any]:
    coach = _coach(services, user_id)
    form = dict(zip(_FORM_NAMES, values, strict=True))
    questions = [q for q in str(form["questions"] or "").splitlines() if q.strip()]
    if len(questions) > MAX_QUESTIONS:
        raise gr.Error(f"At most {MAX_QUESTIONS} questions, one per line.")
    if not str(form["role"] or "").strip():
        raise gr.Error("Enter the target role.")
    link = services.store.create_practice_link(
        coach,
        title=str(form["title"] or ""),
        setup={
            name: str(form[name] or "").strip()
            for name in ("role", "level", "track", "length", "job_description")
        },
        expires_at=time.time() + float(form["days"] or 14) * DAY,
        questions=questions,
        focus_notes=str(form["focus_notes"] or ""),
        modes=list(form["modes"] or []),
        sponsored=bool(form["sponsored"]),
        **{name: _limit(form[name]) for name, _ in QUOTAS},
    )
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


_FORM_NAMES = [
    "title", "role", "level", "track", "length", "job_description", "questions",
    "focus_notes", "modes", "days", "sponsored", *(name for name, _ in QUOTAS),
]  # fmt: skip


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


FULL_URL_JS = """(value) => (value && value.startsWith('?'))
    ? window.location.origin + window.location.pathname + value : value"""


def wire(page: Page) -> None:
    coach, guarded = page.coach, page.guarded
    page.load.then(page.bind(redeem_invite), [page.user], page.coach_page).then(
        None, js=FORGET_INVITE_JS
    )
    shown = _outputs(page)
    page.coach_page.select(_keyed(page, guarded(show_links)), [page.user, coach.links], shown)
    coach.create.click(
        _keyed(page, guarded(create_link)),
        [page.user, *coach.form],
        _outputs(page, "created", "link_url"),
    ).then(None, coach.link_url, coach.link_url, js=FULL_URL_JS)
    coach.links.input(_keyed(page, guarded(show_link)), [page.user, coach.links], shown)
    picked = [page.user, coach.links, coach.reports]
    coach.open_report.click(_keyed(page, guarded(open_report)), picked, shown)
    coach.remove_report.click(_keyed(page, guarded(remove_report)), picked, shown)
    coach.delete_link.click(lambda: gr.Row(visible=True), None, coach.delete_row)
    coach.delete_no.click(lambda: gr.Row(visible=False), None, coach.delete_row)
    coach.delete_yes.click(
        _keyed(page, guarded(delete_link)),
        [page.user, coach.links],
        _outputs(page, "created", "link_url", "delete_row"),
    )


def _outputs(page: Page, *extra: str) -> list[Any]:
    names = ["links", "usage", "compare", "reports", "exports", "report", *extra]
    return [getattr(page.coach, name) for name in names]


def _keyed(page: Page, fn: Any) -> Any:
    """A handler returning {name: value} for this tab's components, as Gradio wants it."""

    def keyed(*args: Any, **kwargs: Any) -> dict[Any, Any]:
        return {getattr(page.coach, k): v for k, v in fn(*args, **kwargs).items()}

    keyed.__signature__ = inspect.signature(fn)  # type: ignore[attr-defined]
    keyed.__annotations__ = getattr(fn, "__annotations__", {})
    return keyed
