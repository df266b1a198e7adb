"""The fork server: one process past its imports that forks each interview process.

It holds no secret and no per-interview data: its environment is the agents' minimal one
and it never reads a launch spec. The app sends `fork` requests over a Unix
`SOCK_SEQPACKET` socket, each carrying the child's stdin, stdout and stderr as file
descriptors (SCM_RIGHTS); the reply names the child's pid and carries a pidfd for it.
The server is the children's parent, so it reaps them and reports each exit code in
`subprocess` convention (negative: killed by that signal). EOF on the socket means the
app is gone: the server exits and leaves its children to their stdin EOF.

Fork safety: the parent runs no thread and no event loop (a `selectors` loop only, and a
thread count check before serving); the child closes every descriptor of the parent's
loop, starts its own session, restores the environment it was launched with, re-seeds
`random`, and never returns into the loop (`os._exit`).
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import random
import selectors
import signal
import socket
import sys
import traceback
from collections.abc import Callable, Mapping

from mockflow.contracts.forkproto import MAX_MESSAGE, decode, encode

log = logging.getLogger("mockflow.forkserver")

# Native thread pools started at import time would be lost in the child (and could hold
# a lock across the fork): keep OpenBLAS single-threaded in the parent.
SINGLE_THREAD_VARS = {"OPENBLAS_NUM_THREADS": "1"}


class _Server:
    def __init__(self, sock: socket.socket, launch_env: Mapping[str, str]) -> None:
        self.sock = sock
        self.launch_env = dict(launch_env)
        self.selector = selectors.DefaultSelector()
        self.children: dict[int, int] = {}  # pidfd -> pid

    def loop(self, run_child: Callable[[], int]) -> None:
        self.selector.register(self.sock, selectors.EVENT_READ)
        while True:
            for key, _ in self.selector.select():
                if key.fileobj is self.sock:
                    if not self._on_request(run_child):
                        return
                else:
                    self._on_exit(key.fd)

    def _on_request(self, run_child: Callable[[], int]) -> bool:
        try:
            data, fds, _, _ = socket.recv_fds(self.sock, MAX_MESSAGE, 3)
        except ConnectionResetError:
            return False
        if not data:
            return False
        request: dict = {}
        try:
            request = decode(data)
            request_id = int(request.get("id", 0))
            if request.get("type") != "fork" or len(fds) != 3:
                raise ValueError("a fork request carries three descriptors")
            self._fork(request_id, fds, run_child)
        except (ValueError, OSError) as exc:
            self._send({"type": "fork_failed", "id": request.get("id", 0), "error": str(exc)})
        finally:
            for fd in fds:
                _close(fd)
        return True

    def _fork(self, request_id: int, fds: list[int], run_child: Callable[[], int]) -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        gc.freeze()  # objects from the imports stay in a generation the GC never scans
        pid = os.fork()
        if pid == 0:
            self._become_child(fds, run_child)  # never returns
        pidfd = os.pidfd_open(pid)
        self.children[pidfd] = pid
        self.selector.register(pidfd, selectors.EVENT_READ)
        self._send({"type": "forked", "id": request_id, "pid": pid}, [pidfd])

    def _on_exit(self, pidfd: int) -> None:
        pid = self.children.pop(pidfd)
        self.selector.unregister(pidfd)
        _close(pidfd)
        _, status = os.waitpid(pid, 0)
        self._send({"type": "exit", "pid": pid, "code": os.waitstatus_to_exitcode(status)})

    def _send(self, message: dict, fds: list[int] | None = None) -> None:
        with contextlib.suppress(OSError):  # the app is gone; the next recv sees EOF
            socket.send_fds(self.sock, [encode(message)], fds or [])

    def _become_child(self, fds: list[int], run_child: Callable[[], int]) -> None:
        code = 1
        try:
            self.selector.close()
            for pidfd in self.children:
                _close(pidfd)
            self.sock.close()
            os.setsid()
            for target, fd in enumerate(fds):
                os.dup2(fd, target)
                _close(fd)
            os.environ.clear()
            os.environ.update(self.launch_env)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            random.seed()
            gc.enable()
            code = run_child()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException:
            traceback.print_exc()
        finally:
            logging.shutdown()
            for stream in (sys.stdout, sys.stderr):
                with contextlib.suppress(OSError, ValueError):
                    stream.flush()
            os._exit(code)


def serve(fd: int, preload: Callable[[], None], run_child: Callable[[], int]) -> int:
    """Import with `preload`, then fork `run_child` per request until the socket closes."""
    launch_env = dict(os.environ)
    os.environ.update(SINGLE_THREAD_VARS)
    gc.disable()
    preload()
    sock = socket.socket(fileno=fd)
    threads = len(os.listdir("/proc/self/task"))
    server = _Server(sock, launch_env)
    server._send({"type": "ready", "pid": os.getpid(), "threads": threads})
    if threads != 1:
        print(f"mockflow-forkserver: {threads} threads after imports", file=sys.stderr)
    server.loop(run_child)
    return 0


def _close(fd: int) -> None:
    with contextlib.suppress(OSError):
        os.close(fd)
