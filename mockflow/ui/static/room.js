// The voice room: joins the LiveKit room with the token this browser was given, publishes
// the microphone, plays the interviewer, shows both audio levels, and reports failures to
// the app. Runs as the js_on_load of a gr.HTML component: `element`, `props`, `trigger`
// and `watch` come from Gradio. The token arrives in props.value and never enters the DOM.
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
  trigger("change");
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

function showLevels() {
  const mine = room && room.localParticipant ? room.localParticipant.audioLevel || 0 : 0;
  let theirs = 0;
  if (room) room.remoteParticipants.forEach((p) => { theirs = Math.max(theirs, p.audioLevel || 0); });
  for (const [selector, level] of [[".mf-level-you", mine], [".mf-level-them", theirs]]) {
    const meter = $(selector);
    const value = Math.round(Math.min(1, level * 3) * 100);
    meter.value = value;
    meter.setAttribute("aria-valuenow", String(value));
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
    if (track.kind === "audio") $(".mf-audio").appendChild(track.attach());
  });
  mine.on(lk.RoomEvent.Disconnected, () => setStatus("Disconnected from the room.", "info"));
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
  setStatus("Connected. The interviewer will greet you in a moment.", "ok");
  $(".mf-mute").disabled = false;
  levelsTimer = setInterval(showLevels, 100);
}

async function disconnect() {
  if (levelsTimer) clearInterval(levelsTimer);
  levelsTimer = null;
  $(".mf-mute").disabled = true;
  if (room) {
    const old = room;
    room = null;
    old.removeAllListeners();  // our own disconnect must not overwrite the status shown
    try { await old.disconnect(); } catch (e) { /* already gone */ }
  }
}

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
