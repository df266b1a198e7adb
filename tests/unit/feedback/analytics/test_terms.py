"""Job-description terms found in answers: case, plurals and punctuation folded, and
short names counted only as written."""

from __future__ import annotations

from mockflow.feedback.analytics.terms import term_coverage


def test_term_coverage_folds_case_plurals_and_punctuation() -> None:
    coverage = term_coverage(
        ["APIs", "CI/CD", "exactly-once", "Go", "Rust"], ["CI CD for our API, Go."]
    )
    assert coverage.used == ("APIs", "CI/CD", "Go")
    assert coverage.missing == ("exactly-once", "Rust")
    assert coverage.share == 0.6


def test_a_short_capitalised_term_counts_only_as_written() -> None:
    coverage = term_coverage(["Go", "AWS"], ["We go out on aws every week."])
    assert coverage.used == ("AWS",) and coverage.missing == ("Go",)  # "go out" is not Go
    assert term_coverage(["Go"], ["Services in Go."]).used == ("Go",)
