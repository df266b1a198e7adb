"""Facts read from a resume and a job description by their section headings, quoted as
written: what the interviewer is told about the candidate and the role."""

from __future__ import annotations

import pytest

from mockflow.interview.facts import heading_kind, job_facts, resume_facts, split_sections


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("## Work Experience", "experience"),
        ("WHAT YOU’LL DO:", "responsibilities"),  # any case, curly apostrophe, colon
        ("Skills & Tools", "skills"),
        ("Who you are", "requirements"),
        ("Education", "other"),
        ("- Experience", None),  # a bullet is content, not a heading
        ("Experience with Kafka is what we look for here", None),  # a sentence
        ("", None),
    ],
)
def test_headings_are_known_by_their_usual_names(line, kind):
    assert heading_kind(line) == kind


def test_lines_are_grouped_under_the_heading_above_them():
    sections = split_sections("Jane Doe\nSummary\nBuilt things\nSkills\nPython, Go")
    assert sections == {"top": ["Jane Doe"], "summary": ["Built things"], "skills": ["Python, Go"]}


def test_a_skills_section_is_split_into_skills_as_written():
    facts = resume_facts("Jane Doe\nSkills\nPython, Go; Kafka | AWS and Terraform")
    assert facts.skills == ("Python", "Go", "Kafka", "AWS", "Terraform")


def test_without_a_skills_section_only_technical_terms_are_taken_as_skills():
    facts = resume_facts("Jane Doe\nI work with Kubernetes and AWS every day. Fluent German.")
    assert facts.skills == ("Kubernetes", "AWS")  # a spoken language is not a technical skill
    assert facts.summary == "I work with Kubernetes and AWS every day. Fluent German."  # as written
    assert facts.roles == ()  # no experience section: no roles made up


def test_a_job_description_gives_title_duties_requirements_and_terms_not_its_perks():
    facts = job_facts(
        "Platform Engineer\nWhat you'll do\n- Run our Kubernetes clusters\n"
        "Who you are\n- 5+ years with Go\nBenefits\n- 30 days of holiday"
    )
    assert facts.title == "Platform Engineer"
    assert facts.responsibilities == ("Run our Kubernetes clusters",)
    assert facts.requirements == ("5+ years with Go",)
    assert facts.key_terms == ("Kubernetes", "Go")


def test_a_long_first_line_is_not_taken_for_the_title():
    facts = job_facts("We are a fast-growing fintech looking for people who love hard problems\n")
    assert facts.title == ""
