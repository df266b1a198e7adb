"""The timeline relay's rules: the worker keeps each event until the app acknowledges it
and sends it again; the app writes each event once and in order; a packet from anyone but
the interviewer, or not signed for this session, is refused; a replay is not written."""

from __future__ import annotations

from typing import Any

import pytest

from mockflow.contracts.events import EventWriter, read_events
from mockflow.contracts.relay import (
    APP_IDENTITY,
    MAX_PACKET_BYTES,
    Inbox,
    Outbox,
    next_seq_of,
    seal,
    session_key,
)

SESSION = "iv_relay-unit-000000000"
SECRET = "the-livekit-api-secret"
AGENT = "agent-AJ_1"
KEY = session_key(SECRET, SESSION)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _event(n: int) -> dict[str, Any]:
    return {"t": float(n), "type": "turn", "role": "candidate", "text": f"answer {n}"}


def _pair(tmp_path, next_seq: int = 1) -> tuple[Outbox, Inbox, list[dict[str, Any]], Clock]:
    clock = Clock()
    written: list[dict[str, Any]] = []
    outbox = Outbox(SESSION, KEY, clock)
    inbox = Inbox(SESSION, KEY, written.append, next_seq=next_seq)
    return outbox, inbox, written, clock


def _deliver(outbox: Outbox, inbox: Inbox, packets: list[bytes]) -> None:
    for packet in packets:
        ack = inbox.receive(packet, AGENT, from_agent=True)
        if ack is not None:
            assert outbox.on_ack(ack, None)


def test_each_event_is_written_once_in_order_and_acknowledged(tmp_path):
    outbox, inbox, written, _ = _pair(tmp_path)
    for n in (1, 2, 3):
        outbox.push(_event(n))
    _deliver(outbox, inbox, outbox.to_send())
    assert [e["text"] for e in written] == ["answer 1", "answer 2", "answer 3"]
    assert outbox.unacked == 0
    assert outbox.to_send() == []  # nothing new, nothing to resend


def test_an_unacknowledged_event_is_sent_again_and_the_duplicate_not_written(tmp_path):
    outbox, inbox, written, clock = _pair(tmp_path)
    outbox.push(_event(1))
    first = outbox.to_send()
    inbox.receive(first[0], AGENT, from_agent=True)  # written, but the ack is lost
    assert outbox.to_send() == []  # sent already, not due again yet
    clock.now += 1.0
    again = outbox.to_send()
    assert again == first
    _deliver(outbox, inbox, again)
    assert [e["text"] for e in written] == ["answer 1"]
    assert inbox.duplicates == 1
    assert outbox.unacked == 0


def test_a_worker_that_cannot_reach_the_app_catches_up_in_order(tmp_path):
    outbox, inbox, written, clock = _pair(tmp_path)
    for n in range(1, 101):
        outbox.push(_event(n))
        outbox.to_send()  # lost: the app is away
    for _ in range(10):
        clock.now += 1.0
        _deliver(outbox, inbox, outbox.to_send())
        while (fresh := outbox.to_send()) != []:
            _deliver(outbox, inbox, fresh)
    assert [e["t"] for e in written] == [float(n) for n in range(1, 101)]
    assert outbox.unacked == 0


def test_a_gap_is_not_written_until_the_missing_event_arrives(tmp_path):
    outbox, inbox, written, clock = _pair(tmp_path)
    outbox.push(_event(1))
    outbox.push(_event(2))
    one, two = outbox.to_send()
    inbox.receive(two, AGENT, from_agent=True)
    assert written == []
    _deliver(outbox, inbox, [one, two])
    assert [e["text"] for e in written] == ["answer 1", "answer 2"]


def test_a_forged_event_from_another_participant_is_refused(tmp_path):
    outbox, inbox, written, _ = _pair(tmp_path)
    outbox.push(_event(1))
    [packet] = outbox.to_send()
    assert inbox.receive(packet, "candidate", from_agent=False) is None  # even signed
    unsigned = seal(b"a key the candidate made up", SESSION, {"k": "event", "n": 1, "e": _event(9)})
    assert inbox.receive(unsigned, AGENT, from_agent=True) is None
    assert written == []
    assert inbox.refused == 2


def test_once_the_interviewer_spoke_another_agent_is_refused(tmp_path):
    outbox, inbox, written, _ = _pair(tmp_path)
    outbox.push(_event(1))
    outbox.push(_event(2))
    one, two = outbox.to_send()
    inbox.receive(one, AGENT, from_agent=True)
    assert inbox.receive(two, "agent-AJ_other", from_agent=True) is None
    assert [e["text"] for e in written] == ["answer 1"]


