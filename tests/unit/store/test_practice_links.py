"""Practice links in the store: every isolation rule and quota of issue 16 holds in the
store's own functions, whatever the UI or API does."""

from __future__ import annotations

import pytest

from mockflow.contracts.ids import new_browser_id
from mockflow.store.atomic_json import StoreError
from mockflow.store.db import Store
from mockflow.store.practice_links import (
    NOT_FOUND,
    PracticeLinkNotFoundError,
    PracticeQuotaError,
    is_link_id,
)
from mockflow.store.records import NotFoundError

DAY = 86400.0
SETUP = {"role": "Data Engineer", "level": "mid", "track": "behavioral"}


class Clock:
    def __init__(self) -> None:
        self.now = 1.8e9

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path, clock):
    store = Store(tmp_path / "db.json", tmp_path / "sessions", clock=clock)
    yield store
    store.close()


def _link(store: Store, coach: str, clock: Clock, **limits):
    return store.create_practice_link(
        coach,
        title="Data engineering screen",
        setup=SETUP,
        expires_at=clock.now + 7 * DAY,
        questions=["Tell me about a pipeline you owned.", "How do you test SQL?"],
        **limits,
    )


def _interview(store: Store, candidate: str) -> str:
    record = store.create_session(
        candidate, role="Data Engineer", track="behavioral", level="mid", mode="text"
    )
    return record.id


def test_a_link_id_is_unguessable_and_a_visitor_finds_only_live_links(store, clock):
    coach = new_browser_id()
    link = _link(store, coach, clock)
    assert is_link_id(link.id) and len(link.id) == 3 + 22  # 128 random bits
    assert store.practice_link(link.id).questions == link.questions
    tampered = link.id[:-1] + ("A" if link.id[-1] != "A" else "B")
    messages = []
    for wrong in (tampered, "pl_short", "../../etc", ""):
        with pytest.raises(PracticeLinkNotFoundError) as caught:
            store.practice_link(wrong)
        messages.append(str(caught.value))
    clock.now += 8 * DAY  # expired: the same answer as unknown
    with pytest.raises(PracticeLinkNotFoundError) as caught:
        store.practice_link(link.id)
    assert set(messages) | {str(caught.value)} == {NOT_FOUND}


def test_a_coach_sees_only_their_own_links(store, clock):
    coach, other = new_browser_id(), new_browser_id()
    link = _link(store, coach, clock)
    assert [x.id for x in store.coach_links(coach)] == [link.id]
    assert store.coach_links(other) == []
    for call in (store.coach_link, store.shared_on_link, store.delete_practice_link):
        with pytest.raises(NotFoundError):
            call(other, link.id)


def test_quotas_refuse_with_a_reason_and_count_in_one_step(store, clock):
    coach, ana, ben = new_browser_id(), new_browser_id(), new_browser_id()
    link = _link(store, coach, clock, max_interviews=2, max_per_candidate_per_day=1)
    store.reserve_practice_interview(ana, link.id, _interview(store, ana))
    with pytest.raises(PracticeQuotaError, match="today"):
        store.reserve_practice_interview(ana, link.id, _interview(store, ana))
    store.reserve_practice_interview(ben, link.id, _interview(store, ben))
    clock.now += DAY  # a new day, but the link's interviews are spent
    with pytest.raises(PracticeQuotaError, match="no interviews left"):
        store.reserve_practice_interview(ana, link.id, _interview(store, ana))
    assert store.coach_link(coach, link.id).usage["interviews"] == 2


def test_total_minutes_are_a_quota_too(store, clock):
    coach, ana = new_browser_id(), new_browser_id()
    link = _link(store, coach, clock, max_total_minutes=10)
    first = _interview(store, ana)
    store.reserve_practice_interview(ana, link.id, first)
    store.record_practice_minutes(ana, first, 10.4)
    with pytest.raises(PracticeQuotaError, match="minutes"):
        store.reserve_practice_interview(ana, link.id, _interview(store, ana))
    assert store.coach_link(coach, link.id).usage["minutes"] == 10.4


def test_interviews_running_at_once_never_hold_more_than_the_links_minutes(store, clock):
    """Issue 25: three candidates start at once on a link with 3 minutes in total and 2
    per interview: the first is granted 2, the second the 1 left, the third is refused
    while they run; a finished interview's measured minutes replace its grant."""
    coach, ana, ben, cy = (new_browser_id() for _ in range(4))
    link = _link(store, coach, clock, max_total_minutes=3, max_minutes_per_interview=2)
    first, second = _interview(store, ana), _interview(store, ben)
    assert store.reserve_practice_interview(ana, link.id, first) == 2
    assert store.reserve_practice_interview(ben, link.id, second) == 1
    with pytest.raises(PracticeQuotaError, match="held by interviews running now"):
        store.reserve_practice_interview(cy, link.id, _interview(store, cy))
    store.record_practice_minutes(ana, first, 0.5)  # ended early: 1.5 minutes come back
    assert store.reserve_practice_interview(cy, link.id, _interview(store, cy)) == 1.5


