"""Pid files of the app's child servers: what start-up may stop, and what it must not."""

from __future__ import annotations

import json
import os

import psutil

from mockflow.launch.strays import ChildPidFiles


def _write(run_dir, name: str, **record) -> None:
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / f"{name}.pid").write_text(json.dumps({"marker": "m", **record}))


def test_a_running_child_is_recorded_privately_and_forgotten_when_stopped(tmp_path) -> None:
    files = ChildPidFiles(tmp_path / "run", "m" * 32)
    files.record("livekit-server", os.getpid())
    path = tmp_path / "run" / "livekit-server.pid"
    record = json.loads(path.read_text())
    assert record["pid"] == os.getpid()
    assert record["create_time"] == psutil.Process().create_time()
    assert record["marker"] == "m" * 32 and record["owner_pid"] == os.getpid()
    assert path.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "run").stat().st_mode & 0o777 == 0o700
    files.forget("livekit-server")
    assert not path.exists()


def test_a_process_without_the_data_folders_marker_is_never_signalled(tmp_path) -> None:
    """This test process matches the record's pid and create time but carries no marker:
    start-up drops the file and leaves the process alone (or this test would not end)."""
    files = ChildPidFiles(tmp_path / "run", "m")  # in the record, not in our environment
    me = psutil.Process()
    _write(
        tmp_path / "run", "livekit-server",
        pid=me.pid, create_time=me.create_time(), owner_pid=999_999_999, owner_create_time=0.0,
    )  # fmt: skip
    assert files.stop_strays() == []
    assert not (tmp_path / "run" / "livekit-server.pid").exists()


def test_a_reused_pid_is_not_ours(tmp_path) -> None:
    files = ChildPidFiles(tmp_path / "run", "m")
    me = psutil.Process()
    _write(
        tmp_path / "run", "llm",
        pid=me.pid, create_time=me.create_time() - 100, owner_pid=0, owner_create_time=0.0,
    )  # fmt: skip
    assert files.stop_strays() == []


def test_a_child_of_an_app_still_running_elsewhere_is_left_alone(tmp_path) -> None:
    """Pid 1 stands for another live app: its children are its own business."""
    files = ChildPidFiles(tmp_path / "run", "m")
    owner = psutil.Process(1)
    _write(
        tmp_path / "run", "speech",
        pid=1, create_time=owner.create_time(), owner_pid=1, owner_create_time=owner.create_time(),
    )  # fmt: skip
    assert files.stop_strays() == []
    assert (tmp_path / "run" / "speech.pid").exists()


def test_damaged_pid_files_are_dropped(tmp_path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    (run / "a.pid").write_text("{not json")
    (run / "b.pid").write_text(json.dumps({"pid": "x"}))
    assert ChildPidFiles(run, "m").stop_strays() == []
    assert list(run.iterdir()) == []


def test_no_run_folder_is_nothing_to_do(tmp_path) -> None:
    assert ChildPidFiles(tmp_path / "missing", "m").stop_strays() == []
