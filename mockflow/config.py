"""Settings: the one place that reads the environment (and an optional `.env` file).

The composition roots build a `Settings` and pass it down; nothing else reads `os.environ`.
"""

from __future__ import annotations

import ipaddress
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from mockflow.errors import ConfigError

DEFAULT_WORKER_NAME = "mockflow-interviewer"  # LiveKit agent name of dispatch mode
LIVEKIT_CLIENT_VERSION = "2.23.0"
LIVEKIT_CLIENT_CDN = (
    f"https://cdn.jsdelivr.net/npm/livekit-client@{LIVEKIT_CLIENT_VERSION}"
    "/dist/livekit-client.umd.js"
)
# Subresource Integrity of that exact file: the browser refuses a CDN copy that differs,
# the app a fetched copy that differs (tests/browser checks it against npm's copy)
LIVEKIT_CLIENT_SRI = "sha384-HkA7rQNo8H04l1p4zoXX1Cy+h9YoYp8LvKt4vfMFhv4KFk07UkrNwIUnyBum8Pw6"
# npm's published integrity of that version's tarball (as in a package-lock.json)
LIVEKIT_CLIENT_TARBALL_INTEGRITY = (
    "sha512-j9Kg86nJjBjNFUD+ukp2jwMCGa0k+YD5gU//RzAM+ZY3pbG631QCte7f"
    "QjwqWMmtBzhDJL9nKYuOLMv/9IbAxg=="
)
# the app's own copy, fetched from npm into the installed package (git-ignored): the
# browser loads it from the app, so voice needs nothing from the internet but LiveKit
LIVEKIT_CLIENT_BUNDLED = Path(__file__).parent / "ui/static/vendor/livekit-client.umd.js"
NPM_REGISTRY = "https://registry.npmjs.org"


@dataclass(frozen=True)
class EnvKeys:
    """Provider keys found in the server's environment: defaults for local single-user use."""

    openai_api_key: str | None = None
    openai_base_url: str | None = None
    deepgram_api_key: str | None = None
    deepgram_base_url: str | None = None  # a self-hosted Deepgram (or a local stand-in)
    livekit_url: str | None = None
    livekit_api_key: str | None = None
    livekit_api_secret: str | None = None


LOCAL_LLM_TIMEOUT = 90.0
REMOTE_LLM_TIMEOUT = 20.0
DEFAULT_OLLAMA_URL = "http://127.0.0.1:11434"


