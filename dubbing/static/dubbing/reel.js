// The reel's player: the subtitle list lights the line being heard, and a tap on a line
// plays from there. The same times are in the reel's WebVTT track, which the browser
// draws over its own controls where it can.
export function wireReelPlayer(root) {
  if (root.dataset.wired) return;
  root.dataset.wired = "1";
  const audio = root.querySelector("[data-reel-audio]");
  const cues = [...root.querySelectorAll(".cue")].map((node) => ({
    node,
    start: parseFloat(node.dataset.start),
    end: parseFloat(node.dataset.end),
  }));
  const light = () => {
    const t = audio.currentTime;
    for (const cue of cues) {
      const on = t >= cue.start && t < cue.end;
      cue.node.classList.toggle("lit", on);
      if (on) cue.node.setAttribute("aria-current", "true");
      else cue.node.removeAttribute("aria-current");
    }
  };
  audio.addEventListener("timeupdate", light);
  audio.addEventListener("seeked", light);
  for (const cue of cues) {
    cue.node.tabIndex = 0;
    const play = () => { audio.currentTime = cue.start; audio.play(); };
    cue.node.addEventListener("click", play);
    cue.node.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") { event.preventDefault(); play(); }
    });
  }
}

// Follows a reel while it is built: the server sends the current state first, then
// every change, then closes; if the socket drops, ask the API instead.
export function followReel({ websocketUrl, reelUrl }, { onState, onFinal }) {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  let finished = false;
  let timer = null;
  const finish = (state) => {
    if (finished) return;
    finished = true;
    if (timer) clearInterval(timer);
    onFinal(state);
  };
  const poll = () => {
    if (timer || finished) return;
    timer = setInterval(async () => {
      const response = await fetch(reelUrl, { credentials: "same-origin" });
      if (!response.ok) return;
      const state = await response.json();
      onState(state);
      if (state.status === "ready" || state.status === "failed") finish(state);
    }, 1500);
  };
  const socket = new WebSocket(`${scheme}://${location.host}${websocketUrl}`);
  socket.addEventListener("message", (event) => {
    const state = JSON.parse(event.data);
    onState(state);
    if (state.status === "ready" || state.status === "failed") finish(state);
  });
  socket.addEventListener("close", () => { if (!finished) poll(); });
  socket.addEventListener("error", () => { if (!finished) poll(); });
  return socket;
}

export function showReelProgress(box, state) {
  const value = Math.max(0, Math.min(100, Math.round(state.progress || 0)));
  box.hidden = false;
  box.querySelector(".progress-bar").setAttribute("aria-valuenow", String(value));
  box.querySelector(".progress-fill").style.width = `${value}%`;
}

export function pageText() {
  const node = document.getElementById("page-text");
  return node ? JSON.parse(node.textContent) : {};
}

export function format(template, values) {
  return template.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
}

document.querySelectorAll("[data-reel-player]").forEach(wireReelPlayer);
