// The result page: live progress when the attempt is still being scored; the words'
// panels of sounds once it is.
import { followAttempt, showResult, stageLabel, wirePlayBoth } from "./live.js";
import { wireWordPanels } from "./word_panels.js";

const slot = document.getElementById("result-slot");
if (slot) {
  wirePlayBoth(slot);
  wireWordPanels(slot);
  if (!slot.dataset.final) {
    const urls = { pageUrl: slot.dataset.resultUrl, websocketUrl: slot.dataset.websocketUrl };
    followAttempt(urls, {
      onState(state) {
        const bar = slot.querySelector("progress");
        const label = slot.querySelector(".progress-stage");
        if (bar) bar.value = state.progress;
        if (label) label.textContent = stageLabel(state.stage);
      },
      onFinal() { showResult(slot, urls.pageUrl); },
    });
  }
}
