// Dashboard filters. A slider (the time machine) shows its value while it moves; a slider
// let go or a list changed applies the filters at once. With htmx only the widgets are
// redrawn (focus and scroll stay, the address follows) and the live region says so; without
// script the "Toepassen" button reloads the page.
(() => {
"use strict";
const status = document.getElementById("dashboard-status");
function announce() {
  if (!status) return;
  status.textContent = "";
  status.textContent = status.dataset.koersUpdated || "";
}

// Wires a filter form: its sliders show their value while they move, and a change applies.
function wire(form) {
  form.querySelectorAll("input[data-koers-output]").forEach((slider) => {
    const out = document.getElementById(slider.dataset.koersOutput);
    slider.addEventListener("input", () => {
      if (out) out.textContent = slider.value;
      slider.setAttribute("aria-valuetext", slider.value);
    });
  });
  form.addEventListener("change", () => form.requestSubmit());
  form.querySelectorAll("[data-koers-player]").forEach((player) => wirePlayer(form, player));
}

// The time machine: a slider's values one step at a time, or played one after another. The
// next step waits until the widgets of the previous one are drawn (and a moment to look).
let playing = null;
function wirePlayer(form, player) {
  const slider = document.getElementById(player.dataset.koersPlayer);
  const play = player.querySelector("[data-koers-play]");
  if (!slider || !play) return;
  player.hidden = false;
  const set = (v) => {
    const lo = Number(slider.min), hi = Number(slider.max);
    slider.value = String(Math.max(lo, Math.min(hi, v)));
    slider.dispatchEvent(new Event("input"));
    form.requestSubmit();
  };
  const stop = () => {
    if (playing) clearTimeout(playing.timer);
    playing = null;
    play.setAttribute("aria-pressed", "false");
    play.textContent = play.dataset.koersPlayText;
  };
  player.querySelectorAll("[data-koers-step]").forEach((b) => {
    b.addEventListener("click", () => {
      stop();
      set(Number(slider.value) + Number(b.dataset.koersStep));
    });
  });
  play.addEventListener("click", () => {
    if (playing) {
      stop();
      return;
    }
    play.setAttribute("aria-pressed", "true");
    play.textContent = play.dataset.koersPauseText;
    // From the start when at the end; otherwise on from here.
    const from = Number(slider.value) >= Number(slider.max) ? Number(slider.min) : Number(slider.value) + 1;
    playing = { slider, next: from, timer: null, stop };
    set(from);
  });
}
// After the widgets of a step are drawn: the next step, or the end.
document.body.addEventListener("htmx:afterSettle", () => {
  if (!playing) return;
  const p = playing;
  if (p.next >= Number(p.slider.max)) {
    p.stop();
    return;
  }
  p.timer = setTimeout(() => {
    if (playing !== p) return;
    p.next += 1;
    p.slider.value = String(p.next);
    p.slider.dispatchEvent(new Event("input"));
    p.slider.form.requestSubmit();
  }, 1500);
});
document.querySelectorAll("form.koers-filters").forEach(wire);
document.body.addEventListener("htmx:afterSettle", (e) => {
  const config = e.detail && e.detail.requestConfig;
  if (config && config.elt && config.elt.matches && config.elt.matches("form.koers-filters")) announce();
});

// Drill-down (a region in a map, a row in a table) and the 3D controls: the same page with
// other parameters. Only the widgets and the filters are replaced; the address follows (so
// it can be shared and Back works), the live region says so, and focus goes to the widget
// that was used instead of the top of the page. Without script, they are plain links and
// forms.
async function show(url, widgetId) {
  const focused = document.activeElement && document.activeElement.id;
  const answer = await fetch(url, { headers: { Accept: "text/html" }, credentials: "same-origin" });
  if (!answer.ok) {
    window.location.assign(url);
    return;
  }
  const page = new DOMParser().parseFromString(await answer.text(), "text/html");
  for (const id of ["dashboard-resultaat", "dashboard-filters"]) {
    const now = document.getElementById(id);
    const next = page.getElementById(id);
    if (now && next) {
      now.replaceWith(next);
      if (window.htmx) window.htmx.process(next);
    }
  }
  const filters = document.getElementById("dashboard-filters");
  if (filters) wire(filters);
  announce();
  // Focus stays on the control that was used (the 3D sliders keep their ids); after a
  // link, it goes to the heading of the widget it was in.
  const same = focused && document.getElementById(focused);
  const widget = widgetId && document.getElementById(widgetId);
  const heading = widget && widget.querySelector("h2");
  if (same) {
    same.focus();
  } else if (heading) {
    heading.setAttribute("tabindex", "-1");
    heading.focus();
  }
}

function widgetOf(el) {
  const section = el.closest(".koers-widget");
  return section ? section.id : null;
}

document.addEventListener("click", (e) => {
  if (e.defaultPrevented || e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
  const link = e.target.closest && e.target.closest("#dashboard-resultaat .koers-widget a[href]");
  if (!link || link.hasAttribute("download")) return;
  const url = new URL(link.getAttribute("href"), window.location.href);
  if (url.origin !== window.location.origin || url.pathname !== window.location.pathname) return;
  e.preventDefault();
  history.pushState({ koers: true }, "", url);
  show(url, widgetOf(link));
});

document.addEventListener("submit", (e) => {
  const form = e.target.closest && e.target.closest("form.koers-3d-controls");
  if (!form) return;
  e.preventDefault();
  const url = new URL(form.getAttribute("action"), window.location.href);
  url.search = new URLSearchParams(new FormData(form)).toString();
  url.hash = "";
  history.replaceState({ koers: true }, "", url);
  show(url, widgetOf(form));
});
document.addEventListener("change", (e) => {
  const form = e.target.closest && e.target.closest("form.koers-3d-controls");
  // A live map turns in place (map.js); only the server-drawn view is fetched anew.
  if (form && !form.dataset.koersLive) form.requestSubmit();
});

window.addEventListener("popstate", () => show(window.location.href, null));
})();
