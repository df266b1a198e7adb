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
from mockflow.ui.tabs.history_charts import compare, progress_view


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


def test_charts_leave_gaps_for_what_was_not_measured(services):
    svc, _ = services
    note, score_plot, delivery_plot, score_points, _, first, second = progress_view(svc, "local")
    assert score_plot.visible and not score_points.visible  # two interviews: lines
    scores, delivery = _frame(score_plot), _frame(delivery_plot)
    assert note.startswith("2 interview(s)")
    assert sorted(scores["label"].unique()) == ["Overall score", "Structure (STAR)"]
    assert len(scores) == 2  # one scored session; the unscored one is a gap, not a zero
    fillers = delivery[delivery["label"] == "Fillers per 100 words"]["value"].tolist()
    assert fillers == [6.0, 2.5]
    assert delivery[delivery["label"] == "Pace (words per minute)"]["value"].tolist() == [141.0]
    assert first.value != second.value
    names = [name for name, _ in first.choices]
    assert all(" · Engineer" in name for name in names)  # date, role (and track when known)


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

    note, _scores, delivery_plot, *_ = progress_view(svc, "local")
    delivery = _frame(delivery_plot)
    assert note.startswith("3 interview(s)")  # the two fixtures and the sample, not the empty
    assert len(delivery[delivery["label"] == "Fillers per 100 words"]) == 3
    stored = svc.store.get_feedback("local", record.id)
    assert stored is not None and stored.get("rubric") is None  # measured only, stored once
    assert svc.store.get_feedback("local", empty.id) is None


def test_charts_are_hidden_until_there_is_something_to_chart(tmp_path):
    settings = Settings(data_dir=tmp_path, secret_key="a long enough passphrase for tests")
    store = Store.open(settings)
    svc = SimpleNamespace(reports=ReportService(store, Vault.open(settings, store)), store=store)
    note, score_plot, delivery_plot, *_ = progress_view(svc, "local")
    assert "Charts appear after your first interview" in note
    assert score_plot.visible is False and delivery_plot.visible is False
    store.close()


def test_a_single_interview_is_drawn_as_points(services):
    svc, ids = services
    svc.store.set_status("local", ids[0], "completed")
    svc.store.delete_session("local", ids[0])
    note, score_plot, delivery_plot, score_points, delivery_points, *_ = progress_view(svc, "local")
    assert "One interview so far" in note
    assert not score_plot.visible and not delivery_plot.visible
    assert score_points.visible and delivery_points.visible
    assert _frame(score_points)["value"].tolist() == [3.5, 3.5]


def test_before_the_page_knows_its_user_nothing_is_emptied(services):
    svc, _ = services
    assert all(isinstance(value, type(gr.skip())) for value in progress_view(svc, None))
