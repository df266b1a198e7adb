"""History tab's progress: chart rows per kind, and two reports side by side."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from mockflow.config import Settings
from mockflow.reports import ReportService
from mockflow.store import Store
from mockflow.ui.progress_view import compare, progress_view
from mockflow.vault import Vault


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
    note, scores, delivery, first, second = progress_view(svc, "local")
    assert note.startswith("2 interview(s)")
    assert sorted(scores["label"].unique()) == ["Overall score", "Structure (STAR)"]
    assert len(scores) == 2  # one scored session; the unscored one is a gap, not a zero
    fillers = delivery[delivery["label"] == "Fillers per 100 words"]["value"].tolist()
    assert fillers == [6.0, 2.5]
    assert delivery[delivery["label"] == "Pace (words per minute)"]["value"].tolist() == [141.0]
    assert first.value != second.value


def test_side_by_side_names_each_figure_honestly(services):
    svc, ids = services
    table = compare(svc, "local", ids[0], ids[1])
    assert "| Overall score | no scores yet | 3.5 / 5 |" in table
    assert "| Fillers per 100 words | 6 | 2.5 |" in table
    assert "| Pace (words per minute) | not measured | 141 |" in table
    assert "| Role fit | — | insufficient evidence |" in table
