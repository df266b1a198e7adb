"""Things to change from the figures alone: each rule on a real-looking interview, each
tip naming its answer and the question it answered, and nothing claimed that was not
computed."""

from __future__ import annotations

from mockflow.feedback.analytics.measures import analyze_events
from mockflow.feedback.report.measured import measured_tips, questions_of
from mockflow.feedback.session import turns_of
from tests.fakes.transcripts import session

STORY_Q = "Tell me about a time you had to fix a production incident under pressure."
INTRO_Q = "Could you walk me through your background briefly?"
FIT_Q = "Why do you want to work at Acme?"
NO_RESULT = (
    "So we had this outage on the payments API on a Friday evening. I was on call, so I "
    "jumped on the bridge with two other engineers, looked at the dashboards, read the logs "
    "and found that a config change had switched off the connection pool. I rolled the "
    "config back and wrote up the timeline for the team."
)
WITH_RESULT = NO_RESULT + " As a result the error rate dropped from 12% to zero in ten minutes."
INTRO = (
    "I'm a backend engineer with six years in fintech. I started on the billing team at a "
    "bank, moved to a payments start-up where I led the ledger rewrite, and for the last "
    "two years I've owned the reconciliation service."
)


def _tips(*answers: tuple[str, str, str]) -> list:
    """(question, answer, stage) turns -> the measured tips, with the questions quoted."""
    turns, clock = [], 0
    for question, answer, stage in answers:
        turns.append(("interviewer", question, stage, clock, clock + 3))
        turns.append(("candidate", answer, stage, clock + 4, clock + 30))
        clock += 40
    events = session(*turns, transport="text")
    analytics = analyze_events(events).to_dict()
    transcript = [{"role": t.role, "text": t.text} for t in turns_of(events)]
    return measured_tips(analytics["answers"], questions_of(transcript))


def test_fillers_in_one_answer_name_it_and_quote_its_question():
    answer = (
        "Um, so, I, uh, I'm a backend engineer, um, six years now, and, uh, I like, um, "
        "payments mostly. Um, yeah."
    )
    (tip,) = [t for t in _tips((INTRO_Q, answer, "self_intro")) if t.kind == "fillers"]
    assert tip.answer == 1
    assert tip.text == (
        "Cut the filler words in answer 1 (to “Could you walk me through your background "
        "briefly?”): 6 in 21 words, mostly “um”."
    )


def test_a_few_fillers_spread_thin_are_named_where_they_are_thickest():
    # 16 fillers in four long answers: no answer reaches 3 per 100 words on its own, the
    # interview as a whole passes 2 per 100: the answer with the most is named
    base = " ".join(["we built the ledger service and I owned the reconciliation jobs"] * 16)
    answers = [
        (STORY_Q, "Um, " * 3 + base + ", as a result, um", "past_experience"),  # 4 fillers
        (INTRO_Q, "Uh, " * 3 + base + " uh, uh", "self_intro"),  # 5 fillers
        (FIT_Q, "Um, " * 4 + base, "company_fit"),  # 4 fillers
        ("What else?", "Um, " * 3 + base, "company_fit"),  # 3 fillers
    ]
    tips = [t for t in _tips(*answers) if t.kind == "fillers"]
    assert [t.answer for t in tips] == [2]
    assert tips[0].text.startswith("Cut the filler words in answer 2 (to “Could you walk me")
    assert tips[0].text.endswith("5 in 181 words, mostly “uh” (16 in the whole interview).")


def test_hedges_are_named_as_said():
    answer = (
        "I think maybe the main reason is the product. I guess I'd say the team seemed nice "
        "too, sort of."
    )
    (tip,) = [t for t in _tips((FIT_Q, answer, "company_fit")) if t.kind == "hedges"]
    assert tip.text == (
        "Say it with more conviction in answer 1 (to “Why do you want to work at Acme?”): "
        "4 hedges (“I think”, “maybe”, “I guess”, “I'd say”)."
    )  # "sort of" is a filler word, not a hedge: it is counted there


def test_one_hedge_in_a_long_answer_is_not_a_fault():
    assert not [t for t in _tips((INTRO_Q, "I think " + INTRO, "self_intro")) if t.kind == "hedges"]


def test_a_story_with_no_result_is_told_to_say_how_it_turned_out():
    (tip,) = [t for t in _tips((STORY_Q, NO_RESULT, "past_experience")) if t.kind == "no_result"]
    assert tip.text.startswith("Say how it turned out in answer 1 (to “Tell me about a time")
    assert tip.text.endswith("the story names no result (no number, no outcome, no “as a result”).")
    assert _tips((STORY_Q, WITH_RESULT, "past_experience")) == []


def test_only_a_story_question_expects_a_result():
    # the same words as an introduction: nobody asked how it turned out
    assert _tips((INTRO_Q, NO_RESULT, "self_intro")) == []


def test_too_short_depends_on_what_the_question_asked():
    short = "I fixed a config change that broke the pool and rolled it back that night, fast."
    (story,) = _tips((STORY_Q, short, "past_experience"))
    assert story.kind == "short" and story.text == (
        "Say more in answer 1 (to “Tell me about a time you had to…”): only 16 words. "
        "Add the situation, what you did and how it turned out."
    )
    assert _tips((FIT_Q, short, "company_fit")) == []  # enough for a question of fit
    assert _tips(("Any questions for me?", "No, thanks.", "closing")) == []


def test_too_long_depends_on_what_the_question_asked():
    long_intro = " ".join([INTRO] * 6)  # 240 words: long for an introduction
    (tip,) = _tips((INTRO_Q, long_intro, "self_intro"))
    assert tip.kind == "long" and "240 words. Lead with your point" in tip.text
    # a story of the same length is within the two minutes a story may take
    assert _tips((STORY_Q, long_intro + " As a result we shipped.", "past_experience")) == []


def test_without_a_transcript_the_answer_is_named_by_number_only():
    events = session(("interviewer", STORY_Q, "past_experience", 0, 3),
                     ("candidate", NO_RESULT, "past_experience", 4, 30))  # fmt: skip
    (tip,) = measured_tips(analyze_events(events).to_dict()["answers"])
    assert tip.text.startswith("Say how it turned out in answer 1: the story")


def test_a_clean_interview_has_nothing_measured_to_change():
    assert _tips((INTRO_Q, INTRO, "self_intro"), (STORY_Q, WITH_RESULT, "past_experience")) == []
