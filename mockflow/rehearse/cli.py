"""`python -m mockflow rehearse`: simulated candidates interview a model; the conduct is graded.

A composition root: argv and `Settings.from_env()` (the endpoint defaults to
`OPENAI_BASE_URL` / `OPENAI_API_KEY`, as in the app) → one endpoint check → one
`Supervisor` over a temporary data directory (or `--keep DIR`) → the runner → the table on
stdout (then each interview that ended in error, with its message), progress on stderr, and
`--json OUT`.

Exit codes: 0 every interview ran and ended (whatever the metrics say); 1 at least one
interview ended in error, timed out or could not start; 2 bad arguments or an unusable
endpoint (one line on stderr, nothing run). The API key is never printed or written.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, NoReturn

from mockflow.config import Settings
from mockflow.errors import MockflowError
from mockflow.interview.fsm import TRACK_NAMES
from mockflow.launch import Supervisor
from mockflow.rehearse.candidate import make_candidate
from mockflow.rehearse.chat import OpenAIChat
from mockflow.rehearse.endpoint import Endpoint, check_endpoint
from mockflow.rehearse.judge import judge_interview
from mockflow.rehearse.personas import load_material, load_persona, persona_names
from mockflow.rehearse.runner import InterviewResult, Job, RunOptions, run_all
from mockflow.rehearse.summary import format_errors, format_table, summarise

PROG = "python -m mockflow rehearse"
DEFAULT_MODEL = "gpt-4o-mini"
MIN_READY_TIMEOUT = 60.0  # several agents warming at once on a small machine


class UsageError(MockflowError):
    """The command line cannot be used as given."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see --help)")


