"""The room path's audio settings: what the agent publishes and reads with, and how the
latency bench overrides them."""

from __future__ import annotations

import json
from pathlib import Path

import aiohttp
import pytest
from livekit import rtc
from livekit.agents.voice import room_io

from mockflow.agent.audio_path import OVERRIDE_VAR, AudioPath, AudioPathError
from mockflow.agent.controller import InterviewController
from mockflow.agent.transports.room import interview_in_room
from mockflow.agent.voice import VoiceInterview
from mockflow.contracts.events import EventWriter
from mockflow.contracts.launch_spec import parse_launch_spec
from mockflow.interview.fsm import build_fsm
from mockflow.launch.local.environment import child_environment


class Started(Exception):
    """Stops the interview where the session would start on the room."""


def controller_for(tmp_path: Path) -> InterviewController:
    spec = parse_launch_spec(
        json.dumps(
            {
                "session_id": "iv_1",
                "session_dir": str(tmp_path),
                "candidate": {"name": "Ada", "role": "Engineer"},
                "providers": {
                    "llm": {"api_key": "sk-test"},
                    "stt": {"provider": "deepgram", "api_key": "dg-test"},
                },
                "livekit": {"url": "ws://127.0.0.1:9", "room": "mf-test", "token": "unused"},
            }
        )
    )
    return InterviewController(spec, build_fsm(spec.track, {}), EventWriter(tmp_path / "e.jsonl"))


async def start_in_room(tmp_path: Path) -> tuple[room_io.RoomOptions, VoiceInterview]:
    """The room options and voice the agent starts its session with, by default."""
    seen: dict[str, room_io.RoomOptions] = {}
    async with aiohttp.ClientSession() as http:
        voice = VoiceInterview(controller_for(tmp_path), http_session=http)
        build = voice.build

        def build_and_watch():  # type: ignore[no-untyped-def]
            session, agent = build()

            async def start(agent: object, *, room: rtc.Room, room_options: object) -> None:
                seen["options"] = room_options  # type: ignore[assignment]
                raise Started

            session.start = start  # type: ignore[method-assign]
            return session, agent

        voice.build = build_and_watch  # type: ignore[method-assign]
        with pytest.raises(Started):
            await interview_in_room(voice, rtc.Room())
        await voice.aclose()
    return seen["options"], voice


async def test_the_interviewer_publishes_without_dtx_and_hears_at_the_vads_rate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(OVERRIDE_VAR, raising=False)
    options, voice = await start_in_room(tmp_path)
    output = options.get_audio_output_options()
    audio_in = options.get_audio_input_options()
    assert output is not None and audio_in is not None
    # a steady stream between replies: no jitter buffer re-settling at each reply's onset
    # unset means on in the Rust SDK: it must be set, and off
    assert output.track_publish_options.HasField("dtx")
    assert output.track_publish_options.dtx is False
    assert output.track_publish_options.source == rtc.TrackSource.SOURCE_MICROPHONE
    assert output.sample_rate == 24000  # the TTS's own rate, no resampling before WebRTC
    assert (audio_in.sample_rate, audio_in.frame_size_ms) == (16000, 20)
    assert voice.session is not None
    assert voice.session.tts._opts.response_format == "pcm"  # type: ignore[union-attr]
    vad_options = voice.session.vad._opts  # type: ignore[union-attr]
    assert (vad_options.activation_threshold, vad_options.deactivation_threshold) == (0.5, 0.35)


async def test_the_vads_release_level_reaches_the_session(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(OVERRIDE_VAR, "vad_release=0.5")
    _, voice = await start_in_room(tmp_path)
    assert voice.session is not None
    assert voice.session.vad._opts.deactivation_threshold == 0.5  # type: ignore[union-attr]


def test_the_bench_overrides_one_setting_at_a_time() -> None:
    path = AudioPath.from_env({OVERRIDE_VAR: "dtx=1, input_frame_ms=50,tts_format=wav"})
    assert path == AudioPath(dtx=True, input_frame_ms=50, tts_format="wav")
    assert AudioPath.from_env({}) == AudioPath()
    assert AudioPath.from_env({OVERRIDE_VAR: "stats=on"}).stats
    assert AudioPath.from_env({OVERRIDE_VAR: "vad_release=0.5"}).vad_release == 0.5


def test_a_mistyped_override_is_refused_by_name() -> None:
    with pytest.raises(AudioPathError, match="no audio setting is called 'frame'"):
        AudioPath.from_env({OVERRIDE_VAR: "frame=10"})
    with pytest.raises(AudioPathError, match="queue_ms needs a number"):
        AudioPath.from_env({OVERRIDE_VAR: "queue_ms=lots"})
    with pytest.raises(AudioPathError, match="vad_release needs a number"):
        AudioPath.from_env({OVERRIDE_VAR: "vad_release=high"})


def test_the_override_reaches_the_agent_process_and_keys_do_not() -> None:
    env = child_environment(
        {OVERRIDE_VAR: "dtx=1", "OPENAI_API_KEY": "sk-secret"}, marker="m", log_level="INFO"
    )
    assert env[OVERRIDE_VAR] == "dtx=1"
    assert "OPENAI_API_KEY" not in env
