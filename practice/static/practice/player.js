// Listening: the actor's clip, the learner's take and the guide voice as waveforms
// (wavesurfer.js, vendored in static/vendor) on one time axis; any word cut from the
// stored timings; the actor slowed with the pitch kept; an A–B loop over words.
//
// Markup (practice.html, partials/result.html, partials/listen.html):
//   [data-listen]                       the player; data-words = JSON [{text, ref:[s,e], take:[s,e]}]
//     [data-track="actor"|"take"|"guide"] a track: an <audio> (controls until wired) and
//                                         a [data-wave] box for its waveform
//     [data-rate] buttons                 0.5 / 0.75 / 1 (aria-pressed)
//     [data-loop-from] [data-loop-to]     selects of word indexes; [data-loop] toggles
//     [data-play="actor"|"take"|"both"|"guide"|"guide-slow"]
//   [data-word="i"] anywhere in the page  a word: tapping plays it (actor, then take)
import WaveSurfer from "../vendor/wavesurfer/wavesurfer.esm.js";
import RegionsPlugin from "../vendor/wavesurfer/plugins/regions.esm.js";

const GAP_MS = 350; // between the actor's word and the learner's, and between loop turns
const POLL_MS = 10; // how often a span's end is checked: 10 ms is below what ears notice

const cssVar = (name, fallback) =>
  getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;

// Plays media from `start` to `end` (seconds) at `rate`; resolves true at the end, false
// when something else stopped it. Every recording of a span goes through here, so tests
// read the played span from `media.dataset`.
function playSpan(media, start, end, rate, session) {
  return new Promise((resolve) => {
    media.playbackRate = rate;
    media.preservesPitch = true;
    media.currentTime = Math.max(0, start);
    media.dataset.spanStart = String(start);
    media.dataset.spanEnd = String(end);
    const stop = (done) => {
      clearInterval(timer);
      media.removeEventListener("pause", onPause);
      resolve(done);
    };
    const onPause = () => stop(false);
    const timer = setInterval(() => {
      if (session.cancelled) { media.pause(); stop(false); return; }
      if (media.currentTime >= end || media.ended) {
        media.pause();
        media.dataset.spanPlayedTo = String(media.currentTime);
        stop(true);
      }
    }, POLL_MS);
    media.play().then(
      () => media.addEventListener("pause", onPause, { once: true }),
      () => stop(false),
    );
  });
}

const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

class Track {
  constructor(root, words, clock) {
    this.root = root;
    this.name = root.dataset.track;
    this.media = root.querySelector("audio");
    this.words = words;
    this.clock = clock; // "ref" or "take": which timings of a word belong to this clip
    this.wave = null;
    this.regions = [];
  }

  span(index) {
    const word = this.words[index];
    return word && word[this.clock];
  }

  // The clip is fetched once and played from memory (a blob: URL), so any word can be
  // sought to whether or not the file's server answers range requests.
  fetchClip() {
    if (!this.fetching) {
      const url = this.media.dataset.src || this.media.currentSrc || this.media.src;
      this.media.dataset.src = url;
      this.fetching = fetch(url, { credentials: "same-origin" }).then((response) =>
        response.ok ? response.blob() : Promise.reject(new Error(`${response.status}`)));
    }
    return this.fetching;
  }

  // Ready to play spans: the clip in memory (wavesurfer puts it there for drawn tracks).
  async load() {
    const blob = await this.fetchClip();
    if (!this.media.src.startsWith("blob:")) this.media.src = URL.createObjectURL(blob);
  }

  async draw() {
    const box = this.root.querySelector("[data-wave]");
    if (!box || !this.media) return;
    let blob;
    try {
      blob = await this.fetchClip();
    } catch (error) {
      return; // the <audio> controls stay: the clip can still be played whole
    }
    this.media.removeAttribute("src"); // or wavesurfer would fetch it a second time
    const regions = RegionsPlugin.create();
    this.wave = WaveSurfer.create({
      container: box,
      media: this.media,
      height: box.dataset.height ? parseInt(box.dataset.height, 10) : 64,
      waveColor: cssVar(`--wave-${this.name}`, "#9a9ab8"),
      progressColor: cssVar(`--wave-${this.name}-played`, "#5b4bd6"),
      cursorColor: cssVar("--fg", "#222"),
      cursorWidth: 2,
      barWidth: 2,
      barGap: 1,
      barRadius: 1,
      normalize: true,
      dragToSeek: true,
      plugins: [regions],
      cspNonce: document.querySelector('meta[name="csp-nonce"]')?.content,
    });
    const decoded = new Promise((resolve) => {
      this.wave.on("decode", () => {
        this.words.forEach((word, index) => {
          const span = word[this.clock];
          if (!span) return;
          this.regions[index] = regions.addRegion({
            start: span[0], end: span[1], content: word.text, drag: false, resize: false,
            color: "rgba(0,0,0,0)", id: `${this.name}-word-${index}`,
          });
        });
        resolve();
      });
      this.wave.on("error", () => resolve());
    });
    await this.wave.loadBlob(blob);
    this.media.controls = false;
    this.root.classList.add("has-wave");
    await decoded;
  }

