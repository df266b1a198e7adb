"""Voice reply latency as the candidate hears it in the page (issue 14).

The real app and a real LiveKit server (built by scripts/test.sh, started here on
loopback); headless Chromium is the candidate: its fake microphone plays an espeak-ng
answer, then `--quiet` seconds of silence, in a loop, through the page's room component.
The model, speech-to-text and text-to-speech are the local fakes (`--llm-delay` before
the model's first token). In the page, every 20 ms a sampler reads the room's two level
meters (themselves measured from the audio with AnalyserNodes, refreshed every 100 ms), so
the figure is: the candidate's level falls silent -> the interviewer's level rises, as
the page shows it. It includes the turn-taking wait the interviewer keeps after the last
word (the "normal" patience profile); `bench/voice_latency.py` splits that out.

Beside it, the browser's own WebRTC stats of the interviewer's track (`getStats()` on the
page's peer connections, sampled every 100 ms): the jitter buffer's mean delay and target
over each reply's first 300 ms, and the packets a second received in the silence before
it. `--audio` passes the agent's room-path settings (`MOCKFLOW_VOICE_AUDIO`, see
`mockflow/agent/audio_path.py`, e.g. `dtx=1`) to measure one against the defaults.

Prints p50/p95/max; asserts nothing.

    python bench/voice_room_latency.py [--seconds 90] [--llm-delay 0.3] [--quiet 7]
                                       [--audio dtx=1]
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mockflow.launch.livekit.server import LocalLiveKitServer, find_binary
from tests.app_process import AppProcess
from tests.fakes import speech
from tests.fakes.deepgram_server import FakeDeepgram
from tests.fakes.interviewer_script import ScriptedInterviewer
from tests.fakes.openai_server import FakeOpenAI

API_KEY = "sk-bench-0000000000"
ANSWER = "At my last job I moved our billing service to a queue and halved the errors."
SAMPLER = """() => {
  window.__levels = [];
  setInterval(() => {
    const you = document.querySelector('#mf-room .mf-level-you');
    const them = document.querySelector('#mf-room .mf-level-them');
    if (you && them) window.__levels.push([performance.now(), you.value, them.value]);
  }, 20);
}"""
LOUD = 3  # meter value (0-100) above which a side counts as sounding
# every peer connection the page makes, for the stats sampler (before any page script)
KEEP_PEER_CONNECTIONS = """(() => {
  const Original = window.RTCPeerConnection;
  window.__pcs = [];
  window.RTCPeerConnection = function (...args) {
    const pc = new Original(...args);
    window.__pcs.push(pc);
    return pc;
  };
  window.RTCPeerConnection.prototype = Original.prototype;
  Object.setPrototypeOf(window.RTCPeerConnection, Original);
})();"""
STATS_SAMPLER = """() => {
  window.__rtc = [];
  setInterval(async () => {
    for (const pc of window.__pcs) {
      (await pc.getStats()).forEach((s) => {
        if (s.type === "inbound-rtp" && s.kind === "audio") {
          window.__rtc.push([performance.now(), s.jitterBufferDelay, s.jitterBufferTargetDelay,
                             s.jitterBufferEmittedCount, s.packetsReceived]);
        }
      });
    }
  }, 100);
}"""


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(math.ceil(q / 100 * len(ordered)) - 1, 0)]


def gaps(levels: list[list[float]]) -> list[tuple[float, float]]:
    """(end of the candidate's speech, the interviewer's next sound), page ms."""
    out, spoke, silent_since = [], False, None
    for t, you, them in levels:
        if you > LOUD:
            spoke, silent_since = True, None
        elif spoke and silent_since is None:
            silent_since = t
        if spoke and silent_since is not None and them > LOUD:
            out.append((silent_since, t))
            spoke, silent_since = False, None
    return out


def at(samples: list[list[float]], t: float) -> list[float] | None:
    """The last stats sample taken by page time `t`."""
    before = [s for s in samples if s[0] <= t]
    return before[-1] if before else None


def buffer_figures(samples: list[list[float]], silent: float, rise: float) -> dict[str, float]:
    """The jitter buffer over the reply's first 300 ms (ms), packets a second before it."""
    quiet, onset, reply = at(samples, silent), at(samples, rise), at(samples, rise + 300)
    figures: dict[str, float] = {}
    if quiet and onset and onset[0] > quiet[0]:
        figures["gap_pkt_per_s"] = (onset[4] - quiet[4]) / (onset[0] - quiet[0]) * 1000
    if onset and reply and reply[3] > onset[3]:
        figures["onset_jb_delay"] = (reply[1] - onset[1]) / (reply[3] - onset[3]) * 1000
        figures["onset_jb_target"] = (reply[2] - onset[2]) / (reply[3] - onset[3]) * 1000
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=90)
    parser.add_argument("--llm-delay", type=float, default=0.3)
    parser.add_argument("--quiet", type=float, default=7.0)
    parser.add_argument("--audio", default="", help="the agent's MOCKFLOW_VOICE_AUDIO")
    args = parser.parse_args()
    if not speech.tools_available():
        sys.exit("needs espeak-ng and sox (apt-get install espeak-ng sox)")
    binary = find_binary(os.environ.get("MOCKFLOW_TEST_LIVEKIT_SERVER"), os.environ)
    if binary is None:
        sys.exit("no livekit-server binary: run `bash scripts/test.sh` once to build it")

    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp(prefix="mf-bench-voice-"))
    server = LocalLiveKitServer(binary, work / "livekit.log")
    server.start()
    llm = FakeOpenAI(
        api_key=API_KEY, responder=ScriptedInterviewer(answers_per_stage=2, delay=args.llm_delay)
    )
    llm.start_in_thread()
    stt = FakeDeepgram(default_transcript=ANSWER)
    stt.start_in_thread()
    (work / "data").mkdir()
    app = AppProcess(
        work / "data",
        {
            "OPENAI_API_KEY": API_KEY,
            "OPENAI_BASE_URL": llm.base_url,
            "DEEPGRAM_API_KEY": stt.api_key,
            "DEEPGRAM_BASE_URL": stt.url,
            "LIVEKIT_URL": server.url,
            "LIVEKIT_API_KEY": server.api_key,
            "LIVEKIT_API_SECRET": server.api_secret,
            "MOCKFLOW_VOICE_AUDIO": args.audio,
        },
    )
    samples = np.concatenate(
        [speech.padded(ANSWER, 48000, lead=0.5), speech.silence(args.quiet, 48000)]
    )
    wav = speech.write_wav(work / "candidate.wav", samples, 48000)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=shutil.which("chromium") or "/usr/bin/chromium",
                args=[
                    "--use-fake-ui-for-media-stream",
                    "--use-fake-device-for-media-stream",
                    f"--use-file-for-fake-audio-capture={wav}",
                    "--no-sandbox",
                ],
                headless=True,
            )
            context = browser.new_context()
            context.grant_permissions(["microphone"])
            context.add_init_script(KEEP_PEER_CONNECTIONS)
            page = context.new_page()
            page.goto(app.url)
            page.get_by_label("Your name").fill("Ada")
            page.get_by_label("Target role").fill("Backend Engineer")
            page.get_by_label("Voice (LiveKit)").check()
            page.get_by_role("button", name="Start interview").click()
            page.wait_for_function(
                "() => document.querySelector('#mf-room .mf-room-status')?.dataset.kind === 'ok'",
                timeout=30000,
            )
            page.evaluate(SAMPLER)
            page.evaluate(STATS_SAMPLER)
            page.wait_for_timeout(args.seconds * 1000)
            levels = page.evaluate("() => window.__levels")
            samples = page.evaluate("() => window.__rtc")
            browser.close()
    finally:
        app.stop()
        stt.stop_thread()
        llm.stop_thread()
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    pairs = gaps(levels)
    measured = [rise - silent for silent, rise in pairs]
    print(
        f"exchanges measured: {len(measured)} in {args.seconds:g} s "
        f"(fake model: {args.llm_delay}s to its first token; meters refresh every 100 ms; "
        f"agent audio path: {args.audio or 'defaults'})"
    )
    if measured:
        print(
            f"end of your speech -> interviewer heard in the page: "
            f"p50 {statistics.median(measured):.0f} ms  p95 {percentile(measured, 95):.0f} ms  "
            f"max {max(measured):.0f} ms"
        )
    stats: dict[str, list[float]] = {}
    for silent, rise in pairs:
        for key, value in buffer_figures(samples, silent, rise).items():
            stats.setdefault(key, []).append(value)
    if stats:
        print(
            "browser webrtc stats of the interviewer's track (median; delays ms): "
            + ", ".join(f"{k} {statistics.median(v):.0f}" for k, v in stats.items())
        )


if __name__ == "__main__":
    from bench.cleanup import stops_children

    with stops_children():
        main()
