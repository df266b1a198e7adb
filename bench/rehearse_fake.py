"""The rehearsal of every persona on every track against the project's fake interviewer:
the figures in the README's rehearsal section, and how long the run takes.

Runs `python -m mockflow rehearse` in-process (real agent processes, FSM and prompts
through the real Supervisor) against the local fake OpenAI server playing the disciplined
`ScriptedInterviewer`, or with `--misbehave` the `MisbehavingInterviewer`. Prints the
command's own table and the wall time; asserts nothing.

    python bench/rehearse_fake.py [--stage-scale 0.0005] [--concurrency 3] [--runs 1]
        [--misbehave] [--json OUT]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mockflow.rehearse.cli import main as rehearse
from tests.fakes.interviewer_script import ScriptedInterviewer
from tests.fakes.misbehaving_interviewer import MisbehavingInterviewer
from tests.fakes.openai_server import FakeOpenAI

API_KEY = "sk-bench-rehearse-0000"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage-scale", default="0.0005")
    parser.add_argument("--concurrency", default="3")
    parser.add_argument("--runs", default="1")
    parser.add_argument("--misbehave", action="store_true")
    parser.add_argument("--json")
    args = parser.parse_args()
    responder = (
        MisbehavingInterviewer() if args.misbehave else ScriptedInterviewer(per_conversation=True)
    )
    argv = ["--concurrency", args.concurrency, "--runs", args.runs, "--timeout", "120"]
    if args.misbehave:  # long stages: the question caps decide, so the script is exact
        argv += ["--personas", "prepared", "--track", "behavioral"]
        argv += ["--stage-scale", "1", "--reply-timeout", "3"]
    else:
        argv += ["--stage-scale", args.stage_scale, "--reply-timeout", "15"]
    if args.json:
        argv += ["--json", args.json]
    started = time.monotonic()
    with FakeOpenAI(api_key=API_KEY, responder=responder) as server:
        code = rehearse(["--base-url", server.base_url, *argv], env={"OPENAI_API_KEY": API_KEY})
    print(f"wall time {time.monotonic() - started:.1f} s, exit code {code}")
    return code


if __name__ == "__main__":
    from bench.cleanup import stops_children

    with stops_children():
        sys.exit(main())
