"""A coach's practice link as the Coach tab and the API make it (`create_link`): its
interview meets the rules a candidate's own set-up meets, so no link hands candidates a
set-up that cannot start; and the set-up a candidate then gets from it."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from mockflow.app.practice import (
    LinkDraft,
    create_link,
    overrun_after,
    practice_setup,
    ran_seconds,
    time_budget,
    within_seconds,
)
from mockflow.app.setup import SetupError
from mockflow.contracts.events import Timeline
from mockflow.store.atomic_json import StoreError
from mockflow.store.db import Store

NOW = 1.8e9
DAY = 86400.0


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path / "db.json", tmp_path / "sessions", clock=lambda: NOW)
    yield store
    store.close()


def _draft(**changes) -> LinkDraft:
    fields = dict(
        title="Backend screen",
        interview={"role": " Backend Engineer ", "level": "senior", "track": "technical"},
        questions=("What broke in your last migration?", "  ", "How do you review code?"),
        modes=("voice", "text"),
        days=7,
        quotas={"max_interviews": 3},
    )
    return LinkDraft(**{**fields, **changes})


def test_a_link_keeps_the_interview_the_coach_set_and_the_candidate_gets_it(store) -> None:
    link = create_link(store, "local", _draft(), now=NOW)
    assert link.setup == {
        "role": "Backend Engineer",
        "level": "senior",
        "track": "technical",
        "length": "standard",  # not given: the default, stored as such
        "job_description": "",
    }
    assert link.questions == ["What broke in your last migration?", "How do you review code?"]
    assert link.modes == ["text", "voice"] and link.max_interviews == 3
    assert link.expires_at == NOW + 7 * DAY
    setup = practice_setup(link, name="Ana", mode="voice")
    assert (setup.role, setup.level, setup.track, setup.mode) == (
        "Backend Engineer",
        "senior",
        "technical",
        "voice",
    )
    assert setup.problems() == {}


@pytest.mark.parametrize(
    ("interview", "field", "words"),
    [
        ({"role": "  "}, "role", "Enter the target role."),
        ({"role": "Dev", "level": "expert"}, "level", "Choose a level: entry, mid, senior."),
        ({"role": "Dev", "track": "trivia"}, "track", "Choose a track"),
        ({"role": "Dev", "length": "marathon"}, "length", "Choose a length"),
        ({"role": "Dev", "job_description": "x" * 20_001}, "job_description", "too long"),
    ],
)
def test_a_link_whose_interview_could_not_start_is_refused_by_field(
    store, interview, field, words
) -> None:
    with pytest.raises(SetupError) as refused:
        create_link(store, "local", _draft(interview=interview), now=NOW)
    assert words in refused.value.problems[field]
    assert store.coach_links("local") == []


def test_the_stores_own_limits_still_hold_for_questions_quotas_and_modes(store) -> None:
    with pytest.raises(StoreError, match="at most 10 questions"):
        create_link(store, "local", _draft(questions=tuple(f"Q{i}?" for i in range(11))), now=NOW)
    with pytest.raises(StoreError, match="at least 1"):
        create_link(store, "local", _draft(quotas={"max_total_minutes": 0}), now=NOW)
    with pytest.raises(StoreError, match="Modes are"):
        create_link(store, "local", _draft(modes=("video",)), now=NOW)
    with pytest.raises(SetupError, match="Unknown limits: max_coffee"):
        create_link(store, "local", _draft(quotas={"max_coffee": 1}), now=NOW)
    assert store.coach_links("local") == []


def test_a_mode_the_link_does_not_offer_is_refused(store) -> None:
    link = create_link(store, "local", _draft(modes=("text",)), now=NOW)
    with pytest.raises(SetupError, match="offers text interviews only"):
        practice_setup(link, name="Ana", mode="voice")


def test_a_time_budget_shrinks_every_stage_in_proportion() -> None:
    limits = {"greeting": 60.0, "past_experience": 540.0}
    assert within_seconds(limits, None) == limits
    assert within_seconds(limits, 1200) == limits  # already fits
    assert within_seconds(limits, 300) == {"greeting": 30.0, "past_experience": 270.0}


def test_a_grant_becomes_a_hard_end_with_the_closing_a_minute_before() -> None:
    link = SimpleNamespace(sponsored=False)
    budget = time_budget(link, 10.0)  # type: ignore[arg-type]
    assert budget is not None and (budget.seconds, budget.closing_seconds) == (600.0, 60.0)
    assert budget.idle_seconds is None  # the candidate's own keys: the general idle stop
    assert overrun_after(budget) == 630.0  # the app's backstop: half a minute later
    short = time_budget(link, 2.0, minute_seconds=5.0)  # type: ignore[arg-type]
    assert short is not None and (short.seconds, short.closing_seconds) == (10.0, 2.5)
    assert time_budget(link, None) is None and overrun_after(None) is None  # type: ignore[arg-type]


def test_a_sponsored_link_ends_an_unanswered_question_after_two_minutes() -> None:
    budget = time_budget(SimpleNamespace(sponsored=True), None)  # type: ignore[arg-type]
    assert budget is not None and budget.idle_seconds == 120.0 and budget.seconds is None
    assert overrun_after(budget) is None


def test_an_interview_ran_from_its_first_event_to_its_end_not_to_its_process_exit() -> None:
    events = [
        {"t": 100.0, "type": "ready"},
        {"t": 101.5, "type": "turn", "role": "interviewer", "text": "Hi"},
        {"t": 160.0, "type": "ended", "reason": "timeout"},
    ]
    assert ran_seconds(Timeline.of(events), fallback=75.0) == 60.0
    assert ran_seconds(Timeline.of(events[:2]), fallback=75.0) == 75.0  # no end written
