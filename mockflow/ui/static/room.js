// The voice room: joins the LiveKit room with the token this browser was given, publishes
// the microphone, plays the interviewer, shows both audio levels, live captions (the
// agent's `lk.transcription` text streams) and the interviewer's state (its
// `lk.agent.state` attribute), says when the connection drops and comes back, and reports
// failures to the app. Every end leaves the room through `leaveRoom` (the app's "disconnect",
// a failed connect or microphone, the server closing the room), whichever comes first; the
// box's `data-connection` says where it stands ("connecting", "joined", "left"). Runs as the js_on_load of a gr.HTML component: `element`, `props`,
// `trigger` and `watch` come from Gradio. The token arrives in props.value and never
// enters the DOM; reports go back on the component's `input` event, which only this
// script fires, so the value holding the token is never sent back to the server.
// `LIBRARY` (where livekit-client comes from) is set before this script by the app.
// livekit-client is loaded here, not in the component's `head`: Gradio never runs this
// script when a head script fails to load, and the room would wait without a word.
const CONNECT_TIMEOUT_MS = 7000;  // the page reports within 10 s, start-up included
const LIBRARY_TIMEOUT_MS = 6000;  // waiting for the script once asked to connect
const START_DEADLINE_MS = 9500;  // the library's wait and the connection's, together
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
const ENDED = "The interview has ended. The voice room is closed.";
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

// One load of the script per page (the component can be mounted again); a failed load
// is tried again at the next connect (the app may have fetched its copy meanwhile).
function libraryPlace(src) {
  try {
    const url = new URL(src, window.location.href);
    return url.origin === window.location.origin ? "this app" : url.host;
  } catch (e) { return "an address that is not valid"; }
}

function loadLibrary() {
  if (window.LivekitClient) return Promise.resolve(window.LivekitClient);
  const src = LIBRARY.src || "";
  const pending = window.__mfLivekitClient;
  if (pending && pending.src === src && !pending.failed) return pending.promise;
  const entry = { src: src, failed: false, promise: null };
  entry.promise = new Promise((resolve, reject) => {
    if (!src) { reject(new Error("no source")); return; }
    const script = document.createElement("script");
    script.src = src;
    if (LIBRARY.integrity) {
      script.integrity = LIBRARY.integrity;
      script.crossOrigin = "anonymous";
    }
    script.onload = () => (window.LivekitClient ? resolve(window.LivekitClient) : reject(new Error("empty")));
    script.onerror = () => { script.remove(); reject(new Error("not loaded")); };
    document.head.appendChild(script);
  });
  entry.promise.catch(() => { entry.failed = true; });
  window.__mfLivekitClient = entry;
  return entry.promise;
}

function describeLibraryError(error) {
  const src = LIBRARY.src || "";
  const what = "Voice could not start: your browser";
  const fix = "Choose text mode in Setup and start again, or ask the operator to check the app's log.";
  if (!src) return `${what} was given no voice library (livekit-client) to load. ${fix}`;
  const place = libraryPlace(src);
  const blocked = place === "this app"
    ? "The app may not have its copy yet (it fetches it from npm), or an ad-blocker or proxy blocks it."
    : "An ad-blocker, proxy or firewall may block it.";
  const seconds = LIBRARY_TIMEOUT_MS / 1000;
  const how = error && error.name === "TimeoutError"
    ? `did not finish loading the voice library (livekit-client) from ${place} within ${seconds} seconds.`
    : `could not load the voice library (livekit-client) from ${place}.`;
  return `${what} ${how} ${blocked} ${fix}`;
}

function hostOf(url) {
  try { return new URL(url).host; } catch (e) { return null; }
}

