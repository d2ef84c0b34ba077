// The dubbing page. The scene plays from the original; before each of the learner's
// lines a 3-2-1 count-in is shown and heard, the original role goes quiet, and the
// learner is recorded from a short margin before the line to a short margin after it,
// the line's words lit on the actor's timing. Each take is uploaded at once through the
// session's upload-audio and scored like any other attempt (progress over the attempt's
// WebSocket, as on the practice page: live.js). A scene imported without its full audio
// plays the other roles' own clips, each from where it starts on the scene's clock, on a
// clock of the page's own.
import { followAttempt } from "../practice/live.js";
import { followReel, format, pageText, showReelProgress } from "./reel.js";

const studio = document.getElementById("studio");
const text = pageText();
const csrf = studio.dataset.csrfToken;
const sessionUrl = JSON.parse(document.getElementById("session-body").textContent).url;
let body = JSON.parse(document.getElementById("session-body").textContent);
const sceneWords = JSON.parse(document.getElementById("scene-words").textContent);
// {line id: {url, start}}: only for a scene without full audio.
const sceneClips = JSON.parse(document.getElementById("scene-clips").textContent);
const clipsOnly = !studio.dataset.sceneAudio;
// Record from this long before a line to this long after it (the margin the catalogue
// cuts the actor's clip with, so the take and the clip line up for the timing score).
const MARGIN = parseFloat(studio.dataset.clipPad) || 0.15;
const BEAT = 0.6; // count-in beat (seconds)
const COUNT = 3;
const FADE = 0.05; // the original role fades out and in over this long (seconds)
const CONTEXT = 1.0; // a redo starts this long before the count-in, to hear the cue

const ui = {
  start: document.getElementById("start"),
  stop: document.getElementById("stop"),
  count: document.getElementById("count-in"),
  clock: document.getElementById("clock"),
  status: document.getElementById("status"),
  build: document.getElementById("build-reel"),
  reelStatus: document.getElementById("reel-status"),
  reelProgress: document.getElementById("reel-progress"),
};
const audio = new Audio(studio.dataset.sceneAudio);
audio.preload = "auto";
const clips = Object.values(sceneClips).map((clip) => {
  const element = new Audio(clip.url);
  element.preload = "auto";
  return { start: clip.start, element };
});
// Without the scene's audio the page's clock runs on past the last line this long.
const SCENE_TAIL = 1.0;
const sceneEnd = Math.max(0, ...body.lines.map((line) => line.end_time)) + SCENE_TAIL;
let stream = null;
let beeps = null;
let run = null;

const roleLines = () => body.lines.filter((line) => line.is_role);
const lineNode = (id) => document.getElementById(`line-${id}`);
const setStatus = (message) => { ui.status.textContent = message; };

function wordsOf(line) {
  const known = sceneWords[line.token_id] || [];
  if (known.length) return known;
  // Not analysed yet: spread the words over the line's span.
  const parts = line.text.split(/\s+/).filter(Boolean);
  const step = (line.end_time - line.start_time) / Math.max(1, parts.length);
  return parts.map((word, i) => ({ text: word, start: line.start_time + i * step, end: line.start_time + (i + 1) * step }));
}

function drawWords() {
  for (const line of roleLines()) {
    const holder = lineNode(line.token_id).querySelector("[data-words]");
    holder.replaceChildren(...wordsOf(line).map((word) => {
      const span = document.createElement("span");
      span.className = "word";
      span.textContent = word.text;
      span.dataset.start = word.start;
      span.dataset.end = word.end;
      return span;
    }), "");
    holder.querySelectorAll(".word").forEach((span, i, all) => { if (i < all.length - 1) span.after(" "); });
  }
}

function drawTakes() {
  for (const line of roleLines()) {
    const box = lineNode(line.token_id).querySelector("[data-takes]");
    box.replaceChildren(...line.takes.map((take) => {
      const row = document.createElement("label");
      row.className = `take take-${take.status}`;
      row.dataset.jobId = take.job_id;
      const choice = document.createElement("input");
      choice.type = "radio";
      choice.name = `take-${line.token_id}`;
      choice.checked = take.chosen;
      choice.disabled = take.status !== "completed";
      choice.addEventListener("change", () => choose(line, take));
      const label = document.createElement("span");
      if (take.status === "completed") label.textContent = format(text.scored, { score: Math.round(take.overall_score) });
      else if (take.status === "failed") label.textContent = format(text.failed, { error: take.error });
      else label.textContent = text.scoring;
      const link = document.createElement("a");
      link.href = take.page_url;
      link.textContent = "↗";
      link.setAttribute("aria-label", text.seeTake);
      link.title = text.seeTake;
      row.append(choice, label, " ", link);
      return row;
    }));
  }
  const pending = body.lines.some((line) => line.takes.some((take) => ["queued", "running"].includes(take.status)));
  ui.build.disabled = body.missing_token_ids.length > 0 || pending;
  if (!ui.build.disabled && !run) ui.reelStatus.textContent = text.allDone;
}

