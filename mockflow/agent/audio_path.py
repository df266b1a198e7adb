"""How a voice interview's audio crosses the room, and what its tracks report about it.

`AudioPath` holds the few settings of the room path that change how late a reply is
heard: DTX on the interviewer's published track, the rate and frame size the agent reads
the candidate's track at, where its VAD lets go of an answer's last word, the rate it
publishes at, the publishing source's queue. Its defaults are the ones
`bench/voice_latency.py --livekit` measured best (README, "Reply latency");
`MOCKFLOW_VOICE_AUDIO` overrides them one by one, for that bench to measure each alone
(`dtx=1,input_rate=24000,input_frame_ms=50,tts_format=wav,vad_release=0.35,stats=1`).

`track_stats` reads a track's own WebRTC statistics (jitter buffer, packets), which the
bench prints beside the latency of each leg.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace

from livekit import rtc
from livekit.agents import AgentSession
from livekit.agents.voice import room_io

from mockflow.errors import MockflowError

log = logging.getLogger("mockflow.agent")
OVERRIDE_VAR = "MOCKFLOW_VOICE_AUDIO"


class AudioPathError(MockflowError):
    """`MOCKFLOW_VOICE_AUDIO` names a setting that does not exist or has a bad value."""


@dataclass(frozen=True)
class AudioPath:
    """The room path's settings (module docstring); the defaults are the product's."""

    # off: a reply's first packets follow a steady stream, not DTX's sparse one, so the
    # candidate's jitter buffer has no gap to re-settle after at each reply's onset
    dtx: bool = False
    # Silero and Deepgram read 16 kHz: the room's own resampler goes straight there
    input_rate: int = 16000
    # the VAD sees the end of an answer this much sooner than with the framework's 50 ms
    input_frame_ms: int = 20
    output_rate: int = 24000  # the TTS's own rate
    queue_ms: int = 200  # the framework's publishing source queue
    tts_format: str = "pcm"  # raw 24 kHz from the TTS: nothing to decode before a frame
    # the VAD's speech probability below which silence starts counting (the framework's
    # 0.35). Raising it to 0.5, the level that starts speech, looked ~30 ms sooner in one
    # A/B run; a second, longer one (10 answers a row) found no difference (leg 1 p50
    # 136 vs 137 ms), so the framework's value stays and the bench keeps the lever
    vad_release: float = 0.35
    stats: bool = False  # record the candidate track's WebRTC stats at each answer's ends

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> AudioPath:
        """The defaults, with `MOCKFLOW_VOICE_AUDIO`'s `name=value` pairs applied."""
        return cls().overridden(environ.get(OVERRIDE_VAR, ""))

    def overridden(self, spec: str) -> AudioPath:
        known = {f.name: f.type for f in fields(self)}
        changes: dict[str, bool | int | float | str] = {}
        for pair in filter(None, (p.strip() for p in spec.split(","))):
            name, _, value = pair.partition("=")
            name = name.strip()
            if name not in known:
                raise AudioPathError(f"{OVERRIDE_VAR}: no audio setting is called {name!r}.")
            value = value.strip()
            try:
                if known[name] == "bool":
                    changes[name] = value in ("1", "on", "true")
                elif known[name] == "float":
                    changes[name] = float(value)
                else:
                    changes[name] = value if known[name] == "str" else int(value)
            except ValueError:
                raise AudioPathError(f"{OVERRIDE_VAR}: {name} needs a number.") from None
        return replace(self, **changes)  # type: ignore[arg-type]

    def input_options(self) -> room_io.AudioInputOptions:
        return room_io.AudioInputOptions(
            sample_rate=self.input_rate, frame_size_ms=self.input_frame_ms
        )

    def output_options(self) -> room_io.AudioOutputOptions:
        return room_io.AudioOutputOptions(
            sample_rate=self.output_rate,
            track_publish_options=rtc.TrackPublishOptions(
                source=rtc.TrackSource.SOURCE_MICROPHONE, dtx=self.dtx
            ),
        )

    def tune_output(self, session: AgentSession) -> None:
        """Give the room's audio output a source with `queue_ms` (the framework fixes
        200 ms); only before its track is published, i.e. before the candidate joins."""
        if self.queue_ms == AudioPath.queue_ms:
            return
        output = session.room_io._audio_output
        if output is None or output._publication is not None:
            log.warning("audio output already published; queue left at 200 ms")
            return
        source = output._audio_source
        output._audio_source = rtc.AudioSource(
            source.sample_rate, source.num_channels, queue_size_ms=self.queue_ms
        )


async def track_stats(track: rtc.Track) -> dict[str, float]:
    """The track's inbound (or else outbound) RTP figures, as cumulative totals: jitter
    buffer delay, target and minimum (s, summed over emitted samples), samples emitted,
    packets, concealed samples."""
    for stat in await track.get_stats():
        kind = stat.WhichOneof("stats")
        if kind == "inbound_rtp":
            inbound, received = stat.inbound_rtp.inbound, stat.inbound_rtp.received
            return {
                "jb_delay": inbound.jitter_buffer_delay,
                "jb_target": inbound.jitter_buffer_target_delay,
                "jb_minimum": inbound.jitter_buffer_minimum_delay,
                "jb_emitted": float(inbound.jitter_buffer_emitted_count),
                "packets": float(received.packets_received),
                "concealed": float(inbound.concealed_samples),
            }
        if kind == "outbound_rtp":
            return {"packets": float(stat.outbound_rtp.sent.packets_sent)}
    return {}


def candidate_track(session: AgentSession) -> rtc.Track | None:
    """The linked candidate's microphone track, once subscribed."""
    participant = session.room_io.linked_participant
    if participant is None:
        return None
    for publication in participant.track_publications.values():
        if publication.kind == rtc.TrackKind.KIND_AUDIO and publication.track is not None:
            return publication.track
    return None
