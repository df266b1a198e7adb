"""Real speech for voice tests: espeak-ng says a sentence, sox resamples and pads it.

`speak()` returns 16-bit mono samples (numpy int16) at 16, 24 or 48 kHz, cached per
(text, rate, voice speed) for the test run; `silence()` makes the gaps between utterances.
Both tools come from Debian (`apt-get install espeak-ng sox`); tests that need them skip
with a clear reason when they are missing.
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import subprocess
import tempfile
import threading
import wave
from pathlib import Path

import numpy as np

RATES = (16000, 24000, 48000)
_CACHE = Path(tempfile.gettempdir()) / "mockflow-speech-cache"


def tools_available() -> bool:
    return shutil.which("espeak-ng") is not None and shutil.which("sox") is not None


def speak(text: str, rate: int = 16000, *, words_per_minute: int = 165) -> np.ndarray:
    """`text` spoken by espeak-ng as int16 samples at `rate` (no leading/trailing padding)."""
    if rate not in RATES:
        raise ValueError(f"rate must be one of {RATES}")
    return _spoken(text, rate, words_per_minute).copy()


def silence(seconds: float, rate: int = 16000) -> np.ndarray:
    return np.zeros(int(round(seconds * rate)), dtype=np.int16)


def padded(text: str, rate: int = 16000, *, lead: float = 0.0, tail: float = 0.0) -> np.ndarray:
    """Speech with silence before and after it, e.g. to make a WAV file of one answer."""
    return np.concatenate([silence(lead, rate), speak(text, rate), silence(tail, rate)])


def write_wav(path: Path, samples: np.ndarray, rate: int) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.astype(np.int16).tobytes())
    return path


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as w:
        if w.getnchannels() != 1 or w.getsampwidth() != 2:
            raise ValueError(f"{path}: expected 16-bit mono")
        return np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16), w.getframerate()


@functools.cache
def _spoken(text: str, rate: int, words_per_minute: int) -> np.ndarray:
    _CACHE.mkdir(parents=True, exist_ok=True)
    key = hashlib.sha1(f"{text}|{rate}|{words_per_minute}".encode()).hexdigest()[:16]
    out = _CACHE / f"{key}.wav"
    if not out.exists():
        # unique scratch names, then an atomic rename: parallel processes (the capacity
        # bench, parallel tests) may make the same utterance at once
        scratch = f"{key}.{os.getpid()}.{threading.get_ident()}"
        raw, made = _CACHE / f"{scratch}.raw.wav", _CACHE / f"{scratch}.wav"
        subprocess.run(
            ["espeak-ng", "-v", "en-us", "-s", str(words_per_minute), "-w", str(raw), text],
            check=True,
            capture_output=True,
        )
        # espeak-ng pads its output with silence: trim both ends so callers control gaps
        trim = ["silence", "1", "0.02", "0.5%", "reverse", "silence", "1", "0.02", "0.5%"]
        subprocess.run(
            ["sox", str(raw), "-r", str(rate), "-c", "1", "-b", "16", str(made), *trim, "reverse"],
            check=True,
            capture_output=True,
        )
        raw.unlink(missing_ok=True)
        os.replace(made, out)
    samples, got_rate = read_wav(out)
    assert got_rate == rate
    return samples
