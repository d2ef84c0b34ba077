// The practice page: count-in, record (MediaRecorder, webm/opus), level meter,
// redo and playback, upload, then live scoring progress and the result.
// Uploads go to the API (/api/tokens/<id>/upload-audio, or upload-url + confirm with S3)
// with the session cookie and the page's CSRF token; errors are {"detail", "code"}.
import { followAttempt, showProgress, showResult } from "./live.js";
import { wireListening } from "./player.js";

const root = document.getElementById("recorder");
const $ = (selector) => root.querySelector(selector);
const text = JSON.parse(document.getElementById("recorder-text").textContent);
const advice = JSON.parse(document.getElementById("failure-advice").textContent);

const ui = {
  record: $("#record"), stop: $("#stop"), redo: $("#redo"), submit: $("#submit"),
  take: $("#take-audio"), status: $("#recorder-status"), countdown: $("#countdown"),
  meter: $(".meter-fill"), timeline: $(".timeline-fill"),
  scoring: document.getElementById("scoring"), slot: document.getElementById("result-slot"),
  upload: document.getElementById("upload-progress"), error: document.getElementById("take-error"),
};
const words = [...document.querySelectorAll(".line-words .ref-word")];
const refDuration = parseFloat(root.dataset.refDuration) || 3;
const maxSeconds = parseFloat(root.dataset.maxSeconds) || 30;
const BEAT = 0.8; // seconds between count-in beats

let stream = null, audioContext = null, analyser = null, recorder = null;
let chunks = [], take = null, takeKey = null, startedAt = 0, autoStop = null, animation = null;
// A take the server refused for what it is (too short, silent…): sending it again cannot
// help, so only a new recording can be scored.
let unusable = false;

function setStatus(message) { ui.status.textContent = message; }
function show(button, visible) { button.hidden = !visible; }

function setState(state) {
  show(ui.record, state === "idle");
  show(ui.stop, state === "recording");
  show(ui.redo, state === "recorded");
  show(ui.submit, state === "recorded");
  ui.take.hidden = state !== "recorded";
  ui.submit.disabled = unusable;
}

async function openMicrophone() {
  if (stream) return;
  // Raw voice: the browser's clean-up would change pitch and loudness we measure.
  stream = await navigator.mediaDevices.getUserMedia({
    audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false },
  });
  audioContext = new AudioContext();
  analyser = audioContext.createAnalyser();
  analyser.fftSize = 1024;
  audioContext.createMediaStreamSource(stream).connect(analyser);
}

function beep(frequency, at) {
  const osc = audioContext.createOscillator();
  const gain = audioContext.createGain();
  osc.frequency.value = frequency;
  gain.gain.setValueAtTime(0.15, at);
  gain.gain.exponentialRampToValueAtTime(0.001, at + 0.12);
  osc.connect(gain).connect(audioContext.destination);
  osc.start(at);
  osc.stop(at + 0.13);
}

function animate() {
  const samples = new Float32Array(analyser.fftSize);
  analyser.getFloatTimeDomainData(samples);
  const rms = Math.sqrt(samples.reduce((sum, v) => sum + v * v, 0) / samples.length);
  ui.meter.style.width = `${Math.min(100, rms * 400)}%`;
  if (recorder && recorder.state === "recording") {
    const elapsed = (performance.now() - startedAt) / 1000;
    ui.timeline.style.width = `${Math.min(100, (elapsed / refDuration) * 100)}%`;
    for (const word of words) {
      const start = parseFloat(word.dataset.start), end = parseFloat(word.dataset.end);
      word.classList.toggle("now", elapsed >= start && elapsed < end);
    }
  }
  animation = requestAnimationFrame(animate);
}

// Songs: the first note of the melody, sung by a soft tone, so the learner starts in key.
const startHz = parseFloat(root.dataset.startHz) || 0;
const NOTE_SECONDS = 1.2;

