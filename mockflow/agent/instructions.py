"""Builds the interviewer's instructions for the current stage from the track's data."""

from __future__ import annotations

from mockflow.contracts.launch_spec import Candidate
from mockflow.interview import prompts
from mockflow.interview.context import InterviewContext
from mockflow.interview.fsm import StagePlan, Track

LEVELS = {"entry": "entry-level", "mid": "mid-level", "senior": "senior"}


def stage_instructions(
    track: Track,
    stage: StagePlan,
    candidate: Candidate,
    context: InterviewContext,
    *,
    stage_tool: bool = True,
) -> str:
    """The system prompt for `stage`; candidate documents appear only where the stage uses
    them, and the complete_stage tool only when the model is offered it (`stage_tool`)."""
    blocks = context.blocks_for(stage)
    data_section = _data_section(candidate, blocks)
    if not blocks:
        data_section += "\n\nNo candidate documents are needed for this topic."
    return prompts.render(
        "interviewer",
        persona=track.persona,
        level=LEVELS[candidate.level],
        track_title=track.title.lower(),
        track_summary=track.summary,
        style=track.style,
        stage_goal=stage.goal,
        stage_guidance="\n".join(f"- {line}" for line in stage.guidance),
        stage_progress=_stage_progress(stage) if stage_tool else "",
        data_section=data_section,
    )


def _stage_progress(stage: StagePlan) -> str:
    return prompts.render(
        "interviewer_stage_tool",
        min_questions=str(stage.min_questions),
        max_questions=str(stage.max_questions),
    )


def goodbye_instructions(track: Track, candidate: Candidate) -> str:
    return prompts.render(
        "interviewer_goodbye", persona=track.persona, data_section=_data_section(candidate, [])
    )


def _data_section(candidate: Candidate, documents: list[str]) -> str:
    """Name and role are typed by the candidate, so they are fenced like the documents."""
    identity = [
        prompts.data_block("candidate name", candidate.name),
        prompts.data_block("target role", candidate.role),
    ]
    return prompts.render("interviewer_data", blocks="\n\n".join([*identity, *documents]))


def coach_instructions(question: str | None, focus_notes: str) -> str:
    """What a coach's practice link adds: their next question for this topic, one at a
    time, and their notes on what to probe (both fenced as data)."""
    parts = []
    if question:
        parts.append(
            "The coach who set up this practice interview wants the question below asked "
            "during this topic. Ask it next, in your own words and on its own (never as part "
            "of a list), then continue as usual.\n" + prompts.data_block("coach question", question)
        )
    if focus_notes:
        parts.append(
            "The coach's notes on what to probe (for you; do not read them out):\n"
            + prompts.data_block("coach notes", focus_notes)
        )
    return "\n\n".join(parts)
