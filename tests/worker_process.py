"""`python agent_entry.py worker` as a real subprocess, registered with a real LiveKit server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from mockflow.launch.livekit.server import LocalLiveKitServer

ROOT = Path(__file__).resolve().parents[1]


class WorkerProcess:
    """One MockFlow worker; its keys point at local fakes, its log is kept in `log_path`."""

    def __init__(
        self,
        data_dir: Path,
        livekit: LocalLiveKitServer,
        *,
        openai_key: str,
        openai_url: str,
        deepgram_key: str,
        deepgram_url: str,
        log_path: Path,
        name: str | None = None,
    ) -> None:
        self.log_path = log_path
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(data_dir),
            "LANG": "C.UTF-8",
            "PYTHONPATH": str(ROOT),
            "MOCKFLOW_DATA_DIR": str(data_dir),
            "MOCKFLOW_WORKER_PORT": "0",
            # a busy test machine must not make the worker refuse jobs (CPU-based load);
            # an ended interview holds its slot until the app has its timeline (an app
            # that a test closed: until the next one follows it), hence more than needed
            "MOCKFLOW_WORKER_MAX_INTERVIEWS": "8",
            **({"MOCKFLOW_WORKER_NAME": name} if name else {}),
            "LIVEKIT_URL": livekit.url,
            "LIVEKIT_API_KEY": livekit.api_key,
            "LIVEKIT_API_SECRET": livekit.api_secret,
            "OPENAI_API_KEY": openai_key,
            "OPENAI_BASE_URL": openai_url,
            "DEEPGRAM_API_KEY": deepgram_key,
            "DEEPGRAM_BASE_URL": deepgram_url,
        }
        self._log = open(log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "agent_entry.py"), "worker"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def log(self) -> str:
        return self.log_path.read_text("utf-8", errors="replace")

    def wait_registered(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while "registered worker" not in self.log():
            if self.proc.poll() is not None:
                raise RuntimeError(f"the worker exited:\n{self.log()[-3000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the worker did not register:\n{self.log()[-3000:]}")
            time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL the worker's whole process group (the worker and its job processes)."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self, timeout: float = 20.0) -> int | None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        self._log.close()
        return self.proc.returncode
