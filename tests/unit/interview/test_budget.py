"""A practice link's hold on a running interview, by the clock's readings alone."""

from __future__ import annotations

from mockflow.interview.budget import Budget


def test_the_closing_comes_once_before_the_end() -> None:
    budget = Budget(started_at=0.0, seconds=180.0, closing_seconds=45.0)
    assert budget.due(134.9) is None
    assert budget.due(135.0) == "close"
    assert budget.due(150.0) is None  # once
    assert budget.due(180.0) == "end"


def test_the_idle_clock_runs_only_while_a_question_waits_for_its_answer() -> None:
    budget = Budget(started_at=0.0, seconds=None, closing_seconds=0.0, idle_seconds=120.0)
    assert budget.due(500.0) is None  # nothing asked yet (a reply is being generated)
    budget.asked(500.0)
    budget.asked(600.0)  # a check-in on a silent candidate keeps the first question's time
    assert budget.due(619.0) is None
    assert budget.due(620.0) == "idle"
    budget.answered()
    assert budget.due(900.0) is None
