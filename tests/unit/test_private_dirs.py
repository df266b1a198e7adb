"""Every folder the app creates for its data is 0700, the data folder itself included when
the app creates it (finding 10 of issue 25: they were 0755 under the usual umask)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mockflow.contracts.ids import new_browser_id
from mockflow.launch.local.environment import load_or_create_marker
from mockflow.private_files import make_private_dir
from mockflow.store.db import Store
from mockflow.store.vault import load_or_create_key_file
from mockflow.ui.launch import use_cache_dir

USER = new_browser_id()


@pytest.fixture(autouse=True)
def permissive_umask():
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def folders_under(root: Path) -> list[Path]:
    return [root, *(Path(d) / n for d, names, _ in os.walk(root) for n in names)]


def test_missing_parents_are_created_private_and_existing_ones_are_left_alone(tmp_path):
    os.chmod(tmp_path, 0o755)  # the operator's folder
    make_private_dir(tmp_path / "srv" / "mockflow" / "sessions")
    assert mode(tmp_path) == 0o755
    for folder in ("srv", "srv/mockflow", "srv/mockflow/sessions"):
        assert mode(tmp_path / folder) == 0o700, folder


def test_an_existing_folder_is_tightened(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir(mode=0o755)
    make_private_dir(folder)
    assert mode(folder) == 0o700


def test_every_folder_the_app_makes_in_a_new_data_dir_is_0700(tmp_path):
    data_dir = tmp_path / "nested" / "data"
    use_cache_dir(data_dir / "cache", ours=True)  # the first thing the app does
    load_or_create_key_file(data_dir / "secret.key")
    load_or_create_marker(data_dir)
    store = Store(data_dir / "mockflow.json", data_dir / "sessions")
    record = store.create_session(USER, role="SRE", track="behavioral", level="mid", mode="text")
    store.set_status(USER, record.id, "completed")
    store.save_feedback(USER, record.id, {"overall": 3})  # makes the session folder
    store.close()
    make_private_dir(data_dir / "users" / USER)
    folders = folders_under(tmp_path / "nested")
    assert len(folders) >= 6
    assert {f.relative_to(tmp_path).as_posix(): oct(mode(f)) for f in folders} == {
        f.relative_to(tmp_path).as_posix(): oct(0o700) for f in folders
    }
