"""What the speech server reads from a request, checked without starting it."""

from __future__ import annotations

import pytest

from mockflow.localmodels.speech_server import BadRequest, SpeechRequest, transcription_options


@pytest.mark.parametrize(
    ("body", "media_type", "sse"),
    [
        ({"input": "Hi.", "response_format": "pcm"}, "audio/pcm", False),
        (
            {"input": "Hi.", "response_format": "pcm", "stream_format": "sse"},
            "text/event-stream",
            True,
        ),
        ({"input": "Hi.", "response_format": "wav", "stream_format": "audio"}, "audio/wav", False),
        # formats this server does not encode come as WAV, never as events the client
        # would decode as mp3
        ({"input": "Hi.", "stream_format": "sse"}, "audio/wav", False),
        ({"input": "Hi.", "response_format": "opus"}, "audio/wav", False),
    ],
)
def test_the_answer_is_declared_as_what_is_sent(body: dict, media_type: str, sse: bool) -> None:
    asked = SpeechRequest.parse(body)
    assert (asked.media_type, asked.sse) == (media_type, bool(sse))


def test_speed_defaults_to_one_and_is_kept_when_valid() -> None:
    assert SpeechRequest.parse({"input": "Hi."}).speed == 1.0
    assert SpeechRequest.parse({"input": "Hi.", "speed": 1.5}).speed == 1.5


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ([], None),
        ({"input": ""}, "input"),
        ({"input": 42}, "input"),
        ({"input": "Hi.", "speed": True}, "speed"),
        ({"input": "Hi.", "speed": "fast"}, "speed"),
        ({"input": "Hi.", "speed": 0.1}, "speed"),
        ({"input": "Hi.", "response_format": 3}, "response_format"),
    ],
)
def test_a_bad_speech_request_names_its_field(body: object, param: str | None) -> None:
    with pytest.raises(BadRequest) as refused:
        SpeechRequest.parse(body)
    assert refused.value.param == param


def test_transcription_fields_become_whisper_options() -> None:
    options = transcription_options({"language": "en", "prompt": "Kafka, Postgres"})
    assert (options.language, options.prompt, options.temperature) == (
        "en",
        "Kafka, Postgres",
        None,
    )
    assert not options.timestamps
    verbose = transcription_options({"response_format": "verbose_json", "temperature": "0.2"})
    assert verbose.timestamps and verbose.temperature == 0.2 and verbose.language == "en"


@pytest.mark.parametrize(
    ("fields", "param"),
    [({"response_format": "srt"}, "response_format"), ({"temperature": "warm"}, "temperature")],
)
def test_unsupported_transcription_fields_are_refused(fields: dict, param: str) -> None:
    with pytest.raises(BadRequest) as refused:
        transcription_options(fields)
    assert refused.value.param == param
