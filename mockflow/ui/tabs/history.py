"""History tab: the user's past interviews; open one in the Feedback tab, or delete it."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import gradio as gr

from mockflow.interview.fsm import load_track
from mockflow.store.db import SessionRecord
from mockflow.ui.common import require_user
from mockflow.ui.services import AppServices
from mockflow.ui.tabs.history_charts import (
    MEASURES,
    MeasureChart,
    build_charts,
    chart_outputs,
    compare,
    progress_view,
)

if TYPE_CHECKING:
    from mockflow.ui.page import Page

# four columns fit a phone (375 px) with nothing cut: the interview's role, track and mode
# share one cell, and a cell wraps rather than widening its column
COLUMNS = ["Date", "Interview", "Status", "Length"]
STATUS_LABELS = {
    "starting": "starting",
    "running": "running now",
    "completed": "completed",
    "user_ended": "ended by you",
    "timeout": "time limit reached",
    "failed": "failed",
    "interrupted": "interrupted",
}
FINISHING = "ending…"  # the timeline says ended; the store has not caught up yet
WATCH_SECONDS = 1.0


@dataclass
class HistoryTab:
    table: gr.Dataframe
    session_ids: gr.State
    selected: gr.State
    open: gr.Button
    delete: gr.Button
    refresh: gr.Button
    message: gr.Markdown
    progress_note: gr.Markdown
    charts: list[MeasureChart]
    delete_confirm_row: gr.Row
    delete_yes: gr.Button
    delete_no: gr.Button
    first: gr.Dropdown
    second: gr.Dropdown
    compare: gr.Button
    comparison: gr.Markdown
    watch: gr.Timer  # ticks only while an ended interview is still being filed


def build_history_tab() -> HistoryTab:
    gr.Markdown("Your past interviews, newest first. Select a row, then open or delete it.")
    table = gr.Dataframe(
        headers=COLUMNS,
        datatype=["str"] * len(COLUMNS),
        interactive=False,
        elem_id="mf-history",
        wrap=True,
        column_widths=["24%", "32%", "23%", "21%"],
    )
    session_ids = gr.State([])
    selected = gr.State(None)
    with gr.Row():
        open_button = gr.Button("Open in Feedback", variant="primary", interactive=False)
        delete = gr.Button("Delete", variant="stop", interactive=False)
        refresh = gr.Button("Refresh")
    with gr.Row(visible=False) as delete_confirm_row:
        gr.Markdown("Delete this interview, its transcript and its report? This cannot be undone.")
        delete_yes = gr.Button("Yes, delete it", variant="stop", size="sm")
        delete_no = gr.Button("Keep it", size="sm")
    message = gr.Markdown()
    gr.Markdown("### Progress over time")
    progress_note = gr.Markdown(elem_id="mf-progress-note")
    charts = build_charts()
    gr.Markdown("### Compare two interviews")
    with gr.Row():
        first = gr.Dropdown(label="Earlier pick", choices=[])
        second = gr.Dropdown(label="Later pick", choices=[])
    compare = gr.Button("Compare")
    comparison = gr.Markdown(elem_id="mf-compare")
    watch = gr.Timer(WATCH_SECONDS, active=False)
    return HistoryTab(
        table, session_ids, selected, open_button, delete, refresh, message, progress_note,
        charts, delete_confirm_row, delete_yes, delete_no, first, second, compare, comparison,
        watch,
    )  # fmt: skip


def _duration(record: SessionRecord) -> str:
    if record.duration is None:
        return "—"
    minutes, seconds = divmod(int(record.duration), 60)
    return f"{minutes}:{seconds:02d}"


def _finishing(services: AppServices, record: SessionRecord) -> bool:
    """Ended by its timeline while the store still has it running (its agent is exiting)."""
    return record.is_active and services.interviews.is_over(record.user_id, record.id)


def history_rows(services: AppServices, user_id: str | None) -> tuple[list[list[str]], list[str]]:
    if not user_id:
        return [], []
    records = services.store.list_sessions(user_id, 200)
    rows = [
        [
            time.strftime("%Y-%m-%d %H:%M", time.localtime(r.created_at)),
            f"{r.role} · {load_track(r.track).title} · {r.mode}",
            FINISHING if _finishing(services, r) else STATUS_LABELS.get(r.status, r.status),
            _duration(r),
        ]
        for r in records
    ]
    return rows, [r.id for r in records]


def show_history(services: AppServices, user_id: str | None) -> Any:
    if not user_id:  # the page is still finding out who this is: its load fills the list
        return (gr.skip(),) * 5  # (an empty list here could land after the real one)
    rows, ids = history_rows(services, user_id)
    return rows, ids, None, gr.Button(interactive=False), gr.Button(interactive=False)


def refresh_history(services: AppServices, user_id: str | None) -> Any:
    """The list, the charts and the pickers; the watch runs while an interview that has
    ended is still being filed, so it is charted the moment it is."""
    if not user_id:
        return (gr.skip(),) * (5 + 3 + 3 * len(MEASURES) + 1)
    finishing = any(_finishing(services, r) for r in services.store.list_sessions(user_id, 200))
    return (
        *show_history(services, user_id),
        *progress_view(services, user_id),
        gr.Timer(active=finishing),
    )


def watch_history(services: AppServices, user_id: str | None) -> Any:
    """One tick of the watch: nothing until the ended interview is filed, then all."""
    records = services.store.list_sessions(user_id, 200) if user_id else []
    if any(_finishing(services, r) for r in records):
        return (gr.skip(),) * (5 + 3 + 3 * len(MEASURES) + 1)
    return refresh_history(services, user_id)


def select_row(ids: list[str], event: gr.SelectData) -> Any:
    row = event.index[0] if isinstance(event.index, list | tuple) else event.index
    chosen = ids[row] if isinstance(row, int) and 0 <= row < len(ids) else None
    enabled = chosen is not None
    return chosen, gr.Button(interactive=enabled), gr.Button(interactive=enabled)


def delete_session(services: AppServices, user_id: str | None, session_id: str | None) -> Any:
    user = require_user(user_id)
    if not session_id:
        raise gr.Error("Select an interview first.")
    services.store.delete_session(user, session_id)
    rows, ids = history_rows(services, user)
    return rows, ids, None, "✓ Deleted.", gr.Button(interactive=False), gr.Button(interactive=False)


def wire(page: Page) -> None:
    """The list of past interviews, its progress charts and comparison, refreshed on page
    load, on Refresh, when the tab is selected and when an interview starts or ends."""
    history = page.history
    everything = [
        *page.history_outputs,
        history.progress_note,
        *chart_outputs(history.charts),
        history.first,
        history.second,
        history.watch,
    ]
    refresh = page.bind(refresh_history)
    quiet: dict[str, Any] = {"show_progress": "hidden"}
    page.load.then(refresh, [page.user], everything, **quiet)
    history.refresh.click(refresh, [page.user], everything)
    page.history_page.select(refresh, [page.user], everything, **quiet)
    # Setup's "an interview of yours is running" note is set when an interview starts and
    # emptied when the Interview tab sees it end: the one signal of both that a page gets
    page.setup.running_note.change(refresh, [page.user], everything, **quiet)
    history.watch.tick(page.bind(watch_history), [page.user], everything, **quiet)
    history.table.select(
        select_row, [history.session_ids], [history.selected, history.open, history.delete]
    )
    history.open.click(
        lambda s: (s, gr.Tabs(selected="feedback")),
        history.selected,
        [page.feedback.session_id, page.tabs],
    )
    history.delete.click(lambda: gr.Row(visible=True), None, history.delete_confirm_row)
    history.delete_no.click(lambda: gr.Row(visible=False), None, history.delete_confirm_row)
    history.delete_yes.click(
        page.guarded(delete_session),
        [page.user, history.selected],
        [*page.history_outputs[:3], history.message, history.open, history.delete],
    ).then(lambda: gr.Row(visible=False), None, history.delete_confirm_row).then(
        refresh, [page.user], everything, **quiet
    )
    history.compare.click(
        page.guarded(compare), [page.user, history.first, history.second], history.comparison
    )