function playStartingNote() {
  const at = audioContext.currentTime;
  const osc = audioContext.createOscillator();
  const gain = audioContext.createGain();
  osc.type = "triangle";
  osc.frequency.value = startHz;
  gain.gain.setValueAtTime(0.0001, at);
  gain.gain.exponentialRampToValueAtTime(0.2, at + 0.05);
  gain.gain.setValueAtTime(0.2, at + NOTE_SECONDS - 0.2);
  gain.gain.exponentialRampToValueAtTime(0.0001, at + NOTE_SECONDS);
  osc.connect(gain).connect(audioContext.destination);
  osc.start(at);
  osc.stop(at + NOTE_SECONDS);
  root.dataset.startingNotePlayed = String(startHz);
  return new Promise((resolve) => setTimeout(resolve, NOTE_SECONDS * 1000 + 200));
}

async function countIn() {
  if (startHz > 0) {
    ui.countdown.textContent = "♪";
    await playStartingNote();
  }
  const now = audioContext.currentTime;
  for (let i = 0; i < 3; i++) beep(i === 2 ? 880 : 660, now + i * BEAT);
  for (const n of [3, 2, 1]) {
    ui.countdown.textContent = n;
    await new Promise((resolve) => setTimeout(resolve, BEAT * 1000));
  }
  ui.countdown.textContent = text.go;
  setTimeout(() => { ui.countdown.textContent = ""; }, 600);
}

