"""The rules code checks on every interviewer reply: one question per turn, no praise or
grading at its start, no talk of stages, timers or tools."""

from __future__ import annotations

import pytest

from mockflow.interview.reply_rules import (
    TurnRules,
    asking_part,
    asks,
    says_goodbye,
    split_sentences,
)


def said(reply: str) -> str:
    rules = TurnRules()
    return " ".join(s for s in map(rules.accept, split_sentences(reply)) if s)


def test_one_question_per_turn_keeps_the_prose_up_to_the_first_question():
    assert said("I see. What did you learn from it? And how did the team react?") == (
        "I see. What did you learn from it?"
    )
    assert said("What was hard? Why? Who helped? Take your time.") == "What was hard?"


def test_one_question_with_two_clauses_is_still_one_question():
    reply = "What was the hardest part, and what would you do differently?"
    assert said(reply) == reply


@pytest.mark.parametrize(
    ("reply", "kept"),
    [
        ("Great answer! What did you learn from it?", "What did you learn from it?"),
        ("That's impressive. Excellent! How did you measure it?", "How did you measure it?"),
        ("Thanks, that's really impressive work. Why then?", "Why then?"),
        (
            "Great answer, can you tell me more about the result?",
            ("Can you tell me more about the result?"),
        ),
        ("Wow, what a great story. Who else was involved?", "Who else was involved?"),
    ],
)
def test_praise_at_the_start_of_a_turn_is_not_said(reply, kept):
    assert said(reply) == kept


def test_an_acknowledgement_is_not_praise_and_great_question_is_not_praise_of_an_answer():
    assert said("Thank you for sharing that. What happened next?") == (
        "Thank you for sharing that. What happened next?"
    )
    assert said("That's a great question. The team has six people.") == (
        "That's a great question. The team has six people."
    )


@pytest.mark.parametrize(
    ("reply", "kept"),
    [
        ("Let's move on to the next stage. Tell me about a failure.", "Tell me about a failure."),
        ("Stage 2: What is your biggest weakness?", "What is your biggest weakness?"),
        (
            "Now for the closing stage, do you have any questions for me?",
            ("Do you have any questions for me?"),
        ),
        (
            "Thanks. Moving on to the next section of the interview. Why this role?",
            ("Thanks. Why this role?"),
        ),
        ("I'll call complete_stage now. How do you like feedback?", "How do you like feedback?"),
        ("We are running out of time. What would you change?", "What would you change?"),
        (  # the real 0.5B model read its stage brief out (issue 24's review)
            "Ask what they would like to learn or achieve in their first few months in this "
            "role. What would you want to learn or achieve in your first few months?",
            "What would you want to learn or achieve in your first few months?",
        ),
        ("Invite the candidate to ask questions. Any questions for me?", "Any questions for me?"),
        ("I'd like to ask what you enjoyed most. What was it?", None),
    ],
)
def test_narration_of_stages_timers_and_tools_is_not_said(reply, kept):
    assert said(reply) == (reply if kept is None else kept)


def test_curly_apostrophes_are_read_as_straight_ones():
    assert said("That\u2019s impressive. Why?") == "Why?"


INSTRUCTIONS = (
    "What you are doing now: Hear a short self-introduction focused on the work they are "
    "proudest of. You may say the hiring team will follow up on details."
)
ANSWER = "I'm Sam, a backend engineer with six years of experience at Acme Payments."


def test_a_recital_of_the_instructions_or_an_echo_of_the_candidate_is_not_said():
    # both seen from Qwen2.5-Coder-0.5B in a rehearsal
    rules = TurnRules(instructions=[INSTRUCTIONS], candidate=[ANSWER])
    assert rules.accept(INSTRUCTIONS.split(". ")[0]) is None
    assert rules.accept("The hiring team will follow up on details.")  # a phrase, reused
    assert rules.accept("Hi Sam, a backend engineer with six years of experience.") is None
    assert rules.accept("Six years at Acme Payments, then?") == (
        "Six years at Acme Payments, then?"
    )


def test_a_sentence_the_interviewer_already_said_is_not_said_again() -> None:
    """Qwen2.5-Coder-0.5B opened every turn with its greeting; a short acknowledgement
    may still come back."""
    earlier = ["Hello Ana, thanks for joining me today. Are you ready to begin?"]
    rules = TurnRules(said=earlier)
    assert rules.accept("Hello Ana, thanks for joining me today.") is None
    assert rules.accept("Thank you.") == "Thank you."
    assert rules.accept("What are you working on now?") == "What are you working on now?"


def test_a_question_is_due_unless_the_turn_asked_or_the_candidate_wants_a_moment() -> None:
    plain = TurnRules(candidate=["I led the billing migration."])
    plain.accept("I see.")
    assert plain.question_due()
    request = TurnRules(candidate=["I led the billing migration."])
    request.accept("Tell me more about the hardest part of it.")
    assert not request.question_due()
    pause = TurnRules(candidate=["Hmm, let me think for a second."])
    pause.accept("Take your time.")
    assert not pause.question_due()
    leaving = TurnRules(candidate=["Sorry, I have to go now."])
    assert not leaving.question_due()


