// The frame of every signed-in page on a small screen: the main navigation folds behind a
// "Menu" button (aria-expanded, Escape closes it and returns focus). Without script, or on a
// wide screen, the navigation is simply shown.
(function () {
  "use strict";
  var narrow = window.matchMedia("(max-width: 48rem)");
  function setUp() {
    var button = document.querySelector(".koers-menu-button");
    var nav = document.getElementById("hoofdmenu");
    if (!button || !nav) return;
    function open(yes) {
      button.setAttribute("aria-expanded", yes ? "true" : "false");
      nav.classList.toggle("koers-nav--closed", !yes);
    }
    function fit() {
      button.hidden = !narrow.matches;
      open(!narrow.matches);
    }
    button.addEventListener("click", function () {
      open(button.getAttribute("aria-expanded") !== "true");
    });
    nav.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && narrow.matches) {
        open(false);
        button.focus();
      }
    });
    narrow.addEventListener("change", fit);
    fit();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();

// Copy buttons: a button with data-copy="<id>" copies that field's value, and a polite
// live region (data-copy-status) says it did. Without script, the field is selectable.
(function () {
  "use strict";
  document.addEventListener("click", function (e) {
    var button = e.target.closest ? e.target.closest("[data-copy]") : null;
    if (!button) return;
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field) return;
    var status = document.querySelector("[data-copy-status]");
    function done() {
      if (status) status.textContent = status.getAttribute("data-done") + ": " + field.value;
      button.setAttribute("data-copied", "true");
    }
    field.select();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, function () {
        document.execCommand("copy");
        done();
      });
    } else {
      document.execCommand("copy");
      done();
    }
  });
})();

// Column lists that follow a chosen analysis: a select with data-columns (a JSON map of
// analysis id → its result's column names) and data-columns-for (the ids of the column
// selects) fills those selects with the chosen analysis' columns, each read as data-shown
// (analysis id → column name → its heading) says, and then chooses what data-chosen gives
// for that analysis (field id → value: the likely period, value and grain). Without script
// the page opens with the first analysis' columns (or the one in ?analyse=).
(function () {
  "use strict";
  document.querySelectorAll("select[data-columns]").forEach(function (source) {
    var map = JSON.parse(source.getAttribute("data-columns"));
    var shown = JSON.parse(source.getAttribute("data-shown") || "{}");
    var chosenFor = JSON.parse(source.getAttribute("data-chosen") || "{}");
    source.addEventListener("change", function () {
      var names = map[source.value] || [];
      var named = shown[source.value] || {};
      source.getAttribute("data-columns-for").split(" ").forEach(function (id) {
        var target = document.getElementById(id);
        if (!target) return;
        var keep = target.hasAttribute("data-optional") ? 1 : 0;
        while (target.options.length > keep) target.remove(keep);
        names.forEach(function (n) { target.add(new Option(named[n] || n, n)); });
      });
      var chosen = (chosenFor[source.value] || {});
      Object.keys(chosen).forEach(function (id) {
        var field = document.getElementById(id);
        if (field) field.value = chosen[id];
      });
    });
  });
})();

// A list that follows its search form (form[data-koers-live], with hx-get and hx-select on
// the list): typing (after a short pause) or choosing asks again, htmx replaces only the
// list, so focus stays in the field and the address follows; the live region the attribute
// names then reads the list's count line ([data-koers-count]). A refused question (400) is
// shown in the list's place too. Without script, the form's button reloads the page.
(function () {
  "use strict";
  document.querySelectorAll("form[data-koers-live]").forEach(function (form) {
    var timer = null;
    form.addEventListener("input", function (e) {
      if (!e.target.matches("input")) return;
      clearTimeout(timer);
      timer = setTimeout(function () { form.requestSubmit(); }, 300);
    });
    form.addEventListener("change", function (e) {
      if (e.target.matches("select")) form.requestSubmit();
    });
  });
  function liveForm(e) {
    var elt = e.detail && e.detail.requestConfig && e.detail.requestConfig.elt;
    return elt && elt.matches && elt.matches("form[data-koers-live]") ? elt : null;
  }
  document.body.addEventListener("htmx:beforeSwap", function (e) {
    if (liveForm(e) && e.detail.xhr && e.detail.xhr.status === 400) {
      e.detail.shouldSwap = true;
      e.detail.isError = false;
    }
  });
  document.body.addEventListener("htmx:afterSettle", function (e) {
    var form = liveForm(e);
    if (!form) return;
    var region = document.getElementById(form.dataset.koersLive);
    var count = document.querySelector(form.getAttribute("hx-target") + " [data-koers-count]");
    if (!region || !count) return;
    region.textContent = "";
    region.textContent = count.textContent.trim();
  });
})();

// One form, one send: a second submit of the same form within two seconds (a double click,
// Enter held down) is ignored, so nothing is made, invited or decided twice (as GOV.UK's
// prevent-double-click). Forms that stay on the page (exports, class koers-export) and forms
// another script sends itself are left alone; back from the history, a form may be sent again.
(function () {
  "use strict";
  var WAIT = 2000;
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (e.defaultPrevented || !form || (form.getAttribute("method") || "").toLowerCase() !== "post") return;
    if (form.classList.contains("koers-export")) return;
    var now = Date.now();
    if (now - Number(form.getAttribute("data-sent") || 0) < WAIT) {
      e.preventDefault();
      return;
    }
    form.setAttribute("data-sent", String(now));
  });
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-sent]").forEach(function (f) {
      f.removeAttribute("data-sent");
    });
  });
})();

// The error summary above a form sent with problems (as GOV.UK's error summary): it takes the
// focus when the page opens, so a screen reader reads it first and Tab goes through its
// links; each link leads to its field's message (`#<name>-error`, also without script) and,
// with script, into the field the message describes (the first control of a group), scrolled
// to the middle so its label shows.
(function () {
  "use strict";
  function setUp() {
    var summary = document.querySelector(".koers-error-summary");
    if (!summary) return;
    summary.setAttribute("tabindex", "-1");
    summary.focus();
  }
  document.addEventListener("click", function (e) {
    var link = e.target.closest ? e.target.closest(".koers-error-summary a[href^='#']") : null;
    if (!link) return;
    var id = decodeURIComponent(link.getAttribute("href").slice(1));
    var described = Array.prototype.find.call(
      document.querySelectorAll("[aria-describedby]"),
      function (el) { return el.getAttribute("aria-describedby").split(/\s+/).indexOf(id) >= 0; }
    );
    if (!described) return;
    var field = described.matches("input, select, textarea, button")
      ? described
      : described.querySelector("input, select, textarea, button");
    if (!field) return;
    e.preventDefault();
    var details = field.closest("details");
    if (details) details.open = true;
    field.scrollIntoView({ block: "center" });
    field.focus({ preventScroll: true });
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
