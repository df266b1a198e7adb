"""Where a local interview's agent process comes from: the fork server, the warm pool or a
cold start, with the child environment, the install marker and the pid files that let a
later app instance find (and reap) what this one started.

An interview process is forked by the fork server (`forkserver`, on by default on Linux)
or, while that is not ready or when it is off, started cold (from the warm pool, when it
is on, else a new `python -m mockflow.agent`). The warm pool runs only without the fork
server: a forked child is as quick to start as a pooled one and shares its imports.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import psutil

from mockflow.config import Settings
from mockflow.launch.errors import ForkServerUnavailable, SessionStartError
from mockflow.launch.local.environment import child_environment, load_or_create_marker
from mockflow.launch.local.forkserver import ForkServer, fork_server_supported
from mockflow.launch.local.pool import WarmPool
from mockflow.launch.local.process import AgentCommand, AgentProcess
from mockflow.launch.local.reaper import reap_orphans
from mockflow.launch.records import PidRecord, write_pid_file
from mockflow.launch.session import Session

log = logging.getLogger("mockflow.launch")


class AgentProvisioner:
    """Fork server, warm pool and cold starts for one `Supervisor`."""

    def __init__(
        self, settings: Settings, command: AgentCommand, parent_env: Mapping[str, str]
    ) -> None:
        self.settings = settings
        self.command = command
        self.marker = load_or_create_marker(settings.data_dir)
        self.env = child_environment(parent_env, marker=self.marker, log_level=settings.log_level)
        me = psutil.Process()
        self.owner = (me.pid, me.create_time())
        self.forks: ForkServer | None = None
        if settings.fork_server and fork_server_supported():
            self.forks = ForkServer(
                command,
                self.env,
                ready_timeout=max(settings.ready_timeout_seconds, 30.0),
                fork_timeout=5.0,
            )
            self.forks.check()
        self.pool = WarmPool(
            0 if self.forks else settings.pool_size,
            self.spawn,
            warm_timeout=settings.ready_timeout_seconds,
        )

    def process_for(self, session: Session) -> tuple[AgentProcess, bool]:
        """Give `session` a process (pooled, forked or cold) and say whether it came from
        the pool, whose hold the caller releases once the handshake is over."""
        pooled = self.pool.take()
        proc = session.proc = pooled or self._fork_or_spawn(session)
        session.warm = pooled is not None or session.forked
        return proc, pooled is not None

    def spawn(self) -> AgentProcess:
        return AgentProcess.spawn(self.command, self.env)

    def write_pid_file(self, session: Session) -> None:
        proc = session.proc
        assert proc is not None
        write_pid_file(
            session.session_dir, PidRecord(proc.pid, proc.create_time, self.marker, *self.owner)
        )

    def reap_orphans(self, skip: set[str], grace: float) -> list[str]:
        """Stop agents left by a previous app instance; return their session ids."""
        return reap_orphans(
            self.settings.sessions_dir, self.marker, skip=skip, owner=self.owner, grace=grace
        )

    def keep_fork_server(self) -> None:
        """Restart a fork server that died (called on every monitor tick)."""
        if self.forks is not None:
            self.forks.check()

    def _fork_or_spawn(self, session: Session) -> AgentProcess:
        if self.forks is not None:
            try:
                proc = self.forks.fork()
            except ForkServerUnavailable as exc:
                log.info("session %s: cold start (%s)", session.session_id, exc)
            else:
                session.forked = True
                return proc
        try:
            return self.spawn()
        except OSError as exc:
            raise SessionStartError(
                f"The interviewer process could not be started ({exc.strerror})."
            ) from None
