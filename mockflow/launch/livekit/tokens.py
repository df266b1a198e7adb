"""LiveKit rooms and short-lived, room-scoped access tokens (livekit-api).

Each interview gets its own room whose name cannot be guessed (`mf-` + 128 random bits),
so knowing one room name says nothing about another. The server chooses every identity:
the candidate is always `candidate` and the interviewer `interviewer`, so a browser cannot
pose as anyone else and the agent knows whom to listen to. Tokens can join only their
room and live at most 15 minutes (a token is needed to join, not to stay connected).
"""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta

from livekit import api

from mockflow.contracts.relay import APP_IDENTITY

ROOM_PREFIX = "mf-"
CANDIDATE_IDENTITY = "candidate"
AGENT_IDENTITY = "interviewer"
AGENT_NAME = "Interviewer"
MAX_TTL = timedelta(minutes=15)
CANDIDATE_SOURCES = ("microphone",)
_ROOM_NAME = re.compile(r"mf-[A-Za-z0-9_-]{22}")


@dataclass(frozen=True)
class InterviewRoom:
    """Everything both sides need to meet in one room; `repr` hides the tokens."""

    url: str
    room: str
    candidate_token: str
    agent_token: str
    expires_at: float

    def __repr__(self) -> str:
        return f"InterviewRoom(url={self.url!r}, room={self.room!r}, expires_at={self.expires_at})"


def new_room_name() -> str:
    return ROOM_PREFIX + secrets.token_urlsafe(16)


def is_room_name(value: object) -> bool:
    return isinstance(value, str) and _ROOM_NAME.fullmatch(value) is not None


def candidate_token(
    api_key: str,
    api_secret: str,
    room: str,
    *,
    name: str = "",
    ttl: timedelta = MAX_TTL,
    sources: tuple[str, ...] = CANDIDATE_SOURCES,
) -> str:
    """A token for the candidate's browser: join `room`, publish its microphone,
    subscribe, send data; nothing else."""
    grants = api.VideoGrants(
        room_join=True,
        room=room,
        can_publish=True,
        can_subscribe=True,
        can_publish_data=True,
        can_publish_sources=list(sources),
        can_update_own_metadata=False,
    )
    token = _base_token(api_key, api_secret, CANDIDATE_IDENTITY, ttl).with_grants(grants)
    if name:
        token = token.with_name(name)
    return token.to_jwt()


def agent_token(api_key: str, api_secret: str, room: str, *, ttl: timedelta = MAX_TTL) -> str:
    """A token for the interviewer agent process: join `room` as an agent participant,
    and publish its state (`lk.agent.state`) as its own participant attribute."""
    grants = api.VideoGrants(
        room_join=True,
        room=room,
        can_publish=True,
        can_subscribe=True,
        can_publish_data=True,
        can_update_own_metadata=True,
        agent=True,
    )
    token = _base_token(api_key, api_secret, AGENT_IDENTITY, ttl)
    return token.with_kind("agent").with_name(AGENT_NAME).with_grants(grants).to_jwt()


def app_listener_token(
    api_key: str, api_secret: str, room: str, *, ttl: timedelta = timedelta(minutes=10)
) -> str:
    """A token for the app's own participant in a dispatched interview's room (the
    timeline listener): hidden, sends data (its acks), publishes no track; `ttl` only has
    to cover joining, staying connected needs no token."""
    grants = api.VideoGrants(
        room_join=True,
        room=room,
        hidden=True,
        can_publish=False,
        can_publish_data=True,
        can_subscribe=True,
        can_update_own_metadata=False,
    )
    token = _base_token(api_key, api_secret, APP_IDENTITY, ttl)
    return token.with_grants(grants).to_jwt()


def issue_interview_room(
    url: str, api_key: str, api_secret: str, *, candidate_name: str = "", ttl: timedelta = MAX_TTL
) -> InterviewRoom:
    """A fresh room name with a candidate token and an agent token for it."""
    room = new_room_name()
    expires_at = time.time() + _clamp(ttl).total_seconds()
    return InterviewRoom(
        url=url,
        room=room,
        candidate_token=candidate_token(api_key, api_secret, room, name=candidate_name, ttl=ttl),
        agent_token=agent_token(api_key, api_secret, room, ttl=ttl),
        expires_at=expires_at,
    )


def _base_token(api_key: str, api_secret: str, identity: str, ttl: timedelta) -> api.AccessToken:
    return api.AccessToken(api_key, api_secret).with_identity(identity).with_ttl(_clamp(ttl))


def _clamp(ttl: timedelta) -> timedelta:
    if ttl <= timedelta(0):
        raise ValueError("token lifetime must be positive")
    return min(ttl, MAX_TTL)
