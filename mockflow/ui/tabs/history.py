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
from mockflow.ui.tabs.history_charts import compare, progress_view

if TYPE_CHECKING:
    from mockflow.ui.page import Page

COLUMNS = ["Date", "Role", "Track", "Mode", "Duration", "Status"]
STATUS_LABELS = {
    "starting": "starting",
    "running": "running now",
    "completed": "completed",
    "user_ended": "ended by you",
    "timeout": "time limit reached",
    "failed": "failed",
    "interrupted": "interrupted",
}


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
    score_plot: gr.LinePlot
    delivery_plot: gr.LinePlot
    score_points: gr.ScatterPlot
    delivery_points: gr.ScatterPlot
    delete_confirm_row: gr.Row
    delete_yes: gr.Button
    delete_no: gr.Button
    first: gr.Dropdown
    second: gr.Dropdown
    compare: gr.Button
    comparison: gr.Markdown


def build_history_tab() -> HistoryTab:
    gr.Markdown("Your past interviews, newest first. Select a row, then open or delete it.")
    table = gr.Dataframe(
        headers=COLUMNS,
        datatype=["str"] * len(COLUMNS),
        interactive=False,
        elem_id="mf-history",
        wrap=True,
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
    progress_note = gr.Markdown()
    axes: dict[str, Any] = {"x": "session", "y": "value", "color": "label", "height": 260}
    scores: dict[str, Any] = {"title": "Scores", "y_title": "Score (1–5)", "y_lim": [1, 5]}
    delivery: dict[str, Any] = {"title": "Delivery", "y_title": "Value (unit in the legend)"}
    titles: dict[str, Any] = {"x_title": "Interview (date and time, UTC)", "color_title": "Figure"}
    with gr.Row():
        # hidden until they have rows: empty charts read as broken (and are not labelled)
        score_plot = gr.LinePlot(**axes, **scores, **titles, visible=False)
        delivery_plot = gr.LinePlot(**axes, **delivery, **titles, visible=False)
        score_points = gr.ScatterPlot(**axes, **scores, **titles, visible=False)
        delivery_points = gr.ScatterPlot(**axes, **delivery, **titles, visible=False)
    gr.Markdown("### Compare two interviews")
    with gr.Row():
        first = gr.Dropdown(label="Earlier pick", choices=[])
        second = gr.Dropdown(label="Later pick", choices=[])
    compare = gr.Button("Compare")
    comparison = gr.Markdown(elem_id="mf-compare")
    return HistoryTab(
        table,
        session_ids,
        selected,
        open_button,
        delete,
        refresh,
        message,
        progress_note,
        score_plot,
        delivery_plot,
        score_points,
        delivery_points,
        delete_confirm_row,
        delete_yes,
        delete_no,
        first,
        second,
        compare,
        comparison,
    )


def _duration(record: SessionRecord) -> str:
    if record.duration is None:
        return "—"
    minutes, seconds = divmod(int(record.duration), 60)
    return f"{minutes}:{seconds:02d}"


def history_rows(services: AppServices, user_id: str | None) -> tuple[list[list[str]], list[str]]:
    if not user_id:
        return [], []
    records = services.store.list_sessions(user_id, 200)
    rows = [
        [
            time.strftime("%Y-%m-%d %H:%M", time.localtime(r.created_at)),
            r.role,
            load_track(r.track).title,
            r.mode,
            _duration(r),
            STATUS_LABELS.get(r.status, r.status),
        ]
        for r in records
    ]
    return rows, [r.id for r in records]


def show_history(services: AppServices, user_id: str | None) -> Any:
    if not user_id:  # the page is still finding out who this is: its load fills the list
        return (gr.skip(),) * 5  # (an empty list here could land after the real one)
    rows, ids = history_rows(services, user_id)
    return rows, ids, None, gr.Button(interactive=False), gr.Button(interactive=False)


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
    """The list of past interviews, its progress charts and comparison."""
    history, shown = page.history, page.history_outputs
    show = page.bind(show_history)
    page.load.then(show, [page.user], shown)
    history.refresh.click(show, [page.user], shown)
    page.history_page.select(show, [page.user], shown)
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
        [*shown[:3], history.message, history.open, history.delete],
    ).then(lambda: gr.Row(visible=False), None, history.delete_confirm_row)
    charts = [
        history.progress_note,
        history.score_plot,
        history.delivery_plot,
        history.score_points,
        history.delivery_points,
        history.first,
        history.second,
    ]
    page.history_page.select(page.bind(progress_view), [page.user], charts)
    page.load.then(page.bind(progress_view), [page.user], charts)  # a select before it knew
    history.refresh.click(page.bind(progress_view), [page.user], charts)
    history.compare.click(
        page.guarded(compare), [page.user, history.first, history.second], history.comparison
    )
