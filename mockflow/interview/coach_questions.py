"""A coach's must-ask questions, placed in the interview's stages: the experience stage
takes the first half, the company-fit stage the rest (a track without one of them gives
its share to the other). The interviewer is told one question at a time, in the stage it
belongs to, and the stage cannot be closed by the interviewer until it has been asked."""

from __future__ import annotations

from collections import deque

QUESTION_STAGES = ("past_experience", "company_fit")
FALLBACK_STAGE = "self_intro"


def plan_questions(questions: list[str], stage_names: list[str]) -> dict[str, deque[str]]:
    """{stage name: its questions, in the coach's order}."""
    targets = [s for s in QUESTION_STAGES if s in stage_names]
    if not targets:
        targets = [FALLBACK_STAGE] if FALLBACK_STAGE in stage_names else stage_names[:1]
    plan: dict[str, deque[str]] = {stage: deque() for stage in targets}
    split = (len(questions) + 1) // 2 if len(targets) > 1 else len(questions)
    for index, question in enumerate(questions):
        plan[targets[0] if index < split else targets[-1]].append(question)
    return {stage: queue for stage, queue in plan.items() if queue}