  duration() {
    return (this.wave && this.wave.getDuration()) || this.media.duration || 0;
  }

  highlight(index) {
    this.regions.forEach((region, i) => {
      if (region) region.setOptions({ color: i === index ? cssVar("--word-now", "rgba(255,210,60,.45)") : "rgba(0,0,0,0)" });
    });
  }

  wordAt(time) {
    return this.words.findIndex((word) => word[this.clock] && time >= word[this.clock][0] && time < word[this.clock][1]);
  }
}

export class Listen {
  constructor(root) {
    this.root = root;
    this.words = JSON.parse(root.dataset.words || "[]");
    this.rate = 1;
    this.session = { cancelled: true };
    this.selected = -1;
    this.tracks = {};
    for (const node of root.querySelectorAll("[data-track]")) {
      const clock = node.dataset.track === "actor" ? "ref" : node.dataset.track;
      this.tracks[node.dataset.track] = new Track(node, this.words, clock);
    }
    // The words this player answers for: in the same scope (the practice page's line, or
    // a result), so a result shown on the practice page has its own.
    const scope = root.closest("[data-listen-scope]") || document;
    this.wordNodes = [...scope.querySelectorAll("[data-word]")];
    this.wordButtons = [...scope.querySelectorAll("[data-word-play]")];
  }

  async wire() {
    this.wireControls();
    this.wireWords();
    Object.values(this.tracks).forEach((track) => {
      if (!track.media) return;
      track.media.addEventListener("timeupdate", () => this.follow(track));
      track.media.addEventListener("pause", () => this.follow(track));
    });
    const drawn = Object.values(this.tracks).filter((t) => t.name !== "guide").map((t) => t.draw());
    await Promise.all(drawn);
    this.shareTimeAxis();
    this.root.dataset.ready = "1";
  }

  // Both waveforms on one clock: each box as wide as its clip is long, against the longer.
  shareTimeAxis() {
    const shown = Object.values(this.tracks).filter((t) => t.wave && t.duration());
    const longest = Math.max(...shown.map((t) => t.duration()));
    if (!Number.isFinite(longest) || longest <= 0) return;
    for (const track of shown) {
      const box = track.root.querySelector("[data-wave]");
      box.style.width = `${(track.duration() / longest) * 100}%`;
      box.dataset.seconds = track.duration().toFixed(3);
    }
  }

  stop() {
    this.session.cancelled = true;
    Object.values(this.tracks).forEach((t) => t.media && t.media.pause());
    this.root.querySelector("[data-loop]")?.setAttribute("aria-pressed", "false");
  }

  begin() {
    this.stop();
    this.session = { cancelled: false };
    return this.session;
  }

  // The slow rates apply to the actor; the take and the guide play as recorded (the guide
  // has its own slow reading).
  rateOf(track) { return track.name === "actor" ? this.rate : 1; }

  async playWhole(name) {
    const track = this.tracks[name];
    if (!track || !track.media) return;
    const session = this.begin();
    await track.load().catch(() => null);
    const end = track.duration() || track.media.duration || 1e9;
    await playSpan(track.media, 0, end, this.rateOf(track), session);
  }

  async playWord(index, names = ["actor", "take"]) {
    const session = this.begin();
    this.select(index);
    for (const [i, name] of names.entries()) {
      const track = this.tracks[name];
      const span = track && track.span(index);
      if (!span || session.cancelled) continue;
      await track.load().catch(() => null);
      if (i > 0) await wait(GAP_MS);
      if (session.cancelled) return;
      await playSpan(track.media, span[0], span[1], this.rateOf(track), session);
    }
  }

  async playBoth() {
    const session = this.begin();
    for (const [i, name] of ["actor", "take"].entries()) {
      const track = this.tracks[name];
      if (!track || session.cancelled) continue;
      if (i > 0) await wait(GAP_MS);
      await playSpan(track.media, 0, track.duration() || track.media.duration, this.rateOf(track), session);
    }
  }

  async loop() {
    const from = parseInt(this.root.querySelector("[data-loop-from]").value, 10);
    const to = parseInt(this.root.querySelector("[data-loop-to]").value, 10);
    const [a, b] = [Math.min(from, to), Math.max(from, to)];
    const track = this.tracks.actor;
    const first = track.span(a), last = track.span(b);
    if (!first || !last) return;
    const session = this.begin();
    const button = this.root.querySelector("[data-loop]");
    button.setAttribute("aria-pressed", "true");
    this.root.dataset.loops = "0";
    while (!session.cancelled) {
      const done = await playSpan(track.media, first[0], last[1], this.rate, session);
      if (!done) break;
      this.root.dataset.loops = String(parseInt(this.root.dataset.loops, 10) + 1);
      await wait(GAP_MS);
    }
    if (this.session === session) button.setAttribute("aria-pressed", "false");
  }

