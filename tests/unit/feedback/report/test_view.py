"""What the report says, read as the candidate reads it (its Markdown): the picture first,
the changes and what went well, a card per answer, what text mode cannot measure,
stages skipped, scores with their evidence or why there are none."""

from __future__ import annotations

import json

from mockflow.contracts.meta import SessionMeta
from mockflow.feedback.demo import sample_report
from mockflow.feedback.report.html import render_html
from mockflow.feedback.report.markdown import render_markdown
from mockflow.feedback.report.model import build_report, generate_report
from tests.fakes.rubric_llm import (
    EVENTS,
    META,
    ScriptedLLM,
    reply,
    rubric_report,
    shown,
    text_mode_events,
)


def test_sample_session_is_a_measured_voice_interview_with_a_verified_sample_rubric() -> None:
    report = sample_report(clock=lambda: 0.0)
    a = report.analytics
    assert a.transport == "room" and a.timings_measured
    assert len(a.answers) == 12 and a.total_words == 841
    assert a.filler_count == 35 and a.fillers["like"] == 9
    assert a.pace_wpm.value == 143.2 and a.interruptions.value == 1
    assert a.jd_coverage is not None and "Kafka" in a.jd_coverage.used
    rubric = report.rubric
    assert rubric is not None and rubric.dropped_quotes == 0  # every quote is in the transcript
    assert rubric.overall == 3.5 and len(rubric.improvements) == 3
    assert all(c.evidence for c in rubric.competencies)
    markdown = render_markdown(shown(report))
    assert "- Speaking pace: 143 words per minute" in markdown
    assert "not written by an AI" not in markdown and "a sample written by hand" in markdown
    assert "not measured (" not in markdown
    assert "### Past experience" in markdown and "**Interviewer:**" in markdown


def test_the_report_opens_with_the_picture_the_changes_and_what_went_well() -> None:
    markdown = render_markdown(shown(sample_report()))
    headings = [line for line in markdown.splitlines() if line.startswith("## ")]
    assert headings[:4] == ["## In short", "## Top things to change", "## What went well",
                            "## Scores"]  # fmt: skip
    short = markdown.split("## In short")[1].split("## ")[0]
    assert "Overall 3.5 / 5 from 4 scored competencies." in short
    assert "Strongest: Structure (STAR) (4 / 5)" in short
    assert "You gave 12 answers (841 words) in 8 min 01 s. 35 filler words" in short
    changes = markdown.split("## Top things to change")[1].split("\n## ")[0]
    assert changes.count("\n### ") == 5  # the rubric's three, then two measured ones
    assert changes.count("> — What you said (answer ") == 3
    assert changes.count("_Measured from your transcript: answer ") == 2


def test_each_answer_is_a_card_with_its_marks_figures_and_coaching() -> None:
    markdown = render_markdown(shown(sample_report()))
    answers = markdown.split("## Your answers")[1].split("\n## ")[0]
    assert answers.count("#### Answer ") == 12
    assert "~~filler words~~ are struck through" in answers  # the legend, not colour alone
    card = answers.split("#### Answer 2\n")[1].split("#### Answer 3")[0]
    assert "the, ~~um~~, the billing" in card and "*I think* what I like" in card
    assert "**Kafka**" in card  # a job-description term the candidate used
    assert "_88 words · 37 s · 142 words per minute · 1.6 s to start · 3 filler words" in card
    proud = answers.split("#### Answer 3\n")[1].split("#### Answer 4")[0]
    assert "**✎ To change:** Lead with your own contribution" in proud
    assert "> — A stronger version" in proud
    assert "Thanks for your time today, Sam." in answers  # the closing words are kept


def test_text_mode_says_once_what_needs_a_voice_interview() -> None:
    report = build_report(text_mode_events(), SessionMeta(session_id="t1", track="intro_call"))
    markdown, html = render_markdown(shown(report)), render_html(shown(report))
    assert markdown.count("need a voice interview") == 1 and html.count("voice interview") == 1
    assert "not measured (" not in markdown and "Speaking pace" not in markdown
    assert "- Filler words: 1 (“um” 1); 14.3 per 100 words" in markdown
    assert '<s class="filler" title="filler word">um</s>' in html
    data = json.loads(report.to_json())
    assert data["analytics"]["pace_wpm"] == {"value": None, "reason": "text mode"}
    assert data["session"]["transport"] == "text" and data["rubric"] is None


