"""Feedback tab: the report of one interview (or the bundled sample): measured delivery
at once, scores and coaching on request (stored with the session), the transcript with
stage markers, and downloads as Markdown, printable HTML and JSON."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr

from mockflow.app.coaching import share_interview
from mockflow.contracts.events import EventFileError, Timeline, read_events
from mockflow.feedback.demo import sample_report, sample_session_dir
from mockflow.feedback.report.durations import spoken_duration
from mockflow.feedback.report.markdown import render_markdown
from mockflow.feedback.session import turns_of
from mockflow.interview.fsm import STAGE_TITLES, load_track
from mockflow.store.db import SessionRecord
from mockflow.ui.common import PROVIDER_CALLS, require_user
from mockflow.ui.downloads import SAMPLE, links_html
from mockflow.ui.markdown_safety import without_images
from mockflow.ui.services import AppServices

if TYPE_CHECKING:
    from mockflow.ui.page import Page

NOTHING = (
    "Finish an interview, or open one from the History tab, to see its feedback here. "
    "Curious what you will get? Open the sample report below."
)


@dataclass
class FeedbackTab:
    session_id: gr.State
    facts: gr.Markdown
    generate: gr.Button
    report: gr.Markdown
    transcript: gr.Markdown
    downloads: gr.HTML
    sample: gr.Button
    share_note: gr.Markdown  # an interview through a coach's practice link: share or not
    share: gr.Button
    withdraw: gr.Button


def build_feedback_tab() -> FeedbackTab:
    session_id = gr.State(None)
    facts = gr.Markdown(NOTHING, elem_id="mf-feedback-facts")
    share_note = gr.Markdown(visible=False, elem_id="mf-share-note", elem_classes="mf-practice")
    with gr.Row():
        share = gr.Button("Share with my coach", visible=False, variant="primary", size="sm")
        withdraw = gr.Button("Stop sharing", visible=False, size="sm")
    generate = gr.Button(
        "Generate scores and coaching", variant="primary", visible=False, elem_id="mf-generate"
    )
    report = gr.Markdown(elem_id="mf-report")
    with gr.Accordion("Transcript", open=False):
        transcript = gr.Markdown(elem_id="mf-transcript")
    downloads = gr.HTML(elem_id="mf-downloads")
    sample = gr.Button("Open the sample report", size="sm")
    return FeedbackTab(
        session_id, facts, generate, report, transcript, downloads, sample, share_note, share,
        withdraw,
    )  # fmt: skip


def with_transcript(report: dict[str, Any], events: list[dict[str, Any]]) -> dict[str, Any]:
    """The stored report with the transcript, so it shows each answer as a card."""
    return {**report, "transcript": [asdict(turn) for turn in turns_of(events)]}


def transcript_markdown(events: list[dict]) -> str:
    """The transcript with a heading at each stage change."""
    lines, stage = [], None
    for event in Timeline.of(events).turns:
        if event.get("stage") != stage:
            stage = event.get("stage")
            lines.append(f"\n#### {STAGE_TITLES.get(str(stage), stage)}\n")
        who = "**Interviewer:**" if event["role"] == "interviewer" else "**You:**"
        lines.append(f"{who} {_escape(event['text'])}\n")
    return "\n".join(lines) if lines else "_No answers were recorded._"


def _escape(text: str) -> str:
    return without_images(text.replace("<", "&lt;").replace(">", "&gt;"))


def session_facts(record: SessionRecord, over: bool = False) -> str:
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(record.created_at))
    seconds = record.duration
    duration = spoken_duration(seconds) if seconds is not None else "—"
    return (
        f"### {_escape(record.role)} · {load_track(record.track).title}\n"
        f"{when} · {record.level} level · {record.mode} mode · {duration} · "
        f"status: {'ended' if over and record.is_active else record.status.replace('_', ' ')}"
    )


def scoring_failure(report: dict[str, Any]) -> str:
    """The scoring run's failure in a line, with a retry only where one can help (a report
    stored before retries were judged has no `rubric_retry`: it keeps the offer)."""
    if not report.get("rubric_failed") or report.get("rubric"):
        return ""
    line = f"\n\n⚠️ **Scoring failed.** {report.get('rubric_note') or ''}".rstrip()
    if report.get("rubric_retry", True):
        line += " Press **Generate** to try again."
    return line


def show_feedback(services: AppServices, user_id: str | None, session_id: str | None) -> Any:
    """(facts, generate button, report, transcript, downloads) for one of the user's sessions."""
    if not session_id:
        return NOTHING, gr.Button(visible=False), "", "", ""
    user = require_user(user_id)
    record = services.store.get_session(user, session_id)
    try:
        events = read_events(Path(record.session_dir))
    except EventFileError:
        missing = "_The transcript of this interview is missing._"
        return session_facts(record), gr.Button(visible=False), "", missing, ""
    if not services.interviews.is_over(user, session_id):
        note = "_The interview is still running; the report appears when it ends._"
        return (
            session_facts(record),
            gr.Button(visible=False),
            note,
            transcript_markdown(events),
            "",
        )
    report = services.reports.report(user, session_id)
    facts = session_facts(record, over=True)
    facts += scoring_failure(report)
    label = (
        "Regenerate scores and coaching" if report.get("rubric") else "Generate scores and coaching"
    )
    return (
        facts,
        gr.Button(label, visible=True),
        without_images(render_markdown(with_transcript(report, events))),
        transcript_markdown(events),
        links_html(services.downloads, user, session_id),
    )