@dataclass(frozen=True)
class LocalModelSettings:
    """The app's own local models ("Local models — no account")."""

    enabled: bool | None = None  # None: on the user's own machine only; True: public too
    models_dir: Path | None = None  # default: <data_dir>/models
    llm_model: Path | None = None  # a GGUF file instead of the default model
    stt_model: Path | None = None  # a CTranslate2 Whisper folder
    tts_voice: Path | None = None  # a Piper voice (.onnx, its .onnx.json beside it)
    ollama_url: str | None = DEFAULT_OLLAMA_URL  # the user's Ollama, used when it answers
    ollama_model: str | None = None  # default: its first model
    llm_timeout: float | None = None  # seconds to the first token (default per provider)


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("data")
    secret_key: str | None = None
    public: bool = False
    on_space: bool = False
    hf_oauth: bool = False  # the Space has Hugging Face sign-in configured
    log_level: str = "INFO"
    host: str = "127.0.0.1"
    port: int = 7860
    pool_size: int = 1  # cold pre-started processes; used only without the fork server
    fork_server: bool = sys.platform == "linux"  # fork interviews from a pre-imported parent
    max_sessions: int = 4
    # a voice interview is refused while the machine's recent CPU use (a share of all cores)
    # with it would exceed this (0: no limit; from the environment: 0.75 on a public link)
    max_cpu_load: float = 0.0
    max_session_seconds: float = 45 * 60
    idle_timeout_seconds: float = 10 * 60
    ready_timeout_seconds: float = 20.0
    livekit_client_url: str = f"/gradio_api/file={LIVEKIT_CLIENT_BUNDLED}"
    feedback_model: str | None = None  # default: the user's interview model
    stage_scale: float = 1.0  # multiplies every stage's time limit (demos, tests)
    practice_minute_seconds: float = 60.0  # a practice link's minute, in seconds (tests)
    livekit_client_path: str | None = str(LIVEKIT_CLIENT_BUNDLED)  # a file the app serves
    npm_registry: str = NPM_REGISTRY  # where the app's copy of livekit-client comes from
    voice_agents: str = "local"  # "dispatch": LiveKit workers serve voice interviews
    running_per_user: int = 1  # interviews one user may run at once
    running_per_ip: int = 3  # public-link mode: interviews running from one address
    starts_per_hour: int = 10  # public-link mode: starts per user (an address: 3x)
    new_users_per_hour: int = 30  # public-link mode: new anonymous users per address
    request_rate: float = 10.0  # public-link mode: API requests/s per address (0: off)
    tab_grace_seconds: float = 20.0  # a closed tab ends its interview after this
    worker_port: int = 8081  # the worker's health port on 127.0.0.1 (0: any free port)
    worker_max_interviews: int = 0  # a worker takes at most this many jobs (0: by CPU load)
    worker_name: str = DEFAULT_WORKER_NAME  # the agent name dispatches and workers share
    allowed_provider_hosts: tuple[str, ...] = ()  # public links may reach these (host[:port])
    coaches: frozenset[str] = frozenset()  # a Space: Hugging Face accounts that are coaches
    anon_retention_days: float = 30.0  # idle anonymous users are erased after this (0: never)
    max_upload_mb: float = 10.0  # Gradio refuses larger uploads before reading them
    gradio_temp_dir: Path | None = None  # default: <data_dir>/cache
    # free space on the data folder's disk under which no interview starts and no answer is
    # taken (0: no floor)
    min_free_mb: float = 300.0
    uploads_per_hour: int = 30  # public-link mode: uploads per visitor (an address: 3x)
    upload_mb_per_hour: float = 50.0  # public-link mode: upload MB per visitor (address: 3x)
    upload_cache_mb: float = 500.0  # the upload cache's quota, until its hourly cleanup
    env_keys: EnvKeys = field(default_factory=EnvKeys)
    local: LocalModelSettings = field(default_factory=lambda: LocalModelSettings())

    @property
    def local_models_allowed(self) -> bool:
        """Whether users may choose the app's own local models: always on the user's own
        machine, on a public link or a Space only when the operator turned them on."""
        if self.local.enabled is not None:
            return self.local.enabled
        return not self.public

    @property
    def models_dir(self) -> Path:
        return self.local.models_dir or self.data_dir / "models"

    def llm_timeout(self, local: bool = False, base_url: str | None = None) -> float:
        """Seconds to a reply's first token: a model on this machine or its network (the
        app's own, the user's Ollama) is often slow on a busy CPU, which is not down."""
        if self.local.llm_timeout is not None:
            return self.local.llm_timeout
        return LOCAL_LLM_TIMEOUT if local or nearby(base_url) else REMOTE_LLM_TIMEOUT

    @property
    def users_deepgram_url(self) -> str | None:
        """The operator's Deepgram endpoint (self-hosted) for the local user's key, checks
        included; None on a public link, where a visitor's key only ever goes to Deepgram."""
        return None if self.public else self.env_keys.deepgram_base_url

    @property
    def voice_by_workers(self) -> bool:
        return self.voice_agents == "dispatch"

    @property
    def upload_cache_dir(self) -> Path:
        """Gradio's cache (uploads): inside the data folder, so it shares its permissions
        and is not left readable in the system temp dir."""
        return self.gradio_temp_dir or self.data_dir / "cache"

    @property
    def sessions_dir(self) -> Path:
        return self.data_dir / "sessions"

    @property
    def db_path(self) -> Path:
        return self.data_dir / "mockflow.json"

    def with_overrides(self, **changes: Any) -> Settings:
        return replace(self, **changes)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, dotenv: Path | None = None) -> Settings:
        """Build settings from `env` (default: the process environment) over a `.env` file."""
        merged: dict[str, str] = {}
        if dotenv is not None and dotenv.is_file():
            merged.update(read_dotenv(dotenv))
        merged.update(os.environ if env is None else env)
        on_space = bool(merged.get("SPACE_ID"))
        public = _flag(merged, "MOCKFLOW_PUBLIC") or on_space
        return cls(
            data_dir=Path(merged.get("MOCKFLOW_DATA_DIR") or "data"),
            secret_key=merged.get("MOCKFLOW_SECRET_KEY") or None,
            public=public,
            on_space=on_space,
            hf_oauth=on_space and bool(merged.get("OAUTH_CLIENT_ID")),
            log_level=(merged.get("LOG_LEVEL") or "INFO").upper(),
            host=merged.get("GRADIO_SERVER_NAME") or ("0.0.0.0" if on_space else "127.0.0.1"),
            port=_int(merged, "GRADIO_SERVER_PORT", 7860),
            pool_size=_int(merged, "MOCKFLOW_POOL_SIZE", 1),
            fork_server=_bool(merged, "MOCKFLOW_FORK_SERVER", sys.platform == "linux"),
            max_sessions=_int(merged, "MOCKFLOW_MAX_SESSIONS", 4),
            max_cpu_load=_share(merged, "MOCKFLOW_MAX_CPU_LOAD", 0.75 if public else 0.0),
            max_session_seconds=_float(merged, "MOCKFLOW_MAX_SESSION_SECONDS", 45 * 60),
            idle_timeout_seconds=_float(merged, "MOCKFLOW_IDLE_SECONDS", 10 * 60),
            ready_timeout_seconds=_float(merged, "MOCKFLOW_READY_TIMEOUT", 20.0),
            feedback_model=merged.get("MOCKFLOW_FEEDBACK_MODEL") or None,
            stage_scale=_float(merged, "MOCKFLOW_STAGE_SCALE", 1.0),
            practice_minute_seconds=_float(merged, "MOCKFLOW_PRACTICE_MINUTE_SECONDS", 60.0),
            voice_agents=_choice(merged, "MOCKFLOW_VOICE_AGENTS", ("local", "dispatch")),
            worker_port=_int(merged, "MOCKFLOW_WORKER_PORT", 8081),
            worker_max_interviews=_int(merged, "MOCKFLOW_WORKER_MAX_INTERVIEWS", 0),
            worker_name=_worker_name(merged.get("MOCKFLOW_WORKER_NAME")),
            running_per_user=_int(merged, "MOCKFLOW_RUNNING_PER_USER", 1),
            running_per_ip=_int(merged, "MOCKFLOW_RUNNING_PER_IP", 3),
            starts_per_hour=_int(merged, "MOCKFLOW_STARTS_PER_HOUR", 10),
            new_users_per_hour=_int(merged, "MOCKFLOW_NEW_USERS_PER_HOUR", 30),
            request_rate=_float(merged, "MOCKFLOW_REQUEST_RATE", 10.0),
            tab_grace_seconds=_float(merged, "MOCKFLOW_TAB_GRACE_SECONDS", 20.0),
            allowed_provider_hosts=_hosts(merged, "MOCKFLOW_ALLOWED_PROVIDER_HOSTS"),
            coaches=frozenset(
                name.strip().lower()
                for name in (merged.get("MOCKFLOW_COACHES") or "").split(",")
                if name.strip()
            ),
            anon_retention_days=_days(merged, "MOCKFLOW_ANON_RETENTION_DAYS", 30.0),
            max_upload_mb=_float(merged, "MOCKFLOW_MAX_UPLOAD_MB", 10.0),
            gradio_temp_dir=_path(merged.get("GRADIO_TEMP_DIR")),
            min_free_mb=_float(merged, "MOCKFLOW_MIN_FREE_MB", 300.0),
            uploads_per_hour=_int(merged, "MOCKFLOW_UPLOADS_PER_HOUR", 30),
            upload_mb_per_hour=_float(merged, "MOCKFLOW_UPLOAD_MB_PER_HOUR", 50.0),
            upload_cache_mb=_float(merged, "MOCKFLOW_UPLOAD_CACHE_MB", 500.0),
            **_livekit_client(merged.get("MOCKFLOW_LIVEKIT_JS")),
            npm_registry=npm_registry(merged),
            local=_local_models(merged),
            env_keys=EnvKeys(
                openai_api_key=merged.get("OPENAI_API_KEY") or None,
                openai_base_url=merged.get("OPENAI_BASE_URL") or None,
                deepgram_api_key=merged.get("DEEPGRAM_API_KEY") or None,
                deepgram_base_url=merged.get("DEEPGRAM_BASE_URL") or None,
                livekit_url=merged.get("LIVEKIT_URL") or None,
                livekit_api_key=merged.get("LIVEKIT_API_KEY") or None,
                livekit_api_secret=merged.get("LIVEKIT_API_SECRET") or None,
            ),
        )


