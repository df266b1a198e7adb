"""Builds the interviewer's instructions from the track's data, in two parts: the stable
part that holds for the whole interview, and the current stage's part."""

from __future__ import annotations

from mockflow.contracts.launch_spec import Candidate
from mockflow.interview import prompts
from mockflow.interview.context import InterviewContext
from mockflow.interview.fsm import StagePlan, Track

LEVELS = {"entry": "entry-level", "mid": "mid-level", "senior": "senior"}


def stable_instructions(
    track: Track, candidate: Candidate, context: InterviewContext, focus_notes: str = ""
) -> str:
    """The part of the prompt that holds for the whole interview: persona, how to speak,
    the coach's notes and every candidate document any stage uses (fenced). It comes first
    in every prompt, so a provider's prompt cache keeps it across turns and stages."""
    text = prompts.render(
        "interviewer",
        persona=track.persona,
        level=LEVELS[candidate.level],
        track_title=track.title.lower(),
        track_summary=track.summary,
        style=track.style,
        data_section=_data_section(candidate, _documents(track, context)),
    )
    notes = coach_instructions(None, focus_notes)
    return f"{text}\n\n{notes}" if notes else text


def stage_brief(stage: StagePlan, context: InterviewContext, *, stage_tool: bool = True) -> str:
    """The current stage's part of the prompt (it comes last, just before the reply): its
    goal and guidance, which documents it uses, and the complete_stage tool only when the
    model is offered it (`stage_tool`)."""
    labels = _labels_used_by(stage, context)
    if labels:
        blocks = "block" if len(labels) == 1 else "blocks"
        documents = f"For this topic, use the {' and '.join(labels)} {blocks}."
    else:  # nothing said: a small model read "no documents are needed" out as a turn
        documents = ""
    return prompts.render(
        "interviewer_stage",
        stage_goal=stage.goal,
        stage_guidance="\n".join(f"- {line}" for line in stage.guidance),
        stage_progress=_stage_progress(stage) if stage_tool else "",
        documents=documents,
    )


def suggested_question(stage: StagePlan, asked: int, candidate_name: str) -> str:
    """For a model not offered the stage tool (small and local ones): one of the stage's
    own questions to fall back on, a different one as the stage goes on. Fenced, so the
    reply filter lets the model say it (it must not recite its other instructions)."""
    lines = stage.fallback_questions
    if not lines:
        return ""
    first_name = (candidate_name.split() or ["there"])[0]
    question = lines[asked % len(lines)].replace("{name}", first_name)
    return (
        "If you are unsure what to ask next, the question below fits this topic. Say it in "
        "your own words, or follow up on what the candidate just said instead.\n"
        + prompts.data_block("suggested question", question)
    )


def goodbye_brief() -> str:
    """The last stage's part once the interview is over: say goodbye."""
    return prompts.render("interviewer_goodbye")


def stage_instructions(
    track: Track,
    stage: StagePlan,
    candidate: Candidate,
    context: InterviewContext,
    *,
    stage_tool: bool = True,
) -> str:
    """The whole prompt for `stage` in one text: the stable part, then the stage's."""
    stable = stable_instructions(track, candidate, context)
    return f"{stable}\n\n{stage_brief(stage, context, stage_tool=stage_tool)}"


def _stage_progress(stage: StagePlan) -> str:
    return prompts.render(
        "interviewer_stage_tool",
        min_questions=str(stage.min_questions),
        max_questions=str(stage.max_questions),
    )


def goodbye_instructions(
    track: Track, candidate: Candidate, context: InterviewContext | None = None
) -> str:
    """The whole prompt for the goodbye in one text: the stable part, then the goodbye."""
    stable = stable_instructions(track, candidate, context or InterviewContext())
    return f"{stable}\n\n{goodbye_brief()}"


def _documents(track: Track, context: InterviewContext) -> list[str]:
    """Every fenced document block a stage of `track` uses, each once, in stage order."""
    blocks: list[str] = []
    for stage in track.stages:
        blocks += [block for block in context.blocks_for(stage) if block not in blocks]
    return blocks


def _labels_used_by(stage: StagePlan, context: InterviewContext) -> list[str]:
    """The fence labels of the documents `stage` uses (as `InterviewContext.blocks_for`)."""
    labels = []
    if stage.uses_resume and context.resume_text.strip():
        labels.append("RESUME")
    if stage.uses_jd and context.job_description.strip():
        labels.append("JOB_DESCRIPTION")
    return labels


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