def test_a_borrowed_question_starts_where_the_fallback_asks() -> None:
    greeting = "Hi Ana, thanks for joining me. It's fine to take a moment. Are you ready?"
    assert asking_part(greeting) == "Are you ready?"
    story = "Tell me about a time you disagreed with a teammate. What did you do?"
    assert asking_part(story) == story


def test_a_borrowed_question_leaves_out_what_the_reply_already_said() -> None:
    """Seen from the real local model: its reply ended on the track's hint, and the
    track's question then said the hint again."""
    said = "Feedback matters to every team. A recent example would help."
    borrowed = "How do you like to receive feedback? A recent example would help."
    assert asking_part(borrowed, said=said) == "How do you like to receive feedback?"
    assert asking_part(borrowed, said="Thanks.") == borrowed


def test_what_was_said_may_be_said_again_when_asked_for() -> None:
    earlier = ["What was the hardest bug you fixed on that project?"]
    asked = TurnRules(candidate=["Sorry, could you repeat the question?"], said=earlier)
    assert asked.accept(earlier[0]) == earlier[0]
    back = TurnRules(
        instructions=["welcome them back, then repeat your last question"], said=earlier
    )
    assert back.accept(earlier[0]) == earlier[0]
    assert TurnRules(said=earlier).accept(earlier[0]) is None


def test_a_goodbye_asks_nothing_the_candidate_could_not_answer() -> None:
    rules = TurnRules()
    rules.goodbye = True
    kept = [rules.accept(s) for s in split_sentences("Thanks, Ana! Any last questions? Bye!")]
    assert kept == ["Thanks, Ana!", None, "Bye!"]
    assert not rules.asked


def test_a_goodbye_and_a_question_are_told_apart() -> None:
    assert says_goodbye("Thank you for your time today, Ana. Goodbye!")
    assert says_goodbye("Thanks so much for your time, and best of luck.")
    assert not says_goodbye("The hiring team will follow up on salary.")
    assert asks("Happy to help. Anything else?") and asks("Tell me about your team.")
    assert not asks("The team ships weekly.")


def test_the_interviewer_does_not_say_the_candidates_answer_as_its_own() -> None:
    """Seen from Qwen2.5-0.5B in a local text interview: the reply opened with the
    candidate's answer in the first person, as if the interviewer were the candidate."""
    answer = (
        "I like direct feedback in one to one meetings, with a concrete example. In my "
        "first months I would want to learn how your billing pipeline handles retries."
    )
    rules = TurnRules(candidate=[answer])
    assert rules.accept("I like to receive feedback in real-time, with a concrete example.") is None
    assert rules.accept("A recent example would help.") == "A recent example would help."
    assert rules.accept("How do you like to receive feedback?")


def test_the_interviewer_may_still_speak_of_itself() -> None:
    answer = "I led the migration of our billing system from a monolith to services in Go."
    for own in (
        "I see.",
        "I'd like to hear more about the billing migration.",
        "I appreciate the detail on the billing migration to Go.",
        "I led a team once too.",  # few content words: not a copy of the answer
    ):
        assert TurnRules(candidate=[answer]).accept(own) == own


def test_sure_opens_only_a_reply_to_a_request() -> None:
    """Seen from Qwen2.5-0.5B: "Sure! Can you describe a mistake at work?" after an
    answer that asked for nothing."""
    after_answer = TurnRules(candidate=["Two teams disagreed about who owned the database."])
    assert after_answer.accept("Sure! Can you describe a mistake at work?") == (
        "Can you describe a mistake at work?"
    )
    assert TurnRules(candidate=["That's all from me."]).accept("Of course.") is None
    asked = TurnRules(candidate=["Could you repeat the question?"])
    assert asked.accept("Sure, here it is again.") == "Sure, here it is again."
    # speech-to-text may leave the question mark out
    spoken = TurnRules(candidate=["Sorry, can I stop you there, I have a question."])
    assert spoken.accept("Sure, go ahead.") == "Sure, go ahead."
    # the skip button is a request too: its instructions ask for "Sure." or "No problem."
    skipped = TurnRules(
        instructions=["The candidate chose to skip your last question. Acknowledge that."],
        candidate=["I worked on billing."],
    )
    assert skipped.accept("No problem.") == "No problem."
    for wish in ("Give me a moment.", "I need to stop here."):  # a moment, or the end
        assert TurnRules(candidate=[wish]).accept("Of course.") == "Of course."


def test_the_prompts_data_blocks_are_not_read_out() -> None:
    """Seen from Qwen2.5-0.5B: "For this topic, use the JOB_DESCRIPTION block." """
    reply = "For this topic, use the JOB_DESCRIPTION block. How do you like to receive feedback?"
    assert said(reply) == "How do you like to receive feedback?"
    assert said("Looking at the TARGET_ROLE block, what drew you to it?") == (
        "What drew you to it?"
    )
    assert said("I'd like to hear about the data in the resume block.") == ""
    for plain in ("What was the building block you owned?", "Was the block storage yours?"):
        assert said(plain) == plain  # a block, not the prompt's
