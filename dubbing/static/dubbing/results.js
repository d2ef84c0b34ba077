// The scene's results page: build the reel (progress over the WebSocket), share links,
// delete the reel. Everything goes through the API with the page's CSRF token.
import { followReel, format, pageText, showReelProgress } from "./reel.js";

const root = document.getElementById("results");
const text = pageText();
const csrf = root.dataset.csrfToken;
const status = document.getElementById("reel-status");
const progress = document.getElementById("reel-progress");
const buildButton = document.getElementById("build-reel");

function send(url, method, body) {
  const headers = { "X-CSRFToken": csrf };
  if (body) headers["Content-Type"] = "application/json";
  return fetch(url, { method, headers, credentials: "same-origin", body: body ? JSON.stringify(body) : undefined });
}

function follow(reel) {
  buildButton?.setAttribute("disabled", "");
  status.textContent = text.reelQueued;
  followReel({ websocketUrl: reel.websocket_url, reelUrl: root.dataset.reelUrl }, {
    onState(state) {
      showReelProgress(progress, state);
      if (state.status === "running") status.textContent = format(text.reelBuilding, { percent: state.progress });
    },
    onFinal(state) {
      if (state.status === "ready") {
        status.textContent = text.reelReady;
        location.reload();  // the server draws the player, the links and the shares
      } else {
        progress.hidden = true;
        status.textContent = format(text.reelFailed, { error: state.error || "" });
        buildButton?.removeAttribute("disabled");
      }
    },
  });
}

buildButton?.addEventListener("click", async () => {
  const response = await send(root.dataset.reelUrl, "POST");
  const body = await response.json();
  if (!response.ok) { status.textContent = body.detail; return; }
  follow(body);
});

// A reel still being built when the page opened.
const current = document.getElementById("reel-status-value");
if (current && ["queued", "running"].includes(JSON.parse(current.textContent))) {
  follow({ websocket_url: JSON.parse(document.getElementById("reel-websocket").textContent) });
}

document.getElementById("share-form")?.addEventListener("submit", async (event) => {
  event.preventDefault();
  const days = event.target.elements.expires_in_days.value;
  const response = await send(root.dataset.sharesUrl, "POST", days ? { expires_in_days: Number(days) } : {});
  if (response.ok) location.reload();
});

async function copyLink(item) {
  const field = item.querySelector("input");
  field.select();
  try {
    await navigator.clipboard.writeText(field.value);
  } catch {
    // No clipboard API (a page not served over HTTPS): the link is selected to copy by hand.
    return;
  }
  document.getElementById("share-status").textContent = text.copied;
}

document.getElementById("share-list")?.addEventListener("click", async (event) => {
  const item = event.target.closest("[data-share-id]");
  if (event.target.closest("[data-copy]")) { copyLink(item); return; }
  const button = event.target.closest("[data-revoke]");
  if (!button) return;
  const response = await send(`${root.dataset.sharesUrl}/${item.dataset.shareId}`, "DELETE");
  if (response.ok) {
    item.classList.add("inactive");
    item.querySelector("[data-copy]")?.remove();
    button.replaceWith(Object.assign(document.createElement("span"), { className: "muted", textContent: text.revoked }));
  }
});

document.getElementById("delete-reel")?.addEventListener("click", async () => {
  if (!window.confirm(text.confirmDelete)) return;
  const response = await send(root.dataset.reelUrl, "DELETE");
  if (response.ok) location.reload();
});
