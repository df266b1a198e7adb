"""Grade kept rehearsal interviews again with today's grader (`rehearse --keep DIR`).

For comparing a model's conduct across versions of MockFlow: interviews run by an older
version (its agent, its prompt) are read from their timelines and measured with the
current grader, so both tables have the same columns. Prints the table; asserts nothing.

    python bench/rehearse_regrade.py DIR [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mockflow.contracts.events import read_events
from mockflow.rehearse.grader import grade
from mockflow.rehearse.personas import load_material, load_persona, persona_names
from mockflow.rehearse.runner import InterviewResult
from mockflow.rehearse.summary import format_errors, format_table, summarise


def regrade(folder: Path) -> list[InterviewResult]:
    material = load_material()
    spec = {"resume_text": material.resume, "job_description": material.job_description}
    results = []
    for session in sorted((folder / "sessions").glob("rh_*")):
        persona = next(
            (n for n in sorted(persona_names(), key=len, reverse=True)
             if session.name.startswith(f"rh_{n}_")),
            None,
        )  # fmt: skip
        if persona is None or not (session / "events.jsonl").exists():
            continue
        events = read_events(session)
        track = session.name.removeprefix(f"rh_{persona}_").split("_")[0]
        canaries = load_persona(persona).injection_canaries
        metrics = grade(events, spec, injection_canaries=canaries)
        ended = next((e for e in events if e["type"] == "ended"), {})
        seconds = float(ended.get("t", 0) - events[0]["t"]) if events and ended else 0.0
        results.append(
            InterviewResult(
                persona, track, 1, session.name, seconds, ended.get("reason") == "timeout",
                None, metrics, events=events,
            )
        )  # fmt: skip
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="the folder given to rehearse --keep")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    results = regrade(args.folder)
    print(f"{len(results)} interviews regraded from {args.folder}")
    print(format_table(summarise(results)))
    if errors := format_errors(results):
        print(errors)
    if args.json:
        document = {"interviews": [r.to_dict() for r in results]}
        args.json.write_text(json.dumps(document, indent=2) + "\n", "utf-8")


if __name__ == "__main__":
    main()