def main(argv: list[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    try:
        args = _parser().parse_args(sys.argv[1:] if argv is None else argv)
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
    except UsageError as exc:
        return _fail(str(exc))
    if args.list_personas:
        for name in persona_names():
            print(f"{name}: {load_persona(name).description}")
        return 0
    try:
        settings = Settings.from_env(env)
        plan = _plan(args, settings)
        for warning in check_endpoint(plan.endpoint, _models(args)):
            print(f"mockflow rehearse: warning: {warning}", file=sys.stderr)
    except MockflowError as exc:
        return _fail(str(exc))
    try:
        return _rehearse(args, settings, plan)
    except KeyboardInterrupt:
        print("mockflow rehearse: interrupted", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="Simulated candidates interview a model.")
    add = parser.add_argument
    add("--base-url", help="OpenAI-compatible endpoint (default: $OPENAI_BASE_URL, else OpenAI)")
    add("--api-key", help="its key (default: $OPENAI_API_KEY; prefer that: argv is visible in ps)")
    add("--model", default=DEFAULT_MODEL, help=f"interviewer model (default {DEFAULT_MODEL})")
    add("--track", default="all", choices=[*TRACK_NAMES, "all"], help="track (default all)")
    add("--personas", nargs="+", default=["all"], help="names, comma lists or all (default)")
    add("--runs", type=_positive(int), default=1, help="interviews per persona and track")
    add("--stage-scale", type=_positive(float), help="multiplies stage limits (default: setting)")
    add("--concurrency", type=_positive(int), default=3, help="interviews at once (default 3)")
    add("--timeout", type=_positive(float), default=900.0, help="seconds per interview")
    add("--reply-timeout", type=_positive(float), default=60.0, help="silence before a nudge")
    add("--candidate-model", help="let this model play each persona from its description")
    add("--judge-model", help="also score conduct with this model (rubric, verified quotes)")
    add("--json", type=Path, metavar="OUT", help="write every interview's figures as JSON")
    add("--keep", type=Path, metavar="DIR", help="keep the sessions under DIR (default: temp)")
    add("--list-personas", action="store_true", help="list the personas and exit")
    return parser


def _positive(kind: Callable[[str], float]) -> Callable[[str], Any]:
    def convert(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be above 0: {text!r}")
        return value

    return convert


@dataclass(frozen=True)
class Plan:
    """What the command line asks for, checked before anything runs."""

    endpoint: Endpoint
    jobs: list[Job]
    tracks: list[str]
    personas: list[str]


def _plan(args: argparse.Namespace, settings: Settings) -> Plan:
    names = [n.strip() for item in args.personas for n in item.split(",") if n.strip()]
    names = list(persona_names()) if "all" in names or not names else list(dict.fromkeys(names))
    personas = [load_persona(name) for name in names]
    tracks = list(TRACK_NAMES) if args.track == "all" else [args.track]
    base_url = args.base_url or settings.env_keys.openai_base_url
    api_key = args.api_key or settings.env_keys.openai_api_key or ("no-key" if base_url else None)
    if api_key is None:
        raise UsageError(
            "no model endpoint: pass --base-url (e.g. http://localhost:11434/v1 for Ollama) "
            "or set OPENAI_API_KEY"
        )
    jobs = [Job(p, t, run) for run in range(1, args.runs + 1) for t in tracks for p in personas]
    return Plan(Endpoint(base_url, api_key, args.model), jobs, tracks, names)


def _models(args: argparse.Namespace) -> list[str]:
    return [m for m in (args.model, args.candidate_model, args.judge_model) if m]


def _rehearse(args: argparse.Namespace, settings: Settings, plan: Plan) -> int:
    scale = args.stage_scale or settings.stage_scale
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="mockflow-rehearse-") as scratch:
        settings = settings.with_overrides(
            data_dir=args.keep or Path(scratch),
            stage_scale=scale,
            max_sessions=args.concurrency,
            pool_size=args.concurrency,
            ready_timeout_seconds=max(settings.ready_timeout_seconds, MIN_READY_TIMEOUT),
            max_session_seconds=args.timeout + 60,
            idle_timeout_seconds=args.timeout + 60,
        )
        results = _run(args, settings, plan)
    seconds = time.monotonic() - started
    summary = summarise(results)
    where = f"{plan.endpoint.model} at {plan.endpoint.where}"
    print(f"{len(results)} interviews with {where}, {seconds:.0f} s")
    print(format_table(summary))
    if errors := format_errors(results):
        print(errors)
    if args.json:
        document = {
            "model": plan.endpoint.model,
            "endpoint": plan.endpoint.where,
            "candidate_model": args.candidate_model,
            "judge_model": args.judge_model,
            "tracks": plan.tracks,
            "personas": plan.personas,
            "runs": args.runs,
            "stage_scale": scale,
            "seconds": round(seconds, 1),
            "interviews": [r.to_dict() for r in results],
            "summary": summary,
        }
        args.json.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", "utf-8")
    failed = [r for r in results if r.timed_out or r.error or r.metrics.ended_reason == "error"]
    return 1 if failed else 0


def _run(args: argparse.Namespace, settings: Settings, plan: Plan) -> list[InterviewResult]:
    material = load_material()
    options = RunOptions(
        plan.endpoint, material, settings.stage_scale, args.timeout, args.reply_timeout
    )
    actor = judge = None
    if args.candidate_model:
        actor = OpenAIChat(plan.endpoint, args.candidate_model, provider="The candidate model")
    if args.judge_model:
        judge = OpenAIChat(
            plan.endpoint, args.judge_model, provider="The judge model", temperature=0
        )
    try:
        with Supervisor(settings) as supervisor:
            return run_all(
                supervisor,
                plan.jobs,
                options,
                lambda persona: make_candidate(persona, material, actor),
                concurrency=args.concurrency,
                finish=_judging(judge, args.judge_model),
                on_result=_progress(len(plan.jobs)),
            )
    finally:
        for client in (actor, judge):
            if client is not None:
                client.close()


def _judging(
    judge: OpenAIChat | None, model: str | None
) -> Callable[[InterviewResult], InterviewResult]:
    def finish(result: InterviewResult) -> InterviewResult:
        if judge is None or model is None:
            return result
        persona = load_persona(result.persona).description
        verdict = judge_interview(judge, model, result.events, result.track, persona)
        return replace(result, judge=verdict.to_dict())

    return finish


def _progress(total: int) -> Callable[[InterviewResult], None]:
    done = 0

    def report(result: InterviewResult) -> None:
        nonlocal done
        done += 1
        notes = [result.metrics.ended_reason or "no end"]
        notes += ["timed out"] if result.timed_out else []
        notes += [result.error] if result.error else []
        notes += [result.metrics.error_message] if result.metrics.error_message else []
        print(
            f"[{done}/{total}] {result.persona} × {result.track} #{result.run}: "
            f"{', '.join(notes)} ({result.seconds:.1f} s)",
            file=sys.stderr,
            flush=True,
        )

    return report


def _fail(message: str) -> int:
    print(f"mockflow rehearse: {message}", file=sys.stderr)
    return 2
