"""How a rehearsal names its model endpoint: host:port, never a credential."""

from __future__ import annotations

from mockflow.rehearse.endpoint import Endpoint, host_port


def test_host_and_port_without_credentials():
    assert host_port("http://localhost:11434/v1") == "localhost:11434"
    assert host_port("https://user:secret@llm.example.com/v1") == "llm.example.com:443"
    assert host_port("http://10.0.0.5/v1") == "10.0.0.5:80"
    assert Endpoint(None, "sk-x", "gpt-4o-mini").where == "api.openai.com:443"


def test_the_key_stays_out_of_the_repr():
    assert "sk-very-secret" not in repr(Endpoint("http://h/v1", "sk-very-secret", "m"))