async function refresh() {
  const response = await fetch(sessionUrl, { credentials: "same-origin" });
  if (response.ok) { body = await response.json(); drawTakes(); }
}

async function choose(line, take) {
  await fetch(`${line.upload_url.replace(/upload-audio$/, "choice")}`, {
    method: "PUT",
    credentials: "same-origin",
    headers: { "X-CSRFToken": csrf, "Content-Type": "application/json" },
    body: JSON.stringify({ job_id: take.job_id }),
  });
  await refresh();
}

function beep(frequency) {
  beeps = beeps || new AudioContext();
  const osc = beeps.createOscillator();
  const gain = beeps.createGain();
  osc.frequency.value = frequency;
  gain.gain.setValueAtTime(0.25, beeps.currentTime);
  gain.gain.exponentialRampToValueAtTime(0.001, beeps.currentTime + 0.15);
  osc.connect(gain).connect(beeps.destination);
  osc.start();
  osc.stop(beeps.currentTime + 0.16);
}

async function openMicrophone() {
  if (stream) return stream;
  // Raw voice, as on the practice page: no echo cancellation, noise suppression or gain.
  stream = await navigator.mediaDevices.getUserMedia({
    audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false },
  });
  return stream;
}

function recordTake(line) {
  const type = MediaRecorder.isTypeSupported("audio/webm;codecs=opus") ? "audio/webm;codecs=opus" : "";
  const recorder = new MediaRecorder(stream, type ? { mimeType: type } : {});
  const chunks = [];
  recorder.addEventListener("dataavailable", (event) => { if (event.data.size) chunks.push(event.data); });
  recorder.addEventListener("stop", () => {
    if (recorder.discard) return;
    upload(line, new Blob(chunks, { type: recorder.mimeType || "audio/webm" }));
  });
  recorder.start(250);
  return recorder;
}