def test_a_link_with_less_than_a_minute_left_refuses_before_anything_starts(store, clock):
    coach, ana = new_browser_id(), new_browser_id()
    link = _link(store, coach, clock, max_total_minutes=1)
    first = _interview(store, ana)
    assert store.reserve_practice_interview(ana, link.id, first) == 1
    store.record_practice_minutes(ana, first, 0.25)
    with pytest.raises(PracticeQuotaError, match="used all its minutes"):
        store.reserve_practice_interview(ana, link.id, _interview(store, ana))
    assert store.coach_link(coach, link.id).usage["interviews"] == 1  # nothing was counted


def test_a_link_without_minute_limits_grants_no_hard_end(store, clock):
    coach, ana = new_browser_id(), new_browser_id()
    link = _link(store, coach, clock, max_interviews=5)
    assert store.reserve_practice_interview(ana, link.id, _interview(store, ana)) is None


def test_a_links_usage_adds_up_what_its_interviews_reported_and_no_more(store, clock):
    coach, ana, ben = new_browser_id(), new_browser_id(), new_browser_id()
    link = _link(store, coach, clock)
    text, voice = _interview(store, ana), _interview(store, ben)
    store.reserve_practice_interview(ana, link.id, text)
    store.reserve_practice_interview(ben, link.id, voice)
    assert store.coach_link(coach, link.id).usage["llm_input_tokens"] is None  # none yet
    text_usage = {"llm_input_tokens": 900, "llm_output_tokens": 120, "tts_characters": None}
    store.record_practice_minutes(ana, text, 6, text_usage | {"stt_audio_seconds": None})
    store.record_practice_minutes(
        ben,
        voice,
        9,
        {
            "llm_input_tokens": 1100,
            "llm_output_tokens": 200,
            "tts_characters": 1500,
            "stt_audio_seconds": 240.5,
            "secret": "ignored",  # only the contract's figures are kept
        },
    )
    usage = store.coach_link(coach, link.id).usage
    assert usage["llm_input_tokens"] == 2000 and usage["llm_output_tokens"] == 320
    assert usage["tts_characters"] == 1500 and usage["stt_audio_seconds"] == 240.5
    assert "secret" not in str(store._link_uses.all())


def test_only_ones_own_interview_is_counted_on_a_link(store, clock):
    coach, ana, eve = new_browser_id(), new_browser_id(), new_browser_id()
    link = _link(store, coach, clock)
    with pytest.raises(NotFoundError):
        store.reserve_practice_interview(eve, link.id, _interview(store, ana))


def test_an_expired_link_starts_nothing(store, clock):
    coach, ana = new_browser_id(), new_browser_id()
    link = _link(store, coach, clock)
    clock.now += 8 * DAY
    with pytest.raises(PracticeLinkNotFoundError):
        store.reserve_practice_interview(ana, link.id, _interview(store, ana))


def test_sharing_is_the_candidates_choice_for_their_own_interview_only(store, clock):
    coach, ana, eve = new_browser_id(), new_browser_id(), new_browser_id()
    link = _link(store, coach, clock)
    session = _interview(store, ana)
    store.reserve_practice_interview(ana, link.id, session)
    store.save_feedback(ana, session, {"analytics": {"filler_rate": {"value": 2.0}}})
    assert store.shared_on_link(coach, link.id) == []  # nothing until the candidate says so
    with pytest.raises(NotFoundError):
        store.shared_report(coach, link.id, session)
    with pytest.raises(NotFoundError):
        store.share_with_coach(eve, session, "Eve")  # not her interview
    own = _interview(store, eve)  # hers, but not started through a link
    with pytest.raises(NotFoundError):
        store.share_with_coach(eve, own, "Eve")
    store.share_with_coach(ana, session, "Ana")
    assert [s["given_name"] for s in store.shared_on_link(coach, link.id)] == ["Ana"]
    assert store.shared_report(coach, link.id, session)["analytics"]["filler_rate"]["value"] == 2
    other_coach = new_browser_id()
    with pytest.raises(NotFoundError):
        store.shared_report(other_coach, link.id, session)
    store.withdraw_share(ana, session)
    assert store.shared_on_link(coach, link.id) == []
    with pytest.raises(NotFoundError):
        store.shared_report(coach, link.id, session)


def test_deleting_a_candidates_data_removes_their_shares_but_keeps_the_counts(store, clock):
    coach, ana = new_browser_id(), new_browser_id()
    link = _link(store, coach, clock, max_interviews=1)
    session = _interview(store, ana)
    store.reserve_practice_interview(ana, link.id, session)
    store.share_with_coach(ana, session, "Ana")
    store.delete_user_data(ana)
    assert store.shared_on_link(coach, link.id) == []
    assert store.coach_link(coach, link.id).usage["interviews"] == 1  # the quota was spent
    bob = new_browser_id()
    with pytest.raises(PracticeQuotaError):
        store.reserve_practice_interview(bob, link.id, _interview(store, bob))


