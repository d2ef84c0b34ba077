// The result page: live progress when the attempt is still being scored; the player and
// the words' panels of sounds once it is.
import { followAttempt, showProgress, showResult, wireResult } from "./live.js";

const slot = document.getElementById("result-slot");
if (slot) {
  wireResult(slot);
  if (!slot.dataset.final) {
    const urls = { pageUrl: slot.dataset.resultUrl, websocketUrl: slot.dataset.websocketUrl };
    followAttempt(urls, {
      onState(state) { showProgress(slot, state); },
      onFinal() { showResult(slot, urls.pageUrl); },
    });
  }
}
