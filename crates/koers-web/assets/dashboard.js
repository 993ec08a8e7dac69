// Dashboard filters: a slider (the time machine) shows its value while it moves and applies
// it when let go. Without this script the "Toepassen" button does the same.
document.querySelectorAll("input[data-koers-output]").forEach((slider) => {
  const out = document.getElementById(slider.dataset.koersOutput);
  slider.addEventListener("input", () => {
    if (out) out.textContent = slider.value;
    slider.setAttribute("aria-valuetext", slider.value);
  });
  slider.addEventListener("change", () => slider.form && slider.form.requestSubmit());
});
