"""The top of the report: the picture in a few lines, three things to change and what
went well, each backed by a verified quote or a figure, and nothing else."""

from __future__ import annotations

from mockflow.feedback.analytics.measures import analyze_events
from mockflow.feedback.report.blocks import Heading, Para, Quote
from mockflow.feedback.report.coaching import changes_section, strengths_section, summary_section
from mockflow.feedback.report.measured import measured_tips
from tests.fakes.transcripts import session

FILLERS = "Um, so, uh, I, um, built the, uh, billing service, um, in Python and, like, Go."
HEDGES = "I think it was maybe fine, I guess, I'm not sure, probably it worked out in the end."
LONG = " ".join(["word"] * 320)


def _analytics(transport: str = "room") -> dict:
    events = session(
        ("interviewer", "Hi", "greeting", 0, 1),
        ("candidate", "Hi.", "greeting", 2, 3),  # answer 1: short, but in the greeting
        ("interviewer", "Q1", "self_intro", 4, 5),
        ("candidate", FILLERS, "self_intro", 6, 16),  # answer 2
        ("interviewer", "Q2", "past_experience", 17, 18),
        ("candidate", HEDGES, "past_experience", 19, 29),  # answer 3
        ("interviewer", "Q3", "past_experience", 30, 31),
        ("candidate", LONG, "past_experience", 32, 152),  # answer 4
        ("interviewer", "Q4", "company_fit", 153, 154),
        ("candidate", "Yes, Kafka.", "company_fit", 155, 156),  # answer 5
        transport=transport,
    )
    return analyze_events(events).to_dict()


def _rubric(*, scores=(4, 2), improvements=(), strengths=()) -> dict:
    titles = ("Communication", "Ownership")
    return {
        "overall": sum(scores) / len(scores),
        "competencies": [{"title": t, "score": s} for t, s in zip(titles, scores, strict=True)],
        "improvements": list(improvements),
        "strengths": list(strengths),
    }


def _headings(section) -> list[str]:
    return [b.text for b in section.blocks if isinstance(b, Heading)]


def test_measured_tips_name_the_answer_and_the_figure_behind_them():
    tips = measured_tips(_analytics()["answers"])
    assert [(t.answer, t.text) for t in tips] == [
        (2, "Cut the filler words in answer 2: 6 in 16 words, mostly “um”."),
        (3, "Say it with more conviction in answer 3: 5 hedges (“I think”, “maybe”, “I guess”, "
            "“I'm not sure”, “probably”)."),
        (4, "Shorten answer 4: 320 words. Lead with your point, then give one example."),
        (4, "Say how it turned out in answer 4: the story names no result (no number, no "
            "outcome, no “as a result”)."),
        # a story (a past-experience question) needs more than 18 words
        (3, "Say more in answer 3: only 18 words. Add the situation, what you did and how it "
            "turned out."),
        (5, "Say more in answer 5: only 2 words. Add a concrete example of what you did."),
    ]  # fmt: skip  # a one-word "Hi." in the greeting is not a fault


def test_the_rubrics_verified_points_come_first_and_measured_ones_are_still_shown():
    improvement = {
        "point": "Lead with the result",
        "original": {"answer": 2, "quote": "I, um, built the, uh, billing service"},
        "rewrite": "I built the billing service in Python and Go.",
    }
    report = {"analytics": _analytics(), "rubric": _rubric(improvements=[improvement])}
    section = changes_section(report)
    assert _headings(section) == [
        "1. Lead with the result",
        # a different point about answer 2: the measured one is not a duplicate
        "2. Cut the filler words in answer 2: 6 in 16 words, mostly “um”.",
        "3. Say it with more conviction in answer 3: 5 hedges (“I think”, “maybe”, “I guess”, "
        "“I'm not sure”, “probably”).",
    ]
    quotes = [b for b in section.blocks if isinstance(b, Quote)]
    assert [q.cite for q in quotes] == ["What you said (answer 2)", "A stronger version"]
    notes = [b.text for b in section.blocks if isinstance(b, Para) and b.note]
    assert notes == [
        "Measured from your transcript: answer 2, shown below with its figures.",
        "Measured from your transcript: answer 3, shown below with its figures.",
    ]


