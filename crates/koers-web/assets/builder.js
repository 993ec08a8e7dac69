// The query builder: a changed list refreshes the preview by itself once the choice has
// settled (a second after the last change, so arrowing through a list does not reload the
// page at every step); the server renders the page again and puts focus back on that list.
// Without this script the "Voorbeeld bijwerken" button does the same.
(function () {
  var form = document.querySelector("form[data-builder]");
  if (!form) return;
  var timer = null;
  form.addEventListener("change", function (e) {
    var el = e.target;
    if (!el.matches("select[data-refresh]")) return;
    form.querySelector("input[name=focus]").value = el.name;
    clearTimeout(timer);
    timer = setTimeout(function () { form.submit(); }, 1000);
  });
})();
