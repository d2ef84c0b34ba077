// The practice page: count-in, record (MediaRecorder, webm/opus), level meter,
// redo and playback, upload, then live scoring progress and the result.
// Uploads go to the API (/api/tokens/<id>/upload-audio, or upload-url + confirm with S3)
// with the session cookie and the page's CSRF token; errors are {"detail", "code"}.
import { followAttempt, showResult, stageLabel } from "./live.js";

const root = document.getElementById("recorder");
const $ = (selector) => root.querySelector(selector);
const text = JSON.parse(document.getElementById("recorder-text").textContent);

const ui = {
  record: $("#record"), stop: $("#stop"), redo: $("#redo"), submit: $("#submit"),
  take: $("#take-audio"), status: $("#recorder-status"), countdown: $("#countdown"),
  meter: $(".meter-fill"), timeline: $(".timeline-fill"),
  progress: document.getElementById("progress"), slot: document.getElementById("result-slot"),
};
const words = [...document.querySelectorAll(".line-words .ref-word")];
const refDuration = parseFloat(root.dataset.refDuration) || 3;
const maxSeconds = parseFloat(root.dataset.maxSeconds) || 30;
const BEAT = 0.8; // seconds between count-in beats

let stream = null, audioContext = null, analyser = null, recorder = null;
let chunks = [], take = null, takeKey = null, startedAt = 0, autoStop = null, animation = null;

function setStatus(message) { ui.status.textContent = message; }
function show(button, visible) { button.hidden = !visible; }

function setState(state) {
  show(ui.record, state === "idle");
  show(ui.stop, state === "recording");
  show(ui.redo, state === "recorded");
  show(ui.submit, state === "recorded");
  ui.take.hidden = state !== "recorded";
  ui.submit.disabled = false;
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

async function countIn() {
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

async function upload() {
  if (root.dataset.direct === "1") {
    // Straight to S3 with a presigned POST, then confirm.
    const [offerResponse, offer] = await postJson(root.dataset.offerUrl);
    if (!offerResponse.ok) return [offerResponse, offer];
    const form = new FormData();
    Object.entries(offer.fields).forEach(([k, v]) => form.append(k, v));
    form.append("Content-Type", take.type.split(";")[0] || "audio/webm");
    form.append("file", take, "take.webm");
    const s3 = await fetch(offer.url, { method: "POST", body: form });
    if (!s3.ok) return [null, {}]; // S3's XML error says nothing a learner can act on
    return postJson(offer.confirm_url, { upload_token: offer.upload_token });
  }
  const form = new FormData();
  form.append("audio_file", take, "take.webm");
  const response = await fetch(root.dataset.uploadUrl, {
    method: "POST",
    credentials: "same-origin",
    headers: { "X-CSRFToken": csrfToken, "Idempotency-Key": takeKey },
    body: form,
  });
  return [response, await response.json().catch(() => ({}))];
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
  if (!response || !response.ok) {
    setStatus(refusal(response, body));
    ui.submit.disabled = false;
    return;
  }
  setStatus(text.scoring);
  ui.progress.hidden = false;
  const bar = ui.progress.querySelector("progress");
  const label = ui.progress.querySelector(".progress-stage");
  const urls = { pageUrl: body.page_url, websocketUrl: body.websocket_url };
  followAttempt(urls, {
    onState(state) {
      bar.value = state.progress;
      label.textContent = stageLabel(state.stage);
    },
    async onFinal() {
      ui.progress.hidden = true;
      await showResult(ui.slot, urls.pageUrl);
      setStatus("");
      setState("idle");
    },
  });
}

ui.record.addEventListener("click", startRecording);
ui.stop.addEventListener("click", stopRecording);
ui.redo.addEventListener("click", () => { take = null; setState("idle"); setStatus(""); });
ui.submit.addEventListener("click", submit);
if (!window.MediaRecorder || !navigator.mediaDevices) {
  ui.record.disabled = true;
  setStatus(text.unsupported);
}
setState("idle");