def test_a_packet_signed_for_another_session_is_refused(tmp_path):
    other = Outbox(
        "iv_another-session-00000", session_key(SECRET, "iv_another-session-00000"), Clock()
    )
    other.push(_event(1))
    _, inbox, written, _ = _pair(tmp_path)
    assert inbox.receive(other.to_send()[0], AGENT, from_agent=True) is None
    assert written == []


def test_a_replayed_event_is_not_written_again(tmp_path):
    outbox, inbox, written, _ = _pair(tmp_path)
    outbox.push(_event(1))
    outbox.push({"t": 2.0, "type": "ended", "reason": "completed"})
    packets = outbox.to_send()
    _deliver(outbox, inbox, packets)
    for packet in packets:  # captured and sent again later
        inbox.receive(packet, AGENT, from_agent=True)
    assert [e["type"] for e in written] == ["turn", "ended"]
    assert inbox.duplicates == 2


def test_an_ack_counts_only_from_the_app_and_signed(tmp_path):
    outbox, *_ = _pair(tmp_path)
    outbox.push(_event(1))
    ack = seal(KEY, SESSION, {"k": "ack", "n": 1})
    assert not outbox.on_ack(ack, "candidate")
    assert not outbox.on_ack(seal(b"made up", SESSION, {"k": "ack", "n": 1}), None)
    assert not outbox.on_ack(seal(KEY, SESSION, {"k": "event", "n": 1}), None)
    assert outbox.unacked == 1
    assert outbox.on_ack(ack, APP_IDENTITY)
    assert outbox.unacked == 0


def test_beats_reach_the_app_and_an_old_beat_is_ignored(tmp_path):
    beats: list[int] = []
    outbox = Outbox(SESSION, KEY, Clock())
    inbox = Inbox(SESSION, KEY, lambda e: None, on_beat=beats.append)
    first, second = outbox.beat(), outbox.beat()
    for packet in (first, second, first):
        assert inbox.receive(packet, AGENT, from_agent=True) is None
    assert beats == [1, 2]


def test_the_app_resumes_after_the_lines_it_wrote_and_cuts_a_partial_one(tmp_path):
    path = tmp_path / "events.jsonl"
    assert next_seq_of(path) == 1
    writer = EventWriter(path)
    writer.append(_event(1))
    writer.append(_event(2))
    writer.close()
    with open(path, "ab") as f:
        f.write(b'{"t":3,"type":"tu')  # the app died writing it
    assert next_seq_of(path) == 3
    assert [e["t"] for e in read_events(path)] == [1.0, 2.0]


def test_after_a_restart_the_app_writes_only_what_it_did_not_have(tmp_path):
    path = tmp_path / "events.jsonl"
    writer = EventWriter(path)
    outbox = Outbox(SESSION, KEY, Clock())
    before = Inbox(SESSION, KEY, writer.append)
    for n in (1, 2, 3):
        outbox.push(_event(n))
    packets = outbox.to_send()
    for packet in packets[:2]:
        before.receive(packet, AGENT, from_agent=True)  # acks lost with the app
    writer.close()
    writer = EventWriter(path)
    after = Inbox(SESSION, KEY, writer.append, next_seq=next_seq_of(path))
    _deliver(outbox, after, packets)  # the worker sends all it still holds
    assert [e["t"] for e in read_events(path)] == [1.0, 2.0, 3.0]
    assert outbox.unacked == 0


def test_an_event_the_app_could_not_write_is_not_acknowledged(tmp_path):
    def refuse(event: dict[str, Any]) -> None:
        raise OSError("disk full")

    outbox = Outbox(SESSION, KEY, Clock())
    inbox = Inbox(SESSION, KEY, refuse)
    outbox.push(_event(1))
    with pytest.raises(OSError):
        inbox.receive(outbox.to_send()[0], AGENT, from_agent=True)
    assert inbox.next_seq == 1
    assert outbox.unacked == 1


def test_an_event_too_large_for_one_packet_arrives_shortened(tmp_path):
    outbox, inbox, written, _ = _pair(tmp_path)
    outbox.push({"t": 1.0, "type": "turn", "role": "interviewer", "text": "é" * 60_000})
    [packet] = outbox.to_send()
    assert len(packet) <= MAX_PACKET_BYTES
    _deliver(outbox, inbox, [packet])
    [turn] = written
    assert turn["shortened"] is True and turn["text"].startswith("éé")


def test_a_packet_from_a_sender_not_known_yet_counts_only_if_signed(tmp_path):
    outbox, inbox, written, _ = _pair(tmp_path)
    outbox.push(_event(1))
    [packet] = outbox.to_send()
    unsigned = seal(b"a key the candidate made up", SESSION, {"k": "event", "n": 1, "e": _event(9)})
    assert inbox.receive(unsigned, None, from_agent=False) is None
    assert inbox.receive(packet, None, from_agent=False) is not None
    assert [e["text"] for e in written] == ["answer 1"]
