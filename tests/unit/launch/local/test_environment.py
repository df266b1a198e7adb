"""The agent's environment is an allow-list; the data dir's marker is stable and private."""

from __future__ import annotations

import stat
from pathlib import Path

from mockflow.launch.local.environment import MARKER_VAR, child_environment, load_or_create_marker

APP_ENV = {
    "PATH": "/usr/local/bin:/usr/bin",
    "HOME": "/home/coach",
    "LANG": "en_US.UTF-8",
    "TZ": "Europe/Paris",
    "PYTHONPATH": "/srv/mockflow",
    "TMPDIR": "/var/tmp",
    "MOCKFLOW_SECRET_KEY": "master-key",
    "OPENAI_API_KEY": "sk-app",
    "LIVEKIT_API_SECRET": "lk-secret",
    "HTTPS_PROXY": "http://user:pass@proxy:3128",
    "AWS_SECRET_ACCESS_KEY": "aws",
}


def test_keeps_only_process_plumbing_and_adds_marker() -> None:
    env = child_environment(APP_ENV, marker="m123", log_level="DEBUG")

    assert env == {
        "PATH": "/usr/local/bin:/usr/bin",
        "HOME": "/home/coach",
        "LANG": "en_US.UTF-8",
        "TZ": "Europe/Paris",
        "PYTHONPATH": "/srv/mockflow",
        "TMPDIR": "/var/tmp",
        "PYTHONUNBUFFERED": "1",
        "PYTHONUTF8": "1",
        "LOG_LEVEL": "DEBUG",
        MARKER_VAR: "m123",
    }


def test_minimal_parent_still_gets_a_path_and_a_utf8_locale() -> None:
    env = child_environment({}, marker="m", log_level="INFO")

    assert env["PATH"]
    assert env["LANG"] == "C.UTF-8"


def test_marker_is_created_once_with_mode_0600(tmp_path: Path) -> None:
    first = load_or_create_marker(tmp_path / "data")
    second = load_or_create_marker(tmp_path / "data")

    assert first == second and len(first) == 32
    mode = stat.S_IMODE((tmp_path / "data" / "agent.marker").stat().st_mode)
    assert mode == 0o600


def test_each_data_dir_has_its_own_marker(tmp_path: Path) -> None:
    assert load_or_create_marker(tmp_path / "a") != load_or_create_marker(tmp_path / "b")
