"""History tab's progress: chart rows per kind, and two reports side by side."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import gradio as gr
import pandas as pd
import pytest

from mockflow.app.reports import ReportService
from mockflow.config import Settings
from mockflow.store.db import Store
from mockflow.store.vault import Vault
from mockflow.ui.tabs.history_charts import MEASURES, compare, progress_view


def _report(session_id: str, started: float, filler: float, pace, overall) -> dict:
    rubric = None
    if overall is not None:
        rubric = {
            "overall": overall,
            "competencies": [
                {"name": "structure", "title": "Structure (STAR)", "score": overall},
                {"name": "role_fit", "title": "Role fit", "score": None},
            ],
        }
    return {
        "session": {"session_id": session_id, "role": "Engineer", "started_at": started},
        "analytics": {
            "filler_rate": {"value": filler},
            "pace_wpm": {"value": pace},
            "think_time_median": {"value": None},
            "answers": [{}, {}, {}],
        },
        "rubric": rubric,
    }


def _frame(plot) -> pd.DataFrame:
    """The rows a chart update carries."""
    return pd.DataFrame(plot.value["data"], columns=plot.value["columns"])


@pytest.fixture
def services(tmp_path):
    settings = Settings(data_dir=tmp_path, secret_key="a long enough passphrase for tests")
    store = Store.open(settings)
    reports = ReportService(store, Vault.open(settings, store))
    ids = []
    for started, filler, pace, overall in (
        (1.7e9, 6.0, None, None),
        (1.7e9 + 86400, 2.5, 141.0, 3.5),
    ):
        record = store.create_session(
            "local", role="Engineer", track="behavioral", level="mid", mode="voice"
        )
        store.save_feedback("local", record.id, _report(record.id, started, filler, pace, overall))
        ids.append(record.id)
    yield SimpleNamespace(reports=reports, store=store), ids
    store.close()


def _charts(view) -> dict[str, tuple]:
    """progress_view's output as {measure: (line, points, words)}."""
    parts = view[1:-2]
    return {m.key: tuple(parts[3 * i : 3 * i + 3]) for i, m in enumerate(MEASURES)}


def test_each_measure_has_its_own_chart_unit_and_axis(services):
    svc, _ = services
    view = progress_view(svc, "local")
    note, first, second, charts = view[0], view[-2], view[-1], _charts(view)
    assert note.startswith("2 interview(s)")
    line, points, words = charts["filler_rate"]
    assert line.visible and not points.visible and not words.visible  # two figures: a line
    assert _frame(line)["value"].tolist() == [6.0, 2.5]
    assert line.y_lim == [0, 8]  # its own axis: from 0 to a round number above 6
    overall_line, overall_points, _ = charts["overall"]
    assert overall_points.visible and not overall_line.visible  # one score so far: a point
    assert _frame(overall_points)["value"].tolist() == [3.5]  # the unscored one: a gap
    assert overall_points.y_lim == [1, 5]
    pace_line, pace_points, _ = charts["pace_wpm"]
    assert pace_points.visible and _frame(pace_points)["value"].tolist() == [141.0]
    assert pace_points.y_lim == [0, 170]  # words per minute: not squeezed onto fillers' axis
    think = charts["think_time_median"]
    assert not think[0].visible and not think[1].visible  # nothing measured: no empty chart
    assert think[2].visible and "Not measured yet" in think[2].value
    assert first.value != second.value
    names = [name for name, _ in first.choices]
    assert all(" · Engineer" in name for name in names)  # date, role (and track when known)


def test_every_chart_names_its_unit():
    assert [m.unit for m in MEASURES] == [
        "Score (1–5)",
        "Fillers per 100 words",
        "Words per minute",
        "Seconds before answering (median)",
    ]


def test_side_by_side_names_each_figure_honestly(services):
    svc, ids = services
    table = compare(svc, "local", ids[0], ids[1])
    assert "- **Overall score**: no scores yet → 3.5 / 5" in table
    assert "- **Fillers per 100 words**: 6 → 2.5 (↓ 3.5, better)" in table
    assert "- **Pace (words per minute)**: not measured → 141\n" in table
    assert "- **Role fit**: — → insufficient evidence" in table


def test_an_ended_interview_charts_its_delivery_without_generating_scores(services):
    import shutil
    from importlib import resources

    svc, _ = services
    record = svc.store.create_session(
        "local", role="Backend Engineer", track="behavioral", level="mid", mode="voice"
    )
    sample = resources.files("mockflow.feedback").joinpath("sample")
    Path(record.session_dir).mkdir(parents=True, exist_ok=True)
    for name in ("events.jsonl", "meta.json"):
        shutil.copy(str(sample / name), Path(record.session_dir) / name)
    empty = svc.store.create_session(
        "local", role="Engineer", track="behavioral", level="mid", mode="text"
    )
    Path(empty.session_dir).mkdir(parents=True, exist_ok=True)
    (Path(empty.session_dir) / "events.jsonl").write_text(
        '{"t": 1.0, "type": "error", "message": "LiveKit unreachable.", "fatal": true}\n'
        '{"t": 1.1, "type": "ended", "reason": "error"}\n'
    )
    lost = svc.store.create_session(
        "local", role="Engineer", track="behavioral", level="mid", mode="text"
    )
    svc.store.set_status("local", lost.id, "failed", end_reason="error")  # no timeline at all
    for ended in (record, empty):
        svc.store.set_status("local", ended.id, "completed", end_reason="completed")

    view = progress_view(svc, "local")
    assert view[0].startswith("3 interview(s)")  # the two fixtures and the sample, not the empty
    assert len(_frame(_charts(view)["filler_rate"][0])) == 3
    stored = svc.store.get_feedback("local", record.id)
    assert stored is not None and stored.get("rubric") is None  # measured only, stored once
    assert svc.store.get_feedback("local", empty.id) is None


def test_charts_are_hidden_until_there_is_something_to_chart(tmp_path):
    settings = Settings(data_dir=tmp_path, secret_key="a long enough passphrase for tests")
    store = Store.open(settings)
    svc = SimpleNamespace(reports=ReportService(store, Vault.open(settings, store)), store=store)
    view = progress_view(svc, "local")
    assert "Charts appear after your first interview" in view[0]
    for chart in _charts(view).values():  # no charts and no per-chart words: the note says it
        assert [part.visible for part in chart] == [False, False, False]
    store.close()


def test_a_single_interview_is_drawn_as_points(services):
    svc, ids = services
    svc.store.set_status("local", ids[0], "completed")
    svc.store.delete_session("local", ids[0])
    charts = _charts(progress_view(svc, "local"))
    for key in ("overall", "filler_rate", "pace_wpm"):
        line, points, words = charts[key]
        assert not line.visible and points.visible and not words.visible
        assert len(_frame(points)) == 1


def test_before_the_page_knows_its_user_nothing_is_emptied(services):
    svc, _ = services
    assert all(isinstance(value, type(gr.skip())) for value in progress_view(svc, None))
