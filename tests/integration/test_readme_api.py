"""The README's gradio_client example, run as it is printed, against the real app."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.app_process import AppProcess
from tests.fakes.interviewer_script import ScriptedInterviewer
from tests.fakes.openai_server import FakeOpenAI

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
KEY = "sk-readme-example-0001"
README_URL = "http://127.0.0.1:7860/"


def readme_example() -> str:
    """The Python block of the README's "HTTP API" section."""
    section = (ROOT / "README.md").read_text("utf-8").split("## HTTP API", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, flags=re.DOTALL)
    assert match, "the README's HTTP API section has no Python example"
    return match.group(1)


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def test_the_readme_example_runs_to_the_end(tmp_path: Path) -> None:
    code = readme_example()
    assert README_URL in code
    fake = FakeOpenAI(api_key=KEY, responder=ScriptedInterviewer(answers_per_stage=1))
    fake.start_in_thread()
    # the example's own address when it is free; otherwise the same code on another port
    port = 7860 if port_free(7860) else None
    (tmp_path / "app").mkdir()
    app = AppProcess(
        tmp_path / "app",
        {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": fake.base_url, "MOCKFLOW_STAGE_SCALE": "0.05"},
        port=port,
    )
    try:
        code = code.replace(README_URL, app.url)
        answers = "".join(f"My answer number {n}.\n" for n in range(1, 40))
        result = subprocess.run(
            [sys.executable, "-c", code],
            input=answers,
            capture_output=True,
            text=True,
            timeout=180,
            cwd=tmp_path,
        )
    finally:
        app.stop()
        fake.stop_thread()
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Interviewer:" in result.stdout
    assert "# Interview feedback" in result.stdout  # the report printed at the end
