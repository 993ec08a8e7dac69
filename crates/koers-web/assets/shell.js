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