def generate_feedback(
    services: AppServices,
    user_id: str | None,
    session_id: str | None,
    progress: gr.Progress = gr.Progress(),
) -> Any:
    user = require_user(user_id)
    if not session_id:
        raise gr.Error("Open an interview first (History tab).")
    progress(0.0, desc="Reading the transcript")
    services.reports.generate(user, session_id, progress=lambda f, d: progress(f, desc=d))
    return show_feedback(services, user, session_id)


def show_sample() -> Any:
    """The bundled synthetic session, for visitors who have not run an interview yet."""
    report = sample_report()
    events = read_events(sample_session_dir())
    facts = (
        "### Sample report\n_A synthetic interview written by the MockFlow team, measured "
        "live, with a rubric we wrote by hand for it (not an AI review) whose quotes are "
        "checked like a model's._"
    )
    data = report.to_dict(include_transcript=True)
    return (
        facts,
        gr.Button(visible=False),
        without_images(render_markdown(data)),
        transcript_markdown(events),
        links_html(None, None, SAMPLE),
    )


def share_box(services: AppServices, user_id: str | None, session_id: str | None) -> Any:
    """(note, share, withdraw) for an ended interview started through a coach's practice
    link; hidden otherwise. Sharing stays off until the candidate chooses it."""
    hidden = gr.update(visible=False)
    if not session_id or not user_id or session_id == "sample":
        return hidden, hidden, hidden
    user = require_user(user_id)
    link = services.store.practice_use(user, session_id)
    if link is None or not services.interviews.is_over(user, session_id):
        return hidden, hidden, hidden
    title = _escape(link.title)
    if services.store.is_shared(user, session_id):
        note = (
            f"✓ **Shared with your coach** (practice link “{title}”): they can see this "
            "report, its scores and the transcript. Stop sharing to remove their access."
        )
        return gr.update(value=note, visible=True), hidden, gr.update(visible=True)
    note = (
        f"This interview was set by your coach (practice link “{title}”). **Your coach "
        "cannot see it** unless you share it: they would see your name, this report with "
        "its scores and the transcript. You can stop sharing at any time."
    )
    return gr.update(value=note, visible=True), gr.update(visible=True), hidden


def share_report(services: AppServices, user_id: str | None, session_id: str | None) -> Any:
    return _set_shared(services, user_id, session_id, True)


def stop_sharing(services: AppServices, user_id: str | None, session_id: str | None) -> Any:
    return _set_shared(services, user_id, session_id, False)


def _set_shared(
    services: AppServices, user_id: str | None, session_id: str | None, shared: bool
) -> Any:
    user = require_user(user_id)
    if not session_id:
        raise gr.Error("Open an interview first (History tab).")
    share_interview(services.store, user, session_id, shared)
    return share_box(services, user, session_id)


def wire(page: Page) -> None:
    """Show a report when the tab opens, an interview ends or History opens one (with the
    share box of a practice-link interview); generate scores; open the sample; share."""
    feedback, outputs = page.feedback, page.feedback_outputs
    show, box = page.guarded(show_feedback), page.guarded(share_box)
    shown = [page.user, feedback.session_id]
    share = [feedback.share_note, feedback.share, feedback.withdraw]
    page.feedback_page.select(show, shown, outputs).then(box, shown, share, show_progress="hidden")
    page.interview.see_feedback.click(lambda: gr.Tabs(selected="feedback"), None, page.tabs).then(
        show, shown, outputs
    ).then(box, shown, share, show_progress="hidden")
    feedback.generate.click(page.guarded(generate_feedback), shown, outputs, **PROVIDER_CALLS)
    feedback.sample.click(show_sample, None, outputs).then(
        lambda: [gr.update(visible=False)] * 3, None, share
    )
    page.view.change(lambda v: v.session_id if v else None, page.view, feedback.session_id)
    feedback.session_id.change(show, shown, outputs).then(box, shown, share, show_progress="hidden")
    feedback.share.click(page.guarded(share_report), shown, share, show_progress="hidden")
    feedback.withdraw.click(page.guarded(stop_sharing), shown, share, show_progress="hidden")
