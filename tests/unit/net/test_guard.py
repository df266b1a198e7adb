"""The public-link address rule: which resolved addresses a visitor's URL may reach."""

from __future__ import annotations

import ipaddress

import pytest

from mockflow.config import Settings
from mockflow.errors import ConfigError
from mockflow.net.guard import (
    LIVEKIT_SCHEMES,
    REFUSED,
    AddressRefusedError,
    NetGuard,
    is_forbidden,
    literal_ip,
)
from mockflow.net.pinning import Pin

PUBLIC_IP = "203.0.114.10"  # outside every special range (198.51.100/24 etc. are not)


class StubDNS:
    """A resolver that answers from a table and records every question."""

    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = table
        self.asked: list[tuple[str, int]] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.asked.append((host, port))
        if host not in self.table:
            raise OSError("name does not resolve")
        return self.table[host]


def public_guard(table=None, allowed=()) -> NetGuard:
    return NetGuard(True, allowed, StubDNS(table or {}))


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.255.255.254",
        "10.0.0.1",
        "172.16.0.1",
        "172.31.255.255",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata
        "169.254.1.1",
        "100.64.0.1",  # CGNAT
        "100.127.255.254",
        "100.100.100.200",  # a metadata address inside CGNAT
        "168.63.129.16",  # Azure's metadata and DNS: a public-looking address
        "0.0.0.0",
        "0.1.2.3",
        "224.0.0.1",  # multicast
        "239.255.255.250",
        "240.0.0.1",  # reserved
        "255.255.255.255",
        "192.0.2.1",  # documentation
        "198.18.0.1",  # benchmarking
        "::1",
        "::",
        "fe80::1",
        "fe80::1%eth0",
        "fc00::1",
        "fd12:3456::1",  # ULA
        "fd00:ec2::254",  # AWS metadata over IPv6
        "ff02::1",
        "::ffff:127.0.0.1",  # IPv4-mapped
        "::ffff:10.0.0.1",
        "::ffff:169.254.169.254",
        "::127.0.0.1",  # IPv4-compatible (deprecated)
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
        "2002:7f00:1::1",  # 6to4 of 127.0.0.1
        "2002:c0a8:101::1",  # 6to4 of 192.168.1.1
        "fec0::1",  # site-local
        "2001:db8::1",  # documentation
    ],
)
def test_every_special_range_is_forbidden(address):
    assert is_forbidden(ipaddress.ip_address(address.split("%")[0]))


@pytest.mark.parametrize("address", [PUBLIC_IP, "8.8.8.8", "1.1.1.1", "2606:4700::1111"])
def test_public_unicast_is_not_forbidden(address):
    assert not is_forbidden(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("2130706433", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("[::1]", "::1"),
        ("10.1", "10.0.0.1"),
    ],
)
def test_numeric_spellings_are_read_as_the_address_they_mean(host, address):
    assert literal_ip(host) == ipaddress.ip_address(address)


@pytest.mark.parametrize("host", ["example.com", "deadbeef", "123.example", "cafe.be"])
def test_names_are_not_literals(host):
    assert literal_ip(host) is None


def refused(guard: NetGuard, url: str, **kwargs) -> str:
    with pytest.raises(AddressRefusedError) as caught:
        guard.vet(url, **kwargs)
    return str(caught.value)


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/v1",
        "https://2130706433/v1",
        "https://0x7f.1/v1",
        "https://[::1]:8443/v1",
        "https://[::ffff:127.0.0.1]/v1",
        "https://169.254.169.254/latest/meta-data",
        "https://localhost/v1",
        "https://localhost./v1",
        "https://LOCALHOST/v1",
        "https://internal.example/v1",  # resolves to a private address
        "https://mixed.example/v1",  # one public, one private address
        "https://nowhere.example/v1",  # does not resolve
        "https://empty.example/v1",  # resolves to nothing
        "http://public.example/v1",  # plain http to a host that is not allow-listed
        "https://user:pw@public.example/v1",  # credentials in the URL
        "https://token@public.example/v1",
        "ftp://public.example/v1",
        "file:///etc/passwd",
        "https:///v1",
        "https://public.example:99999/v1",
        "not a url",
        "",
    ],
)
def test_refusals_are_one_message_that_names_no_target(url):
    guard = public_guard(
        {
            "localhost": ["127.0.0.1", "::1"],
            "localhost.": ["127.0.0.1"],
            "internal.example": ["10.0.0.7"],
            "mixed.example": [PUBLIC_IP, "192.168.0.2"],
            "empty.example": [],
            "public.example": [PUBLIC_IP],
        }
    )
    assert refused(guard, url) == REFUSED


