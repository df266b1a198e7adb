"""kill -9 during store writes, 200 times: the database always loads, with every write the
writer had confirmed. A database damaged at start-up (truncated, garbage, wrong shape,
empty) comes back from a kept copy with every user's keys and sessions; with every copy
destroyed the sessions are still listed, rebuilt from their folders."""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import random
import signal
from multiprocessing.connection import Connection
from pathlib import Path

import pytest

from mockflow.app.setup import InterviewSetup, session_meta
from mockflow.config import Settings
from mockflow.contracts.ids import LOCAL_USER_ID, new_browser_id
from mockflow.contracts.meta import write_meta
from mockflow.store.db import Store
from mockflow.ui.api import health_route
from mockflow.ui.services import build_services

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


# a damaged database at start-up: recovered through the services the UI calls

USERS = [new_browser_id() for _ in range(3)]
DAMAGE = {
    "truncated": lambda raw: raw[: len(raw) // 2],
    "garbage bytes": lambda raw: os.urandom(len(raw)),
    "valid JSON of the wrong shape": lambda raw: b'{"users": "nobody"}',
    "empty file": lambda raw: b"",
}


def app_settings(data_dir: Path) -> Settings:
    return Settings(
        data_dir=data_dir, secret_key="a passphrase for the tests", public=True, pool_size=0
    )


def use_the_app(data_dir: str, done: Connection) -> None:
    """Child process: what users do through the services (keys, interviews), then killed."""
    services = build_services(app_settings(Path(data_dir)), {})
    for n, user in enumerate(USERS):
        services.vault.update_keys(user, {"openai_api_key": f"sk-user-{n}-0123456789"})
        for _ in range(2):
            record = services.store.create_session(
                user, role="Backend Engineer", track="behavioral", level="mid", mode="text"
            )
            write_meta(
                Path(record.session_dir),
                session_meta(InterviewSetup(name="Ana", role="SRE"), record=record),
            )
    services.store.save_template(USERS[0], "last change", {"role": "x"})
    done.send(True)
    signal.pause()


def seed_through_a_killed_app(data_dir: Path) -> None:
    ctx = multiprocessing.get_context("fork")
    receiver, sender = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=use_the_app, args=(str(data_dir), sender), daemon=True)
    proc.start()
    assert receiver.poll(60) and receiver.recv()
    os.kill(proc.pid, signal.SIGKILL)
    proc.join(10)


def health_of(services) -> dict:
    route = health_route(services)
    return json.loads(route.endpoint().body)


@pytest.mark.parametrize("damage", DAMAGE.values(), ids=DAMAGE.keys())
def test_a_damaged_database_at_start_up_keeps_every_users_keys_and_sessions(tmp_path, damage):
    data_dir = tmp_path / "data"
    seed_through_a_killed_app(data_dir)
    db = data_dir / "mockflow.json"
    db.write_bytes(damage(db.read_bytes()))
    services = build_services(app_settings(data_dir), {})
    try:
        for n, user in enumerate(USERS):
            assert services.vault.stored_keys(user).openai_api_key == f"sk-user-{n}-0123456789"
            assert len(services.store.list_sessions(user)) == 2
        recovery = health_of(services)["recovery"]
        assert recovery["kind"] == "copy" and recovery["copy_made_at"]
        assert str(data_dir) not in json.dumps(recovery)
        assert "restored from a copy" in services.store.recovery_notice(USERS[1])
    finally:
        services.close()


def test_with_every_copy_destroyed_the_sessions_are_still_listed(tmp_path):
    data_dir = tmp_path / "data"
    seed_through_a_killed_app(data_dir)
    for db in data_dir.glob("mockflow.json*"):
        db.write_bytes(b"\x00" * 64)
    services = build_services(app_settings(data_dir), {})
    try:
        for user in USERS:
            assert [s.role for s in services.store.list_sessions(user)] == ["SRE", "SRE"]
            assert services.vault.stored_keys(user).openai_api_key is None
            assert "enter your keys again" in services.store.recovery_notice(user)
        assert health_of(services)["recovery"]["kind"] == "index"
    finally:
        services.close()
