// The voice room: joins the LiveKit room with the token this browser was given, publishes
// the microphone, plays the interviewer, shows both audio levels, live captions (the
// agent's `lk.transcription` text streams) and the interviewer's state (its
// `lk.agent.state` attribute), says when the connection drops and comes back, and reports
// failures to the app. Runs as the js_on_load of a gr.HTML component: `element`, `props`,
// `trigger` and `watch` come from Gradio. The token arrives in props.value and never
// enters the DOM; reports go back on the component's `input` event, which only this
// script fires, so the value holding the token is never sent back to the server.
const CONNECT_TIMEOUT_MS = 7000;  // the page reports within 10 s, start-up included
const $ = (selector) => element.querySelector(selector);
let room = null;
let levelsTimer = null;

function setStatus(text, kind) {
  const status = $(".mf-room-status");
  status.textContent = text;
  status.dataset.kind = kind;
}

function report(kind, message) {
  props.value = JSON.stringify({ report: kind, message: message, at: Date.now() });
  trigger("input");
}

const GREET_SOON = "Connected. The interviewer will greet you in a moment.";
const AGENT_STATES = {
  initializing: "getting ready", idle: "waiting", listening: "listening",
  thinking: "thinking", speaking: "speaking",
};
const QUALITY = { excellent: "excellent", good: "good", poor: "poor", lost: "lost" };

function showAgentState(participant) {
  const state = participant && participant.attributes ? participant.attributes["lk.agent.state"] : null;
  if (!state) return;
  $(".mf-agent-state").textContent = `Interviewer: ${AGENT_STATES[state] || state}`;
  $(".mf-room").dataset.agentState = state;
  if (state === "speaking" && $(".mf-room-status").textContent === GREET_SOON) {
    setStatus("Connected. The interview is under way.", "ok");
  }
}

function showQuality(quality) {
  $(".mf-quality").textContent = `Connection: ${QUALITY[quality] || "unknown"}`;
}

function showCaption(who, text) {
  $(who === "you" ? ".mf-caption-you span" : ".mf-caption-them span").textContent = text;
}

async function readCaption(reader, sender) {
  // one text stream per spoken segment: the interviewer's words as it speaks them, or the
  // candidate's as they are transcribed (sent by the agent on the speaker's behalf)
  const attributes = (reader.info && reader.info.attributes) || {};
  const mine = room && room.localParticipant;
  const trackId = attributes["lk.transcribed_track_id"];
  const fromMe = mine && (sender.identity === mine.identity ||
    (trackId && [...mine.trackPublications.keys()].includes(trackId)));
  const who = fromMe ? "you" : "them";
  let text = "";
  try {
    for await (const delta of reader) {
      text += delta;
      showCaption(who, text);
    }
  } catch (e) { /* the stream was cut: keep what arrived */ }
}

async function listMicrophones() {
  const lk = window.LivekitClient;
  const select = $(".mf-mic-choice");
  let devices = [];
  try { devices = await lk.Room.getLocalDevices("audioinput", false); } catch (e) { return; }
  const active = room ? room.getActiveDevice("audioinput") : undefined;
  select.replaceChildren(...devices.map((device, index) => {
    const option = document.createElement("option");
    option.value = device.deviceId;
    option.textContent = device.label || `Microphone ${index + 1}`;
    option.selected = device.deviceId === active;
    return option;
  }));
  select.disabled = devices.length < 2;
}

function showStartAudio() {
  $(".mf-start-audio").hidden = !room || room.canPlaybackAudio;
}

function hostOf(url) {
  try { return new URL(url).host; } catch (e) { return null; }
}

function describeConnectError(error, url) {
  const lk = window.LivekitClient;
  const text = String((error && error.message) || error || "");
  const host = hostOf(url);
  if (!host) return "The LiveKit URL is not valid. Check it in Settings (it starts with wss://).";
  if (error && error.name === "TimeoutError") {
    const seconds = CONNECT_TIMEOUT_MS / 1000;
    return `The LiveKit server at ${host} did not answer within ${seconds} seconds. Check the URL in Settings.`;
  }
  if (lk && error instanceof lk.ConnectionError) {
    if (error.reason === lk.ConnectionErrorReason.NotAllowed || /401|403|token|unauthori/i.test(text)) {
      return "LiveKit rejected the access token. Check the API key and secret in Settings.";
    }
  }
  return `Could not reach the LiveKit server at ${host}. Check the URL in Settings and your network.`;
}

function describeMicError(error) {
  const name = error && error.name;
  if (name === "NotAllowedError" || name === "SecurityError") {
    return "Microphone permission was denied. Allow the microphone for this page and start again.";
  }
  if (name === "NotFoundError" || name === "OverconstrainedError") {
    return "No microphone was found. Connect one, or choose text mode in Setup.";
  }
  return "The microphone could not be started. Check your browser's microphone settings.";
}

function withTimeout(promise, ms) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => {
      const error = new Error("timed out");
      error.name = "TimeoutError";
      reject(error);
    }, ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// Levels are measured here, from the audio itself (an AnalyserNode per track): the
// server's speaker levels only move for speech above its own threshold.
let audioContext = null;
const meters = { you: null, them: null };

function meterFor(mediaStreamTrack) {
  if (!audioContext) audioContext = new AudioContext();
  if (audioContext.state === "suspended") audioContext.resume().catch(() => {});
  const analyser = audioContext.createAnalyser();
  analyser.fftSize = 1024;
  audioContext.createMediaStreamSource(new MediaStream([mediaStreamTrack])).connect(analyser);
  const samples = new Float32Array(analyser.fftSize);
  return () => {
    analyser.getFloatTimeDomainData(samples);
    let sum = 0;
    for (const sample of samples) sum += sample * sample;
    return Math.sqrt(sum / samples.length);
  };
}

