"""`python -m mockflow extract FILE` and `python -m mockflow report SESSION_DIR`."""

from __future__ import annotations

import sys

USAGE = "usage: python -m mockflow {extract FILE | report SESSION_DIR [--json] [--no-llm]}"


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
    print(f"mockflow: unknown command {command!r}\n{USAGE}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
