// The result page: live progress when the attempt is still being scored.
import { followAttempt, showResult, stageLabel, wirePlayBoth } from "./live.js";

const slot = document.getElementById("result-slot");
if (slot) {
  wirePlayBoth(slot);
  if (!slot.dataset.final) {
    const jobId = slot.dataset.jobId;
    followAttempt(jobId, {
      onState(state) {
        const bar = slot.querySelector("progress");
        const label = slot.querySelector(".progress-stage");
        if (bar) bar.value = state.progress;
        if (label) label.textContent = stageLabel(state.stage);
      },
      onFinal() { showResult(slot, jobId); },
    });
  }
}
