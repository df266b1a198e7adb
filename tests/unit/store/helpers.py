"""Shared by the store's test modules: a store on a temp folder with a stepping clock,
and sessions written the way the app writes them."""

from __future__ import annotations

import json
from pathlib import Path

from mockflow.contracts.ids import new_browser_id
from mockflow.store.db import Store

ALICE = new_browser_id()
BOB = new_browser_id()


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


def open_store(data_dir: Path, **kwargs) -> Store:
    return Store(data_dir / "mockflow.json", data_dir / "sessions", clock=Clock(), **kwargs)


def new_session(store: Store, user: str = ALICE, role: str = "Backend Engineer"):
    return store.create_session(user, role=role, track="behavioral", level="mid", mode="voice")


def write_sessions(data_dir: Path, count: int = 5) -> list[str]:
    store = open_store(data_dir)
    ids = []
    for _ in range(count):
        record = new_session(store)
        write_owner_meta(record)
        ids.append(record.id)
    store.set_user_keys(ALICE, {"secret": "opaque"})
    store.close()
    return ids


def write_owner_meta(record) -> None:
    folder = Path(record.session_dir)
    folder.mkdir(parents=True, exist_ok=True)
    meta = {"user_id": record.user_id, "created_at": record.created_at, "role": record.role}
    (folder / "meta.json").write_text(json.dumps(meta))


def truncate(path: Path) -> bytes:
    damaged = path.read_bytes()[: path.stat().st_size // 2]
    path.write_bytes(damaged)
    return damaged
