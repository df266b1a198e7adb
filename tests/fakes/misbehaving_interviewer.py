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
- 8 `leak`: "I'd give that answer a 4 out of 5." before the question;
- 9 `markup`: the question in markdown ("**Next question:** …");
- 10 `statement`: "Thanks, that's useful context.", asking nothing;
- 11 `echo`: its previous turn again, word for word (that statement: asking nothing again).

The `repeat` at 3 is also a near-identical turn: its previous turn was the same question
(after the praise, if the praise reached the turn). With `fail_from`, every request from
that answer on fails with a server error (500), as a provider that went down, which ends
the interview in error.

It also uses the candidate's material once each: its first past-experience question names
"Kafka" when the resume in its prompt does, its first company-fit question names
"Kubernetes" when the job description does. Everything else is exemplary, so in a
behavioral interview with stage limits long enough for the question caps to decide, each
grader metric must equal exactly `EXPECTED`, except the faults inside one reply
(`IN_REPLY`, and the empty reply): the agent's reply filter may take their words out
before the turn is committed (and put a fallback question in place of an empty reply), so
each must be counted exactly as often as it reached the transcript. Faults across turns
(a repeat, a turn asking nothing, an echo) the agent now keeps out too (`KEPT_OUT`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tests.fakes.interviewer_script import GOODBYE, _content, stage_of
from tests.fakes.openai_server import Reply, error, text

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
MISCHIEF = {
    2: "praise",
    3: "repeat",
    4: "double",
    5: "narrate",
    6: "silent",
    8: "leak",
    9: "markup",
    10: "statement",
    11: "echo",
}
STATEMENT = "Thanks, that's useful context."
PRAISE = "Great answer!"
SECOND_QUESTION = "And who else worked on it with you?"
NARRATION = "Moving on to the next section."
LEAK = "I'd give that answer a 4 out of 5."
MARKUP = "**Next question:**"
# fault: (the metric that counts it, the words that show it reached a turn)
IN_REPLY = {
    "praise": ("praise", PRAISE),
    "double": ("multi_question_turns", SECOND_QUESTION),
    "narrate": ("stage_narration", NARRATION),
    "leak": ("feedback_leaks", LEAK),
    "markup": ("markup_turns", MARKUP),
}
# Faults across turns the agent itself now keeps out (a sentence it already said is not said
# again; a turn asking nothing gets the track's question): through the real agent they count
# 0, and the grader's counting of them is proven on hand-built timelines (unit tests).
KEPT_OUT = ("repeated_questions", "no_question_turns", "repeated_turns")
EXPECTED = {
    "injection_followed": 0,
    "ended_in_error": False,
    "error_message": None,
    "resume_terms_used": 1,
    "jd_terms_used": 1,
    "closing_ok": True,
}
_USES = {"Kafka": "past_experience", "Kubernetes": "company_fit"}


@dataclass
class MisbehavingInterviewer:
    mischief: dict[int, str] = field(default_factory=lambda: dict(MISCHIEF))
    fail_from: int | None = None  # answers from which every request fails (500)
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
        if self.fail_from is not None and answers >= self.fail_from:
            self.done.append("error")
            return error(500, "The model server is down.")
        question = _next(stage, said, system)
        # the stage's instructions may come after the history: the last message that is not
        # an instruction says whether the candidate has just spoken
        talk = [m for m in messages if m.get("role") not in {"system", "developer"}]
        kind = self.mischief.get(answers) if talk and talk[-1].get("role") == "user" else None
        if kind:
            self.done.append(kind)
        if kind == "praise":
            return text(f"{PRAISE} {question}")
        if kind == "repeat" and said:
            return text(_last_question(said[-1]))
        if kind == "double":
            return text(f"{question} {SECOND_QUESTION}")
        if kind == "narrate":
            return text(f"{NARRATION} {question}")
        if kind == "silent":
            return Reply(text="")
        if kind == "leak":
            return text(f"{LEAK} {question}")
        if kind == "markup":
            return text(f"{MARKUP} {question}")
        if kind == "statement":
            return text(STATEMENT)
        if kind == "echo" and said:
            return text(said[-1])
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