def test_a_coach_deleting_their_data_takes_their_links_with_it(store, clock):
    coach = new_browser_id()
    link = _link(store, coach, clock)
    store.delete_user_data(coach)
    with pytest.raises(PracticeLinkNotFoundError):
        store.practice_link(link.id)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"title": "  "}, "title"),
        ({"questions": [f"Question {n}?" for n in range(11)]}, "at most 10"),
        ({"questions": ["x" * 301]}, "300 characters"),
        ({"expires_in": -1.0}, "future"),
        ({"expires_in": 400 * DAY}, "within a year"),
        ({"max_interviews": 0}, "at least 1"),
        ({"modes": ["video"]}, "Modes"),
    ],
)
def test_a_link_that_breaks_a_rule_is_refused_with_the_rule(store, clock, change, problem):
    fields = {
        "title": "Screen",
        "setup": SETUP,
        "expires_at": clock.now + change.pop("expires_in", DAY),
        **change,
    }
    with pytest.raises(StoreError, match=problem):
        store.create_practice_link(new_browser_id(), **fields)


def test_the_coach_invite_works_once_and_only_with_the_exact_token(store):
    token = store.invite_coach()
    stranger, coach, late = new_browser_id(), new_browser_id(), new_browser_id()
    wrong = token[:-1] + ("y" if token.endswith("x") else "x")  # one character off
    assert not store.redeem_coach_invite(stranger, wrong)
    assert not store.redeem_coach_invite(stranger, "")
    assert store.redeem_coach_invite(coach, token)
    assert not store.redeem_coach_invite(late, token)  # one-time
    assert store.is_coach(coach) and not store.is_coach(stranger) and not store.is_coach(late)
    assert token not in (store._db.storage.read() and str(store._db.storage.read()))


def test_an_idle_coach_is_not_erased_with_idle_visitors(store, clock):
    coach, visitor = new_browser_id(), new_browser_id()
    store.touch(visitor)
    store.redeem_coach_invite(coach, store.invite_coach())
    assert store.idle_anonymous_users(clock.now + 10 * DAY) == [visitor]


def test_a_coach_opens_and_deletes_only_what_was_shared_on_their_own_link(store, clock):
    coach, other, ana = new_browser_id(), new_browser_id(), new_browser_id()
    link = _link(store, coach, clock)
    session = _interview(store, ana)
    store.reserve_practice_interview(ana, link.id, session)
    with pytest.raises(NotFoundError):  # not shared yet
        store.shared_session_dir(coach, link.id, session)
    store.share_with_coach(ana, session, "Ana")
    assert store.shared_session_dir(coach, link.id, session).name == session
    with pytest.raises(NotFoundError):  # another coach, even knowing both ids
        store.shared_session_dir(other, link.id, session)
    with pytest.raises(NotFoundError):
        store.remove_share(other, link.id, session)
    store.remove_share(coach, link.id, session)
    assert store.shared_on_link(coach, link.id) == []
    assert store.get_session(ana, session).id == session  # the candidate keeps theirs


def test_a_candidate_knows_their_link_and_a_sponsored_scoring_is_counted(store, clock):
    coach, ana, eve = new_browser_id(), new_browser_id(), new_browser_id()
    link = _link(store, coach, clock)
    session = _interview(store, ana)
    assert store.practice_use(ana, session) is None
    store.reserve_practice_interview(ana, link.id, session)
    found = store.practice_use(ana, session)
    assert found is not None and found.id == link.id
    assert store.practice_use(eve, session) is None  # not her interview
    assert [store.spend_practice_scoring(ana, session, 2) for _ in range(3)] == [
        True,
        True,
        False,
    ]
    assert store.spend_practice_scoring(eve, session, 2) is False


def test_a_signed_in_coach_follows_the_operators_list(store):
    user = new_browser_id()
    store.set_coach(user, True)
    assert store.is_coach(user)
    store.set_coach(user, False)
    assert not store.is_coach(user)


def test_deleting_a_shared_interview_takes_the_share_with_it(store, clock):
    coach, ana = new_browser_id(), new_browser_id()
    link = _link(store, coach, clock)
    session = _interview(store, ana)
    store.reserve_practice_interview(ana, link.id, session)
    store.set_status(ana, session, "completed", end_reason="completed")
    store.share_with_coach(ana, session, "Ana")
    store.delete_session(ana, session)
    assert store.shared_on_link(coach, link.id) == []
    assert store.coach_link(coach, link.id).usage["interviews"] == 1  # the quota was spent
    assert session not in str(store._link_uses.all())
