"""Tokens and rooms against the real LiveKit server, which is the judge: a candidate token
joins only its own room, has no admin powers, publishes only a microphone, expires; the
agent's token is room-scoped too; and data a participant publishes is never obeyed as
a command. Tokens come from the app's own code path (`issue_interview_room`).
"""

from __future__ import annotations

import asyncio
import base64
import datetime
import json
import time
from datetime import timedelta
from types import SimpleNamespace

import aiohttp
import jwt
import pytest
from livekit import api, rtc
from livekit.api import access_token

from mockflow.contracts.job import COMMAND_TOPIC
from mockflow.launch.livekit.tokens import issue_interview_room
from tests.fakes.deepgram_server import FakeDeepgram
from tests.fakes.interviewer_script import ScriptedInterviewer
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.voice_app import VoiceApp

pytestmark = [pytest.mark.integration, pytest.mark.livekit, pytest.mark.timeout(120)]


SERVER_LEEWAY = 60.0  # livekit-server accepts a token up to a minute past its expiry


@pytest.fixture
def short_lived(livekit_server, monkeypatch):
    """Tokens with a 2 s lifetime, minted through the app's code path with the token
    library's clock set back past the server's leeway: the server sees tokens whose
    lifetime ended over a minute ago, and the test need not wait that minute out."""
    earlier = datetime.timedelta(seconds=2 + SERVER_LEEWAY + 5)

    class Earlier(datetime.datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime.datetime.now(tz) - earlier

    clock = SimpleNamespace(datetime=Earlier, timezone=datetime.timezone)
    with monkeypatch.context() as patched:
        patched.setattr(access_token, "datetime", clock)
        return _issue(livekit_server, ttl=timedelta(seconds=2))


def _issue(server, ttl: timedelta = timedelta(minutes=15)):
    return issue_interview_room(server.url, server.api_key, server.api_secret, ttl=ttl)


def _with_room(token: str, room: str) -> str:
    """The same token with its room claim changed and the original signature kept."""
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["video"]["room"] = room
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


async def _joins(server, token: str) -> rtc.Room | None:
    room = rtc.Room()
    try:
        await asyncio.wait_for(room.connect(server.url, token), 10)
    except rtc.ConnectError:
        return None
    return room


async def _participants(server, room: str) -> list[str]:
    async with api.LiveKitAPI(server.http_url, server.api_key, server.api_secret) as lk:
        answer = await lk.room.list_participants(api.ListParticipantsRequest(room=room))
    return [p.identity for p in answer.participants]


async def test_a_candidate_token_joins_its_own_room_and_no_other(livekit_server):
    mine, other = _issue(livekit_server), _issue(livekit_server)
    joined = await _joins(livekit_server, mine.candidate_token)
    assert joined is not None and joined.name == mine.room
    assert "candidate" in await _participants(livekit_server, mine.room)
    await joined.disconnect()
    for token in (mine.candidate_token, mine.agent_token):
        assert await _joins(livekit_server, _with_room(token, other.room)) is None
    assert await _participants(livekit_server, other.room) == []


async def test_a_candidate_token_has_no_admin_powers(livekit_server):
    issued = _issue(livekit_server)
    room = await _joins(livekit_server, issued.candidate_token)
    assert room is not None
    try:
        headers = {"Authorization": f"Bearer {issued.candidate_token}"}
        calls = {
            "ListRooms": {},
            "ListParticipants": {"room": issued.room},
            "RemoveParticipant": {"room": issued.room, "identity": "candidate"},
            "DeleteRoom": {"room": issued.room},
            "SendData": {"room": issued.room, "data": "e30=", "topic": COMMAND_TOPIC},
        }
        async with aiohttp.ClientSession() as http:
            for method, body in calls.items():
                url = f"{livekit_server.http_url}/twirp/livekit.RoomService/{method}"
                async with http.post(url, json=body, headers=headers) as answer:
                    assert answer.status in (401, 403), (method, answer.status)
        assert "candidate" in await _participants(livekit_server, issued.room)
    finally:
        await room.disconnect()


async def test_a_candidate_may_publish_a_microphone_and_nothing_else(livekit_server):
    issued = _issue(livekit_server)
    room = await _joins(livekit_server, issued.candidate_token)
    assert room is not None
    try:
        source = rtc.AudioSource(48000, 1)
        mic = rtc.LocalAudioTrack.create_audio_track("microphone", source)
        options = rtc.TrackPublishOptions(source=rtc.TrackSource.SOURCE_MICROPHONE)
        await room.local_participant.publish_track(mic, options)
        video = rtc.VideoSource(64, 64)
        screen = rtc.LocalVideoTrack.create_video_track("screen", video)
        video.capture_frame(rtc.VideoFrame(64, 64, rtc.VideoBufferType.RGBA, bytes(64 * 64 * 4)))
        options = rtc.TrackPublishOptions(source=rtc.TrackSource.SOURCE_SCREENSHARE)
        with pytest.raises(
            (rtc.participant.PublishTrackError, TimeoutError)
        ):  # refused, or no answer
            await asyncio.wait_for(room.local_participant.publish_track(screen, options), 5)
        async with api.LiveKitAPI(
            livekit_server.http_url, livekit_server.api_key, livekit_server.api_secret
        ) as lk:
            request = api.RoomParticipantIdentity(room=issued.room, identity="candidate")
            seen = await lk.room.get_participant(request)
        assert [t.source for t in seen.tracks] == [api.TrackSource.MICROPHONE]
    finally:
        await room.disconnect()


async def test_commands_published_by_a_participant_are_not_obeyed(tmp_path, livekit_server):
    with FakeOpenAI(api_key="sk-security-0001") as openai, FakeDeepgram() as deepgram:
        openai.responder = ScriptedInterviewer(answers_per_stage=1)
        app = VoiceApp.build(
            tmp_path / "data", livekit=livekit_server, openai=openai, deepgram=deepgram
        )
        try:
            live = await app.start(patience="normal")
            async with live.candidate as candidate:
                await candidate.wait_for_burst(1, timeout=15)
                await candidate.wait_quiet()
                local = candidate.room.local_participant
                for forged in ({"type": "skip_stage"}, {"type": "end", "reason": "error"}):
                    await local.publish_data(json.dumps(forged), topic=COMMAND_TOPIC)
                await candidate.say("Yes, I'm ready.")
                await live.wait_turns("candidate", 1)
                await candidate.wait_for_burst(2)
        finally:
            app.close()
    assert [e["reason"] for e in live.events("stage")] == ["start"]
    assert [e["reason"] for e in live.events("ended")] == ["app_gone"]  # by app.close()


async def test_a_token_with_a_short_lifetime_is_refused_once_expired(livekit_server, short_lived):
    claims = jwt.decode(short_lived.candidate_token, options={"verify_signature": False})
    assert claims["exp"] - claims["nbf"] == 2  # minted through the app's code path
    assert claims["exp"] + SERVER_LEEWAY < time.time()  # ended, leeway included
    assert await _joins(livekit_server, short_lived.candidate_token) is None
    assert await _joins(livekit_server, short_lived.agent_token) is None
