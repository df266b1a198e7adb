"""Pure audio helpers for the local speech server: WAV in and out, resampling, sentences.

Samples are 16-bit signed mono numpy arrays (`np.int16`); nothing here touches a file,
a socket or a model, so every function is testable on its own.
"""

from __future__ import annotations

import io
import re
import struct
import wave
from dataclasses import dataclass

import numpy as np

from mockflow.errors import MockflowError

# A WAV header whose sizes say "unknown": written before the length of a streamed reply is known.
_UNKNOWN_SIZE = 0xFFFFFFFF


class AudioFormatError(MockflowError):
    """Audio bytes that are not the WAV this module reads (16-bit PCM)."""


@dataclass(frozen=True)
class Pcm:
    """Mono 16-bit samples at `rate` Hz."""

    samples: np.ndarray
    rate: int

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.rate if self.rate else 0.0


def read_wav(data: bytes) -> Pcm:
    """The samples of a 16-bit PCM WAV, mixed down to mono."""
    try:
        with wave.open(io.BytesIO(data), "rb") as wav:
            channels, width, rate = wav.getnchannels(), wav.getsampwidth(), wav.getframerate()
            frames = wav.readframes(wav.getnframes())
    except (wave.Error, EOFError, struct.error) as exc:
        raise AudioFormatError(f"Not a readable WAV file ({exc}).") from None
    if width != 2:
        raise AudioFormatError(f"Only 16-bit WAV is supported, not {8 * width}-bit.")
    usable = len(frames) - len(frames) % (2 * channels)
    samples = np.frombuffer(frames[:usable], dtype="<i2").astype(np.int16)
    if channels > 1:
        mixed = samples.reshape(-1, channels).astype(np.int32).mean(axis=1)
        samples = np.round(mixed).astype(np.int16)
    return Pcm(samples, rate)


def write_wav(pcm: Pcm) -> bytes:
    """A complete mono 16-bit WAV file of `pcm`."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(pcm.rate)
        wav.writeframes(pcm_bytes(pcm.samples))
    return buffer.getvalue()


def wav_stream_header(rate: int) -> bytes:
    """A mono 16-bit WAV header for a stream of unknown length (sizes set to 0xFFFFFFFF)."""
    fmt = struct.pack("<HHIIHH", 1, 1, rate, rate * 2, 2, 16)
    return (
        b"RIFF"
        + struct.pack("<I", _UNKNOWN_SIZE)
        + b"WAVEfmt "
        + struct.pack("<I", len(fmt))
        + fmt
        + b"data"
        + struct.pack("<I", _UNKNOWN_SIZE)
    )


def pcm_bytes(samples: np.ndarray) -> bytes:
    """Little-endian 16-bit bytes (`s16le`) of int16 samples."""
    return samples.astype("<i2", copy=False).tobytes()


def resample(samples: np.ndarray, src_rate: int, dst_rate: int) -> np.ndarray:
    """`samples` at `dst_rate`: band-limited (FFT) resampling, length scaled by the rate ratio.

    Made for whole utterances that start and end near silence (a Piper sentence), where the
    FFT's wrap-around adds no audible edge; cost is O(n log n) on the utterance.
    """
    if src_rate <= 0 or dst_rate <= 0:
        raise ValueError("sample rates must be positive")
    if src_rate == dst_rate or len(samples) == 0:
        return samples.astype(np.int16, copy=True)
    n = len(samples)
    m = round(n * dst_rate / src_rate)
    spectrum = np.fft.rfft(samples.astype(np.float64))
    kept = np.zeros(m // 2 + 1, dtype=np.complex128)
    bins = min(len(spectrum), len(kept))
    kept[:bins] = spectrum[:bins]
    out = np.fft.irfft(kept, m) * (m / n)
    return np.clip(np.round(out), -32768, 32767).astype(np.int16)


# A sentence ends at . ! ? or … (with any closing quotes or brackets) followed by white
# space, or at a line break.
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+|\s*\n\s*")
_CLAUSE_END = re.compile(r"(?<=[,;:])\s+")
_ABBREVIATIONS = frozenset(
    {"mr.", "mrs.", "ms.", "dr.", "prof.", "st.", "jr.", "sr.", "vs.", "e.g.", "i.e.", "approx."}
)
_SPEAKABLE = re.compile(r"\w")


def split_sentences(text: str, max_chars: int = 160) -> list[str]:
    """`text` as speakable pieces in order: sentences, long ones cut at commas or semicolons.

    Pieces without a letter or digit are dropped (a voice has nothing to say for "...");
    a known abbreviation ("Dr.", "e.g.") or an initial ("J.") does not end a sentence.
    """
    sentences: list[str] = []
    pending = ""
    for piece in _SENTENCE_END.split(text.strip()):
        pending = f"{pending} {piece}".strip() if pending else piece.strip()
        if pending and not _ends_with_abbreviation(pending):
            sentences.append(pending)
            pending = ""
    if pending:
        sentences.append(pending)
    pieces = [part for sentence in sentences for part in _cut_long(sentence, max_chars)]
    return [piece for piece in pieces if _SPEAKABLE.search(piece)]


def _ends_with_abbreviation(sentence: str) -> bool:
    last = sentence.rsplit(maxsplit=1)[-1].lower()
    return last in _ABBREVIATIONS or re.fullmatch(r"[a-z]\.", last) is not None


def _cut_long(sentence: str, max_chars: int) -> list[str]:
    """A sentence longer than `max_chars` packed into clauses; clauses are never cut."""
    if len(sentence) <= max_chars:
        return [sentence]
    parts: list[str] = []
    for clause in _CLAUSE_END.split(sentence):
        if parts and len(parts[-1]) + 1 + len(clause) <= max_chars:
            parts[-1] = f"{parts[-1]} {clause}"
        else:
            parts.append(clause)
    return parts
