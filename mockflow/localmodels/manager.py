"""The app's local models: one `LocalModels` per app, shared by every interview.

    models = LocalModels(models_dir, data_dir, llm_model_path=..., ollama_model=...)
    models.prepare(progress)         # optional, from Settings: join / download, with progress
    llm = models.ensure_llm()        # LocalEndpoint(base_url=".../v1", model, api_key, kind)
    speech = models.ensure_speech()  # SpeechEndpoint(base_url, stt_model, tts_model, voice)
    models.status()                  # {"llm": RoleStatus, "stt": ..., "tts": ...} for Settings
    models.close()                   # stops every server this object started

Language model: the user's Ollama when it answers at `ollama_url` and has a model (the
configured one when listed, else its first); otherwise MockFlow's own
`python -m llama_cpp.server` over the GGUF file (the model's own chat template; no
`chat_format`). Speech: Piper's HTTP server (GPL, so only ever a separate process) and
`python -m mockflow.localmodels.speech_server` in front of it and Whisper; STT and TTS
share its `/v1`. Servers start on first use (a second caller waits for the first start),
are restarted once after a crash, and bind 127.0.0.1 only.

Before anything starts, the model files are checked: missing, damaged (sha256 mismatch) or
too large for the memory available → a `MockflowError` naming the file. `ensure_*` joins
packaged parts if needed but never downloads: that is `prepare`'s job, asked for by the user.
Nothing heavy is imported here: engines are looked up with `importlib.util.find_spec`.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import mockflow
from mockflow.errors import MockflowError
from mockflow.launch.strays import ChildPidFiles
from mockflow.localmodels import catalog, files
from mockflow.localmodels.catalog import INSTALL_COMMAND
from mockflow.localmodels.locate import ROLES, ModelFiles, PrepareProgress
from mockflow.localmodels.status import RoleStatus, describe
from mockflow.localmodels.supervised import (
    ChildCommand,
    SupervisedServer,
    child_env,
)
from mockflow.private_files import make_private_dir

log = logging.getLogger(__name__)

API_KEY = "local"  # the OpenAI client needs one; loopback servers ignore it
N_CTX = 8192  # a whole interview's prompt with a resume and a job description
START_TIMEOUT = 300.0  # a model loading on a busy 2-core machine
OLLAMA_TIMEOUT = 1.0


class EngineNotInstalled(MockflowError):
    """The Python packages that run a local model are not installed."""


@dataclass(frozen=True)
class Ports:
    """Wanted loopback ports; another free one is chosen when one is taken."""

    llm: int = 8123
    piper: int = 8124
    speech: int = 8125


@dataclass(frozen=True)
class LocalEndpoint:
    """An OpenAI-compatible language model endpoint."""

    base_url: str  # http://127.0.0.1:PORT/v1
    model: str
    kind: str  # ollama | llama.cpp
    api_key: str = API_KEY


@dataclass(frozen=True)
class SpeechEndpoint:
    """OpenAI-compatible /v1/audio/transcriptions and /v1/audio/speech."""

    base_url: str
    stt_model: str
    tts_model: str
    voice: str
    api_key: str = API_KEY

    @property
    def model(self) -> str:
        """The speech-to-text model (what an `Endpoint` protocol asks for)."""
        return self.stt_model


class LocalModels:
    """The local language, speech-to-text and voice models of one app (module docstring)."""

    def __init__(
        self,
        models_dir: Path,
        data_dir: Path,
        *,
        llm_model_path: Path | None = None,
        stt_model_path: Path | None = None,
        tts_voice_path: Path | None = None,
        ollama_url: str | None = "http://127.0.0.1:11434",  # None: never use Ollama
        ollama_model: str | None = None,
        threads: int | None = None,
        llm_model: str = catalog.DEFAULT_LLM.key,
        ports: Ports = Ports(),
        start_timeout: float = START_TIMEOUT,
        pid_files: ChildPidFiles | None = None,  # recorded while they run (launch/strays.py)
    ) -> None:
        spec = next((m for m in catalog.MODELS if m.key == llm_model and m.role == "llm"), None)
        if spec is None:
            raise MockflowError(f"Unknown local language model {llm_model!r}.")
        self.files = ModelFiles(
            models_dir,
            llm_model_path=llm_model_path,
            stt_model_path=stt_model_path,
            tts_voice_path=tts_voice_path,
            llm_spec=spec,
        )
        self.log_dir = Path(data_dir) / "logs"
        self.pid_files = pid_files
        self.ollama_url = ollama_url.rstrip("/") if ollama_url else None
        self.ollama_model = ollama_model
        # Half the cores (llama-cpp-python's own default): measured on 2 busy cores (load 9),
        # one thread decoded 11 tokens/s where two managed 1 (the threads spin and contend).
        self.threads = threads or max(1, (os.cpu_count() or 2) // 2)
        self.ports = ports
        self.start_timeout = start_timeout
        self._llm_lock = threading.Lock()
        self._speech_lock = threading.Lock()
        self._ollama: LocalEndpoint | None = None
        self._llama: SupervisedServer | None = None
        self._piper: SupervisedServer | None = None
        self._speech: SupervisedServer | None = None
        self._refused: dict[str, str] = {}  # role → why its model was refused
        self._closed = False

    # -- preparing files -------------------------------------------------------------------

    def prepare(
        self, progress: PrepareProgress | None = None, roles: tuple[str, ...] = ROLES
    ) -> dict[str, Path | str]:
        """Join, verify or download what `roles` need; the model path per role (for the
        language model, the Ollama model name when Ollama serves it)."""
        ready: dict[str, Path | str] = {}
        for role in roles:
            if role == "llm" and (ollama := self._ollama_endpoint()) is not None:
                ready[role] = ollama.model
                continue
            ready[role] = self._checked(role, progress, allow_download=True)
        return ready

    def _checked(self, role: str, progress: PrepareProgress | None, allow_download: bool) -> Path:
        try:
            path = self.files.prepare(role, progress, allow_download=allow_download)
            files.check_memory(files.size_of(path), str(path))
        except MockflowError as exc:
            self._refused[role] = str(exc)
            raise
        self._refused.pop(role, None)
        return path

    # -- the language model ------------------------------------------------------------------

    def ensure_llm(self) -> LocalEndpoint:
        """The running language model's endpoint, started on first use."""
        with self._llm_lock:
            self._check_open()
            if self._ollama is not None:
                if ollama_models(self._ollama.base_url.removesuffix("/v1")):
                    return self._ollama
                log.warning("Ollama stopped answering; using the app's own language model")
                self._ollama = None
            if self._llama is None:
                if (ollama := self._ollama_endpoint()) is not None:
                    self._ollama = ollama
                    log.info("local language model: Ollama %s", ollama.model)
                    return ollama
                self._llama = self._llama_server()
            _run(self._llama, self.start_timeout)
            spec = self.files.specs["llm"]
            return LocalEndpoint(f"{self._llama.url}/v1", spec.key, "llama.cpp")

    def _llama_server(self) -> SupervisedServer:
        _require_engine("llm")
        model = self._checked("llm", None, allow_download=False)
        alias = self.files.specs["llm"].key
        threads = str(self.threads)

        def argv(port: int) -> list[str]:
            return [
                sys.executable, "-m", "llama_cpp.server", "--model", str(model),
                "--host", "127.0.0.1", "--port", str(port), "--n_threads", threads,
                "--n_threads_batch", threads, "--n_ctx", str(N_CTX), "--model_alias", alias,
            ]  # fmt: skip

        return self._server("the local language model server (llama.cpp)", argv, "/v1/models",
                            "llama-server", self.ports.llm)  # fmt: skip

    def _ollama_endpoint(self) -> LocalEndpoint | None:
        if self.ollama_url is None:
            return None
        names = ollama_models(self.ollama_url)
        if not names:
            return None
        wanted = self.ollama_model
        chosen = next((n for n in names if wanted and n in (wanted, f"{wanted}:latest")), None)
        if wanted and chosen is None:
            log.warning("Ollama has no model %r; using %r", wanted, names[0])
        return LocalEndpoint(f"{self.ollama_url}/v1", chosen or names[0], "ollama")

    # -- speech ------------------------------------------------------------------------------

    def ensure_speech(self) -> SpeechEndpoint:
        """The running speech server's endpoint (STT and TTS), started on first use."""
        with self._speech_lock:
            self._check_open()
            if self._speech is None:
                self._piper, self._speech = self._speech_servers()
            assert self._piper is not None
            _run(self._piper, self.start_timeout)
            _run(self._speech, self.start_timeout)
            stt, tts = self.files.specs["stt"], self.files.specs["tts"]
            voice = self.files.find("tts").path.name.removesuffix(".onnx")
            return SpeechEndpoint(f"{self._speech.url}/v1", stt.key, tts.key, voice)

    def _speech_servers(self) -> tuple[SupervisedServer, SupervisedServer]:
        _require_engine("stt", "tts")
        whisper = self._checked("stt", None, allow_download=False)
        voice = self._checked("tts", None, allow_download=False)

        def piper_argv(port: int) -> list[str]:
            return [
                sys.executable, "-m", "piper.http_server", "-m", str(voice),
                "--host", "127.0.0.1", "--port", str(port), "--data-dir", str(voice.parent),
            ]  # fmt: skip

        piper = self._server(
            "the local voice server (Piper)", piper_argv, "/info", "piper-server", self.ports.piper
        )

        def speech_argv(port: int) -> list[str]:
            return [
                sys.executable, "-m", "mockflow.localmodels.speech_server", "--host", "127.0.0.1",
                "--port", str(port), "--whisper-model", str(whisper), "--piper-url", piper.url,
                "--threads", str(self.threads),
            ]  # fmt: skip

        speech = self._server(
            "the local speech server", speech_argv, "/health", "speech-server", self.ports.speech
        )
        return piper, speech

    # -- servers -----------------------------------------------------------------------------

    def _server(
        self, name: str, argv: Callable[[int], list[str]], health: str, log_name: str, port: int
    ) -> SupervisedServer:
        source_root = str(Path(mockflow.__file__).resolve().parents[1])
        pythonpath = os.pathsep.join(p for p in (source_root, os.environ.get("PYTHONPATH")) if p)
        env = child_env({"PYTHONPATH": pythonpath, "HF_HUB_OFFLINE": "1"})
        command = ChildCommand(
            name=name, argv=argv, health_path=health, log_name=log_name, env=env,
            wanted_port=port, cwd=self.log_dir, start_timeout=self.start_timeout,
        )  # fmt: skip
        make_private_dir(self.log_dir)
        return SupervisedServer(command, self.log_dir, pid_files=self.pid_files)

    def _check_open(self) -> None:
        if self._closed:
            raise MockflowError("The local models were stopped with the app.")

    def close(self) -> None:
        """Stop every server this object started (not the user's Ollama). Idempotent."""
        self._closed = True
        for server in (self._speech, self._piper, self._llama):
            if server is not None:
                server.stop()

    # -- status ------------------------------------------------------------------------------

    def status(self) -> dict[str, RoleStatus]:
        """Per role, the state and a plain message for Settings; cheap (no network, no hashing)."""
        return {role: self._role_status(role) for role in ROLES}

    def _role_status(self, role: str) -> RoleStatus:
        # STT and TTS both come from the speech server, which starts after Piper
        servers = [self._llama] if role == "llm" else [self._piper, self._speech]
        ollama = None
        if role == "llm" and self._ollama is not None:
            ollama = (self._ollama.model, urllib.parse.urlparse(self._ollama.base_url).netloc)
        return describe(
            role,
            self.files.find(role),
            missing=catalog.missing_modules(role),
            servers=[server.status() for server in servers if server is not None],
            refused=self._refused.get(role),
            ollama=ollama,
        )


def ollama_models(url: str, timeout: float = OLLAMA_TIMEOUT) -> list[str]:
    """The models a running Ollama at `url` has; [] when it does not answer."""
    try:
        with urllib.request.urlopen(f"{url.rstrip('/')}/api/tags", timeout=timeout) as answer:
            data = json.loads(answer.read(1_000_000))
    except (urllib.error.URLError, OSError, ValueError):
        return []
    models = data.get("models") if isinstance(data, dict) else None
    if not isinstance(models, list):
        return []
    return [m["name"] for m in models if isinstance(m, dict) and isinstance(m.get("name"), str)]


def _require_engine(*roles: str) -> None:
    missing = [module for role in roles for module in catalog.missing_modules(role)]
    if missing:
        raise EngineNotInstalled(
            f"The local models need Python packages that are not installed "
            f"({', '.join(missing)}). Install them with: {INSTALL_COMMAND}"
        )


def _run(server: SupervisedServer, timeout: float) -> None:
    """Start it, or wait for a restart under way; raise with the reason when it failed."""
    state = server.status().state
    if state == "starting":
        server.wait_running(timeout)
        state = server.status().state
    if state != "running":
        server.start()
