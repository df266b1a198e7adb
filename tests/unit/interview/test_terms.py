"""Key terms of a job description or resume: technical tokens, product names in
mid-sentence and phrases after cues, first appearance first, without noise."""

from __future__ import annotations

from mockflow.interview.terms import key_terms


def test_technical_looking_tokens_are_terms():
    text = "Backend Engineer\nWe run AWS and PostgreSQL, C++ and C# code, CI/CD, S3 and node.js."
    assert key_terms(text) == ["AWS", "PostgreSQL", "C++", "C#", "CI/CD", "S3", "node.js"]


def test_capitalised_names_count_in_mid_sentence_not_at_its_start_or_in_the_title():
    text = "Kubernetes Engineer\nWe use Kubernetes daily. Our team works with Google Cloud."
    assert key_terms(text) == ["Kubernetes", "Google Cloud"]  # "Our" starts a sentence


def test_the_phrases_after_a_cue_are_terms():
    text = (
        "Role\nYou have experience with distributed systems, event-driven architectures "
        "and stream processing. Strong knowledge of Python (e.g. Django, FastAPI)."
    )
    assert key_terms(text) == [
        "distributed systems",
        "event-driven architectures",
        "stream processing",
        "Python",
        "Django",
        "FastAPI",
    ]


def test_job_ad_words_dates_and_shouted_lines_are_not_terms():
    text = "Role\nJoin us in January. We are an Equal Opportunity Employer.\nWE ARE HIRING ON GCP"
    assert key_terms(text) == []


def test_repeats_count_once_and_a_part_seen_only_inside_a_longer_term_is_dropped():
    assert key_terms("Role\nWe use AWS. Also AWS.") == ["AWS"]
    assert key_terms("Role\nExperience with GitHub Actions.") == ["GitHub Actions"]
    # seen on its own too, the shorter term stays
    assert key_terms("Role\nWe use GitHub. Experience with GitHub Actions.") == [
        "GitHub",
        "GitHub Actions",
    ]


def test_technical_only_leaves_out_names_and_phrases():
    text = "Role\nWe use Kubernetes and AWS, with experience in event sourcing."
    assert key_terms(text, technical_only=True) == ["AWS"]


def test_at_most_forty_terms_in_order_of_appearance():
    terms = key_terms("Role\n" + ", ".join(f"Tool{i}x" for i in range(100)))
    assert terms == [f"Tool{i}x" for i in range(40)]
