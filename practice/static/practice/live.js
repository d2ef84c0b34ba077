// Following an attempt while it is scored, and showing its result.
// The server sends the current state first, then every change, then closes.
// The URLs come from the server: the upload's 202 answer (page_url, websocket_url) on
// the practice page, the result slot's data attributes on the result page.
import { wireListening } from "./player.js";
import { scrollBehavior, wireWordPanels } from "./word_panels.js";

const STAGE_LABELS = (() => {
  const node = document.getElementById("stage-labels");
  return node ? JSON.parse(node.textContent) : {};
})();

export function stageLabel(stage) {
  return STAGE_LABELS[stage] || STAGE_LABELS.scoring || stage;
}

// The bar and stage name of partials/progress.html (or the practice page's copy of it).
export function showProgress(root, state) {
  const bar = root.querySelector(".progress-bar");
  const fill = root.querySelector(".progress-fill");
  const label = root.querySelector(".progress-stage");
  const value = Math.max(0, Math.min(100, Math.round(state.progress || 0)));
  if (bar) bar.setAttribute("aria-valuenow", String(value));
  if (fill) fill.style.width = `${value}%`;
  if (label && state.stage) label.textContent = stageLabel(state.stage);
}

export function followAttempt({ pageUrl, websocketUrl }, { onState, onFinal }) {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  let finished = false;
  let pollTimer = null;

  const finish = (state) => {
    if (finished) return;
    finished = true;
    if (pollTimer) clearInterval(pollTimer);
    onFinal(state);
  };

  // If the socket drops before the end, fall back to asking the server.
  const poll = () => {
    if (pollTimer || finished) return;
    pollTimer = setInterval(async () => {
      const response = await fetch(`${pageUrl}?fragment=1`, { credentials: "same-origin" });
      if (!response.ok) return;
      const html = await response.text();
      const status = /data-status="(\w+)"/.exec(html)?.[1];
      if (status === "completed" || status === "failed") finish({ status });
    }, 2000);
  };

  const socket = new WebSocket(`${scheme}://${location.host}${websocketUrl}`);
  socket.addEventListener("message", (event) => {
    const state = JSON.parse(event.data);
    onState(state);
    if (state.status === "completed" || state.status === "failed") finish(state);
  });
  socket.addEventListener("close", () => { if (!finished) poll(); });
  socket.addEventListener("error", () => { if (!finished) poll(); });
  return socket;
}

export async function showResult(slot, pageUrl) {
  const response = await fetch(`${pageUrl}?fragment=1`, { credentials: "same-origin" });
  slot.innerHTML = await response.text();
  wireResult(slot);
  slot.scrollIntoView({ behavior: scrollBehavior(), block: "start" });
}

export function wireResult(root) {
  wireWordPanels(root);
  wireListening(root);
}
