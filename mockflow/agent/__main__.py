"""The agent process (contracts 1–3 in DESIGN.md): `python -m mockflow.agent`.

With no argument it runs one interview, its launch spec read from stdin; `worker` is the
LiveKit Agents worker for scale-out; `forkserver --fd N` is the app's fork server (N: its
socket to the app), which forks one interview process per start.
"""

from __future__ import annotations

import sys

USAGE = "usage: python -m mockflow.agent [worker]  (the launch spec comes on stdin)"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args == ["worker"]:
        from mockflow.agent.worker import main as run_worker
        from mockflow.config import Settings

        return run_worker(Settings.from_env())
    if len(args) == 3 and args[:2] == ["forkserver", "--fd"] and args[2].isdigit():
        from mockflow.agent.forkserver import serve
        from mockflow.agent.process import preload_for_fork, run_forked

        return serve(int(args[2]), preload_for_fork, run_forked)
    if args:
        print(USAGE, file=sys.stderr)
        return 2
    from mockflow.agent.process import main as run_interview

    return run_interview()


if __name__ == "__main__":
    sys.exit(main())
