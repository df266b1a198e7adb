"""`python -m mockflow report` as a user runs it: a real subprocess, a local fake LLM."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mockflow.feedback.demo import SAMPLE_DIR
from tests.fakes.openai_server import FakeOpenAI, text
from tests.fakes.rubric_llm import reply as behavioral_reply

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
KEY = "sk-test-cli-0001"


def run_report(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "MOCKFLOW_"))}
    clean["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "mockflow", "report", *args],
        cwd=cwd,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def session_dir(tmp_path: Path) -> Path:
    target = tmp_path / "iv_sample"
    shutil.copytree(SAMPLE_DIR, target)
    return target


def sample_reply() -> str:
    """A valid reply whose quotes come from the sample session's answers."""
    data = json.loads(behavioral_reply())
    quotes = [
        "I designed the event schema and wrote most of the consumer code",
        "I wrote up a short comparison doc with the failure data from the last year",
        "I added an idempotency key to the email sender",
    ]
    for competency, quote in zip(data["competencies"], quotes, strict=False):
        competency["evidence"] = [quote]
    data["strengths"] = [{"point": "You bring data to disagreements.", "quote": quotes[1]}]
    data["improvements"][0]["original"] = "It was kind of a big deal for us"
    return json.dumps(data)


def test_markdown_without_a_key_is_analytics_only(session_dir: Path, tmp_path: Path) -> None:
    result = run_report(str(session_dir), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("# Interview feedback: Behavioral interview")
    assert "- Speaking pace: 143 words per minute" in result.stdout
    assert "OPENAI\\_API\\_KEY is not set" in result.stdout


def test_json_and_no_llm(session_dir: Path, tmp_path: Path) -> None:
    result = run_report(str(session_dir), "--json", "--no-llm", cwd=tmp_path, OPENAI_API_KEY=KEY)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["rubric"] is None and "--no-llm" in data["rubric_note"]
    assert data["analytics"]["filler_count"] == 35
    assert "transcript" not in data


def test_rubric_from_the_fake_llm_and_html_file(session_dir: Path, tmp_path: Path) -> None:
    html = tmp_path / "report.html"
    with FakeOpenAI(api_key=KEY) as server:
        server.enqueue(text("not json"), text(sample_reply()))
        result = run_report(
            str(session_dir),
            "--html",
            str(html),
            cwd=tmp_path,
            OPENAI_API_KEY=KEY,
            OPENAI_BASE_URL=server.base_url,
            MOCKFLOW_FEEDBACK_MODEL="gpt-4.1",
        )
        models = [r["model"] for r in server.requests]
    assert result.returncode == 0, result.stderr
    assert models == ["gpt-4.1", "gpt-4.1"]
    assert "**Overall:** 4 / 5 (mean of 3 scored competencies)" in result.stdout
    assert "**Counted as evidence for:** Communication" in result.stdout
    assert "What you said (answer 3)" in result.stdout
    assert KEY not in result.stdout + result.stderr
    assert "<h2>Scores</h2>" in html.read_text()


def test_always_invalid_rubric_still_prints_the_analytics(
    session_dir: Path, tmp_path: Path
) -> None:
    with FakeOpenAI(api_key=KEY) as server:
        server.enqueue(text("no"), text("still no"))
        result = run_report(
            str(session_dir), cwd=tmp_path, OPENAI_API_KEY=KEY, OPENAI_BASE_URL=server.base_url
        )
    assert result.returncode == 0, result.stderr
    assert "The model's rubric was not valid JSON." in result.stdout
    assert "## Delivery (measured)" in result.stdout


def test_jd_file_replaces_the_job_description(session_dir: Path, tmp_path: Path) -> None:
    jd = tmp_path / "jd.txt"
    jd.write_text("Data Engineer\nWe use Snowflake and Kafka.\n", encoding="utf-8")
    result = run_report(str(session_dir), "--json", "--jd", str(jd), cwd=tmp_path)
    coverage = json.loads(result.stdout)["analytics"]["jd_coverage"]
    assert coverage["used"] == ["Kafka"] and coverage["missing"] == ["Snowflake"]


def test_partial_trailing_line_is_skipped(session_dir: Path, tmp_path: Path) -> None:
    with open(session_dir / "events.jsonl", "a", encoding="utf-8") as f:
        f.write('{"t": 1, "type": "turn", "role": "candidate", "te')
    result = run_report(str(session_dir), "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["analytics"]["total_words"] == 841


@pytest.mark.parametrize("problem", ["missing", "malformed", "bad_meta", "bad_jd"])
def test_bad_input_exits_2_with_one_line(problem: str, session_dir: Path, tmp_path: Path) -> None:
    args = [str(session_dir)]
    if problem == "missing":
        args = [str(tmp_path / "nowhere")]
    elif problem == "malformed":
        lines = (session_dir / "events.jsonl").read_text().splitlines()
        lines.insert(3, "{not json")
        (session_dir / "events.jsonl").write_text("\n".join(lines) + "\n")
    elif problem == "bad_meta":
        (session_dir / "meta.json").write_text("[1, 2")
    else:
        args += ["--jd", str(tmp_path / "no-such-jd.txt")]
    result = run_report(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith("mockflow report: ")


def test_usage_error_exits_2(tmp_path: Path) -> None:
    result = run_report("--json", cwd=tmp_path)
    assert result.returncode == 2 and "usage:" in result.stderr


def test_out_writes_the_three_downloads(session_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "downloads"
    result = run_report(str(session_dir), "--no-llm", "--out", str(out), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    files = {p.suffix: p for p in out.iterdir()}
    assert set(files) == {".md", ".html", ".json"}
    assert files[".md"].read_text() == result.stdout  # the same report as printed
    assert "<h4>Answer 12</h4>" in files[".html"].read_text()
    assert "transcript" not in json.loads(files[".json"].read_text())


def test_a_stored_rubric_is_shown_without_asking_the_model_again(
    session_dir: Path, tmp_path: Path
) -> None:
    with FakeOpenAI(api_key=KEY) as server:
        server.enqueue(text(sample_reply()), text(sample_reply()))
        env = {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": server.base_url}
        first = run_report(str(session_dir), "--json", cwd=tmp_path, **env)
        (session_dir / "feedback.json").write_text(first.stdout)  # as the app stores it
        asks = len(server.requests)
        again = run_report(str(session_dir), cwd=tmp_path, **env)
        assert len(server.requests) == asks == 1  # read from the stored report
        assert "showing the stored report" in again.stderr
        assert "**Overall:** 4 / 5" in again.stdout and "#### Answer 12" in again.stdout
        fresh = run_report(str(session_dir), "--regenerate", cwd=tmp_path, **env)
        assert len(server.requests) == 2 and fresh.returncode == 0, fresh.stderr