def nearby(url: str | None) -> bool:
    """Whether `url` is served from this machine or a private network (a local model)."""
    if not url:
        return False
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return False
    if host == "localhost" or host.endswith((".local", ".localhost")):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_link_local


def _local_models(env: Mapping[str, str]) -> LocalModelSettings:
    raw = (env.get("MOCKFLOW_LOCAL_MODELS") or "").strip()
    ollama = (env.get("MOCKFLOW_OLLAMA_URL") or DEFAULT_OLLAMA_URL).strip()
    timeout = env.get("MOCKFLOW_LLM_TIMEOUT")
    return LocalModelSettings(
        enabled=_bool(env, "MOCKFLOW_LOCAL_MODELS", False) if raw else None,
        models_dir=_path(env.get("MOCKFLOW_MODELS_DIR")),
        llm_model=_path(env.get("MOCKFLOW_LOCAL_LLM_MODEL")),
        stt_model=_path(env.get("MOCKFLOW_LOCAL_STT_MODEL")),
        tts_voice=_path(env.get("MOCKFLOW_LOCAL_TTS_VOICE")),
        ollama_url=None if ollama.lower() in {"", "0", "off", "no"} else ollama.rstrip("/"),
        ollama_model=env.get("MOCKFLOW_OLLAMA_MODEL") or None,
        llm_timeout=_float(env, "MOCKFLOW_LLM_TIMEOUT", 0.0) or None if timeout else None,
    )


