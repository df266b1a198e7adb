"""The free-disk floor (issue 25, findings 3 and 4): under it no interview starts and no
answer is taken, each refused with the reason; above it again, both work at once.

The floor is set above (or below) the real free space of the test's disk: the app
measures the real disk, as it does in production."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from mockflow.app.disk import STARTS_PAUSED, DiskSpaceError, disk_state
from mockflow.config import Settings
from mockflow.contracts.events import NOT_SAVED_NO_SPACE, EventWriter
from mockflow.errors import MockflowError
from tests.unit.app.test_interviews import SETUP, service  # noqa: F401  (a fixture)

FLOOR_ABOVE_ANY_DISK = 10.0**12  # MB: a petabyte
NO_FLOOR = 0.0


def set_floor(svc, mb: float) -> None:
    svc.settings = replace(svc.settings, min_free_mb=mb)


def test_the_state_says_low_under_the_floor_only(tmp_path):
    settings = Settings(data_dir=tmp_path / "not-made-yet")  # measured on its parent's disk
    state = disk_state(settings)
    assert state.free_bytes is not None and not state.low
    assert state.health() == {
        "free_mb": state.health()["free_mb"],
        "min_free_mb": 300,
        "low": False,
    }
    low = disk_state(replace(settings, min_free_mb=FLOOR_ABOVE_ANY_DISK))
    assert low.low and low.health()["low"] is True


def test_a_start_under_the_floor_is_refused_with_the_reason_and_nothing_runs(service):  # noqa: F811
    set_floor(service, FLOOR_ABOVE_ANY_DISK)
    with pytest.raises(DiskSpaceError) as refused:
        service.start("local", SETUP)
    assert str(refused.value) == STARTS_PAUSED
    assert service.supervisor.specs == [] and service.store.list_sessions("local") == []
    set_floor(service, NO_FLOOR)  # space again: starts at once
    assert service.start("local", SETUP).session_id


def test_an_answer_under_the_floor_is_refused_as_not_saved(service):  # noqa: F811
    started = service.start("local", SETUP)
    set_floor(service, FLOOR_ABOVE_ANY_DISK)
    with pytest.raises(MockflowError, match=NOT_SAVED_NO_SPACE):
        service.send_answer("local", started.session_id, "I built the billing service.")
    assert service.supervisor.sent == []  # never "sent"
    set_floor(service, NO_FLOOR)
    service.send_answer("local", started.session_id, "I built the billing service.")
    assert [command["text"] for _, command in service.supervisor.sent] == [
        "I built the billing service."
    ]


def test_an_answer_after_the_timeline_ended_is_refused_though_the_store_lags(service):  # noqa: F811
    started = service.start("local", SETUP)
    writer = EventWriter(Path(started.events_path))
    writer.write("error", message=NOT_SAVED_NO_SPACE, fatal=True)
    writer.write("ended", reason="error")
    writer.close()
    assert service.session("local", started.session_id).status == "running"  # not told yet
    with pytest.raises(MockflowError, match="already ended"):
        service.send_answer("local", started.session_id, "Are you there?")
    assert service.supervisor.sent == []