def test_a_measured_tip_the_rubric_already_makes_is_not_repeated():
    same = {
        "point": "Drop the filler words at the start",
        "original": {"answer": 2, "quote": "I, um, built the, uh, billing service"},
        "rewrite": "I built the billing service in Python and Go.",
    }
    three = [same, {**same, "point": "A"}, {**same, "point": "B"}]
    section = changes_section({"analytics": _analytics(), "rubric": _rubric(improvements=three)})
    headings = _headings(section)
    assert headings[:3] == ["1. Drop the filler words at the start", "2. A", "3. B"]
    assert not any("Cut the filler words" in h for h in headings)
    # the rubric's three do not crowd the measured ones out
    assert [h.split(".")[0] for h in headings[3:]] == ["4", "5"]
    assert "conviction in answer 3" in headings[3]


def test_nothing_to_change_gives_no_section():
    answer = "I designed the ledger, ran it for two years and wrote the runbook for it."
    events = session(("candidate", answer, "self_intro", 0, 5))
    assert changes_section({"analytics": analyze_events(events).to_dict()}) is None


def test_the_summary_says_when_there_are_no_scores_and_what_was_measured():
    report = {"analytics": _analytics(), "session": {"duration_seconds": 160}}
    lines = [b.text for b in summary_section(report).blocks]
    assert lines == [
        "Scores and coaching have not been generated for this interview.",
        "You gave 5 answers (357 words) in 2 min 40 s. 6 filler words (1.7 per 100 words), "
        "most often “um”. Pace 151 words per minute.",
    ]


def test_the_summary_names_the_strongest_and_weakest_scored_competency():
    lines = [b.text for b in summary_section({"rubric": _rubric(scores=(4, 2))}).blocks]
    assert lines[0] == (
        "Overall 3 / 5 from 2 scored competencies. Strongest: Communication (4 / 5). "
        "Most room to grow: Ownership (2 / 5)."
    )
    unscored = _rubric(scores=(4, 2))
    for competency in unscored["competencies"]:
        competency["score"] = None
    assert summary_section({"rubric": unscored}).blocks[0].text == (
        "No competency had enough verified evidence to be scored."
    )


def test_without_a_rubric_strengths_come_only_from_figures():
    voice = strengths_section({"analytics": _analytics()})
    assert [b.text for b in voice.blocks] == ["A comfortable speaking pace: 151 words per minute."]
    # a typed interview has no pace, so none is praised
    assert strengths_section({"analytics": _analytics(transport="text")}) is None


def test_a_rubric_strength_is_shown_with_its_quote():
    strength = {"point": "Clear ownership", "evidence": {"answer": 4, "quote": "word word"}}
    section = strengths_section({"rubric": _rubric(strengths=[strength])})
    assert section.blocks[0].text == "Clear ownership"
    assert section.blocks[1].text == "word word" and section.blocks[1].cite == "answer 4"


def test_the_summary_names_a_skipped_stage_and_the_stage_an_end_cut_short():
    analytics = _analytics()
    analytics.update(skipped_stages=["self_intro", "past_experience"],
                     ended_during="company_fit", ended_reason="user_ended")  # fmt: skip
    lines = [b.text for b in summary_section({"analytics": analytics}).blocks]
    assert lines[-1] == (
        "You skipped the Self-introduction and Past experience stages. "
        "You ended the interview during the Company fit stage."
    )
    analytics.update(skipped_stages=["past_experience"], ended_during=None)
    lines = [b.text for b in summary_section({"analytics": analytics}).blocks]
    assert lines[-1] == "You skipped the Past experience stage."


def test_a_short_interview_s_length_is_in_seconds():
    report = {"analytics": _analytics(), "session": {"duration_seconds": 22.4}}
    assert "You gave 5 answers (357 words) in 22 s." in summary_section(report).blocks[1].text