function describeConnectError(error, url, waitedMs) {
  const lk = window.LivekitClient;
  const text = String((error && error.message) || error || "");
  const host = hostOf(url);
  if (!host) return "The LiveKit URL is not valid. Check it in Settings (it starts with wss://).";
  if (error && error.name === "TimeoutError") {
    const seconds = Math.round(waitedMs / 1000);
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

let attempt = 0;  // the latest connect; an older one that wakes up late gives way
// The end can come while a connect waits for the library or the server: that wait is
// bounded, and a failure it ends in says more than "ended" (the interviewer could not
// reach the server either), so it runs to its answer and leaves then (`leaveAsked`).
let connecting = 0;  // the attempt still waiting for its answer
let leaveAsked = null;  // the text to leave with once it has one

async function connect(info) {
  const myAttempt = ++attempt;
  connecting = myAttempt;
  leaveAsked = null;
  const answered = () => { if (connecting === myAttempt) connecting = 0; };
  const deadline = Date.now() + START_DEADLINE_MS;
  await disconnect();
  if (attempt !== myAttempt) return;  // a newer connect took over
  const box = $(".mf-room");
  delete box.dataset.agentState;
  delete box.dataset.closed;
  box.dataset.connection = "connecting";
  $(".mf-agent-state").textContent = "Interviewer: not here yet";
  $(".mf-quality").textContent = "Connection: –";
  setStatus("Connecting to the interview room…", "busy");
  let lk;
  try {
    lk = await withTimeout(loadLibrary(), LIBRARY_TIMEOUT_MS);
  } catch (error) {
    if (attempt !== myAttempt) return;
    answered();
    const where = LIBRARY.src ? ` from ${libraryPlace(LIBRARY.src)}` : "";
    const why = `it could not load the voice library (livekit-client)${where}.`;
    await fail(describeLibraryError(error), why);
    return;
  }
  if (attempt !== myAttempt) return;
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
  let connected = false;  // a failed connect also says Disconnected: its catch says why
  mine.on(lk.RoomEvent.Disconnected, (reason) => {
    if (!connected) return;
    // the app deletes the room when the interview ends, which may come before the page
    // hears of the end; any other cause (a network given up on, the same candidate
    // joining from another tab) is a plain disconnection
    const closed = reason === lk.DisconnectReason.ROOM_DELETED;
    leaveRoom(closed ? ENDED : "Disconnected from the room.");
  });
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
  const budget = Math.max(3000, Math.min(CONNECT_TIMEOUT_MS, deadline - Date.now()));
  try {
    await withTimeout(mine.connect(info.url, info.token), budget);
  } catch (error) {
    if (room !== mine) return;  // a newer connect took over
    answered();
    await fail(describeConnectError(error, info.url, budget));
    return;
  }
  if (room !== mine) { await mine.disconnect(); return; }
  answered();
  if (leaveAsked !== null) { await leaveRoom(leaveAsked); return; }  // before any microphone
  connected = true;
  try {
    await mine.localParticipant.setMicrophoneEnabled(true);
  } catch (error) {
    if (room !== mine) return;
    await fail(describeMicError(error));
    return;
  }
  // the interview ended while the microphone started: this room was not left with the
  // rest, so leave it now (livekit-client stops the microphone as it goes)
  if (room !== mine) { await mine.disconnect(); return; }
  box.dataset.connection = "joined";
  setStatus(GREET_SOON, "ok");
  $(".mf-mute").disabled = false;
  mine.remoteParticipants.forEach(showAgentState);
  showQuality(mine.localParticipant.connectionQuality);
  showStartAudio();
  listMicrophones();
  levelsTimer = setInterval(showLevels, 100);
}

function showClosed() {
  const came = $(".mf-room").dataset.agentState;
  $(".mf-agent-state").textContent = came ? "Interviewer: left" : "Interviewer: did not join";
  $(".mf-quality").textContent = "Connection: closed";
  $(".mf-room").dataset.closed = "true";
}

// A failure ends this connection: shown, reported to the app (which stops the interview;
// unless it has ended already), and the room left.
async function fail(message, reported = message) {
  setStatus(message, "error");
  if (leaveAsked === null) report("failed", reported);
  await leaveRoom(leaveAsked ?? ENDED);
}

// Leaving is one step whoever asks, as often as asked: a connect still waiting for its
// answer leaves once it has it; else the room is left (livekit-client unpublishes and
// stops the microphone, and one still starting sees the room gone) and the box says so;
// an error already shown stays, as it says why the interview ended.
async function leaveRoom(closedText = ENDED) {
  if (connecting) { leaveAsked = closedText; return; }
  attempt += 1;
  await disconnect();
  showClosed();
  $(".mf-room").dataset.connection = "left";
  if ($(".mf-room-status").dataset.kind !== "error") setStatus(closedText, "info");
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
    try { await old.disconnect(true); } catch (e) { /* already gone */ }
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
  if (info.action === "disconnect") leaveRoom();
}

watch("value", onValue);
loadLibrary().catch(() => {});  // early, so that it is ready when the interview starts
onValue();
