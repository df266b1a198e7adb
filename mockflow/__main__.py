"""`python -m mockflow extract FILE`, `report SESSION_DIR` and `rehearse [...]`."""

from __future__ import annotations

import sys

USAGE = (
    "usage: python -m mockflow {extract FILE | report SESSION_DIR [--json] [--no-llm] | "
    "rehearse [--base-url URL] [--model M] [--track T|all] [--personas P ...|all] [--runs K] "
    "[--stage-scale S] [--json OUT] ...}"
)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in {"-h", "--help"}:
        print(USAGE)
        return 0 if args else 2
    command, rest = args[0], args[1:]
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
