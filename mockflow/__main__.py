"""The `mockflow` command (also `python -m mockflow`): one entry for every process.

mockflow app [--host H] [--port P] [--share]   the Gradio app (as `python app.py`)
mockflow agent                                 one interview; launch spec on stdin
mockflow worker                                LiveKit Agents worker (dispatch mode)
mockflow extract FILE                          resume/job-description text extraction
mockflow report SESSION_DIR [--json] [--no-llm] [--out DIR] [--regenerate]
mockflow rehearse [...]                        scripted candidates against a real model
"""

from __future__ import annotations

import sys

from mockflow import __version__

USAGE = (
    "usage: mockflow {app [--host H] [--port P] [--share] | agent | worker | extract FILE | "
    "report SESSION_DIR [--json] [--no-llm] | "
    "rehearse [--base-url URL] [--model M] [--track T|all] [--personas P ...|all] [--runs K] "
    "[--stage-scale S] [--json OUT] ...} | --version"
)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in {"-h", "--help"}:
        print(USAGE)
        return 0 if args else 2
    command, rest = args[0], args[1:]
    if command == "--version":
        print(f"mockflow {__version__}")
        return 0
    if command == "app":
        from mockflow.ui.launch import main as app_main

        return app_main(rest)
    if command in {"agent", "worker"}:
        from mockflow.agent.__main__ import main as agent_main

        return agent_main(rest if command == "agent" else ["worker", *rest])
    if command == "extract":
        from mockflow.documents import main as extract_main

        return extract_main(rest)
    if command == "report":
        from mockflow.feedback.cli import main as report_main

        return report_main(rest)
    if command == "rehearse":
        from mockflow.rehearse.cli import main as rehearse_main

        return rehearse_main(rest)
    print(f"mockflow: unknown command {command!r}\n{USAGE}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
