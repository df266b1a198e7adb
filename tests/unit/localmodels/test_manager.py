"""What Settings says about the local models, and what is refused before anything starts."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from mockflow.localmodels import EngineNotInstalled, LocalModels, catalog
from mockflow.localmodels.files import ModelHashMismatch, ModelMissing, NotEnoughMemory
from mockflow.localmodels.status import describe
from mockflow.localmodels.supervised import ChildStatus

ENGINES = {module for modules in catalog.ENGINE_MODULES.values() for module in modules}


def installed(monkeypatch: pytest.MonkeyPatch, *, engines: bool, packages: bool) -> None:
    """Pretend the engines and the packaged models are (not) installed."""
    real = catalog.find_spec

    def find_spec(name: str):  # type: ignore[no-untyped-def]
        if name in ENGINES:
            return SimpleNamespace() if engines else None
        return real(name) if packages else None

    monkeypatch.setattr(catalog, "find_spec", find_spec)


def local(tmp_path: Path, **settings) -> LocalModels:  # type: ignore[no-untyped-def]
    return LocalModels(tmp_path / "models", tmp_path / "data", ollama_url=None, **settings)


def test_with_nothing_installed_each_role_says_the_install_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    installed(monkeypatch, engines=False, packages=False)
    status = local(tmp_path).status()
    assert set(status) == {"llm", "stt", "tts"}
    for role in status.values():
        assert role.state == "not_installed"
        assert 'pip install "mockflow[local]"' in role.message
    assert status["llm"].message.startswith("Local language model: llama.cpp is not installed")
    assert "Ollama" in status["llm"].message


def test_engines_without_model_files_say_what_would_be_downloaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    installed(monkeypatch, engines=True, packages=False)
    status = local(tmp_path).status()
    assert status["llm"].state == "not_installed"
    assert "Qwen2.5-Coder 0.5B (491 MB, Apache-2.0) is not on this computer yet" in (
        status["llm"].message
    )
    assert "Whisper tiny.en (78 MB, MIT)" in status["stt"].message


def test_a_model_path_from_settings_that_does_not_exist_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    installed(monkeypatch, engines=True, packages=False)
    models = local(tmp_path, llm_model_path=tmp_path / "mine.gguf")
    assert models.status()["llm"].state == "not_installed"
    assert "mine.gguf" in models.status()["llm"].message
    with pytest.raises(ModelMissing, match="mine.gguf"):
        models.ensure_llm()
    assert models.status()["llm"].state == "failed"


def test_missing_engines_are_refused_with_the_command_before_anything_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    installed(monkeypatch, engines=False, packages=False)
    models = local(tmp_path)
    with pytest.raises(EngineNotInstalled, match=r'pip install "mockflow\[local\]"'):
        models.ensure_llm()
    with pytest.raises(EngineNotInstalled, match="faster_whisper"):
        models.ensure_speech()
    assert not (tmp_path / "data" / "logs").exists()  # no server was started


def test_a_damaged_model_copy_is_refused_naming_it_and_nothing_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    installed(monkeypatch, engines=True, packages=False)
    model = tmp_path / "models" / catalog.QWEN_0_5B.name
    model.parent.mkdir(parents=True)
    model.write_bytes(b"GGUF truncated")
    models = local(tmp_path)
    assert models.status()["llm"].state == "ready"
    with pytest.raises(ModelHashMismatch, match=catalog.QWEN_0_5B.name):
        models.ensure_llm()
    status = models.status()["llm"]
    assert status.state == "failed" and catalog.QWEN_0_5B.name in status.message
    assert not (tmp_path / "data" / "logs").exists()


def test_a_file_that_is_not_gguf_is_refused(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    installed(monkeypatch, engines=True, packages=False)
    mine = tmp_path / "notes.txt"
    mine.write_text("hello")
    with pytest.raises(ModelHashMismatch, match="notes.txt is not a GGUF"):
        local(tmp_path, llm_model_path=mine).ensure_llm()


def test_a_model_too_big_for_memory_is_refused_before_it_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import psutil

    installed(monkeypatch, engines=True, packages=False)
    monkeypatch.setattr(psutil, "virtual_memory", lambda: SimpleNamespace(available=200_000_000))
    mine = tmp_path / "big.gguf"
    mine.write_bytes(b"GGUF" + b"\0" * 1000)
    models = local(tmp_path, llm_model_path=mine)
    with pytest.raises(NotEnoughMemory, match="big.gguf needs about 300 MB.* has 200 MB"):
        models.ensure_llm()
    assert "200 MB available" in models.status()["llm"].message
    assert not (tmp_path / "data" / "logs").exists()


def test_packaged_models_are_ready_to_start(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    installed(monkeypatch, engines=True, packages=True)
    for status in local(tmp_path).status().values():  # the packages CI installs
        assert status.state == "ready", status.message
        assert "starts on first use" in status.message


def test_nothing_is_downloaded_on_first_use(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    installed(monkeypatch, engines=True, packages=False)
    with pytest.raises(ModelMissing, match="prepare the local models in Settings"):
        local(tmp_path).ensure_llm()


def running(port: int, restarts: int = 0) -> ChildStatus:
    return ChildStatus("running", None, restarts, port)


def test_running_restarted_and_failed_servers_are_described(tmp_path: Path) -> None:
    found = local(tmp_path).files.find("llm")
    status = describe("llm", found, missing=[], servers=[running(8123)])
    assert status.state == "running"
    assert status.message == (
        "Local language model: Qwen2.5-Coder 0.5B running on llama.cpp (127.0.0.1:8123)."
    )
    again = describe("llm", found, missing=[], servers=[running(8123, restarts=1)])
    assert "stopped unexpectedly once and was restarted" in again.message
    failed = describe(
        "tts",
        local(tmp_path).files.find("tts"),
        missing=[],
        servers=[ChildStatus("failed", "Piper stopped twice.", 1, 8124), running(8125)],
    )
    assert failed.state == "failed" and "Piper stopped twice." in failed.message


def test_ollama_is_described_by_its_model(tmp_path: Path) -> None:
    found = local(tmp_path).files.find("llm")
    status = describe(
        "llm", found, missing=["llama_cpp"], servers=[], ollama=("qwen2.5:1.5b", "127.0.0.1:11434")
    )
    assert status == status.__class__(
        "running", "Local language model: qwen2.5:1.5b running on Ollama (127.0.0.1:11434)."
    )