def _path(value: str | None) -> Path | None:
    return Path(value) if value else None


def _livekit_client(value: str | None) -> dict[str, Any]:
    """Where the browser loads livekit-client from: by default the app's own copy (fetched
    from npm; the app fetches it at start-up if it is missing), `cdn` for the pinned CDN
    build, another URL, or a local file (e.g. from npm) that the app serves itself."""
    value = (value or "").strip()
    if not value:
        path = LIVEKIT_CLIENT_BUNDLED
    elif value.lower() == "cdn":
        return {"livekit_client_url": LIVEKIT_CLIENT_CDN, "livekit_client_path": None}
    elif value.startswith(("http://", "https://", "/")) and not Path(value).is_file():
        return {"livekit_client_url": value, "livekit_client_path": None}
    else:
        path = Path(value).resolve()
        if not path.is_file():
            raise ConfigError(f"MOCKFLOW_LIVEKIT_JS points at {value}, which is not a file")
    return {"livekit_client_url": f"/gradio_api/file={path}", "livekit_client_path": str(path)}


def npm_registry(env: Mapping[str, str]) -> str:
    """The npm registry the app's livekit-client comes from: MOCKFLOW_NPM_REGISTRY, else
    npm's own setting (a mirror or a company proxy), else the public registry."""
    for name in ("MOCKFLOW_NPM_REGISTRY", "npm_config_registry", "NPM_CONFIG_REGISTRY"):
        if env.get(name, "").strip():
            return env[name].strip().rstrip("/")
    return NPM_REGISTRY


def read_dotenv(path: Path) -> dict[str, str]:
    """Parse `KEY=value` lines; `#` comments and blank lines are ignored."""
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        values[key.strip().removeprefix("export ").strip()] = value.strip().strip("'\"")
    return values


def _flag(env: Mapping[str, str], name: str) -> bool:
    return (env.get(name) or "").strip().lower() in {"1", "true", "yes", "on"}


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be 1 or 0, got {raw!r}")


def _choice(env: Mapping[str, str], name: str, allowed: tuple[str, ...]) -> str:
    """One of `allowed` (the first is the default)."""
    value = (env.get(name) or allowed[0]).strip().lower()
    if value not in allowed:
        raise ConfigError(f"{name} must be one of {', '.join(allowed)}, got {value!r}")
    return value


def _hosts(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    """Comma-separated `host` or `host:port` entries (IPv6 in brackets)."""
    entries = tuple(e.strip() for e in (env.get(name) or "").split(",") if e.strip())
    for entry in entries:
        try:
            parts = urlsplit(f"//{entry}")
            valid = bool(parts.hostname) and parts.port != 0 and not parts.username
            valid = valid and not (parts.path or parts.query or parts.fragment)
        except ValueError:
            valid = False
        if not valid:
            raise ConfigError(f"{name}: {entry!r} is not a host name or host:port")
    return entries


_WORKER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def _worker_name(value: str | None) -> str:
    """The LiveKit agent name: deployments sharing one LiveKit project keep apart by it."""
    if not value:
        return DEFAULT_WORKER_NAME
    if not _WORKER_NAME.fullmatch(value):
        raise ConfigError(
            "MOCKFLOW_WORKER_NAME must be 1-64 letters, digits, '.', '_' or '-', "
            f"starting with a letter or digit; got {value!r}"
        )
    return value


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds, got {raw!r}") from None


def _share(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 1:
        raise ConfigError(f"{name} must be a share between 0 and 1 (e.g. 0.75), got {raw!r}")
    return value


def _days(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number of days, got {raw!r}") from None
    if value < 0:
        raise ConfigError(f"{name} must be 0 (keep forever) or more days, got {raw!r}")
    return value
