"""`pip install .` into a fresh virtualenv, then the installed `mockflow` runs the app and its
agents from site-packages alone: entry points, package data and declared dependencies.

The venv sees the system site-packages (the set CI installed from requirements.txt, with
pip and setuptools), so pip resolves every declared dependency against exactly what was
tested, offline (`--no-index`); the checkout is copied first so the build leaves nothing
in it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from gradio_client import Client

from mockflow import __version__
from tests.app_process import AppProcess
from tests.fakes.interviewer_script import ScriptedInterviewer
from tests.fakes.openai_server import FakeOpenAI

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
KEY = "sk-installed-test-4411"


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("installed")
    source = base / "src"
    source.mkdir()
    shutil.copytree(
        ROOT / "mockflow", source / "mockflow", ignore=shutil.ignore_patterns("__pycache__")
    )
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    env_dir = base / "venv"
    subprocess.run(
        [sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(env_dir)],
        check=True,
    )
    install = subprocess.run(
        [
            str(env_dir / "bin/python"),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-index",
            "--no-build-isolation",
            "--disable-pip-version-check",
            str(source),
        ],
        capture_output=True,
        text=True,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    return env_dir


def _run(venv: Path, *argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(venv / "bin" / argv[0]), *argv[1:]],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": str(cwd), "LANG": "C.UTF-8"},
    )


def test_the_installed_command_is_the_package_in_the_venv(venv: Path, tmp_path: Path):
    version = _run(venv, "mockflow", "--version", cwd=tmp_path)
    where = _run(venv, "python", "-c", "import mockflow; print(mockflow.__file__)", cwd=tmp_path)
    bad_agent = _run(venv, "python", "-m", "mockflow.agent", "nonsense", cwd=tmp_path)

    assert version.returncode == 0 and version.stdout.strip() == f"mockflow {__version__}"
    assert where.stdout.startswith(str(venv)), where.stdout + where.stderr
    assert bad_agent.returncode == 2 and "usage: python -m mockflow.agent" in bad_agent.stderr


PACKAGE_DATA = ["interview/prompts", "interview/prompts/tracks", "feedback/sample", "ui/static"]


def test_installed_package_data_is_all_there(venv: Path, tmp_path: Path):
    """Prompts, tracks, the sample session and the browser script ship in the package."""
    probe = (
        "from importlib.resources import files\n"
        "root = files('mockflow')\n"
        f"for p in {PACKAGE_DATA!r}:\n"
        "    print(p, sorted(x.name for x in root.joinpath(p).iterdir()"
        " if x.is_file() and not x.name.endswith('.py')))\n"
    )
    listing = _run(venv, "python", "-c", probe, cwd=tmp_path)
    expected = {
        p: sorted(
            x.name
            for x in (ROOT / "mockflow" / p).iterdir()
            if x.is_file() and not x.name.endswith(".py")
        )
        for p in PACKAGE_DATA
    }

    assert listing.returncode == 0, listing.stderr
    shown = dict(line.split(" ", 1) for line in listing.stdout.strip().splitlines())
    for folder, names in expected.items():
        assert names, folder
        assert shown[folder] == repr(names), folder


def test_mockflow_app_runs_a_text_interview_from_the_installed_package(venv: Path, tmp_path: Path):
    fake = FakeOpenAI(api_key=KEY, responder=ScriptedInterviewer(answers_per_stage=1))
    fake.start_in_thread()
    app = AppProcess(
        tmp_path,
        {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": fake.base_url, "MOCKFLOW_STAGE_SCALE": "0.05"},
        command=[str(venv / "bin/mockflow"), "app"],
    )
    try:
        client = Client(app.url, verbose=False)
        started = client.predict(
            "Ana",
            "Backend Engineer",
            "mid",
            "behavioral",
            "short",
            "",
            "",
            "",
            api_name="/start_interview",
        )
        session_id = started["session_id"]
        greeting = _first_turn(client, session_id)
        ended = client.predict(session_id, "", api_name="/end_interview")
    finally:
        app.stop()
        fake.stop_thread()

    assert greeting["role"] == "interviewer" and greeting["text"]
    assert ended == "ended"
    log = (tmp_path / "app.log").read_text()
    assert str(ROOT) not in log  # nothing ran from the checkout


def _first_turn(client: Client, session_id: str, timeout: float = 60.0) -> dict:
    offset, deadline = 0, time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = client.predict(session_id, offset, "", api_name="/poll")
        offset = result["offset"]
        turns = [e for e in result["events"] if e["type"] == "turn"]
        if turns:
            return turns[0]
        if any(e["type"] == "ended" for e in result["events"]):
            raise AssertionError(f"ended before a turn: {result['events']}")
        time.sleep(0.2)
    raise AssertionError("no greeting from the installed agent")
