"""`python -m mockflow report SESSION_DIR [--json] [--no-llm] [--regenerate] [--jd FILE]
[--html FILE] [--out DIR]`.

A composition root: it reads the environment once through `Settings.from_env()` (plus
`MOCKFLOW_FEEDBACK_MODEL`), picks the real `OpenAIRubricLLM` or none, and prints the
report: Markdown by default, JSON (analytics and rubric, no transcript) with `--json`.

Inputs: `SESSION_DIR/events.jsonl` (required) and `SESSION_DIR/meta.json` (optional; see
`mockflow.feedback.session`); `--jd FILE` replaces the job description from meta.json.
A report the app already stored with its rubric (`SESSION_DIR/feedback.json`) is shown as
it is, without calling the model again; `--regenerate` asks the model anew (and `--jd` or
`--no-llm` build a new report too). Without `OPENAI_API_KEY` (or with `--no-llm`) the
report is analytics only and says so.
Exit codes: 0 report printed; 2 usage error, or a missing, unreadable or malformed
events file, meta.json or JD file (one line on stderr).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Mapping
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from mockflow.config import Settings
from mockflow.contracts.events import EVENTS_FILE, read_events
from mockflow.contracts.meta import SessionMeta, load_meta
from mockflow.errors import MockflowError
from mockflow.feedback.report.export import export_report
from mockflow.feedback.report.html import render_html
from mockflow.feedback.report.markdown import render_markdown
from mockflow.feedback.report.model import FeedbackReport, generate_report
from mockflow.feedback.rubric.llm import DEFAULT_FEEDBACK_MODEL, OpenAIRubricLLM
from mockflow.feedback.session import turns_of
from mockflow.store.session_files import FEEDBACK_FILE

PROG = "python -m mockflow report"

MODEL_ENV = "MOCKFLOW_FEEDBACK_MODEL"
SKIPPED_NOTE = (
    "Scores and coaching were skipped (--no-llm): this report has measured analytics only."
)
NO_KEY_NOTE = (
    "Scores and coaching were not generated: OPENAI_API_KEY is not set. Set it (and "
    f"optionally OPENAI_BASE_URL and {MODEL_ENV}) to add them."
)


class ReportInputError(MockflowError):
    """A file the report needs is missing or unreadable."""


def main(argv: list[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    try:
        args = _parser().parse_args(sys.argv[1:] if argv is None else argv)
    except SystemExit as exc:  # argparse has printed the usage line
        return int(exc.code or 0)
    try:
        shown = _stored(args) or _run(args, os.environ if env is None else env)
    except MockflowError as exc:
        print(f"mockflow report: {exc}", file=sys.stderr)
        return 2
    if args.html:
        Path(args.html).write_text(render_html(shown), encoding="utf-8")
    if args.out:
        export_report(shown, args.out)
    stored = {k: v for k, v in shown.items() if k != "transcript"}
    as_json = json.dumps(stored, ensure_ascii=False, indent=2) + "\n"
    sys.stdout.write(as_json if args.json else render_markdown(shown))
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description="The feedback report of a session.")
    parser.add_argument("session_dir", type=Path, help=f"directory holding {EVENTS_FILE}")
    parser.add_argument("--json", action="store_true", help="print analytics and rubric as JSON")
    parser.add_argument("--no-llm", action="store_true", help="analytics only; no model call")
    parser.add_argument(
        "--regenerate", action="store_true", help="ask the model again for a stored report"
    )
    parser.add_argument("--jd", type=Path, metavar="FILE", help="job description text file")
    parser.add_argument("--html", type=Path, metavar="FILE", help="also write printable HTML")
    parser.add_argument(
        "--out", type=Path, metavar="DIR", help="also write the .md, .html and .json files"
    )
    parser.add_argument(
        "--model", help=f"feedback model (default: ${MODEL_ENV} or {DEFAULT_FEEDBACK_MODEL})"
    )
    return parser


def _stored(args: argparse.Namespace) -> dict[str, Any] | None:
    """The report stored with its rubric, with the transcript attached, if it is to be used."""
    session_dir = args.session_dir.parent if args.session_dir.is_file() else args.session_dir
    if args.regenerate or args.no_llm or args.jd:
        return None
    try:
        stored = json.loads((session_dir / FEEDBACK_FILE).read_text("utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        raise ReportInputError(f"{FEEDBACK_FILE} is not readable; use --regenerate") from None
    if not isinstance(stored, dict) or not stored.get("rubric"):
        return None
    print("mockflow report: showing the stored report (--regenerate to ask again)", file=sys.stderr)
    turns = turns_of(read_events(args.session_dir))
    return {**stored, "transcript": [asdict(turn) for turn in turns]}


def _run(args: argparse.Namespace, env: Mapping[str, str]) -> dict[str, Any]:
    session_dir = args.session_dir
    if session_dir.is_file():
        session_dir = session_dir.parent
    events = read_events(args.session_dir)
    meta = _meta(session_dir, args.jd)
    settings = Settings.from_env(env)
    key = settings.env_keys.openai_api_key
    if args.no_llm or not key:
        note = SKIPPED_NOTE if args.no_llm else NO_KEY_NOTE
        report = asyncio.run(generate_report(events, meta, None, note=note))
        return report.to_dict(include_transcript=True)
    model = args.model or env.get(MODEL_ENV) or DEFAULT_FEEDBACK_MODEL
    llm = OpenAIRubricLLM(key, base_url=settings.env_keys.openai_base_url, model=model)
    print(f"mockflow report: asking {model} for the rubric…", file=sys.stderr)
    report = asyncio.run(_with_llm(events, meta, llm, model))
    return report.to_dict(include_transcript=True)


async def _with_llm(
    events: list[dict], meta: SessionMeta, llm: OpenAIRubricLLM, model: str
) -> FeedbackReport:
    try:
        return await generate_report(events, meta, llm, model_name=model)
    finally:
        await llm.aclose()


def _meta(session_dir: Path, jd_file: Path | None) -> SessionMeta:
    meta = load_meta(session_dir)
    if jd_file is None:
        return meta
    try:
        return replace(meta, job_description=jd_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        raise ReportInputError(f"cannot read the job description file {jd_file}") from None