def test_skipped_and_unreached_stages_are_said() -> None:
    events = text_mode_events()
    events[3:3] = [
        {"t": 141.0, "type": "stage", "stage": "company_fit", "reason": "timeout"},
        {"t": 142.0, "type": "turn", "role": "interviewer", "text": "Why us?",
         "stage": "company_fit", "started_at": 141.0, "ended_at": 142.0},
    ]  # fmt: skip
    events[5]["stage"] = "company_fit"
    markdown = render_markdown(shown(build_report(events, SessionMeta())))
    assert "### Past experience\n\n_Skipped: the interview moved on before this stage._" in (
        markdown
    )
    assert "_Not reached: the interview ended before Closing._" in markdown


def test_track_and_session_id_fall_back_to_the_ready_event() -> None:
    events = text_mode_events()
    events[0].update(track="technical", session_id="iv_42")
    report = build_report(events, SessionMeta())
    assert report.meta.track == "technical" and report.meta.session_id == "iv_42"
    assert render_markdown(shown(report)).startswith("# Interview feedback: Technical interview")


async def test_rubric_report_renders_scores_evidence_and_coaching() -> None:
    report = await rubric_report()
    markdown = render_markdown(shown(report))
    assert "**Overall:** 4 / 5 (mean of 3 scored competencies)" in markdown
    assert "- Structure (STAR): 3 / 5. Thin result." in markdown
    assert "- Role fit: not enough evidence to score. No JD." in markdown
    assert "> I wrote a comparison doc with a year of failure data" in markdown
    assert "> — What you said (answer 3)" in markdown
    assert "Counted as evidence for:** Communication" in markdown
    assert "1\\. Tell one STAR story aloud in 2 minutes." not in markdown
    assert "1. Tell one STAR story aloud in 2 minutes." in markdown
    assert "Every quote the model offered was found in your answers." in markdown
    html = render_html(shown(report))
    assert "<h2>Top things to change</h2>" in html and "Reviewed by test-model" in html


async def test_a_score_without_surviving_evidence_loses_its_praise_too() -> None:
    data = json.loads(reply())
    data["competencies"][0]["evidence"] = ["words the candidate never said at all"]
    data["competencies"][0]["rationale"] = "Superb, crisp communication throughout."
    report = await generate_report(EVENTS, META, ScriptedLLM(json.dumps(data)))
    assert report.rubric is not None
    first = report.rubric.competencies[0]
    assert first.score is None and first.withheld_score is not None and first.rationale == ""
    markdown = render_markdown(shown(report))
    assert "Superb, crisp" not in markdown
    assert f"- {first.title}: not scored (no quote behind it was found" in markdown


async def test_rubric_failure_is_stated_instead_of_scores() -> None:
    llm = ScriptedLLM("nope", "still nope")
    steps: list[float] = []
    report = await generate_report(EVENTS, META, llm, progress=lambda f, _: steps.append(f))
    assert steps == sorted(steps) and steps[-1] == 1.0
    markdown = render_markdown(shown(report))
    assert "The model's rubric was not valid JSON." in markdown.split("## In short")[1][:400]
    assert "Overall" not in markdown and "/ 5" not in markdown
    assert "## Delivery (measured)" in markdown
    assert report.to_dict()["rubric_failed"] is True
    assert report.to_dict()["rubric_retry"] is True  # one malformed run: a retry may help


async def test_stored_dict_has_no_transcript_and_renders_the_same_report() -> None:
    report = await rubric_report()
    stored = json.loads(report.to_json())
    assert "transcript" not in stored and stored["schema"] == 1
    assert stored["rubric"]["competencies"][3]["status"] == "insufficient_evidence"
    from_store = render_markdown(stored)
    assert "#### Answer 1" not in from_store and "#### Answer 1" in render_markdown(shown(report))
    assert "- Answer 1 (" in from_store  # without a transcript: the answers by their figures
    assert from_store == render_markdown(report.to_dict())
