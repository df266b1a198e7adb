"""The app's local models for real: the packaged 0.5 B model on llama.cpp, Piper and Whisper
behind the speech server, supervised children, and downloads from a loopback server.

The 491 MB model is joined from its packages once per test session (`local_models_dir`).
"""

from __future__ import annotations

import hashlib
import http.server
import json
import os
import signal
import socket
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest

from mockflow.localmodels import LocalModels, Ports, catalog
from mockflow.localmodels.catalog import Download
from mockflow.localmodels.files import DownloadError, ModelHashMismatch, ModelMissing, download
from mockflow.localmodels.supervised import ChildCommand, ChildServerError, SupervisedServer
from tests.waiting import eventually

pytestmark = pytest.mark.integration

QWEN = catalog.QWEN_0_5B
LOADED = 300.0  # a model loading on a busy 2-core machine


@pytest.fixture
def models_dir(local_models_dir: Path) -> Path:
    """The session's models folder (tests/conftest.py): the packaged models, joined once."""
    return local_models_dir


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.fixture
def listening() -> Iterator[int]:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


# -- the packaged language model -----------------------------------------------------------------


def test_the_packaged_model_is_joined_with_progress_once_and_is_the_pinned_one(
    tmp_path: Path,
) -> None:
    models = LocalModels(tmp_path / "models", tmp_path / "data", ollama_url=None)
    seen: list[tuple[str, int, int]] = []
    ready = models.prepare(lambda *a: seen.append(a), roles=("llm",))
    model = tmp_path / "models" / QWEN.name
    assert ready["llm"] == model
    assert seen[-1] == (
        "Copying Qwen2.5-Coder 0.5B (491 MB) from the installed package",
        QWEN.size_bytes,
        QWEN.size_bytes,
    )
    digest = hashlib.sha256()
    with open(model, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    assert digest.hexdigest() == QWEN.sha256
    before, seen[:] = model.stat().st_mtime_ns, []
    models.prepare(lambda *a: seen.append(a), roles=("llm",))
    assert model.stat().st_mtime_ns == before and seen == []
    assert sorted(p.name for p in model.parent.iterdir()) == ["hashes.json", QWEN.name]


@pytest.mark.timeout(1200)
def test_llama_cpp_answers_a_chat_and_comes_back_once_after_a_kill(
    models_dir: Path, tmp_path: Path, listening: int
) -> None:
    import openai

    models = LocalModels(
        models_dir,
        tmp_path,
        ollama_url=None,
        ports=Ports(llm=listening),
        start_timeout=LOADED,
    )
    try:
        with ThreadPoolExecutor(2) as pool:  # two interviews at once: one server
            endpoint, other = pool.map(lambda _: models.ensure_llm(), range(2))
        assert endpoint == other
        assert (tmp_path / "logs" / "llama-server.log").read_text().count("\n=== ") == 1
        assert endpoint.kind == "llama.cpp" and endpoint.model == QWEN.key
        assert f":{listening}/" not in endpoint.base_url  # the wanted port was taken
        assert ask(endpoint)
        status = models.status()["llm"]
        port = endpoint.base_url.split(":")[2].split("/")[0]
        assert status.state == "running"
        assert status.message == (
            f"Local language model: Qwen2.5-Coder 0.5B running on llama.cpp (127.0.0.1:{port})."
        )
        first = models._llama.pid if models._llama else None
        assert first is not None
        os.kill(first, signal.SIGKILL)
        assert eventually(lambda: "restarted" in models.status()["llm"].message, LOADED)
        again = models.ensure_llm()
        assert again.base_url == endpoint.base_url  # same port: interviews keep their URL
        assert ask(again)
        assert (tmp_path / "logs" / "llama-server.log").is_file()
    finally:
        models.close()
    assert gone(first)
    assert models.status()["llm"].state != "running"
    with pytest.raises(openai.APIConnectionError):
        ask(endpoint)


def ask(endpoint) -> str:  # type: ignore[no-untyped-def]
    import openai

    client = openai.OpenAI(
        base_url=endpoint.base_url, api_key=endpoint.api_key, timeout=LOADED, max_retries=0
    )
    reply = client.chat.completions.create(
        model=endpoint.model,
        messages=[{"role": "user", "content": "Say hello in one short sentence."}],
        max_tokens=16,
        temperature=0,
    )
    text = reply.choices[0].message.content or ""
    assert text.strip()
    return text


@pytest.mark.parametrize("damage", ["truncated", "corrupt"])
def test_a_damaged_model_file_is_refused_by_name_and_nothing_starts(
    models_dir: Path, tmp_path: Path, damage: str
) -> None:
    own = tmp_path / "models"
    own.mkdir()
    good = (models_dir / QWEN.name).read_bytes()
    bad = good[: len(good) // 2] if damage == "truncated" else good[:-4] + b"\0\0\0\0"
    (own / QWEN.name).write_bytes(bad)
    models = LocalModels(own, tmp_path / "data", ollama_url=None)
    with pytest.raises(ModelHashMismatch, match=QWEN.name):
        models.ensure_llm()
    assert QWEN.name in models.status()["llm"].message
    assert models.status()["llm"].state == "failed"
    assert not (tmp_path / "data" / "logs").exists()
    models.close()


# -- speech --------------------------------------------------------------------------------------


@pytest.mark.timeout(600)
def test_speech_speaks_and_transcribes_through_one_endpoint(tmp_path: Path) -> None:
    import openai

    models = LocalModels(tmp_path / "models", tmp_path, ollama_url=None, start_timeout=LOADED)
    try:
        speech = models.ensure_speech()
        client = openai.OpenAI(base_url=speech.base_url, api_key=speech.api_key, timeout=LOADED)
        audio = client.audio.speech.create(
            model=speech.tts_model,
            voice=speech.voice,
            input="The billing migration took six weeks.",
            response_format="wav",
        ).read()
        assert audio[:4] == b"RIFF" and len(audio) > 24000
        text = client.audio.transcriptions.create(
            model=speech.stt_model, file=("answer.wav", audio, "audio/wav")
        ).text
        assert "migration" in text.lower()
        status = models.status()
        assert status["stt"].state == status["tts"].state == "running"
        assert status["tts"].message.startswith("Local voice: Piper voice en_US-joe-medium running")
        logs = tmp_path / "logs"
        assert (logs / "piper-server.log").is_file() and (logs / "speech-server.log").is_file()
    finally:
        models.close()
    assert "piper" not in sys.modules  # GPL code only ever runs in its own process


# -- a supervised child ----------------------------------------------------------------------------


def http_server(tmp_path: Path, port: int | None = None) -> SupervisedServer:
    command = ChildCommand(
        name="the test server",
        argv=lambda p: [sys.executable, "-m", "http.server", str(p), "--bind", "127.0.0.1"],
        health_path="/",
        log_name="test-server",
        env={"PATH": os.environ.get("PATH", "")},
        wanted_port=port,
        cwd=tmp_path,
        start_timeout=60,
    )
    return SupervisedServer(command, tmp_path / "logs", watch_interval=0.1)


def test_a_taken_port_moves_the_server_to_another(tmp_path: Path, listening: int) -> None:
    server = http_server(tmp_path, listening)
    try:
        server.start()
        assert server.port not in (None, listening)
        assert server.status().state == "running"
    finally:
        server.stop()


def test_restarted_once_after_a_crash_then_failed_with_the_reason(tmp_path: Path) -> None:
    server = http_server(tmp_path)
    server.start()
    try:
        first = server.pid
        assert first is not None
        os.kill(first, signal.SIGKILL)
        assert eventually(lambda: server.status().restarts == 1, 60)
        assert server.wait_running(60) and server.pid not in (None, first)
        second = server.pid
        assert second is not None
        os.kill(second, signal.SIGKILL)
        assert eventually(lambda: server.status().state == "failed", 60)
        reason = server.status().reason or ""
        assert "stopped twice" in reason and "test-server.log" in reason
        with pytest.raises(ChildServerError, match="stopped twice"):
            server.start()
    finally:
        server.stop()
        server.stop()  # twice is fine


def test_stop_ends_the_child(tmp_path: Path) -> None:
    server = http_server(tmp_path)
    server.start()
    pid = server.pid
    assert pid is not None
    server.stop()
    assert gone(pid) and server.status().state == "stopped"


def test_a_child_that_exits_at_start_says_so_with_its_log(tmp_path: Path) -> None:
    command = ChildCommand(
        name="the test server",
        argv=lambda p: [sys.executable, "-c", "raise SystemExit('no model here')"],
        health_path="/",
        log_name="broken",
        env={},
    )
    server = SupervisedServer(command, tmp_path)
    with pytest.raises(ChildServerError, match="exit code 1.*no model here.*broken.log"):
        server.start()


# -- downloads -------------------------------------------------------------------------------------

BODY = bytes(range(256)) * 4096  # 1 MiB


class Files(http.server.BaseHTTPRequestHandler):
    """Serves BODY; honours Range unless told not to; can cut the connection midway."""

    ranges = True
    offset = 0  # > 0: answers every Range from this offset instead
    cut_after: int | None = None
    seen_ranges: list[str | None] = []

    def do_GET(self) -> None:
        wanted = self.headers.get("Range")
        type(self).seen_ranges.append(wanted)
        start = int(wanted.split("=")[1].rstrip("-")) if wanted and self.ranges else 0
        start = self.offset if wanted and self.offset else start
        body = BODY[start:]
        self.send_response(206 if start else 200)
        self.send_header("Content-Length", str(len(body)))
        if start:
            self.send_header("Content-Range", f"bytes {start}-{len(BODY) - 1}/{len(BODY)}")
        self.end_headers()
        cut = type(self).cut_after
        self.wfile.write(body if cut is None else body[:cut])
        self.wfile.flush()
        if cut is not None:
            self.close_connection = True

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def files_server() -> Iterator[tuple[str, type[Files]]]:
    handler = type("Handler", (Files,), {"seen_ranges": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/model.bin", handler
    server.shutdown()
    server.server_close()


SHA = hashlib.sha256(BODY).hexdigest()


def test_a_download_reports_progress_and_lands_verified(files_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url, _ = files_server
    seen: list[tuple[int, int]] = []
    path = download(url, tmp_path / "model.bin", SHA, lambda *a: seen.append(a))
    assert path.read_bytes() == BODY
    assert seen[-1] == (len(BODY), len(BODY)) and len(seen) >= 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.bin"]


def test_an_interrupted_download_is_resumed_with_range(files_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url, handler = files_server
    handler.cut_after = 300_000
    with pytest.raises(DownloadError, match="model.bin"):
        download(url, tmp_path / "model.bin", SHA)
    assert not (tmp_path / "model.bin").exists()
    kept = (tmp_path / "model.bin.part").stat().st_size
    assert 0 < kept <= 300_000
    handler.cut_after = None
    seen: list[tuple[int, int]] = []
    download(url, tmp_path / "model.bin", SHA, lambda *a: seen.append(a))
    assert handler.seen_ranges[-1] == f"bytes={kept}-"
    assert (tmp_path / "model.bin").read_bytes() == BODY
    assert seen[0][0] > kept - 1 and seen[-1] == (len(BODY), len(BODY))
    assert not (tmp_path / "model.bin.part").exists()


def test_a_server_that_ignores_range_gets_a_fresh_download(files_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url, handler = files_server
    handler.ranges = False
    (tmp_path / "model.bin.part").write_bytes(b"stale bytes from elsewhere")
    download(url, tmp_path / "model.bin", SHA)
    assert handler.seen_ranges == ["bytes=26-"]
    assert (tmp_path / "model.bin").read_bytes() == BODY


def test_a_range_answered_from_elsewhere_starts_the_download_again(
    files_server, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    url, handler = files_server
    handler.offset = 1000
    (tmp_path / "model.bin.part").write_bytes(BODY[:500])
    download(url, tmp_path / "model.bin", SHA)
    assert handler.seen_ranges == ["bytes=500-", None]
    assert (tmp_path / "model.bin").read_bytes() == BODY


def test_a_download_that_does_not_match_never_takes_the_final_name(
    files_server, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    url, _ = files_server
    with pytest.raises(ModelHashMismatch, match="model.bin"):
        download(url, tmp_path / "model.bin", "0" * 64)
    assert list(tmp_path.iterdir()) == []


def test_prepare_downloads_a_missing_model_with_progress(
    files_server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    url, _ = files_server
    real, engines = catalog.find_spec, {m for ms in catalog.ENGINE_MODULES.values() for m in ms}
    monkeypatch.setattr(catalog, "find_spec", lambda name: real(name) if name in engines else None)
    models = LocalModels(tmp_path / "models", tmp_path / "data", ollama_url=None)
    spec = replace(
        catalog.SMOLLM2_135M,
        size_bytes=len(BODY),
        sha256=SHA,
        downloads=(Download(url, catalog.SMOLLM2_135M.name, SHA),),
    )
    models.files.specs["llm"] = spec
    assert "is not on this computer yet" in models.status()["llm"].message
    seen: list[tuple[str, int, int]] = []
    ready = models.prepare(lambda *a: seen.append(a), roles=("llm",))
    assert ready["llm"] == tmp_path / "models" / spec.name
    assert seen[-1] == (f"Downloading SmolLM2 135M: {spec.name}", len(BODY), len(BODY))
    assert models.files.find("llm").source == "models_dir"


# -- the user's Ollama -----------------------------------------------------------------------------


class Ollama(http.server.BaseHTTPRequestHandler):
    models: list[str] = []

    def do_GET(self) -> None:
        body = json.dumps({"models": [{"name": name} for name in self.models]}).encode()
        self.send_response(200 if self.path == "/api/tags" else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def ollama() -> Iterator[tuple[str, type[Ollama]]]:
    handler = type("Handler", (Ollama,), {"models": ["llama3.2:1b", "qwen2.5:0.5b"]})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler
    server.shutdown()
    server.server_close()


def test_a_running_ollama_serves_the_language_model(ollama, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url, _ = ollama
    models = LocalModels(tmp_path / "models", tmp_path / "data", ollama_url=url)
    assert models.prepare(roles=("llm",)) == {"llm": "llama3.2:1b"}
    endpoint = models.ensure_llm()
    assert (endpoint.base_url, endpoint.model, endpoint.kind) == (
        f"{url}/v1",
        "llama3.2:1b",
        "ollama",
    )
    host = url.removeprefix("http://")
    assert models.status()["llm"].message == (
        f"Local language model: llama3.2:1b running on Ollama ({host})."
    )
    assert not (tmp_path / "models").exists() and not (tmp_path / "data").exists()
    models.close()


def test_when_ollama_goes_away_the_apps_own_model_takes_over(ollama, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url, handler = ollama
    mine = tmp_path / "mine.gguf"
    models = LocalModels(tmp_path, tmp_path, ollama_url=url, llm_model_path=mine)
    assert models.ensure_llm().kind == "ollama"
    handler.models = []  # answers, with no model left
    with pytest.raises(ModelMissing, match="mine.gguf"):  # llama.cpp over the user's file
        models.ensure_llm()


def test_the_configured_ollama_model_is_used_when_it_has_it(ollama, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url, _ = ollama
    chosen = LocalModels(tmp_path, tmp_path, ollama_url=url, ollama_model="qwen2.5:0.5b")
    assert chosen.ensure_llm().model == "qwen2.5:0.5b"
    absent = LocalModels(tmp_path, tmp_path, ollama_url=url, ollama_model="mistral")
    assert absent.ensure_llm().model == "llama3.2:1b"
