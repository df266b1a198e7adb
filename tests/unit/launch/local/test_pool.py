"""The warm pool's choices, with in-memory stand-ins for agent processes (no subprocess)."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from typing import Any

import pytest

from mockflow.launch.local.pool import WarmPool
from tests.waiting import eventually


class FakeProc:
    """Just enough of `AgentProcess` for the pool."""

    def __init__(self, pid: int, warm: bool) -> None:
        self.pid = pid
        self.warm = warm
        self.spawned_at = time.monotonic()
        self.code: int | None = None
        self.closed = False

    def poll(self) -> int | None:
        return self.code

    def kill(self) -> None:
        self.code = -9

    def wait(self, timeout: float) -> bool:
        return self.code is not None

    def close_stdin(self) -> None:
        self.closed = True
        self.code = 2

    def stop(self, grace: float, term_grace: float = 3.0) -> int | None:
        return self.code

    def release(self) -> None:
        pass


class Spawner:
    def __init__(self, warm: bool = True) -> None:
        self.warm = warm
        self.made: list[FakeProc] = []
        self._pids = itertools.count(100)

    def __call__(self) -> Any:
        proc = FakeProc(next(self._pids), self.warm)
        self.made.append(proc)
        return proc


@pytest.fixture
def spawner() -> Spawner:
    return Spawner()


@pytest.fixture
def pool(spawner: Spawner) -> Iterator[WarmPool]:
    pool = WarmPool(1, spawner, warm_timeout=5.0)
    yield pool
    pool.close(grace=0.1)


def test_pool_fills_and_hands_out_its_process(pool: WarmPool, spawner: Spawner) -> None:
    assert pool.wait_warm(3.0)
    taken = pool.take()

    assert taken is spawner.made[0]
    assert pool.pids() == []


def test_refill_waits_for_the_handshake_to_finish(pool: WarmPool, spawner: Spawner) -> None:
    assert pool.wait_warm(3.0)
    pool.take()
    time.sleep(0.6)
    assert pool.pids() == []

    pool.release_hold()
    assert pool.wait_warm(3.0)
    assert pool.pids() == [spawner.made[1].pid]


def test_dead_pool_process_is_replaced(pool: WarmPool, spawner: Spawner) -> None:
    assert pool.wait_warm(3.0)
    spawner.made[0].code = 1

    assert eventually(lambda: pool.pids() == [101])
    assert pool.take() is spawner.made[1]


def test_empty_pool_gives_nothing() -> None:
    pool = WarmPool(0, Spawner(), warm_timeout=5.0)
    assert pool.take() is None
    pool.close()


def test_processes_that_never_warm_are_discarded_with_backoff() -> None:
    spawner = Spawner(warm=False)
    pool = WarmPool(1, spawner, warm_timeout=0.2)
    try:
        assert eventually(lambda: len(spawner.made) >= 2)
        assert spawner.made[0].code == -9
        time.sleep(1.0)
        assert len(spawner.made) <= 3
    finally:
        pool.close(grace=0.1)


def test_close_ends_pool_processes_through_stdin_eof(pool: WarmPool, spawner: Spawner) -> None:
    assert pool.wait_warm(3.0)
    pool.close(grace=0.1)

    assert spawner.made[0].closed
    assert pool.take() is None
