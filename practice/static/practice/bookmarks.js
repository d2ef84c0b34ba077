// Bookmark toggles (practice/partials/bookmark_toggle.html). Without JavaScript each one
// is a form post that comes back to the page; with it, the same form is sent with fetch
// and the star flips in place. Any failure falls back to the plain post.

function show(form, bookmarked) {
  const button = form.querySelector("button");
  button.setAttribute("aria-pressed", bookmarked ? "true" : "false");
  button.title = bookmarked ? button.dataset.titleOn : button.dataset.titleOff;
}

async function toggle(form) {
  const button = form.querySelector("button");
  button.disabled = true;
  try {
    const response = await fetch(form.action, {
      method: "POST",
      body: new FormData(form), // carries csrfmiddlewaretoken
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const { bookmarked } = await response.json();
    show(form, bookmarked);
    form.dispatchEvent(new CustomEvent("bookmark:change", { bubbles: true, detail: { bookmarked } }));
  } catch {
    form.submit(); // does not fire "submit" again
  } finally {
    button.disabled = false;
  }
}

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.matches("form[data-bookmark-toggle]")) return;
  event.preventDefault();
  if (!form.querySelector("button").disabled) toggle(form);
});