def test_a_public_name_is_pinned_to_the_address_that_was_checked():
    dns = StubDNS({"api.example.com.": [PUBLIC_IP, "2606:4700::1111"]})
    pin = NetGuard(True, (), dns).vet("https://API.example.com./v1")
    assert pin == Pin("api.example.com", 443, PUBLIC_IP)
    assert dns.asked == [("api.example.com.", 443)]


def test_a_literal_public_address_is_not_looked_up():
    dns = StubDNS({})
    assert NetGuard(True, (), dns).vet(f"https://{PUBLIC_IP}:8443/v1") == Pin(
        PUBLIC_IP, 8443, PUBLIC_IP
    )
    assert dns.asked == []


def test_local_mode_vets_nothing():
    dns = StubDNS({})
    guard = NetGuard(False, (), dns)
    assert guard.vet("http://localhost:11434/v1") is None
    assert guard.vet("http://user:pw@127.0.0.1/v1") is None
    assert dns.asked == []


@pytest.mark.parametrize(
    ("allowed", "url"),
    [
        (("ollama.internal",), "http://ollama.internal:11434/v1"),
        (("ollama.internal:11434",), "http://ollama.internal:11434/v1"),
        (("ollama.internal",), "https://OLLAMA.internal./v1"),
        (("127.0.0.1:8080",), "http://127.0.0.1:8080/v1"),
        (("[::1]:8080",), "http://[::1]:8080/v1"),
    ],
)
def test_allow_listed_hosts_may_be_private_and_plain_http(allowed, url):
    table = {"ollama.internal": ["10.0.0.5"], "ollama.internal.": ["10.0.0.5"]}
    settings = Settings(public=True, allowed_provider_hosts=allowed)
    guard = NetGuard.from_settings(settings, StubDNS(table))
    pin = guard.vet(url)
    assert pin is not None and ipaddress.ip_address(pin.address).is_private


def test_an_allow_listed_port_does_not_open_the_host_s_other_ports():
    guard = NetGuard.from_settings(
        Settings(public=True, allowed_provider_hosts=("ollama.internal:11434",)),
        StubDNS({"ollama.internal": ["10.0.0.5"]}),
    )
    assert refused(guard, "http://ollama.internal:22/") == REFUSED
    assert refused(guard, "https://user:pw@ollama.internal:11434/") == REFUSED


def test_livekit_urls_take_wss_and_https_only():
    guard = public_guard({"lk.example": [PUBLIC_IP]}, allowed=("lk.local",))
    assert guard.vet("wss://lk.example", schemes=LIVEKIT_SCHEMES).port == 443
    assert refused(guard, "ws://lk.example", schemes=LIVEKIT_SCHEMES) == REFUSED
    assert refused(guard, "wss://lk.example") == REFUSED  # not an https provider URL


def test_settings_read_the_allow_list_and_reject_malformed_entries():
    env = {"MOCKFLOW_ALLOWED_PROVIDER_HOSTS": " ollama.lan:11434 , [::1]:8080,lm.lan "}
    assert Settings.from_env(env).allowed_provider_hosts == (
        "ollama.lan:11434",
        "[::1]:8080",
        "lm.lan",
    )
    for bad in ("http://x/", "x:port", "user@x", "x/v1"):
        with pytest.raises(ConfigError, match="MOCKFLOW_ALLOWED_PROVIDER_HOSTS"):
            Settings.from_env({"MOCKFLOW_ALLOWED_PROVIDER_HOSTS": bad})
