"""Issue 24: the job description's key terms are what a recruiter means, and the report
counts the ones the candidate said, by any spelling."""

from __future__ import annotations

from mockflow.contracts.meta import SessionMeta
from mockflow.feedback.analytics.measures import analyze_events
from mockflow.feedback.analytics.terms import term_coverage
from mockflow.feedback.report.markdown import render_markdown
from mockflow.feedback.report.model import build_report
from tests.fakes.transcripts import session

JD = "Backend Engineer\nYou will build APIs. We use Go, PostgreSQL, Kafka and Kubernetes."
ANSWERS = (
    ("interviewer", "Tell me about a system you built.", "past_experience", 0, 3),
    (
        "candidate",
        "I wrote the ledger service in Go and fed it from Kafka.",
        "past_experience",
        4,
        9,
    ),
    ("interviewer", "Why did you leave?", "company_fit", 10, 12),
    ("candidate", "I was ready to go somewhere new, so I go out and learn.", "company_fit", 13, 17),
)


def test_go_and_kafka_said_are_two_of_the_four_terms_and_apis_is_not_one():
    coverage = analyze_events(session(*ANSWERS), job_description=JD).jd_coverage
    assert coverage is not None
    assert coverage.terms == ("Go", "PostgreSQL", "Kafka", "Kubernetes")
    assert coverage.used == ("Go", "Kafka")
    assert coverage.missing == ("PostgreSQL", "Kubernetes")


def test_the_report_says_two_of_four_and_names_what_was_never_mentioned():
    meta = SessionMeta(session_id="iv_24", track="behavioral", job_description=JD)
    markdown = render_markdown(build_report(session(*ANSWERS), meta).to_dict())
    assert "2 of 4 key terms used" in markdown
    assert "Used: Go, Kafka" in markdown
    assert "Never mentioned: PostgreSQL, Kubernetes" in markdown
    assert "APIs" not in markdown.split("Job description coverage")[1]
    meta = SessionMeta(session_id="iv_24", track="behavioral", job_description=JD)
    report = build_report(session(*ANSWERS), meta).to_dict(include_transcript=True)
    answers = render_markdown(report)  # the answers are marked where the terms were said
    assert "in **Go** and fed it from **Kafka**." in answers
    assert "ready to go somewhere new, so I go out" in answers


def test_synonyms_in_answers_count_for_the_term():
    coverage = term_coverage(
        ["PostgreSQL", "Kubernetes", "JavaScript", "machine learning", "GCP"],
        ["We moved from postgres to k8s.", "Mostly JS, some ML on gcloud."],
    )
    assert coverage.used == ("PostgreSQL", "Kubernetes", "JavaScript", "machine learning", "GCP")


def test_go_the_verb_is_not_go_the_language():
    coverage = term_coverage(["Go", "Kafka"], ["Go ahead, I'm ready to go.", "We go live soon."])
    assert coverage.used == ()
    assert term_coverage(["Go"], ["Services in golang."]).used == ("Go",)
