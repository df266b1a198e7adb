"""Job terms against hand-labelled postings (issue 24 target: precision and recall >= 0.85).

Runs `mockflow.interview.terms.key_terms` on each posting of a labelled set
(bench/data/job_postings.jsonl; how it was labelled: bench/data/job_postings.md) and
prints micro-averaged precision and recall, then the worst postings with the terms
picked but not expected ("extra") and expected but not picked ("missed"). Terms are
compared as the matcher compares words: casefolded, punctuation and a plural "s" ignored.
Asserts nothing; tests/unit/interview/test_job_terms_bench.py holds the bar.

    python bench/job_terms.py [--data bench/data/job_postings.jsonl] [--worst 8]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mockflow.interview.terms import key_terms
from mockflow.interview.vocabulary import fold, words_of

DATA = Path(__file__).resolve().parent / "data" / "job_postings.jsonl"


@dataclass(frozen=True)
class Scored:
    id: str
    expected: frozenset[str]
    picked: frozenset[str]

    @property
    def hits(self) -> int:
        return len(self.expected & self.picked)

    @property
    def precision(self) -> float:
        return self.hits / len(self.picked) if self.picked else 1.0

    @property
    def recall(self) -> float:
        return self.hits / len(self.expected) if self.expected else 1.0


def load_postings(path: Path = DATA) -> list[dict[str, object]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def score(postings: Sequence[dict[str, object]]) -> list[Scored]:
    scored = []
    for posting in postings:
        labels = posting["terms"]
        assert isinstance(labels, list), f"{posting['id']}: terms must be a list"
        expected = frozenset(_name(str(t)) for t in labels)
        picked = frozenset(_name(t) for t in key_terms(str(posting["text"])))
        scored.append(Scored(str(posting["id"]), expected, picked))
    return scored


def _name(term: str) -> str:
    """A term compared as the matcher compares words: casefolded, a plural "s" dropped."""
    return " ".join(fold(word.text) for word in words_of(term))


def micro(scored: Sequence[Scored]) -> tuple[float, float]:
    """(precision, recall) over all postings' terms together."""
    hits = sum(s.hits for s in scored)
    picked = sum(len(s.picked) for s in scored)
    expected = sum(len(s.expected) for s in scored)
    return hits / picked if picked else 1.0, hits / expected if expected else 1.0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--worst", type=int, default=8)
    args = parser.parse_args(argv)
    scored = score(load_postings(args.data))
    precision, recall = micro(scored)
    expected = sum(len(s.expected) for s in scored)
    print(f"{len(scored)} postings, {expected} labelled terms ({args.data.name})")
    print(f"precision {precision:.3f}  recall {recall:.3f}  (micro)")
    print(f"worst postings (by the lower of precision and recall), {args.worst} shown:")
    for s in sorted(scored, key=lambda s: min(s.precision, s.recall))[: args.worst]:
        print(f"  {s.id:<24} precision {s.precision:.2f}  recall {s.recall:.2f}")
        if extra := sorted(s.picked - s.expected):
            print(f"    extra:  {', '.join(extra)}")
        if missed := sorted(s.expected - s.picked):
            print(f"    missed: {', '.join(missed)}")


if __name__ == "__main__":
    main()
