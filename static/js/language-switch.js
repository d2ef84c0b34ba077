// The header's language menu sends its form as soon as a language is picked (the
// <noscript> button does it without JavaScript). A module, not an inline onchange:
// the Content-Security-Policy allows no inline script.
const select = document.getElementById("lang-select");
if (select) select.addEventListener("change", () => select.form.submit());
