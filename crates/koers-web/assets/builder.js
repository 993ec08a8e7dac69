// The query builder: a changed list refreshes the preview at once (the server renders the
// page again and puts focus back on that list). Without this script the "Voorbeeld
// bijwerken" button does the same.
(function () {
  var form = document.querySelector("form[data-builder]");
  if (!form) return;
  form.addEventListener("change", function (e) {
    var el = e.target;
    if (!el.matches("select[data-refresh]")) return;
    form.querySelector("input[name=focus]").value = el.name;
    form.submit();
  });
})();