function showLevels() {
  for (const [selector, meter] of [[".mf-level-you", meters.you], [".mf-level-them", meters.them]]) {
    const level = meter ? meter() : 0;
    const value = Math.round(Math.min(1, level * 4) * 100);
    const element = $(selector);
    element.value = value;
    element.setAttribute("aria-valuenow", String(value));
  }
}

async function connect(info) {
  const lk = window.LivekitClient;
  if (!lk) {
    setStatus("The LiveKit client library did not load. Check your network and reload.", "error");
    report("failed", "livekit-client did not load");
    return;
  }
  await disconnect();
  setStatus("Connecting to the interview room…", "busy");
  const mine = new lk.Room({ adaptiveStream: true, dynacast: true });
  room = mine;
  mine.on(lk.RoomEvent.TrackSubscribed, (track) => {
    if (track.kind !== "audio") return;
    $(".mf-audio").appendChild(track.attach());
    meters.them = meterFor(track.mediaStreamTrack);
  });
  mine.on(lk.RoomEvent.LocalTrackPublished, (publication) => {
    if (publication.track && publication.track.kind === "audio") {
      meters.you = meterFor(publication.track.mediaStreamTrack);
    }
  });
  mine.on(lk.RoomEvent.TrackUnsubscribed, (track) => {
    track.detach().forEach((media) => media.remove());  // no audio element left behind
    if (track.kind === "audio") meters.them = null;
  });
  mine.on(lk.RoomEvent.Disconnected, () => setStatus("Disconnected from the room.", "info"));
  mine.on(lk.RoomEvent.SignalReconnecting, () => setStatus("The connection dropped; reconnecting…", "busy"));
  mine.on(lk.RoomEvent.Reconnecting, () => setStatus("The connection dropped; reconnecting…", "busy"));
  mine.on(lk.RoomEvent.Reconnected, () => setStatus("Reconnected. The interview goes on.", "ok"));
  mine.on(lk.RoomEvent.AudioPlaybackStatusChanged, showStartAudio);
  mine.on(lk.RoomEvent.ConnectionQualityChanged, (quality, participant) => {
    if (participant === mine.localParticipant) showQuality(quality);
  });
  mine.on(lk.RoomEvent.ParticipantAttributesChanged, (changed, participant) => {
    if ("lk.agent.state" in changed && participant !== mine.localParticipant) showAgentState(participant);
  });
  mine.on(lk.RoomEvent.ParticipantConnected, showAgentState);
  mine.on(lk.RoomEvent.MediaDevicesChanged, listMicrophones);
  mine.registerTextStreamHandler("lk.transcription", readCaption);
  try {
    await withTimeout(mine.connect(info.url, info.token), CONNECT_TIMEOUT_MS);
  } catch (error) {
    if (room !== mine) return;  // we left on purpose (the interview ended meanwhile)
    const message = describeConnectError(error, info.url);
    setStatus(message, "error");
    report("failed", message);
    await disconnect();
    return;
  }
  if (room !== mine) { mine.disconnect(); return; }
  try {
    await mine.localParticipant.setMicrophoneEnabled(true);
  } catch (error) {
    if (room !== mine) return;
    const message = describeMicError(error);
    setStatus(message, "error");
    report("failed", message);
    await disconnect();
    return;
  }
  setStatus(GREET_SOON, "ok");
  $(".mf-mute").disabled = false;
  mine.remoteParticipants.forEach(showAgentState);
  showQuality(mine.localParticipant.connectionQuality);
  showStartAudio();
  listMicrophones();
  levelsTimer = setInterval(showLevels, 100);
}

async function disconnect() {
  if (levelsTimer) clearInterval(levelsTimer);
  levelsTimer = null;
  meters.you = meters.them = null;
  showLevels();
  $(".mf-mute").disabled = true;
  $(".mf-mic-choice").disabled = true;
  $(".mf-start-audio").hidden = true;
  if (room) {
    const old = room;
    room = null;
    old.removeAllListeners();  // our own disconnect must not overwrite the status shown
    try { await old.disconnect(); } catch (e) { /* already gone */ }
    $(".mf-audio").replaceChildren();  // the interviewer's audio elements go with the room
    $(".mf-agent-state").textContent = "Interviewer: not here yet";
  }
}

$(".mf-start-audio").addEventListener("click", async () => {
  if (!room) return;
  try { await room.startAudio(); } catch (e) { /* still blocked: the button stays */ }
  showStartAudio();
});

$(".mf-mic-choice").addEventListener("change", async (event) => {
  if (!room) return;
  try {
    await room.switchActiveDevice("audioinput", event.target.value);
  } catch (e) {
    setStatus("That microphone could not be used; the previous one is still on.", "info");
  }
});

$(".mf-mute").addEventListener("click", async () => {
  if (!room) return;
  const enabled = room.localParticipant.isMicrophoneEnabled;
  await room.localParticipant.setMicrophoneEnabled(!enabled);
  const button = $(".mf-mute");
  button.textContent = enabled ? "Unmute microphone" : "Mute microphone";
  button.setAttribute("aria-pressed", String(enabled));
});

function onValue() {
  let info = null;
  try { info = JSON.parse(props.value || "null"); } catch (e) { return; }
  if (!info || info.report) return;
  if (info.action === "connect" && info.url && info.token) connect(info);
  if (info.action === "disconnect") {
    // a connection error stays on screen: it says why the interview ended
    const failed = $(".mf-room-status").dataset.kind === "error";
    disconnect().then(() => { if (!failed) setStatus("The interview has ended.", "info"); });
  }
}

watch("value", onValue);
onValue();
