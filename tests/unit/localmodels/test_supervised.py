"""Loopback ports and the environment a local model server is started with."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from mockflow.localmodels.supervised import child_env, choose_port, port_is_free


@pytest.fixture
def listening() -> Iterator[int]:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def test_the_wanted_port_is_used_when_free() -> None:
    port = choose_port(None)
    assert choose_port(port) == port


def test_another_free_port_is_chosen_when_the_wanted_one_is_taken(listening: int) -> None:
    assert not port_is_free(listening)
    chosen = choose_port(listening)
    assert chosen != listening and port_is_free(chosen)


def test_the_server_gets_no_keys_of_the_app() -> None:
    env = child_env(
        {"HF_HUB_OFFLINE": "1"},
        {"PATH": "/usr/bin", "HOME": "/home/ana", "OPENAI_API_KEY": "sk-x", "PORT": "1"},
    )
    assert env == {"PATH": "/usr/bin", "HOME": "/home/ana", "HF_HUB_OFFLINE": "1"}
