"""Composition root of the agent process: one interview (contracts 1–3 in DESIGN.md).

`python agent_entry.py` reads its launch spec from stdin; `python agent_entry.py worker`
is the LiveKit Agents worker for scale-out; `python agent_entry.py forkserver --fd N` is
the app's fork server (N: its socket to the app), which forks one such process per
interview.
"""

from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    if argv == ["worker"]:
        from mockflow.agent.worker import main as run_worker
        from mockflow.config import Settings

        return run_worker(Settings.from_env())
    if len(argv) == 3 and argv[:2] == ["forkserver", "--fd"] and argv[2].isdigit():
        from mockflow.agent.forkserver import serve
        from mockflow.agent.process import preload_for_fork, run_forked

        return serve(int(argv[2]), preload_for_fork, run_forked)
    if argv:
        print(
            "usage: python agent_entry.py [worker]  (the launch spec comes on stdin)",
            file=sys.stderr,
        )
        return 2
    from mockflow.agent.process import main as run_interview

    return run_interview()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
