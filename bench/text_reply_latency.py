"""Text-mode reply latency as the candidate sees it (issue 15: live text replies).

Runs the real app (`python app.py`, local mode) against the local fake OpenAI server,
which streams each reply in two-word pieces at a model's pace (`--ttft` before the first
piece, `--chunk-delay` between pieces). Headless Chromium types the answers; an in-page
MutationObserver timestamps every change of the chat with `performance.now()`, so both
figures are measured in the browser, from the Send click:

- first words: the interviewer's next message shows any text;
- full reply: that message shows its final text.

Prints p50/p95/max of both; asserts nothing.

    python bench/text_reply_latency.py [--answers 12] [--ttft 0.4] [--chunk-delay 0.04]
"""

from __future__ import annotations

import argparse
import math
import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.app_process import AppProcess
from tests.fakes.interviewer_script import ScriptedInterviewer
from tests.fakes.openai_server import FakeOpenAI

API_KEY = "sk-bench-0000000000"
ANSWER = (
    "At my last job I led the move of our billing service to a queue-based design; "
    "I measured the error rate before and after and it dropped by half."
)
OBSERVER = """() => {
  const chat = document.querySelector('#mf-chat');
  window.__mf = {clicks: [], samples: []};
  const bots = () => chat.querySelectorAll('[data-testid=bot]');
  const sample = () => {
    const all = bots();
    const last = all.length ? all[all.length - 1].innerText.trim() : '';
    window.__mf.samples.push([performance.now(), all.length, last]);
  };
  new MutationObserver(sample).observe(chat, {subtree: true, childList: true, characterData: true});
  document.querySelector('#mf-send').addEventListener(
    'click', () => window.__mf.clicks.push([performance.now(), bots().length]), true);
}"""


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(math.ceil(q / 100 * len(ordered)) - 1, 0)]


def reply_times(clicks: list[list[float]], samples: list[list[Any]]) -> list[tuple[float, float]]:
    """(first words, full reply) in ms after each click, from the observer's samples."""
    out = []
    for clicked_at, before in clicks:
        mine = [s for s in samples if s[0] >= clicked_at and s[1] == before + 1]
        if not mine:
            continue
        final = mine[-1][2]
        first = next((s[0] for s in mine if s[2]), None)
        full = next(s[0] for s in mine if s[2] == final)
        if first is not None:
            out.append((first - clicked_at, full - clicked_at))
    return out


def run_interview(page: Any, url: str, answers: int) -> list[tuple[float, float]]:
    page.goto(url)
    page.get_by_label("Your name").fill("Ada")
    page.get_by_label("Target role").fill("Backend Engineer")
    page.get_by_role("button", name="Start interview").click()
    page.wait_for_function(
        "() => document.querySelectorAll('#mf-chat [data-testid=bot]').length >= 1", timeout=30000
    )
    page.evaluate(OBSERVER)
    sent = 0
    while sent < answers:
        ready = (
            "(n) => { const s = document.querySelector('#mf-send');"
            " const bar = document.querySelector('#mf-stage-bar').innerText;"
            " return bar.includes('interview is complete') ||"
            " (!s.disabled && document.querySelectorAll('#mf-chat [data-testid=bot]').length > n"
            " && !bar.includes('thinking')); }"
        )
        page.wait_for_function(ready, arg=sent, timeout=30000)
        if "interview is complete" in page.locator("#mf-stage-bar").inner_text():
            break
        page.locator("#mf-answer textarea").fill(ANSWER)
        page.locator("#mf-send").click()
        sent += 1
    page.wait_for_function(
        "(n) => document.querySelectorAll('#mf-chat [data-testid=bot]').length > n",
        arg=sent,
        timeout=30000,
    )
    page.wait_for_timeout(1500)  # let the last reply settle before reading the samples
    data = page.evaluate("() => window.__mf")
    return reply_times(data["clicks"], data["samples"])


def print_agent_side(data: Path) -> None:
    """The same replies as the agent's timeline saw them: answer committed -> first draft."""
    import json

    gaps = []
    for path in data.glob("sessions/*/events.jsonl"):
        events = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        answered = None
        for e in events:
            if e["type"] == "turn" and e["role"] == "candidate":
                answered = e["t"]
            elif e["type"] == "draft" and answered is not None:
                gaps.append((e["t"] - answered) * 1000)
                answered = None
    if gaps:
        print(f"agent side: answer committed -> first draft p50 {statistics.median(gaps):.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=12)
    parser.add_argument("--ttft", type=float, default=0.4)
    parser.add_argument("--chunk-delay", type=float, default=0.04)
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    llm = FakeOpenAI(
        api_key=API_KEY,
        responder=ScriptedInterviewer(answers_per_stage=2, delay=args.ttft),
        chunk_delay=args.chunk_delay,
    )
    llm.start_in_thread()
    data = Path(tempfile.mkdtemp(prefix="mf-bench-"))
    env = {"OPENAI_API_KEY": API_KEY, "OPENAI_BASE_URL": llm.base_url}
    app = AppProcess(data, env)
    times: list[tuple[float, float]] = []
    try:
        with sync_playwright() as p:
            chromium = shutil.which("chromium") or "/usr/bin/chromium"
            browser = p.chromium.launch(executable_path=chromium, headless=True)
            while len(times) < args.answers:
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                times += run_interview(page, app.url, args.answers - len(times))
                page.close()
            browser.close()
    finally:
        app.stop()
        llm.stop_thread()
        print_agent_side(data)
        shutil.rmtree(data, ignore_errors=True)
    first = [t[0] for t in times]
    full = [t[1] for t in times]
    print(
        f"replies measured: {len(times)} (fake model: ttft {args.ttft}s, "
        f"{args.chunk_delay}s per two-word piece)"
    )
    for name, values in (("first words", first), ("full reply", full)):
        print(
            f"{name:12s} p50 {statistics.median(values):7.0f} ms  "
            f"p95 {percentile(values, 95):7.0f} ms  max {max(values):7.0f} ms"
        )


if __name__ == "__main__":
    from bench.cleanup import stops_children

    with stops_children():
        main()
