"""The agent process: preload, announce `warm`, read the launch spec, run one interview.

Exit codes: 0 the interview ended (any reason but error), 1 it ended in error,
2 the launch spec was unusable (one line on stderr, no events written), 3
(`EXIT_TIMELINE_UNWRITABLE`) its timeline could not be written to its end (a full or
read-only disk; one line on stderr says why).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from mockflow.config import Settings
from mockflow.contracts.events import EVENTS_FILE, EXIT_TIMELINE_UNWRITABLE, EventWriter
from mockflow.contracts.launch_spec import LaunchSpec
from mockflow.errors import LaunchSpecError
from mockflow.private_files import make_private_dir

if TYPE_CHECKING:
    from mockflow.agent.controller import InterviewController
    from mockflow.agent.session import Transport

log = logging.getLogger("mockflow.agent")


def preload(*, vad: bool = True) -> None:
    """Import what every interview needs, so a warm process only waits for its spec.

    The fork server preloads without the VAD model's runtime (`vad=False`): onnxruntime
    starts a thread on import, and a process that forks must have none."""
    import livekit.agents  # noqa: F401
    from livekit.plugins import deepgram, openai  # noqa: F401

    import mockflow.agent.transports.room
    import mockflow.agent.transports.text  # noqa: F401

    if vad:
        from livekit.plugins import silero  # noqa: F401


def preload_for_fork() -> None:
    """The fork server's imports: everything but the VAD runtime, warnings to stderr."""
    from mockflow.agent.logs import log_to_stderr

    log_to_stderr(Settings.from_env().log_level)
    preload(vad=False)
    _warm_up()


def _warm_up() -> None:
    """Build and drop what each interview builds first, so that the lazy imports and
    schema builds it triggers (~0.2 s of CPU) happen once, in the fork server. It uses no
    key (a placeholder), opens no connection and starts no thread."""
    import httpcore2  # noqa: F401  (imported lazily by the OpenAI client's transport)
    import openai.resources.chat.completions.completions  # noqa: F401

    from mockflow.agent.providers import PinnedClients, build_llm
    from mockflow.contracts.launch_spec import LLMProvider

    build_llm(LLMProvider(api_key="placeholder", base_url="http://127.0.0.1:9/v1"), PinnedClients())


def main() -> int:
    """A cold or warm-pool process: imports, then one interview."""
    settings = Settings.from_env()
    from mockflow.agent.logs import log_to_stderr

    log_to_stderr(settings.log_level)
    preload()
    return _serve_one(settings)


def run_forked() -> int:
    """A child of the fork server (imports inherited): one interview."""
    settings = Settings.from_env()
    from mockflow.agent.logs import log_to_stderr

    log_to_stderr(settings.log_level)
    return _serve_one(settings)


def _serve_one(settings: Settings) -> int:
    print(json.dumps({"warm": True, "pid": os.getpid()}), flush=True)
    try:
        return asyncio.run(_run(settings))
    except KeyboardInterrupt:
        return 1


async def _run(settings: Settings) -> int:
    from mockflow.agent.session import run_interview
    from mockflow.contracts.commands import open_stdin
    from mockflow.contracts.launch_spec import parse_launch_spec

    reader = await open_stdin()
    try:
        spec = parse_launch_spec(await reader.readline())
    except LaunchSpecError as exc:
        print(f"mockflow-agent: {exc}", file=sys.stderr, flush=True)
        return 2
    session_dir = Path(spec.session_dir)
    try:
        make_private_dir(session_dir)
        events = EventWriter(session_dir / EVENTS_FILE)
    except OSError as exc:
        print(
            f"mockflow-agent: cannot write the session directory ({exc.strerror})", file=sys.stderr
        )
        return 2
    _log_to_file(settings, spec, session_dir)
    log.info("interview starting: track=%s transport=%s", spec.track, spec.transport)
    reason = await run_interview(spec, events, _transport(spec, reader))
    if events.fault is not None and not events.ended:
        print(f"mockflow-agent: the interview stopped: {events.fault}", file=sys.stderr, flush=True)
        return EXIT_TIMELINE_UNWRITABLE
    return 1 if reason == "error" else 0


def _transport(spec: LaunchSpec, reader: asyncio.StreamReader) -> Transport:
    """The interview over stdin commands (text) or a LiveKit room (voice); SIGTERM from
    the app cancels it, which `run_interview` records."""
    from mockflow.agent.transports.room import run_room_interview
    from mockflow.agent.transports.text import run_text_interview

    task = asyncio.current_task()
    assert task is not None
    with contextlib.suppress(NotImplementedError):
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)

    async def run(controller: InterviewController) -> str:
        if spec.transport == "room":
            return await run_room_interview(controller, reader)
        return await run_text_interview(controller, reader)

    return run


def _log_to_file(settings: Settings, spec: LaunchSpec, session_dir: Path) -> None:
    from mockflow.agent.logs import log_to_session_file

    providers = spec.providers
    secrets = [providers.llm.api_key]
    for extra in (providers.stt, providers.tts):
        if extra is not None and extra.api_key:
            secrets.append(extra.api_key)
    if spec.livekit is not None:
        secrets.append(spec.livekit.token)
    log_to_session_file(session_dir / "agent.log", settings.log_level, spec.session_id, secrets)
