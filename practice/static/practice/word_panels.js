// The result's words: tapping one opens its panel of sounds under the transcript.
// The panels are in the page already (hidden); without JavaScript they all show.

// Smooth scrolling, unless the learner asked the system for less motion (an explicit
// "smooth" in script would override the stylesheet's reduced-motion rule).
export function scrollBehavior() {
  return window.matchMedia("(prefers-reduced-motion: reduce)").matches ? "auto" : "smooth";
}

export function wireWordPanels(root) {
  const container = root.querySelector("[data-word-panels]");
  if (!container) return;
  const hint = container.querySelector(".word-hint");
  const buttons = [...root.querySelectorAll(".transcript button.word[aria-controls]")];
  const panelOf = (button) => document.getElementById(button.getAttribute("aria-controls"));

  const close = (button) => {
    button.setAttribute("aria-expanded", "false");
    const panel = panelOf(button);
    if (panel) panel.hidden = true;
  };

  const toggle = (button) => {
    const opening = button.getAttribute("aria-expanded") !== "true";
    buttons.forEach(close);
    if (opening) {
      button.setAttribute("aria-expanded", "true");
      const panel = panelOf(button);
      if (panel) {
        panel.hidden = false;
        panel.scrollIntoView({ block: "nearest", behavior: scrollBehavior() });
      }
    }
    if (hint) hint.hidden = opening;
  };

  buttons.forEach((button) => {
    button.addEventListener("click", () => toggle(button));
    button.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") toggle(button);
    });
  });
}
