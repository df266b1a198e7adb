"""Which room a runner deletes at an interview's end, and what the agent never sees."""

from __future__ import annotations

from mockflow.launch.livekit.closer import RoomCloser, take_room

SPEC = {
    "session_id": "iv_1",
    "transport": "room",
    "livekit": {
        "url": "ws://127.0.0.1:7880",
        "room": "mf-abc",
        "token": "agent-token",
        "admin": {"api_key": "devkey", "api_secret": "the-livekit-secret"},
    },
}


def test_the_rooms_credentials_stay_with_the_runner():
    spec, access = take_room(SPEC)
    assert spec["livekit"] == {
        "url": "ws://127.0.0.1:7880",
        "room": "mf-abc",
        "token": "agent-token",
    }
    assert "the-livekit-secret" not in repr(spec)
    assert access is not None and access.room == "mf-abc"
    assert access.credentials.api_key == "devkey"
    assert access.credentials.api_secret == "the-livekit-secret"
    assert "the-livekit-secret" not in repr(access)  # nor in a log line that shows it
    assert SPEC["livekit"]["admin"]  # the caller's spec is left as it was


def test_a_spec_without_a_room_or_credentials_has_nothing_to_delete():
    text = {"session_id": "iv_1", "transport": "text"}
    assert take_room(text) == (text, None)
    joined_only = {**SPEC, "livekit": {k: v for k, v in SPEC["livekit"].items() if k != "admin"}}
    assert take_room(joined_only) == (joined_only, None)


def test_an_interview_without_a_known_room_ends_with_nothing_to_do():
    closer = RoomCloser()
    assert closer.ended("iv_unknown") is None
    _, access = take_room(SPEC)
    assert access is not None
    closer.opened("iv_1", access)
    closer.forget("iv_1")  # deleted some other way
    assert closer.ended("iv_1") is None
    closer.close()
