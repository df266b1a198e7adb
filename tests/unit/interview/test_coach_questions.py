"""A coach's must-ask questions land in the stages where they belong, in order."""

from __future__ import annotations

from mockflow.interview.coach_questions import plan_questions

STAGES = ["greeting", "self_intro", "past_experience", "company_fit", "closing"]


def test_the_first_half_goes_to_experience_the_rest_to_company_fit():
    plan = plan_questions(["a?", "b?", "c?"], STAGES)
    assert {stage: list(q) for stage, q in plan.items()} == {
        "past_experience": ["a?", "b?"],
        "company_fit": ["c?"],
    }


def test_one_question_is_asked_in_the_experience_stage():
    assert {k: list(v) for k, v in plan_questions(["a?"], STAGES).items()} == {
        "past_experience": ["a?"]
    }


def test_a_track_without_those_stages_still_asks_them():
    plan = plan_questions(["a?", "b?"], ["greeting", "self_intro", "closing"])
    assert {k: list(v) for k, v in plan.items()} == {"self_intro": ["a?", "b?"]}


def test_no_questions_no_plan():
    assert plan_questions([], STAGES) == {}