async function startRecording() {
  try {
    await openMicrophone();
  } catch (error) {
    setStatus(text.micDenied);
    return;
  }
  await audioContext.resume();
  if (!animation) animate();
  ui.record.disabled = true;
  await countIn();
  ui.record.disabled = false;
  const type = MediaRecorder.isTypeSupported("audio/webm;codecs=opus") ? "audio/webm;codecs=opus" : "";
  recorder = new MediaRecorder(stream, type ? { mimeType: type } : {});
  chunks = [];
  recorder.addEventListener("dataavailable", (event) => { if (event.data.size) chunks.push(event.data); });
  recorder.addEventListener("stop", () => {
    clearError();
    take = new Blob(chunks, { type: recorder.mimeType || "audio/webm" });
    takeKey = crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`;
    ui.take.src = URL.createObjectURL(take);
    words.forEach((w) => w.classList.remove("now"));
    setState("recorded");
    setStatus(text.recorded);
  });
  recorder.start(250);
  startedAt = performance.now();
  setState("recording");
  setStatus(text.recording);
  autoStop = setTimeout(stopRecording, Math.min(maxSeconds, refDuration + 2) * 1000);
}

function stopRecording() {
  clearTimeout(autoStop);
  if (recorder && recorder.state === "recording") recorder.stop();
}

// The session authenticates; the token (rendered into the page) proves the request
// comes from it. Without it the API answers 403.
const csrfToken = root.dataset.csrfToken;

async function postJson(url, body) {
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "X-CSRFToken": csrfToken, "Content-Type": "application/json" },
    body: JSON.stringify(body || {}),
  });
  return [response, await response.json().catch(() => ({}))];
}

// What to tell the learner when the API refuses an upload.
function refusal(response, body) {
  if (!response) return text.uploadFailed;
  if (response.status === 429) {
    const seconds = body.retry_after || parseInt(response.headers.get("Retry-After"), 10) || 60;
    return text.throttled.replace("{seconds}", seconds);
  }
  // 401: the session ended; 403: the page's CSRF token is stale (signed in elsewhere).
  if (response.status === 401 || response.status === 403) return text.signedOut;
  // The API's own 413 names the limit; one from a proxy in front has no JSON body.
  if (response.status === 413) return body.detail || text.tooLarge;
  return body.detail || text.uploadFailed;
}

// XMLHttpRequest, not fetch: only it reports how much of the upload has gone.
function send(url, body, headers) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.withCredentials = true;
    Object.entries(headers).forEach(([k, v]) => xhr.setRequestHeader(k, v));
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) uploadProgress(event.loaded / event.total);
    });
    xhr.addEventListener("load", () => {
      let parsed = {};
      try { parsed = JSON.parse(xhr.responseText); } catch (error) { parsed = {}; }
      const response = {
        ok: xhr.status >= 200 && xhr.status < 300,
        status: xhr.status,
        headers: { get: (name) => xhr.getResponseHeader(name) },
      };
      resolve([response, parsed]);
    });
    xhr.addEventListener("error", () => reject(new Error("network")));
    xhr.addEventListener("abort", () => reject(new Error("aborted")));
    xhr.send(body);
  });
}

function uploadProgress(fraction) {
  const percent = Math.round(Math.max(0, Math.min(1, fraction)) * 100);
  ui.upload.hidden = false;
  ui.upload.querySelector(".progress-bar").setAttribute("aria-valuenow", String(percent));
  ui.upload.querySelector(".progress-fill").style.width = `${percent}%`;
  setStatus(text.uploadProgress.replace("{percent}", percent));
}

async function upload() {
  uploadProgress(0);
  if (root.dataset.direct === "1") {
    // Straight to S3 with a presigned POST, then confirm.
    const [offerResponse, offer] = await postJson(root.dataset.offerUrl);
    if (!offerResponse.ok) return [offerResponse, offer];
    const form = new FormData();
    Object.entries(offer.fields).forEach(([k, v]) => form.append(k, v));
    form.append("Content-Type", take.type.split(";")[0] || "audio/webm");
    form.append("file", take, "take.webm");
    const [s3] = await send(offer.url, form, {});
    if (!s3.ok) return [null, {}]; // S3's XML error says nothing a learner can act on
    return postJson(offer.confirm_url, { upload_token: offer.upload_token });
  }
  const form = new FormData();
  form.append("audio_file", take, "take.webm");
  return send(root.dataset.uploadUrl, form, { "X-CSRFToken": csrfToken, "Idempotency-Key": takeKey });
}

// The take itself is the problem: say what to do, and only a new take can be sent.
function showUnusable(code, detail) {
  const known = advice[code];
  unusable = true;
  ui.submit.disabled = true;
  ui.error.replaceChildren();
  const panel = document.createElement("div");
  panel.className = "error-panel";
  panel.setAttribute("role", "alert");
  panel.dataset.errorCode = code || "";
  const title = document.createElement("h3");
  title.className = "error-title";
  title.textContent = `⚠ ${known ? known.title : text.unusableTitle}`;
  const what = document.createElement("p");
  what.className = "error-what";
  what.textContent = known ? known.what : detail || text.uploadFailed;
  panel.append(title, what);
  ui.error.append(panel);
  ui.error.hidden = false;
  setStatus("");
}

function clearError() {
  unusable = false;
  ui.error.hidden = true;
  ui.error.replaceChildren();
}

async function submit() {
  if (!take || ui.submit.disabled) return;
  ui.submit.disabled = true; // one attempt per take, however often it is clicked
  setStatus(text.uploading);
  let response = null, body = {};
  try {
    [response, body] = await upload();
  } catch (error) {
    response = null;
  }
  ui.upload.hidden = true;
  if (!response || !response.ok) {
    // 400/413/415 with a code of the take's own (too short, not audio…): final for this take.
    if (response && advice[body.code]) {
      showUnusable(body.code, body.detail);
      return;
    }
    setStatus(refusal(response, body));
    ui.submit.disabled = false;
    return;
  }
  setStatus(text.scoring);
  ui.scoring.hidden = false;
  showProgress(ui.scoring, { progress: 0, stage: "queued" });
  ui.scoring.scrollIntoView({ block: "nearest" });
  const urls = { pageUrl: body.page_url, websocketUrl: body.websocket_url };
  followAttempt(urls, {
    onState(state) { showProgress(ui.scoring, state); },
    async onFinal(state) {
      ui.scoring.hidden = true;
      setStatus("");
      if (state.status === "failed" && advice[state.error_code]) {
        setState("recorded");
        showUnusable(state.error_code, state.error); // here, where the learner is looking
        return;
      }
      setState("idle");
      await showResult(ui.slot, urls.pageUrl);
    },
  });
}

ui.record.addEventListener("click", startRecording);
ui.stop.addEventListener("click", stopRecording);
ui.redo.addEventListener("click", () => { take = null; clearError(); setState("idle"); setStatus(""); });
ui.submit.addEventListener("click", submit);
if (!window.MediaRecorder || !navigator.mediaDevices) {
  ui.record.disabled = true;
  setStatus(text.unsupported);
}
setState("idle");
wireListening(document.querySelector(".practice-line") || document);
