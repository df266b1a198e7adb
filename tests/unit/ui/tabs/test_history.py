"""History tab's list: four columns that fit a phone, and an ended interview that its
store has not filed yet shown as ending, watched until it is."""

from __future__ import annotations

from types import SimpleNamespace

import gradio as gr
import pytest

from mockflow.app.reports import ReportService
from mockflow.config import Settings
from mockflow.store.db import Store
from mockflow.store.vault import Vault
from mockflow.ui.tabs.history import COLUMNS, history_rows, refresh_history, watch_history


@pytest.fixture
def services(tmp_path):
    settings = Settings(data_dir=tmp_path, secret_key="a long enough passphrase for tests")
    store = Store.open(settings)
    ended: set[str] = set()  # sessions whose timeline says ended
    svc = SimpleNamespace(
        store=store,
        reports=ReportService(store, Vault.open(settings, store)),
        interviews=SimpleNamespace(is_over=lambda user, session: session in ended),
    )
    yield svc, ended
    store.close()


def _running(store: Store) -> str:
    record = store.create_session(
        "local", role="Data Engineer", track="behavioral", level="mid", mode="text"
    )
    store.set_status("local", record.id, "running")
    return record.id


def test_each_row_fits_four_columns_with_the_status_in_view(services):
    svc, _ = services
    _running(svc.store)
    rows, ids = history_rows(svc, "local")
    assert COLUMNS == ["Date", "Interview", "Status", "Length"]
    assert rows[0][1:] == ["Data Engineer · Behavioral interview · text", "running now", "—"]
    assert len(ids) == 1


def test_an_ended_interview_is_watched_until_it_is_filed(services):
    svc, ended = services
    session = _running(svc.store)
    view = refresh_history(svc, "local")
    assert view[0][0][2] == "running now" and view[-1].active is False  # running: no watch
    ended.add(session)  # the interview's timeline has ended; the store lags
    view = refresh_history(svc, "local")
    assert view[0][0][2] == "ending…" and view[-1].active is True
    assert all(isinstance(v, type(gr.skip())) for v in watch_history(svc, "local"))
    svc.store.set_status("local", session, "user_ended", end_reason="user_ended")
    view = watch_history(svc, "local")
    assert view[0][0][2] == "ended by you" and view[-1].active is False


def test_before_the_page_knows_its_user_nothing_is_emptied(services):
    svc, _ = services
    assert all(isinstance(v, type(gr.skip())) for v in refresh_history(svc, None))
