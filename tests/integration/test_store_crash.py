"""kill -9 during store writes, 200 times: the database always loads, with every write the
writer had confirmed."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import random
import signal
from multiprocessing.connection import Connection
from pathlib import Path

import pytest

from mockflow.identity import LOCAL_USER_ID
from mockflow.store import Store

pytestmark = pytest.mark.integration

KILLS = 200
SEED_SESSIONS = 300  # a database of a few hundred KB, so a write takes a few ms


def open_store(data_dir: Path, **kwargs) -> Store:
    return Store(data_dir / "mockflow.json", data_dir / "sessions", **kwargs)


def write_forever(data_dir: str, acks: Connection) -> None:
    """Child process: write in a loop, reporting the session count after each write."""
    store = open_store(Path(data_dir))
    count = len(store.list_sessions(LOCAL_USER_ID))
    while True:
        record = store.create_session(
            LOCAL_USER_ID, role="Backend Engineer", track="technical", level="mid", mode="voice"
        )
        count += 1
        acks.send(count)
        store.set_status(LOCAL_USER_ID, record.id, "running", summary={"turns": count})
        store.save_template(LOCAL_USER_ID, f"setup {count % 3}", {"role": "x" * 200})


def seed(data_dir: Path) -> None:
    store = open_store(data_dir)
    for _ in range(SEED_SESSIONS):
        store.create_session(
            LOCAL_USER_ID, role="Seed", track="behavioral", level="mid", mode="text"
        )
    store.close()


def kill_once(ctx, data_dir: Path, rng: random.Random) -> int:
    """Start a writer, kill -9 it at a random moment; returns the last confirmed count."""
    receiver, sender = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=write_forever, args=(str(data_dir), sender), daemon=True)
    proc.start()
    sender.close()
    assert receiver.poll(30), "the writer never confirmed a write"
    last = receiver.recv()
    while receiver.poll(rng.uniform(0, 0.03)):
        last = receiver.recv()
        if rng.random() < 0.3:
            break
    os.kill(proc.pid, signal.SIGKILL)
    proc.join(10)
    with contextlib.suppress(EOFError):  # the pipe ends where the writer was killed
        while receiver.poll():
            last = receiver.recv()
    receiver.close()
    assert proc.exitcode == -signal.SIGKILL
    return last


def test_kill_9_during_writes_never_leaves_an_unloadable_database(tmp_path):
    data_dir = tmp_path / "data"
    seed(data_dir)
    # fork: each writer starts in milliseconds with the store already imported.
    ctx = multiprocessing.get_context("fork")
    rng = random.Random(1234)
    torn_writes = 0
    previous = SEED_SESSIONS
    for _ in range(KILLS):
        confirmed = kill_once(ctx, data_dir, rng)
        torn_writes += any(data_dir.glob(".mockflow.json.*.tmp"))
        store = open_store(data_dir, on_corrupt="raise")  # raises if the file is damaged
        stored = len(store.list_sessions(LOCAL_USER_ID))
        assert stored >= confirmed >= previous
        assert not list(data_dir.glob("*.corrupt-*"))
        store.close()
        previous = stored
    # The kills must really land inside writes, or this test proves nothing.
    assert torn_writes > 0
