// Dashboard filters. A slider (the time machine) shows its value while it moves; a slider
// let go or a list changed applies the filters at once. With htmx only the widgets are
// redrawn (focus and scroll stay, the address follows) and the live region says so; without
// script the "Toepassen" button reloads the page.
document.querySelectorAll("form.koers-filters").forEach((form) => {
  form.querySelectorAll("input[data-koers-output]").forEach((slider) => {
    const out = document.getElementById(slider.dataset.koersOutput);
    slider.addEventListener("input", () => {
      if (out) out.textContent = slider.value;
      slider.setAttribute("aria-valuetext", slider.value);
    });
  });
  form.addEventListener("change", () => form.requestSubmit());
  const status = document.getElementById("dashboard-status");
  document.body.addEventListener("htmx:afterSettle", (e) => {
    const config = e.detail && e.detail.requestConfig;
    if (status && config && config.elt === form) {
      status.textContent = "";
      status.textContent = form.dataset.koersUpdated || "";
    }
  });
});
