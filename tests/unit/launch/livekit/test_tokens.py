"""LiveKit tokens, checked with livekit-api's own TokenVerifier."""

from __future__ import annotations

from datetime import timedelta

import jwt
import pytest
from livekit import api

from mockflow.contracts.relay import APP_IDENTITY
from mockflow.launch.livekit.tokens import (
    AGENT_IDENTITY,
    CANDIDATE_IDENTITY,
    agent_token,
    app_listener_token,
    candidate_token,
    is_room_name,
    issue_interview_room,
    new_room_name,
)

KEY = "APItestKey123"
SECRET = "test-secret-0123456789abcdef0123456789abcdef"


def verify(token: str) -> api.access_token.Claims:
    return api.TokenVerifier(KEY, SECRET).verify(token)


def lifetime(token: str) -> int:
    claims = jwt.decode(token, options={"verify_signature": False})
    return claims["exp"] - claims["nbf"]


def test_room_names_are_unguessable_and_distinct():
    names = {new_room_name() for _ in range(1000)}
    assert len(names) == 1000
    assert all(name.startswith("mf-") and is_room_name(name) for name in names)
    assert not is_room_name("mf-interview-1")


def test_candidate_token_joins_only_its_room_with_media_and_data():
    room = new_room_name()
    claims = verify(candidate_token(KEY, SECRET, room, name="Ana Lima"))
    video = claims.video
    assert claims.identity == CANDIDATE_IDENTITY
    assert claims.name == "Ana Lima"
    assert video.room == room and video.room_join
    assert video.can_publish and video.can_subscribe and video.can_publish_data
    assert video.can_publish_sources == ["microphone"]
    assert not video.room_admin and not video.room_create and not video.room_list
    assert not video.room_record and not video.agent


def test_tokens_live_at_most_fifteen_minutes_even_if_asked_for_more():
    room = new_room_name()
    assert lifetime(candidate_token(KEY, SECRET, room)) <= 15 * 60
    assert lifetime(candidate_token(KEY, SECRET, room, ttl=timedelta(hours=6))) <= 15 * 60
    assert lifetime(agent_token(KEY, SECRET, room, ttl=timedelta(days=1))) <= 15 * 60
    assert lifetime(candidate_token(KEY, SECRET, room, ttl=timedelta(minutes=2))) <= 2 * 60


def test_a_non_positive_lifetime_is_refused():
    with pytest.raises(ValueError):
        candidate_token(KEY, SECRET, new_room_name(), ttl=timedelta(0))


def test_agent_token_is_a_separate_agent_identity_in_the_same_room():
    room = new_room_name()
    claims = verify(agent_token(KEY, SECRET, room))
    assert claims.identity == AGENT_IDENTITY != CANDIDATE_IDENTITY
    assert claims.kind == "agent"
    assert claims.video.agent is True
    assert claims.video.room == room and claims.video.room_join
    assert not claims.video.room_admin and not claims.video.room_list


def test_the_apps_listener_joins_hidden_and_can_only_send_data():
    room = new_room_name()
    claims = verify(app_listener_token(KEY, SECRET, room))
    assert claims.identity == APP_IDENTITY not in (AGENT_IDENTITY, CANDIDATE_IDENTITY)
    assert claims.video.room == room and claims.video.room_join
    assert claims.video.hidden  # the candidate's page and the interviewer never see it
    assert claims.video.can_publish is False and claims.video.can_publish_data
    assert not claims.video.can_update_own_metadata and not claims.video.room_admin


def test_tokens_do_not_verify_with_another_secret():
    token = candidate_token(KEY, SECRET, new_room_name())
    with pytest.raises(jwt.InvalidTokenError):
        api.TokenVerifier(KEY, "another-secret-0123456789abcdef012345").verify(token)


def test_interview_room_bundles_both_tokens_for_one_fresh_room_and_hides_them():
    first = issue_interview_room("wss://lk.example", KEY, SECRET, candidate_name="Ana")
    second = issue_interview_room("wss://lk.example", KEY, SECRET)
    assert first.room != second.room
    assert verify(first.candidate_token).video.room == first.room
    assert verify(first.agent_token).video.room == first.room
    assert first.candidate_token not in repr(first)
    assert first.agent_token not in repr(first)
