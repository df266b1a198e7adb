"""The speech server's audio helpers: WAV in and out, resampling, sentence pieces."""

from __future__ import annotations

import io
import struct
import wave

import numpy as np
import pytest

from mockflow.localmodels.audio import (
    AudioFormatError,
    Pcm,
    read_wav,
    resample,
    split_sentences,
    wav_stream_header,
    write_wav,
)


def tone(freq: float, rate: int, seconds: float) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return np.round(12000 * np.sin(2 * np.pi * freq * t)).astype(np.int16)


def peak_frequency(samples: np.ndarray, rate: int) -> float:
    window = np.hanning(len(samples))
    spectrum = np.abs(np.fft.rfft(samples * window))
    return float(np.argmax(spectrum) * rate / len(samples))


@pytest.mark.parametrize(("src", "dst"), [(22050, 24000), (16000, 24000), (48000, 16000)])
def test_resampling_keeps_duration_and_pitch(src: int, dst: int) -> None:
    original = tone(440.0, src, 2.0)
    out = resample(original, src, dst)
    assert out.dtype == np.int16
    assert len(out) == round(len(original) * dst / src)
    assert peak_frequency(out, dst) == pytest.approx(440.0, abs=1.0)
    # loudness kept: the tone's RMS is unchanged away from the edges
    middle = out[len(out) // 4 : -len(out) // 4].astype(np.float64)
    assert np.sqrt(np.mean(middle**2)) == pytest.approx(12000 / np.sqrt(2), rel=0.02)


def test_resampling_to_the_same_rate_or_of_nothing_changes_nothing() -> None:
    samples = tone(300.0, 24000, 0.1)
    assert np.array_equal(resample(samples, 24000, 24000), samples)
    assert len(resample(np.zeros(0, dtype=np.int16), 22050, 24000)) == 0


def test_resampling_a_full_scale_signal_clips_instead_of_wrapping_around() -> None:
    square = np.where(np.arange(22050) % 2000 < 1000, 32767, -32768).astype(np.int16)
    out = resample(square, 22050, 24000)
    # every output sample a few input samples away from an edge keeps the input's sign
    source = np.floor(np.arange(len(out)) * 22050 / 24000).astype(int)
    near = np.stack([square[np.clip(source + d, 0, len(square) - 1)] for d in range(-3, 4)])
    high, low = np.all(near > 0, axis=0), np.all(near < 0, axis=0)
    assert np.all(out[high] > 20000) and np.all(out[low] < -20000)
    assert out.max() == 32767 and out.min() == -32768


def test_a_written_wav_reads_back_the_same() -> None:
    pcm = Pcm(tone(220.0, 24000, 0.5), 24000)
    back = read_wav(write_wav(pcm))
    assert back.rate == 24000 and np.array_equal(back.samples, pcm.samples)
    assert back.seconds == pytest.approx(0.5)


def test_stereo_is_mixed_down_to_mono() -> None:
    left = np.full(100, 1000, dtype=np.int16)
    right = np.full(100, 3000, dtype=np.int16)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(2)
        wav.setsampwidth(2)
        wav.setframerate(16000)
        wav.writeframes(np.column_stack([left, right]).astype("<i2").tobytes())
    pcm = read_wav(buffer.getvalue())
    assert pcm.rate == 16000 and len(pcm.samples) == 100 and set(pcm.samples) == {2000}


@pytest.mark.parametrize("data", [b"", b"not audio at all", b"RIFF\x00\x00\x00\x00WAVE"])
def test_what_is_not_a_wav_is_refused_plainly(data: bytes) -> None:
    with pytest.raises(AudioFormatError, match="Not a readable WAV"):
        read_wav(data)


def test_eight_bit_wav_is_refused_by_name() -> None:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(1)
        wav.setframerate(8000)
        wav.writeframes(bytes(80))
    with pytest.raises(AudioFormatError, match="8-bit"):
        read_wav(buffer.getvalue())


def test_stream_header_declares_24khz_16bit_mono_of_unknown_length() -> None:
    header = wav_stream_header(24000)
    assert len(header) == 44 and header[:4] == b"RIFF" and header[8:16] == b"WAVEfmt "
    fmt, channels, rate, byte_rate, align, bits = struct.unpack("<HHIIHH", header[20:36])
    assert (fmt, channels, rate, byte_rate, align, bits) == (1, 1, 24000, 48000, 2, 16)
    assert header[36:40] == b"data" and header[40:44] == b"\xff\xff\xff\xff"


def test_sentences_are_split_where_a_speaker_would_pause() -> None:
    text = 'Thanks, Ana. Tell me about the migration! Why then?\n"It failed," you said. Fine…  Next'
    assert split_sentences(text) == [
        "Thanks, Ana.",
        "Tell me about the migration!",
        "Why then?",
        '"It failed," you said.',
        "Fine…",
        "Next",
    ]


def test_abbreviations_initials_and_decimals_do_not_end_a_sentence() -> None:
    text = "Dr. Smith and J. Doe cut costs by 3.5 percent, e.g. on storage. Then what?"
    assert split_sentences(text) == [
        "Dr. Smith and J. Doe cut costs by 3.5 percent, e.g. on storage.",
        "Then what?",
    ]


def test_a_long_sentence_is_cut_at_clauses_within_the_limit() -> None:
    clause = "we moved the billing jobs to the new queue"
    text = ", ".join([clause] * 6) + "."
    pieces = split_sentences(text, max_chars=100)
    assert len(pieces) > 1 and all(len(p) <= 100 for p in pieces)
    assert " ".join(pieces) == text


def test_nothing_speakable_gives_no_pieces() -> None:
    assert split_sentences("") == []
    assert split_sentences("  ... !? \n — ") == []
    assert split_sentences("Right. ... OK.") == ["Right.", "OK."]
