"""The one normaliser of typed text and the field limits, at each door that uses them."""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path

import pytest

from mockflow.app.coaching import rows_csv
from mockflow.app.practice import LinkDraft, create_link, practice_setup
from mockflow.app.setup import InterviewSetup, SetupError, answer_text, setup_from_dict
from mockflow.app.text_limits import FIELDS, clean_field, clean_text, too_long
from mockflow.contracts.ids import new_browser_id
from mockflow.store.db import Store


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("Ana\x00Lima", "AnaLima"),
        ("\x1b[31mred\x1b[0m text", "red text"),
        ("title\x1b]0;owned\x07 here", "title here"),
        ("bell\x07 del\x7f c1\x9b", "bell del c1"),
        ("line one\r\nline two\rthree\u2028four", "line one\nline two\nthree\nfour"),
        ("keeps\ttabs\nand newlines", "keeps\ttabs\nand newlines"),
        ("  Ünïcödé — stays ✓  ", "  Ünïcödé — stays ✓  "),
    ],
)
def test_control_characters_go_newlines_and_tabs_stay(sent, kept):
    assert clean_text(sent) == kept


def test_a_one_line_field_loses_its_line_breaks_and_tabs():
    assert clean_text("Ana\r\n\tLima\x00", one_line=True) == "Ana Lima"
    assert clean_field("name", "Ana\nLima") == "Ana Lima"
    assert clean_field("resume_text", "a\nb") == "a\nb"
    assert clean_field("name", None) == ""


def test_a_value_past_its_limit_is_refused_naming_field_and_limit():
    limit = FIELDS["resume_text"].max_chars
    assert too_long("resume_text", "x" * limit) is None
    message = too_long("resume_text", "x" * (limit + 1))
    assert message == (
        f"The resume text is too long: {limit:,} characters at most ({limit + 1:,} given)."
    )


def test_every_door_builds_a_cleaned_setup():
    setup = setup_from_dict(
        {"name": "Ana\x00\n", "role": "Dev\x1b[2J\tOps", "resume_text": "a\x00\nb"}
    )
    assert (setup.name, setup.role, setup.resume_text) == ("Ana ", "Dev Ops", "a\nb")
    assert InterviewSetup(job_description="x\x08y").job_description == "xy"


@pytest.mark.parametrize("field", ["name", "role", "resume_text", "job_description"])
def test_each_setup_field_has_its_limit(field):
    too_much = "x" * (FIELDS[field].max_chars + 1)
    fields = {"name": "Ana", "role": "Dev", field: too_much}
    problems = InterviewSetup(**fields).problems()
    assert set(problems) == {field}
    assert f"{FIELDS[field].max_chars:,} characters at most" in problems[field]


def test_a_megabyte_resume_is_a_setup_problem_not_a_crash():
    problems = InterviewSetup(name="Ana", role="Dev", resume_text="r" * 1_100_000).problems()
    assert problems == {
        "resume_text": "The resume text is too long: 30,000 characters at most (1,100,000 given)."
    }


def test_an_answer_is_cleaned_and_limited():
    assert answer_text("  I led it\x00.\x1b[1m  ") == "I led it."
    with pytest.raises(SetupError, match="Type an answer first"):
        answer_text("\x00\x07 ")
    with pytest.raises(SetupError, match="Your answer is too long: 4,000 characters"):
        answer_text("a" * 4001)


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path / "db.json", tmp_path / "sessions")
    yield store
    store.close()


def _draft(**changes):
    values = dict(title="Screen", interview={"role": "Dev"}, questions=("Why?",))
    return LinkDraft(**{**values, **changes})


def test_a_coachs_link_words_are_cleaned(store):
    link = create_link(
        store,
        new_browser_id(),
        _draft(
            title="Scr\x1b[5meen\n",
            questions=("Why\x00 this?\n",),
            focus_notes="Numbers\x07\nplease",
            interview={"role": "Dev\x00", "job_description": "Own\x0bbilling"},
        ),
        now=time.time(),
    )
    assert (link.title, link.questions, link.focus_notes) == (
        "Screen",
        ["Why this?"],
        "Numbers\nplease",
    )
    assert link.setup["role"] == "Dev"
    assert link.setup["job_description"] == "Own\nbilling"
    candidate = practice_setup(link, name="Ana\x00\r\nL", resume_text="cv\x1b[0m")
    assert (candidate.name, candidate.resume_text) == ("Ana L", "cv")


@pytest.mark.parametrize(
    ("changes", "field", "limit"),
    [
        ({"title": "t" * 81}, "title", 80),
        ({"questions": ("q" * 301,)}, "questions", 300),
        ({"focus_notes": "n" * 2001}, "focus_notes", 2000),
    ],
)
def test_a_coachs_link_words_have_limits(store, changes, field, limit):
    with pytest.raises(SetupError) as refused:
        create_link(store, new_browser_id(), _draft(**changes), now=time.time())
    assert f"{limit:,} characters at most" in refused.value.problems[field]


def _csv_cells(name: str) -> list[str]:
    row = {"candidate": name, "shared_at": "2026-12-07 10:00", "scores": {}}
    row |= {c: None for c in ("interview_minutes", "overall_score", "answers", "words")}
    row |= {c: None for c in ("fillers_per_100_words", "pace_wpm", "job_terms_used_percent")}
    return list(csv.reader(io.StringIO(rows_csv([row]))))[1]


@pytest.mark.parametrize("formula", ["=HYPERLINK(1)", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"])
def test_the_coachs_csv_never_starts_a_cell_with_a_formula(formula):
    cell = _csv_cells(formula)[0]
    assert cell[:1] not in ("=", "+", "-", "@", "\t", "\r")
    assert formula.strip() in cell


def test_the_coachs_csv_holds_no_control_characters():
    cells = _csv_cells("Ana\x00\x1b[31m\nLima\x07")
    assert cells[0] == "Ana Lima"
    assert _csv_cells("\x00=cmd")[0] == "'=cmd"


README_ROWS = {
    "name (one line)": "name",
    "role (one line)": "role",
    "resume text": "resume_text",
    "job description": "job_description",
    "an answer": "answer",
    "saved setup's name (one line)": "template_name",
    "practice link: title (one line)": "link_title",
    "practice link: each question (one line; at most 10)": "question",
    "practice link: focus notes": "focus_notes",
}


def test_the_readme_lists_every_limit_as_enforced():
    readme = (Path(__file__).parents[3] / "README.md").read_text("utf-8")
    assert set(README_ROWS.values()) == set(FIELDS)
    for row, field in README_ROWS.items():
        assert f"| {row} | {FIELDS[field].max_chars:,} |" in readme
