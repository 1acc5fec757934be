// Small behaviours that need no framework. Loaded as a file so the CSP can forbid inline scripts.
document.addEventListener("htmx:configRequest", (event) => {
  event.detail.headers["X-CSRFToken"] = document.body.dataset.csrf;
});
document.addEventListener("change", (event) => {
  const select = event.target.closest("select[data-navigate]");
  if (select && select.value) window.location.assign(select.value);
});
