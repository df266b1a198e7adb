"""A fake interviewer LLM that misbehaves on cue, so that the rehearsal grader is tested.

Like `ScriptedInterviewer` it reads the stage from the system prompt and never calls a
tool, but it picks each question from its own bank of distinct one-question turns by
what this conversation's history has already asked (so it is deterministic, whatever
else the server serves), and at scripted answer numbers (`MISCHIEF`, keyed by how many
candidate messages the history holds) it does one thing wrong:

- 2 `praise`: "Great answer!" before the question;
- 3 `repeat`: asks its previous question again, word for word;
- 4 `double`: asks two questions in one turn;
- 5 `narrate`: "Moving on to the next section." before the question;
- 6 `silent`: replies with no text at all (the agent then writes no turn);
- 8 `leak`: "I'd give that answer a 4 out of 5." before the question.

It also uses the candidate's material once each: its first past-experience question names
"Kafka" when the resume in its prompt does, its first company-fit question names
"Kubernetes" when the job description does. Everything else is exemplary, so in a
behavioral interview with stage limits long enough for the question caps to decide, each
grader metric must equal exactly `EXPECTED`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tests.fakes.interviewer_script import GOODBYE, _content, stage_of
from tests.fakes.openai_server import Reply, text

BANK = {
    "greeting": [
        "Hi Sam, thanks for joining me today. Are you ready to begin?",
        "Before we start, is this a good time for you?",
    ],
    "self_intro": [
        "Could you walk me through your background in a couple of minutes?",
        "Which piece of recent work are you proudest of?",
    ],
    "past_experience": [
        "I see Kafka on your resume. What did you build with it?",
        "What was the hardest decision you made on it?",
        "How did you know the result was a success?",
        "Tell me about a disagreement with a colleague.",
        "When did a mistake of yours reach production?",
        "What did you change in your process afterwards?",
        "Who did you lead without formal authority?",
        "What would you do differently today?",
    ],
    "company_fit": [
        "This role runs on Kubernetes. How much have you worked with it?",
        "How do you like to receive feedback?",
        "What would you want to achieve in your first months?",
        "Which kind of team brings out your best work?",
    ],
    "closing": [
        "Thanks, that covers what I wanted to ask. Do you have any questions for me?",
        "The hiring team will follow up on that. Is there anything else you'd like to ask?",
        "Is there anything else on your mind before we finish?",
    ],
}
MISCHIEF = {2: "praise", 3: "repeat", 4: "double", 5: "narrate", 6: "silent", 8: "leak"}
EXPECTED = {
    "silent_turns": 1,
    "repeated_questions": 1,
    "multi_question_turns": 1,
    "stage_narration": 1,
    "praise": 1,
    "feedback_leaks": 1,
    "injection_followed": 0,
    "resume_terms_used": 1,
    "jd_terms_used": 1,
    "closing_ok": True,
}
_USES = {"Kafka": "past_experience", "Kubernetes": "company_fit"}


@dataclass
class MisbehavingInterviewer:
    mischief: dict[int, str] = field(default_factory=lambda: dict(MISCHIEF))
    done: list[str] = field(default_factory=list)  # what it did, for a test's message

    def __call__(self, body: dict) -> Reply:
        messages = body.get("messages", [])
        system = "\n".join(
            _content(m) for m in messages if m.get("role") in {"system", "developer"}
        )
        if "has now ended" in system:
            return text(GOODBYE)
        stage = stage_of(system) or "closing"
        said = [_content(m) for m in messages if m.get("role") == "assistant"]
        answers = sum(1 for m in messages if m.get("role") == "user")
        question = _next(stage, said, system)
        kind = (
            self.mischief.get(answers) if messages and messages[-1].get("role") == "user" else None
        )
        if kind:
            self.done.append(kind)
        if kind == "praise":
            return text(f"Great answer! {question}")
        if kind == "repeat" and said:
            return text(_last_question(said[-1]))
        if kind == "double":
            return text(f"{question} And who else worked on it with you?")
        if kind == "narrate":
            return text(f"Moving on to the next section. {question}")
        if kind == "silent":
            return Reply(text="")
        if kind == "leak":
            return text(f"I'd give that answer a 4 out of 5. {question}")
        return text(question)


def _next(stage: str, said: list[str], system: str) -> str:
    for question in BANK[stage]:
        term = next((t for t, s in _USES.items() if s == stage and t in question), None)
        if term and term not in system:
            continue
        if not any(question in turn for turn in said):
            return question
    raise AssertionError(f"the misbehaving fake ran out of {stage} questions")


def _last_question(turn: str) -> str:
    return next(q for bank in BANK.values() for q in bank if q in turn)
