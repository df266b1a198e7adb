"""A stand-in for `agent_entry.py` that keeps contracts 1–3 trivially, in ~50 ms.

Prints `{"warm": true, "pid": N}`, reads the launch spec, writes `ready`, a `stage` and a
greeting, then echoes each `user_text` as an interviewer turn. `end` writes `ended`
(the command's `reason` if it is a known one, else `user_ended`); EOF writes `ended`
reason `app_gone`. Failure paths are chosen by `"_stub": {...}` in the spec:

- `exit_code` (+ `stderr`): print that line on stderr and exit with that code at once;
- `never_ready`: never write `ready` (still honours EOF);
- `ready_delay`: seconds to wait before `ready`;
- `crash_after_turns`: `os._exit(1)` right after that many interviewer turns;
- `ignore_end`: ignore the `end` command; `ignore_term`: ignore SIGTERM;
- `hang_on_eof`: on EOF, block forever instead of exiting (an orphan in the making).

`stub_agent.py forkserver --fd N` runs the real fork server (`mockflow.agent.forkserver`)
with nothing to preload, forking this stub per interview.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from mockflow.contracts.events import END_REASONS, EventWriter


class StubInterview:
    """The interview loop of the stub; `opts` are the `_stub` behaviours."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.opts: dict[str, Any] = spec.get("_stub") or {}
        session_dir = Path(spec["session_dir"])
        session_dir.mkdir(parents=True, exist_ok=True)
        (session_dir / "agent.log").write_text("stub agent started\n", encoding="utf-8")
        self.events = EventWriter(session_dir / "events.jsonl")
        self.interviewer_turns = 0

    def begin(self) -> None:
        if self.opts.get("never_ready"):
            return
        time.sleep(float(self.opts.get("ready_delay", 0)))
        # what a forked child must differ in / not inherit: its random state, the
        # fork server's own variables (names only: values could be secrets)
        self.events.write("ready", random=random.getrandbits(64), env=sorted(os.environ))
        self.events.write("stage", stage="self_intro", reason="start")
        name = self.spec.get("candidate", {}).get("name", "there")
        self.say(f"Hello {name}, please tell me about yourself.")

    def say(self, text: str) -> None:
        self.events.write("turn", role="interviewer", text=text, stage="self_intro")
        self.interviewer_turns += 1
        if self.interviewer_turns == self.opts.get("crash_after_turns"):
            os._exit(1)

    def handle(self, command: dict[str, Any]) -> bool:
        """Apply one command; False once the interview is over."""
        kind = command.get("type")
        if kind == "user_text":
            text = str(command.get("text", ""))
            self.events.write("turn", role="candidate", text=text, stage="self_intro")
            self.say(f"You said: {text}")
        elif kind == "skip_stage":
            self.events.write("stage", stage="past_experience", reason="skip")
        elif kind == "end" and not self.opts.get("ignore_end"):
            reason = command.get("reason")
            if reason == "error" and command.get("message"):
                self.events.write("error", message=str(command["message"]), fatal=True)
            self.finish(reason if reason in END_REASONS else "user_ended")
            return False
        return True

    def on_eof(self) -> None:
        if self.opts.get("hang_on_eof"):
            while True:
                time.sleep(3600)
        self.finish("app_gone")

    def finish(self, reason: str) -> None:
        self.events.write("ended", reason=reason)
        self.events.close()


def main() -> int:
    print(json.dumps({"warm": True, "pid": os.getpid()}), flush=True)
    line = sys.stdin.readline()
    try:
        spec = json.loads(line)
    except ValueError:
        spec = None
    if not isinstance(spec, dict) or not spec.get("session_dir"):
        print("stub agent: launch spec is not valid", file=sys.stderr)
        return 2
    opts = spec.get("_stub") or {}
    if "exit_code" in opts:
        print(opts.get("stderr", "stub agent: failing on purpose"), file=sys.stderr, flush=True)
        return int(opts["exit_code"])
    if opts.get("ignore_term"):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    interview = StubInterview(spec)
    interview.begin()
    for raw in sys.stdin:
        if raw.strip() and not interview.handle(json.loads(raw)):
            return 0
    interview.on_eof()
    return 0


if __name__ == "__main__":
    if sys.argv[1:3] == ["forkserver", "--fd"]:  # the same fork server as agent_entry.py
        from mockflow.agent.forkserver import serve

        sys.exit(serve(int(sys.argv[3]), lambda: None, main))
    sys.exit(main())