async function upload(line, blob) {
  setStatus(text.uploading);
  const form = new FormData();
  form.append("audio_file", blob, "take.webm");
  const key = crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`;
  let response;
  try {
    response = await fetch(line.upload_url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, "Idempotency-Key": key },
      body: form,
    });
  } catch {
    setStatus(text.uploadFailed);
    return;
  }
  const answer = await response.json();
  if (!response.ok) { setStatus(answer.detail || text.uploadFailed); return; }
  await refresh();
  followAttempt({ pageUrl: answer.page_url, websocketUrl: answer.websocket_url }, {
    onState() {},
    onFinal() { refresh(); },
  });
}

// The scene's clock: negative during a pre-roll before the scene's first second; the
// page's own when there is no scene audio to follow.
function sceneTime() {
  if (run.preroll || clipsOnly) return run.from + (performance.now() - run.startedAt) / 1000;
  return audio.currentTime;
}

// A clip that should be sounding at scene time t and is not yet: start it where it would
// be (a run that starts in the middle of a clip joins it there).
function playClips(t) {
  for (const clip of clips) {
    if (run.started.has(clip) || t < clip.start) continue;
    const duration = clip.element.duration;
    if (Number.isFinite(duration) && t >= clip.start + duration) continue;
    run.started.add(clip);
    clip.element.currentTime = Math.max(0, t - clip.start);
    clip.element.play().catch(() => {});
  }
}

function roleVolume(t) {
  // Quiet over the recorded lines (and their margins), with short ramps.
  let volume = 1;
  for (const line of run.lines) {
    const from = line.start_time - MARGIN;
    const to = line.end_time + MARGIN;
    if (t >= from && t <= to) return 0;
    if (t > from - FADE && t < from) volume = Math.min(volume, (from - t) / FADE);
    if (t > to && t < to + FADE) volume = Math.min(volume, (t - to) / FADE);
  }
  return volume;
}

function tick() {
  if (!run) return;
  const t = sceneTime();
  if (run.preroll && t >= 0) {
    run.preroll = false;
    if (!clipsOnly) {
      audio.currentTime = 0;
      audio.play();
    }
  }
  ui.clock.textContent = `${Math.max(0, t).toFixed(1)} s`;
  if (clipsOnly) playClips(t);
  // The role's own clips are never played, so only the scene's audio is muted.
  else audio.volume = Math.max(0, Math.min(1, roleVolume(t)));
  let counting = "";
  for (const line of run.lines) {
    const state = run.state.get(line.token_id);
    if (!state.shown && t >= line.start_time - COUNT * BEAT) {
      // The line about to be recorded comes into view (below the sticky controls).
      state.shown = true;
      lineNode(line.token_id).scrollIntoView({ block: "nearest" });
    }
    // Count-in: one beep per beat, the last one higher ("go").
    for (let beat = COUNT; beat >= 1; beat -= 1) {
      const at = line.start_time - beat * BEAT;
      if (t >= at && t < at + BEAT) counting = String(beat);
      if (t >= at && !state.beeps.has(beat) && t < line.start_time) {
        state.beeps.add(beat);
        beep(beat === 1 ? 880 : 660);
      }
    }
    if (!state.recorder && !state.done && t >= line.start_time - MARGIN) {
      state.recorder = recordTake(line);
      lineNode(line.token_id).classList.add("recording");
      setStatus(text.recording);
    }
    if (state.recorder && !state.done && t >= line.end_time + MARGIN) {
      state.done = true;
      state.recorder.stop();
      lineNode(line.token_id).classList.remove("recording");
      setStatus(text.listening);
    }
    if (state.recorder && !state.done) {
      lineNode(line.token_id).querySelectorAll(".word").forEach((word) => {
        word.classList.toggle("lit", t >= parseFloat(word.dataset.start) && t < parseFloat(word.dataset.end));
      });
    }
  }
  ui.count.textContent = counting;
  const over = clipsOnly ? t >= sceneEnd : audio.ended && !run.preroll;
  if (t >= run.until || over) { stop(false); return; }
  requestAnimationFrame(tick);
}

async function play({ from, until, lines }) {
  try {
    await openMicrophone();
  } catch {
    setStatus(window.MediaRecorder ? text.micDenied : text.unsupported);
    return;
  }
  if (run) stop(true);
  beeps = beeps || new AudioContext();
  await beeps.resume();
  run = {
    from,
    until,
    lines,
    preroll: from < 0,
    startedAt: performance.now(),
    started: new Set(),
    state: new Map(lines.map((line) => [line.token_id, { beeps: new Set(), recorder: null, done: false, shown: false }])),
  };
  ui.start.hidden = true;
  ui.stop.hidden = false;
  setStatus(text.countIn);
  if (from >= 0 && !clipsOnly) {
    audio.currentTime = from;
    await audio.play();
  }
  requestAnimationFrame(tick);
}

function stop(discard) {
  if (!run) return;
  for (const [id, state] of run.state) {
    if (state.recorder && !state.done) {
      // Stopped mid-line: the half take is not sent.
      state.recorder.discard = discard || true;
      state.recorder.stop();
      lineNode(id).classList.remove("recording");
    }
  }
  audio.pause();
  audio.volume = 1;
  for (const clip of clips) clip.element.pause();
  run = null;
  ui.count.textContent = "";
  ui.start.hidden = false;
  ui.stop.hidden = true;
  setStatus(text.stopped);
}

function fromLine(line) {
  return line.start_time - COUNT * BEAT - CONTEXT;
}

ui.start.addEventListener("click", () => {
  const lines = roleLines();
  play({ from: Math.min(0, fromLine(lines[0])), until: Infinity, lines });
});
ui.stop.addEventListener("click", () => stop(true));

for (const line of roleLines()) {
  const node = lineNode(line.token_id);
  node.querySelector("[data-redo]").addEventListener("click", () => {
    play({ from: fromLine(line), until: line.end_time + MARGIN + 0.3, lines: [line] });
  });
  node.querySelector("[data-from-here]").addEventListener("click", () => {
    play({ from: fromLine(line), until: Infinity, lines: roleLines().filter((l) => l.start_time >= line.start_time) });
  });
}

ui.build.addEventListener("click", async () => {
  ui.build.disabled = true;
  const response = await fetch(studio.dataset.reelUrl, {
    method: "POST",
    credentials: "same-origin",
    headers: { "X-CSRFToken": csrf },
  });
  const reel = await response.json();
  if (!response.ok) { ui.reelStatus.textContent = reel.detail; ui.build.disabled = false; return; }
  ui.reelStatus.textContent = text.reelQueued;
  followReel({ websocketUrl: reel.websocket_url, reelUrl: studio.dataset.reelUrl }, {
    onState(state) {
      showReelProgress(ui.reelProgress, state);
      if (state.status === "running") ui.reelStatus.textContent = format(text.reelBuilding, { percent: state.progress });
    },
    onFinal(state) {
      if (state.status === "ready") {
        ui.reelStatus.textContent = text.reelReady;
        location.assign(studio.dataset.resultUrl);
      } else {
        ui.reelStatus.textContent = format(text.reelFailed, { error: state.error || "" });
        ui.build.disabled = false;
      }
    },
  });
});

drawWords();
drawTakes();
if (studio.dataset.sceneAudio || clips.length) {
  ui.start.disabled = false;
  studio.querySelectorAll("[data-redo], [data-from-here]").forEach((button) => { button.disabled = false; });
}
// Takes still being scored when the page opened.
for (const line of body.lines) {
  for (const take of line.takes) {
    if (["queued", "running"].includes(take.status)) {
      followAttempt({ pageUrl: take.page_url, websocketUrl: `/ws/attempts/${take.job_id}/` }, { onState() {}, onFinal() { refresh(); } });
    }
  }
}
