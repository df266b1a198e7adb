"""The real app as a subprocess (`python app.py`), for browser and API tests."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIVEKIT_JS = ROOT / "tests/browser/node_modules/livekit-client/dist/livekit-client.umd.js"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AppProcess:
    def __init__(
        self,
        data_dir: Path,
        env: dict[str, str],
        *,
        port: int | None = None,
        command: list[str] | None = None,
    ) -> None:
        """`python app.py` from the checkout, or `command` (e.g. an installed `mockflow app`)
        run from the data folder with nothing of the checkout on its path."""
        self.port = port or _free_port()  # the same port again: the same browser origin
        self.url = f"http://127.0.0.1:{self.port}/"
        self.data_dir = data_dir
        full_env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(data_dir),
            "LANG": "C.UTF-8",
            "MOCKFLOW_DATA_DIR": str(data_dir),
            "GRADIO_ANALYTICS_ENABLED": "False",
            "MOCKFLOW_POOL_SIZE": "1",
            **({"MOCKFLOW_LIVEKIT_JS": str(LIVEKIT_JS)} if LIVEKIT_JS.is_file() else {}),
            **({} if command else {"PYTHONPATH": str(ROOT)}),
            **env,
        }
        self.log = open(data_dir / "app.log", "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [*(command or [sys.executable, str(ROOT / "app.py")]), "--port", str(self.port)],
            cwd=data_dir if command else ROOT,
            env=full_env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self._wait_healthy()

    def _wait_healthy(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"app exited: {(self.data_dir / 'app.log').read_text()[-2000:]}")
            with contextlib.suppress(OSError):
                urllib.request.urlopen(self.url + "api/health", timeout=1).read()
                return
            time.sleep(0.2)
        raise RuntimeError("app did not become healthy")

    def health(self) -> dict:
        return json.loads(urllib.request.urlopen(self.url + "api/health", timeout=5).read())

    def dump_stacks(self, timeout: float = 5.0) -> None:
        """Ask the app for every thread's stack (SIGUSR1, into its log) and wait for it."""
        log = self.data_dir / "app.log"
        before = log.stat().st_size
        if self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGUSR1)
        deadline = time.monotonic() + timeout
        while (
            time.monotonic() < deadline
            and "most recent call first" not in log.read_text("utf-8", errors="replace")[before:]
        ):
            time.sleep(0.1)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()