  setRate(rate) {
    this.rate = rate;
    this.root.querySelectorAll("[data-rate]").forEach((b) =>
      b.setAttribute("aria-pressed", String(parseFloat(b.dataset.rate) === rate)));
    const actor = this.tracks.actor;
    if (actor && actor.media) {
      actor.media.preservesPitch = true;
      actor.media.playbackRate = rate;
    }
  }

  select(index) {
    if (index < 0 || index >= this.words.length) return;
    this.selected = index;
    this.wordNodes.forEach((node) =>
      node.classList.toggle("selected", parseInt(node.dataset.word, 10) === index));
  }

  // The word under the cursor of whichever clip is playing lights up, in the text and on
  // the waveforms.
  follow(track) {
    const index = track.media.paused ? -1 : track.wordAt(track.media.currentTime);
    this.wordNodes.forEach((node) => node.classList.toggle("now", parseInt(node.dataset.word, 10) === index));
    if (track.wave) track.highlight(index);
  }

  wireControls() {
    this.root.querySelectorAll("[data-play]").forEach((button) => {
      button.addEventListener("click", () => {
        const what = button.dataset.play;
        if (what === "both") this.playBoth();
        else if (what === "word") this.playWord(this.selected >= 0 ? this.selected : 0);
        else if (what === "stop") this.stop();
        else this.playWhole(what);
      });
    });
    this.root.querySelectorAll("[data-rate]").forEach((button) => {
      button.addEventListener("click", () => this.setRate(parseFloat(button.dataset.rate)));
    });
    const loop = this.root.querySelector("[data-loop]");
    if (loop) {
      loop.addEventListener("click", () => {
        if (loop.getAttribute("aria-pressed") === "true") this.stop();
        else this.loop();
      });
    }
  }

  wireWords() {
    // A word's own buttons (in its panel): one voice each.
    this.wordButtons.forEach((button) => {
      button.addEventListener("click", () =>
        this.playWord(parseInt(button.dataset.wordPlay, 10), button.dataset.plays.split(" ")));
    });
    const from = this.root.querySelector("[data-loop-from]");
    const to = this.root.querySelector("[data-loop-to]");
    this.wordNodes.forEach((node) => {
      node.addEventListener("click", (event) => {
        const index = parseInt(node.dataset.word, 10);
        // Shift-tap: the A–B loop runs from the selected word to this one.
        if (event.shiftKey && this.selected >= 0 && from && to) {
          from.value = String(Math.min(this.selected, index));
          to.value = String(Math.max(this.selected, index));
          this.loop();
          return;
        }
        const names = node.dataset.wordPlays ? node.dataset.wordPlays.split(" ") : ["actor", "take"];
        this.playWord(index, names);
      });
    });
  }

  // Space plays the line; ←/→ move between words; Enter plays the word.
  onKey(event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const target = event.target instanceof Element ? event.target : null;
    const onWord = Boolean(target && target.hasAttribute("data-word"));
    if (target && target.closest("input, select, textarea, [contenteditable]")) return;
    // Other buttons and links keep their own Space and arrows.
    const free = onWord || !(target && target.closest("button, a, summary, audio"));
    if (event.key === " " && free) {
      event.preventDefault();
      const actor = this.tracks.actor;
      if (actor && actor.media && !actor.media.paused) this.stop();
      else this.playWhole("actor");
    } else if ((event.key === "ArrowRight" || event.key === "ArrowLeft") && free && this.wordNodes.length) {
      event.preventDefault();
      const step = event.key === "ArrowRight" ? 1 : -1;
      const current = onWord ? parseInt(target.dataset.word, 10) : this.selected;
      const next = Math.min(this.words.length - 1, Math.max(0, current + step));
      this.select(next);
      this.wordNodes.find((n) => parseInt(n.dataset.word, 10) === next)?.focus();
    } else if (event.key === "Enter" && onWord) {
      event.preventDefault();
      target.click();
    }
  }
}

// One player answers the keyboard: the one wired last (the result, once it has arrived
// on the practice page).
let active = null;
document.addEventListener("keydown", (event) => active && active.onKey(event));

export function wireListening(scope = document) {
  const root = scope.querySelector("[data-listen]");
  if (!root || root.dataset.wired) return null;
  root.dataset.wired = "1";
  const listen = new Listen(root);
  listen.wire();
  active = listen;
  return listen;
}
