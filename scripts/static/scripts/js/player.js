// One <audio> element plays every reference clip on the page; a play button toggles it.
const player = document.getElementById("line-player");

function setPlaying(button, playing) {
  button.classList.toggle("is-playing", playing);
  button.setAttribute("aria-pressed", playing ? "true" : "false");
  button.closest(".line")?.classList.toggle("is-current", playing);
}

if (player) {
  let current = null;

  const reset = () => {
    if (current) setPlaying(current, false);
  };

  player.addEventListener("ended", reset);
  player.addEventListener("pause", reset);
  player.addEventListener("play", () => current && setPlaying(current, true));
  player.addEventListener("error", () => {
    if (current) current.classList.add("has-error");
    reset();
  });

  document.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-audio]");
    if (!button) return;
    if (button === current && !player.paused) {
      player.pause();
      return;
    }
    reset();
    current = button;
    button.classList.remove("has-error");
    if (player.getAttribute("src") !== button.dataset.audio) {
      player.src = button.dataset.audio;
    }
    player.currentTime = 0;
    player.play().catch(() => reset());
  });
}
