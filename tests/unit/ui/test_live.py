"""The live view: offset polling, stage bar text, echo of pending answers."""

from __future__ import annotations

import copy
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from mockflow.ui.live import LiveView, _lock_of, chat_messages
from mockflow.ui.stage_bar import stage_bar_html
from mockflow.ui.tabs.live_page import follow_reply, leave_room, render, tick

STAGES = [
    {"stage": s, "title": s, "time_limit": 60}
    for s in ("greeting", "self_intro", "past_experience", "company_fit", "closing")
]


def _append(path, **event):
    with open(path, "a") as f:
        f.write(json.dumps(event) + "\n")


def test_poll_reads_only_new_events_and_folds_them(tmp_path):
    path = tmp_path / "events.jsonl"
    _append(path, t=100.0, type="ready", stages=STAGES)
    _append(path, t=100.0, type="stage", stage="greeting", reason="start")
    view = LiveView("iv_1", path)
    assert view.poll() == 2
    assert view.poll() == 0
    _append(path, t=101.0, type="turn", role="interviewer", text="Hi, ready?", stage="greeting")
    assert view.poll() == 1
    assert chat_messages(view) == [{"role": "assistant", "content": "Hi, ready?"}]
    assert view.offset == path.stat().st_size


def test_one_visitors_poll_never_waits_for_anothers(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    _append(tmp_path / "b" / "events.jsonl", t=100.0, type="ready", stages=STAGES)
    mine = LiveView("iv_a", tmp_path / "a" / "events.jsonl")
    theirs = LiveView("iv_b", tmp_path / "b" / "events.jsonl")
    with ThreadPoolExecutor(1) as pool, _lock_of(mine):  # my poll is mid-read
        assert pool.submit(theirs.poll).result(timeout=10) == 1


def test_a_copied_view_polls_on_its_own(tmp_path):
    path = tmp_path / "events.jsonl"
    _append(path, t=100.0, type="ready", stages=STAGES)
    view = LiveView("iv_1", path)
    assert view.poll() == 1
    copied = copy.deepcopy(view)  # as the page's state may hold it
    _append(path, t=101.0, type="turn", role="interviewer", text="Hi", stage="greeting")
    assert copied.poll() == 1 and view.poll() == 1
    assert copied.turns == view.turns


def test_stage_bar_says_where_we_are_in_words(tmp_path):
    view = LiveView("iv_1", tmp_path / "e.jsonl")
    for event in (
        {"t": 100.0, "type": "ready", "stages": STAGES},
        {"t": 100.0, "type": "stage", "stage": "greeting"},
        {"t": 130.0, "type": "stage", "stage": "self_intro"},
    ):
        view.apply(event)
    bar = stage_bar_html(view, now=150.0)
    assert "Now: Self-introduction · about 40 s left · elapsed 0:50" in bar
    assert 'aria-current="step"' in bar and "✓" in bar and "▶" in bar
    assert "wrapping up after this answer" in stage_bar_html(view, now=200.0)


def test_ended_view_reports_why_and_marks_only_the_stages_reached(tmp_path):
    view = LiveView("iv_1", tmp_path / "e.jsonl")
    view.apply({"t": 100.0, "type": "ready", "stages": STAGES})
    view.apply({"t": 100.0, "type": "stage", "stage": "greeting"})
    view.apply({"t": 130.0, "type": "stage", "stage": "self_intro"})
    view.apply({"t": 160.0, "type": "ended", "reason": "user_ended"})
    bar = stage_bar_html(view, now=999.0)
    assert "You ended the interview" in bar
    assert bar.count("✓") == 1 and bar.count("○") == 3 and "elapsed 1:00" in bar
    assert "◐" in bar and '<span class="mf-stage-note">(ended early)' in bar
    finished = LiveView("iv_2", tmp_path / "f.jsonl")
    for event in (
        {"t": 100.0, "type": "ready", "stages": STAGES},
        {"t": 170.0, "type": "stage", "stage": "closing"},
        {"t": 180.0, "type": "ended", "reason": "completed"},
    ):
        finished.apply(event)
    assert stage_bar_html(finished, now=999.0).count("✓") == 5


def test_an_interview_that_failed_before_it_began_marks_nothing_done(tmp_path):
    view = LiveView("iv_1", tmp_path / "e.jsonl", mode="voice")
    view.apply({"t": 1.0, "type": "error", "message": "LiveKit unreachable.", "fatal": True})
    view.apply({"t": 1.2, "type": "ended", "reason": "error"})
    bar = stage_bar_html(view, now=5.0)
    assert "stopped because of an error" in bar and "✓" not in bar


def test_the_voice_room_is_told_to_leave_once_the_interview_ends(tmp_path):
    path = tmp_path / "events.jsonl"
    _append(path, t=1.0, type="ready", stages=STAGES)
    view = LiveView("iv_1", path, mode="voice")
    assert "room" not in tick(view)
    _append(path, t=2.0, type="ended", reason="completed")
    assert json.loads(tick(view)["room"]) == {"action": "disconnect"}
    _append(path, t=2.0, type="state", agent_state="listening")
    assert "room" not in tick(view)  # said once, not on every tick


async def test_the_reply_follower_that_reads_the_end_first_tells_the_room_to_leave(tmp_path):
    # it renders the end and switches the 1 s timer off: no tick is left to say it
    path = tmp_path / "events.jsonl"
    _append(path, t=1.0, type="ready", stages=STAGES)
    view = LiveView("iv_1", path, mode="voice")
    view.poll()
    _append(path, t=2.0, type="error", message="Rejected key (401).", fatal=True)
    _append(path, t=2.1, type="ended", reason="error")
    pages = [page async for page in follow_reply(view, interval=0.0)]
    assert pages[-1]["timer"].active is False
    assert json.loads(pages[-1]["room"]) == {"action": "disconnect"}
    assert "room" not in tick(view)  # the timer's last tick, if it comes, says it no more


def test_the_room_is_left_once_whichever_path_reads_the_end(tmp_path):
    path = tmp_path / "events.jsonl"
    _append(path, t=1.0, type="ready", stages=STAGES)
    text = LiveView("iv_1", path)
    voice = LiveView("iv_2", path, mode="voice")
    assert leave_room(voice) == {} and leave_room(voice, ending=True) != {}  # End: at once
    assert leave_room(voice, ending=True) == {}
    _append(path, t=2.0, type="ended", reason="completed")
    text.poll()
    assert leave_room(text) == {}  # a text interview has no room


def test_start_waits_for_the_running_interview_and_an_ended_one_offers_feedback(tmp_path):
    path = tmp_path / "events.jsonl"
    _append(path, t=1.0, type="ready", stages=STAGES)
    view = LiveView("iv_1", path)
    view.poll()
    shown = render(view)
    assert shown["start"].interactive is False and "running" in shown["running_note"]
    assert shown["see_feedback"].visible is False
    _append(path, t=2.0, type="ended", reason="user_ended")
    view.poll()
    shown = render(view)
    assert shown["start"].interactive is True and shown["running_note"] == ""
    assert shown["see_feedback"].visible is True
    idle = render(None)
    assert idle["start"].interactive is True and idle["see_feedback"].visible is False


def test_pending_answer_shows_until_the_agent_commits_it(tmp_path):
    view = LiveView("iv_1", tmp_path / "e.jsonl")
    view.apply({"t": 1.0, "type": "ready", "stages": STAGES})
    view.apply({"t": 1.0, "type": "turn", "role": "interviewer", "text": "Q?", "stage": "greeting"})
    view.pending += ["first part", "second part"]
    assert [m["content"] for m in chat_messages(view)] == ["Q?", "first part", "second part"]
    assert "thinking" in stage_bar_html(view, now=2.0)
    merged = "first part\nsecond part"
    view.apply({"t": 2.0, "type": "turn", "role": "candidate", "text": merged, "stage": "greeting"})
    assert view.pending == []
    assert [m["content"] for m in chat_messages(view)] == ["Q?", merged]


def test_a_reply_being_written_shows_in_the_chat_until_its_turn_replaces_it(tmp_path):
    path = tmp_path / "events.jsonl"
    _append(path, t=1.0, type="ready", stages=STAGES)
    _append(path, t=1.0, type="stage", stage="greeting", reason="start")
    view = LiveView("iv_1", path)
    view.poll()
    for delta in ("Hi Ana, ", "thanks for "):
        _append(path, t=1.1, type="draft", role="interviewer", reply=1, delta=delta)
    view.poll()
    assert view.chat_changed()
    assert chat_messages(view) == [{"role": "assistant", "content": "Hi Ana, thanks for"}]
    assert "interviewer is replying" in stage_bar_html(view, now=2.0)
    text = "Hi Ana, thanks for joining. Ready?"
    _append(path, t=1.5, type="turn", role="interviewer", text=text, stage="greeting")
    view.poll()
    assert view.chat_changed()
    assert chat_messages(view) == [{"role": "assistant", "content": text}]  # once, whole
    assert "replying" not in stage_bar_html(view, now=2.0)


async def test_following_a_reply_ends_with_the_whole_page_once_it_is_committed(tmp_path):
    path = tmp_path / "events.jsonl"
    _append(path, t=1.0, type="ready", stages=STAGES)
    _append(path, t=1.0, type="turn", role="interviewer", text="Q?", stage="greeting")
    view = LiveView("iv_1", path)
    view.poll()
    view.pending.append("My answer")
    _append(path, t=2.0, type="turn", role="candidate", text="My answer", stage="greeting")
    _append(path, t=2.1, type="draft", role="interviewer", reply=2, delta="Next ")
    _append(path, t=2.2, type="turn", role="interviewer", text="Next one?", stage="greeting")
    pages = [page async for page in follow_reply(view, interval=0.0)]
    assert pages[-1]["chat"][-1] == {"role": "assistant", "content": "Next one?"}
    assert set(pages[-1]) == set(render(view))  # a full page, buttons included


async def test_following_nothing_still_gives_a_page() -> None:
    pages = [page async for page in follow_reply(None)]
    assert len(pages) == 1  # a stream that yields nothing would empty the outputs
    assert pages[0]["chat"] == [] and "No interview running" in pages[0]["stage_bar"]


def test_fatal_error_is_shown_and_polling_stops(tmp_path):
    path = tmp_path / "events.jsonl"
    _append(path, t=1.0, type="ready", stages=STAGES)
    _append(
        path,
        t=2.0,
        type="error",
        message="The language model provider rejected the API key (401).",
        fatal=True,
    )
    _append(path, t=2.1, type="ended", reason="error")
    view = LiveView("iv_1", path)
    shown = tick(view)
    assert "stopped because of an error" in shown["stage_bar"]
    assert "rejected the API key" in shown["chat"][-1]["content"]
    assert shown["timer"].active is False


def test_tick_with_nothing_new_only_refreshes_the_clock(tmp_path):
    path = tmp_path / "events.jsonl"
    _append(path, t=1.0, type="ready", stages=STAGES)
    view = LiveView("iv_1", path)
    tick(view)
    shown = tick(view)
    assert "mf-progress" in shown["stage_bar"]
    assert set(shown) == {"stage_bar"}  # the transcript and the rest are left alone


def test_the_chat_shows_no_image_from_an_answer():
    view = LiveView(session_id="s", events_path=Path("unused"))
    view.apply({"type": "turn", "role": "candidate", "text": "![x](http://127.0.0.1:9/pixel.png)"})
    import markdown_it

    rendered = markdown_it.MarkdownIt("commonmark").render(chat_messages(view)[0]["content"])
    assert "<img" not in rendered and 'href="http://127.0.0.1:9/pixel.png"' in rendered
