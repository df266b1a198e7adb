"""Analytics computed from hand-built transcripts with known counts."""

from __future__ import annotations

import json

from mockflow.feedback.analytics.measures import TEXT_MODE, analyze_events
from tests.fakes.transcripts import T0, session


def test_room_session_measures_pace_think_time_and_talk_share() -> None:
    events = session(
        ("interviewer", "Tell me about yourself.", "self_intro", 0.0, 4.0),
        ("candidate", "Um, I build, like, billing systems in Python.", "self_intro", 6.5, 12.5),
        ("interviewer", "Tell me about a conflict.", "past_experience", 14.0, 18.0),
        ("candidate", " ".join(["word"] * 60), "past_experience", 17.5, 47.5),
    )
    a = analyze_events(events)
    first, second = a.answers
    assert (first.words, first.filler_count, first.fillers) == (8, 2, {"um": 1, "like": 1})
    assert first.duration.value == 6.0 and first.pace_wpm.value == 80.0
    assert first.think_time.value == 2.5 and not first.interrupted
    assert second.think_time.value == 0.0 and second.interrupted
    assert second.pace_wpm.value == 120.0
    assert a.pace_wpm.value == round(68 / 36 * 60, 1)
    assert a.speaking_time.value == 36.0
    assert a.talk_time_share.value == round(36 / 44, 3)
    assert a.think_time_median.value == 1.25 and a.think_time_max.value == 2.5
    assert a.interruptions.value == 1
    assert a.filler_rate.value == round(2 / 68 * 100, 2)
    assert a.word_share.value == round(68 / (68 + 9), 3)
    assert a.longest_answer == 2


def test_text_mode_reports_timings_as_not_measured() -> None:
    events = session(
        ("interviewer", "Hi, tell me about yourself.", "self_intro", 0.0, 1.0),
        ("candidate", "I am a backend engineer.", "self_intro", 30.0, 31.0),
        transport="text",
    )
    a = analyze_events(events)
    for m in (a.pace_wpm, a.speaking_time, a.think_time_median, a.talk_time_share):
        assert m.value is None and m.reason == TEXT_MODE
    answer = a.answers[0]
    assert answer.duration.reason == answer.pace_wpm.reason == answer.think_time.reason == TEXT_MODE
    assert a.total_words == 5 and a.word_share.value == round(5 / 10, 3)
    assert any("Text mode" in note for note in a.notes)


def test_unknown_transport_uses_no_timing() -> None:
    events = session(("candidate", "Hello there friend.", "greeting", 0.0, 2.0), transport=None)
    a = analyze_events(events)
    assert a.transport is None and a.pace_wpm.value is None
    assert a.pace_wpm.reason == "transport unknown"


def test_room_turn_without_timing_is_not_guessed() -> None:
    events = session(("interviewer", "Question?", "greeting", 0.0, 1.0))
    events.insert(-1, {"t": T0 + 5, "type": "turn", "role": "candidate", "text": "An answer."})
    answer = analyze_events(events).answers[0]
    assert answer.duration.value is None and answer.duration.reason == "no timing"
    assert answer.pace_wpm.value is None and answer.think_time.value is None


def test_answers_per_stage_follow_stage_order_and_skip_empty_turns() -> None:
    events = session(
        ("interviewer", "Hello!", "greeting", 0, 1),
        ("candidate", "Hi.", "greeting", 2, 3),
        ("interviewer", "Any questions?", "closing", 4, 5),
        ("candidate", "   ", "closing", 6, 7),
        ("interviewer", "Tell me about you.", "self_intro", 2, 3),
    )
    stages = [(s.stage, s.questions, s.answers) for s in analyze_events(events).stages]
    assert stages == [("greeting", 1, 1), ("self_intro", 1, 0), ("closing", 1, 0)]


def test_no_answers_gives_unavailable_rates() -> None:
    a = analyze_events(session(("interviewer", "Hello?", "greeting", 0, 1)))
    assert a.answers == [] and a.longest_answer is None
    assert a.filler_rate.value is None and a.pace_wpm.value is None
    assert any("no answers" in note for note in a.notes)


