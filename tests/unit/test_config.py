"""Settings from the environment: defaults, parsing, and the errors a bad value gets."""

from __future__ import annotations

import sys

import pytest

from mockflow.config import LIVEKIT_CLIENT_BUNDLED, LIVEKIT_CLIENT_CDN, NPM_REGISTRY, Settings
from mockflow.errors import ConfigError


def test_defaults_are_local_and_safe():
    settings = Settings.from_env({})
    assert settings.host == "127.0.0.1" and settings.port == 7860
    assert not settings.public and settings.voice_agents == "local"
    assert not settings.voice_by_workers
    # the voice room's script comes from the app itself, never a CDN unless chosen
    assert settings.livekit_client_url == f"/gradio_api/file={LIVEKIT_CLIENT_BUNDLED}"
    assert settings.livekit_client_path == str(LIVEKIT_CLIENT_BUNDLED)


def test_the_livekit_script_is_the_apps_own_a_cdn_only_by_choice(tmp_path):
    def where(value: str) -> tuple[str, str | None]:
        settings = Settings.from_env({"MOCKFLOW_LIVEKIT_JS": value})
        return settings.livekit_client_url, settings.livekit_client_path

    assert where("cdn") == (LIVEKIT_CLIENT_CDN, None)
    assert where(" CDN ") == (LIVEKIT_CLIENT_CDN, None)
    assert where("https://js.example.org/lk.js") == ("https://js.example.org/lk.js", None)
    own = tmp_path / "livekit-client.umd.js"
    own.write_text("window.LivekitClient = {};")
    assert where(str(own)) == (f"/gradio_api/file={own}", str(own))
    with pytest.raises(ConfigError, match="MOCKFLOW_LIVEKIT_JS points at nowhere.js"):
        where("nowhere.js")


def test_the_npm_registry_follows_npms_own_setting():
    assert Settings.from_env({}).npm_registry == NPM_REGISTRY
    mirror = {"npm_config_registry": "https://npm.example.org/"}
    assert Settings.from_env(mirror).npm_registry == "https://npm.example.org"
    ours = {**mirror, "MOCKFLOW_NPM_REGISTRY": "http://127.0.0.1:4873"}
    assert Settings.from_env(ours).npm_registry == "http://127.0.0.1:4873"


def test_a_space_binds_everywhere_and_is_public():
    settings = Settings.from_env({"SPACE_ID": "coach/mockflow"})
    assert settings.host == "0.0.0.0" and settings.public and settings.on_space


def test_a_spaces_coaches_are_named_case_blind():
    settings = Settings.from_env({"SPACE_ID": "x/y", "MOCKFLOW_COACHES": " Ada, grace ,,"})
    assert settings.coaches == frozenset({"ada", "grace"})
    assert Settings.from_env({}).coaches == frozenset()


def test_dispatch_mode_is_chosen_by_name():
    settings = Settings.from_env({"MOCKFLOW_VOICE_AGENTS": "Dispatch"})
    assert settings.voice_by_workers


def test_bad_values_are_named_in_the_error():
    with pytest.raises(ConfigError, match="MOCKFLOW_VOICE_AGENTS must be one of local, dispatch"):
        Settings.from_env({"MOCKFLOW_VOICE_AGENTS": "cloud"})
    with pytest.raises(ConfigError, match="MOCKFLOW_POOL_SIZE must be a whole number"):
        Settings.from_env({"MOCKFLOW_POOL_SIZE": "two"})


def test_dotenv_fills_in_but_the_environment_wins(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text("# keys\nexport OPENAI_API_KEY='sk-from-dotenv'\nLOG_LEVEL=debug\n")
    settings = Settings.from_env({"LOG_LEVEL": "warning"}, dotenv=dotenv)
    assert settings.env_keys.openai_api_key == "sk-from-dotenv"
    assert settings.log_level == "WARNING"


def test_a_worker_capped_by_count_takes_jobs_until_the_cap_whatever_the_cpu():
    from types import SimpleNamespace

    from mockflow.agent.worker import build_server

    keys = {"LIVEKIT_URL": "ws://127.0.0.1:1", "LIVEKIT_API_KEY": "k", "LIVEKIT_API_SECRET": "s"}
    capped = build_server(Settings.from_env({**keys, "MOCKFLOW_WORKER_MAX_INTERVIEWS": "2"}))
    load = capped.load_fnc
    assert load(SimpleNamespace(active_jobs=[1])) < 1.0 <= load(SimpleNamespace(active_jobs=[1, 2]))
    framework = build_server(Settings.from_env(keys))
    assert framework.load_fnc is not load  # the default: the framework's CPU reading


def test_worker_name_keeps_deployments_on_one_livekit_project_apart() -> None:
    from mockflow.agent.worker import build_server

    keys = {"LIVEKIT_URL": "ws://127.0.0.1:1", "LIVEKIT_API_KEY": "k", "LIVEKIT_API_SECRET": "s"}
    named = Settings.from_env({**keys, "MOCKFLOW_WORKER_NAME": "mockflow-staging"})
    assert Settings.from_env(keys).worker_name == "mockflow-interviewer"
    assert build_server(named)._agent_name == "mockflow-staging"  # what it registers as
    for bad in ("has space", "-leading", "x" * 65, "ünïcode"):
        with pytest.raises(ConfigError, match="MOCKFLOW_WORKER_NAME must be"):
            Settings.from_env({"MOCKFLOW_WORKER_NAME": bad})


def test_fork_server_setting() -> None:
    assert Settings.from_env({"MOCKFLOW_FORK_SERVER": "0"}).fork_server is False
    assert Settings.from_env({"MOCKFLOW_FORK_SERVER": "on"}).fork_server is True
    assert Settings.from_env({}).fork_server is (sys.platform == "linux")
    with pytest.raises(ConfigError, match="MOCKFLOW_FORK_SERVER must be 1 or 0"):
        Settings.from_env({"MOCKFLOW_FORK_SERVER": "maybe"})


def test_uploads_are_capped_and_cached_inside_the_data_dir():
    settings = Settings.from_env({"MOCKFLOW_DATA_DIR": "/srv/mf"})
    assert settings.max_upload_mb == 10.0
    assert str(settings.upload_cache_dir) == "/srv/mf/cache"
    chosen = Settings.from_env({"MOCKFLOW_MAX_UPLOAD_MB": "2.5", "GRADIO_TEMP_DIR": "/var/c"})
    assert chosen.max_upload_mb == 2.5 and str(chosen.upload_cache_dir) == "/var/c"
