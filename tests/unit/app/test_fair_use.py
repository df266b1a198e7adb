"""Fair sharing among strangers: per-address caps, start and new-user rate limits in a
sliding hour, and closed tabs releasing their interview (injected clock, no network)."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest

from mockflow.app.fair_use import (
    FairUse,
    FairUseError,
    FairUseLimits,
    OpenTabs,
    SlidingWindow,
    client_ip,
    network_key,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_an_address_may_run_only_so_many_interviews_at_once():
    fair = FairUse(FairUseLimits(running_per_ip=2), public=True, clock=Clock())
    for n in range(2):
        fair.reserve(f"user{n}", "198.51.100.7").started(f"s{n}")
    with pytest.raises(FairUseError, match="2 interviews are already running from your network"):
        fair.reserve("user9", "198.51.100.7")
    fair.reserve("user9", "203.0.113.5")  # another address is not affected
    fair.ended("s0")
    fair.reserve("user9", "198.51.100.7")


def test_a_start_is_counted_from_its_reservation_before_anything_runs():
    fair = FairUse(FairUseLimits(running_per_ip=2), public=True, clock=Clock())
    fair.reserve("ana", "198.51.100.7")
    fair.reserve("ben", "198.51.100.7")  # neither has a session yet
    with pytest.raises(FairUseError, match="already running from your network"):
        fair.reserve("cy", "198.51.100.7")


def test_simultaneous_reservations_from_one_address_get_exactly_the_cap():
    fair = FairUse(FairUseLimits(running_per_ip=3, starts_per_hour=99), public=True)
    barrier = threading.Barrier(20)
    granted, refused = [], []

    def reserve(n: int) -> None:
        barrier.wait()
        try:
            granted.append(fair.reserve(f"user{n}", "198.51.100.7"))
        except FairUseError as exc:
            refused.append(str(exc))

    threads = [threading.Thread(target=reserve, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(granted) == 3 and len(refused) == 17
    assert fair.running("198.51.100.7") == 3


def test_a_released_reservation_frees_its_slot_once():
    fair = FairUse(FairUseLimits(running_per_ip=1), public=True, clock=Clock())
    failed = fair.reserve("ana", "198.51.100.7")
    failed.started("s1")  # the launch then failed
    failed.release()
    failed.release()  # a second release frees nothing more
    fair.reserve("ben", "198.51.100.7").started("s2")
    fair.ended("s1")  # a late end of the failed one frees nothing either
    assert fair.running("198.51.100.7") == 1
    with pytest.raises(FairUseError):
        fair.reserve("cy", "198.51.100.7")


def test_an_end_reported_before_the_start_returns_still_frees_the_slot():
    fair = FairUse(FairUseLimits(running_per_ip=1), public=True, clock=Clock())
    reservation = fair.reserve("ana", "198.51.100.7")
    reservation.started("s1")
    fair.ended("s1")  # the interviewer failed at once, from the monitor's thread
    assert fair.running("198.51.100.7") == 0
    reservation.release()
    fair.reserve("ben", "198.51.100.7")


def test_the_servers_slots_are_counted_per_pool_in_every_mode():
    fair = FairUse(FairUseLimits(), public=False, clock=Clock())
    fair.reserve("local", None, server_slots=2).started("s1")
    fair.reserve("local", None, server_slots=2)
    with pytest.raises(FairUseError, match="All interview slots on this server are in use"):
        fair.reserve("local", None, server_slots=2)
    fair.reserve("local", None, pool="workers", server_slots=2)  # another launcher's slots
    fair.ended("s1")
    fair.reserve("local", None, server_slots=2)


def test_starts_are_limited_per_user_and_per_address_in_a_sliding_hour():
    clock = Clock()
    fair = FairUse(FairUseLimits(running_per_ip=99, starts_per_hour=2), public=True, clock=clock)
    fair.reserve("ana", "198.51.100.7")
    fair.reserve("ana", "198.51.100.7")
    with pytest.raises(FairUseError, match="many interviews in the last hour"):
        fair.reserve("ana", "198.51.100.8")
    for n in range(6):  # the address allows three times the user limit
        fair.reserve(f"u{n}", "198.51.100.9")
    with pytest.raises(FairUseError):
        fair.reserve("u9", "198.51.100.9")
    clock.now += 3600
    fair.reserve("ana", "198.51.100.7")


def test_a_refused_start_spends_none_of_the_hourly_allowances():
    clock = Clock()
    fair = FairUse(FairUseLimits(running_per_ip=99, starts_per_hour=1), public=True, clock=clock)
    fair.reserve("ana", "198.51.100.7")
    for _ in range(5):  # ana is over her hour: her address's allowance is not spent
        with pytest.raises(FairUseError):
            fair.reserve("ana", "198.51.100.7")
    fair.reserve("ben", "198.51.100.7")
    fair.reserve("cy", "198.51.100.7")


def test_addresses_seen_an_hour_ago_are_forgotten_so_strangers_do_not_pile_up():
    clock = Clock()
    window = SlidingWindow(2, 3600, clock)
    for n in range(1000):  # a thousand one-off visitors
        assert window.allow(f"2001:db8::{n:x}")
    clock.now += 1800
    assert window.allow("203.0.113.5") and window.allow("203.0.113.5")
    clock.now += 1800
    assert window.allow("198.51.100.1")
    assert len(window) == 2  # the one-off visitors are gone; the recent ones remain
    assert not window.allow("203.0.113.5")  # still within its hour: still limited


def test_an_ipv6_client_counts_by_its_64_network_however_it_rotates():
    fair = FairUse(FairUseLimits(running_per_ip=2), public=True, clock=Clock())
    for n in range(2):  # one home network, two of its addresses
        fair.reserve(f"user{n}", f"2001:db8:7:1::{n + 1:x}").started(f"s{n}")
    with pytest.raises(FairUseError, match="already running from your network"):
        fair.reserve("user9", "2001:db8:7:1:dead:beef:0:42")
    fair.reserve("user9", "2001:db8:7:2::1")  # the next /64 is someone else


def test_new_users_from_one_ipv6_network_share_one_allowance():
    fair = FairUse(FairUseLimits(new_users_per_hour=3), public=True, clock=Clock())
    for n in range(3):
        fair.admit_new_user(f"2001:db8:7:1::{n:x}")
    with pytest.raises(FairUseError, match="Too many new visitors"):
        fair.admit_new_user("2001:db8:7:1:ffff::9")


@pytest.mark.parametrize(
    ("ip", "key"),
    [
        ("198.51.100.7", "198.51.100.7"),
        ("2001:db8:7:1:dead:beef:0:42", "2001:db8:7:1::/64"),
        ("::ffff:198.51.100.7", "198.51.100.7"),  # an IPv4 client seen through IPv6
        (None, "unknown"),
        ("not-an-address", "not-an-address"),
    ],
)
def test_what_an_address_counts_as(ip, key):
    assert network_key(ip) == key


def test_new_anonymous_users_are_limited_per_address():
    clock = Clock()
    fair = FairUse(FairUseLimits(new_users_per_hour=3), public=True, clock=clock)
    for _ in range(3):
        fair.admit_new_user("198.51.100.7")
    with pytest.raises(FairUseError, match="Too many new visitors"):
        fair.admit_new_user("198.51.100.7")
    fair.admit_new_user("203.0.113.5")
    clock.now += 3601
    fair.admit_new_user("198.51.100.7")


def test_starts_through_a_practice_link_are_limited_per_visitor_and_per_address():
    """A visitor who mints new identities from one address still cannot drain a coach's
    link; another link, or another address, is not affected."""
    clock = Clock()
    limits = FairUseLimits(running_per_ip=99, practice_starts_per_hour=2)
    fair = FairUse(limits, public=True, clock=clock)
    fair.reserve("ana", "198.51.100.7", practice_link="pl_a")
    fair.reserve("ana", "198.51.100.7", practice_link="pl_a")
    with pytest.raises(FairUseError, match="through this practice link"):
        fair.reserve("ana", "203.0.113.5", practice_link="pl_a")
    fair.reserve("ana", "198.51.100.7", practice_link="pl_b")  # another coach's link
    for n in range(4):  # new identities: the address allows three times the visitor's
        fair.reserve(f"new{n}", "198.51.100.7", practice_link="pl_a")
    with pytest.raises(FairUseError):
        fair.reserve("new9", "198.51.100.7", practice_link="pl_a")
    clock.now += 3600
    fair.reserve("ana", "198.51.100.7", practice_link="pl_a")


def test_local_mode_has_no_address_limits():
    fair = FairUse(FairUseLimits(running_per_ip=0, starts_per_hour=0), public=False)
    fair.reserve("local", None)
    fair.admit_new_user(None)
    fair.reserve("local", None, practice_link="pl_a")


def test_a_closed_tab_ends_its_users_interview_after_the_grace_unless_one_comes_back():
    ended: list[str] = []
    done = threading.Event()

    def end(user: str) -> None:
        ended.append(user)
        done.set()

    tabs = OpenTabs(end, grace=0.05)
    tabs.opened("tab1", "ana")
    tabs.opened("tab2", "ana")
    tabs.closed("tab1")  # another tab of hers is open
    tabs.closed("tab2")
    tabs.opened("tab3", "ana")  # a refresh: back within the grace
    assert not done.wait(0.3) and ended == []
    tabs.closed("tab3")
    assert done.wait(2) and ended == ["ana"]
    tabs.close()


def test_the_client_address_comes_from_the_proxy_only_when_it_is_trusted():
    request = SimpleNamespace(
        headers={"x-forwarded-for": "198.51.100.7, 10.0.0.2"},
        client=SimpleNamespace(host="10.0.0.2"),
    )
    assert client_ip(request, behind_proxy=True) == "198.51.100.7"
    assert client_ip(request, behind_proxy=False) == "10.0.0.2"
    assert client_ip(None, behind_proxy=True) is None