def test_top_words_skip_stopwords_and_fillers() -> None:
    text = "Kafka, um, Kafka and the Kafka cluster; the cluster, the cluster. Um um um."
    a = analyze_events(session(("candidate", text, "self_intro", 0, 10)))
    assert a.top_words == [("kafka", 3), ("cluster", 3)]


def test_jd_coverage_uses_key_terms_of_the_job_description() -> None:
    jd = "Backend Engineer\nWe run Kafka and PostgreSQL on AWS.\nDesign REST APIs with Terraform."
    events = session(
        ("candidate", "I ran kafka clusters and built a REST API.", "past_experience", 0, 5),
        ("candidate", "Mostly on aws.", "company_fit", 6, 8),
    )
    coverage = analyze_events(events, job_description=jd).jd_coverage
    assert coverage is not None
    assert {"Kafka", "AWS", "REST"} <= set(coverage.used)
    assert {"PostgreSQL", "Terraform"} <= set(coverage.missing)
    assert analyze_events(events).jd_coverage is None


def test_analytics_dict_is_json_safe() -> None:
    events = session(("candidate", "Um, I like Kafka.", "self_intro", 0, 3))
    data = json.loads(
        json.dumps(analyze_events(events, job_description="Role\nUse Kafka.").to_dict())
    )
    assert data["fillers"] == {"um": 1}
    assert data["pace_wpm"] == {"value": 80.0, "reason": None}
    assert data["jd_coverage"] == {
        "terms": ["Kafka"],
        "used": ["Kafka"],
        "missing": [],
        "share": 1.0,
    }


def test_a_story_question_s_answer_records_whether_it_states_a_result() -> None:
    events = session(
        ("interviewer", "Tell me about a time you disagreed with a teammate.", "company_fit", 0, 2),
        ("candidate", "We argued about batch runs and I wrote a doc.", "company_fit", 3, 9),
        ("interviewer", "And then?", "company_fit", 10, 11),
        ("candidate", "We switched, and failed runs dropped to zero.", "company_fit", 12, 15),
        ("interviewer", "Why this company?", "company_fit", 16, 17),
        ("candidate", "The product.", "company_fit", 18, 19),
    )
    first, second, third = analyze_events(events).answers
    assert (first.story, first.states_result) == (True, False)
    assert (second.story, second.states_result) == (False, None)  # "And then?" asks no story
    assert (third.story, third.states_result) == (False, None)


def test_skipped_stages_and_the_stage_an_early_end_cut_short_are_read_from_events() -> None:
    events = [
        {"t": 1.0, "type": "ready", "transport": "text"},
        {"t": 1.0, "type": "stage", "stage": "greeting", "reason": "start"},
        {"t": 2.0, "type": "stage", "stage": "self_intro", "reason": "skip"},
        {"t": 3.0, "type": "stage", "stage": "past_experience", "reason": "timer"},
        {"t": 4.0, "type": "ended", "reason": "user_ended"},
    ]
    analytics = analyze_events(events)
    assert analytics.skipped_stages == ["greeting"]
    assert (analytics.ended_during, analytics.ended_reason) == ("past_experience", "user_ended")
    events[-1] = {"t": 4.0, "type": "ended", "reason": "completed"}
    assert analyze_events(events).ended_during is None  # a finished interview ended nowhere


def test_a_skip_of_the_last_stage_is_read_from_the_ended_line() -> None:
    events = [
        {"t": 1.0, "type": "stage", "stage": "company_fit", "reason": "start"},
        {"t": 2.0, "type": "stage", "stage": "closing", "reason": "skip"},
        {"t": 3.0, "type": "ended", "reason": "completed", "last_stage": "closing",
         "last_move": "skip"},
    ]  # fmt: skip
    assert analyze_events(events).skipped_stages == ["company_fit", "closing"]
