// The framework editor's condition builder: each clause shows only the value its kind needs
// (the risk groups, the level of impact, the amount, the kinds of choice). Without this
// script every value field shows, each labelled with the kind it belongs to.
// After a step of the editor the server names the element to continue at; focus goes there.
(function () {
  function sync(clause) {
    var kind = clause.querySelector("select[data-koers-clause-kind]").value;
    clause.querySelectorAll("[data-for-kind]").forEach(function (part) {
      part.hidden = part.getAttribute("data-for-kind") !== kind;
    });
  }
  document.querySelectorAll("[data-koers-clause]").forEach(function (clause) {
    sync(clause);
    clause.addEventListener("change", function (e) {
      if (e.target.matches("select[data-koers-clause-kind]")) sync(clause);
    });
  });
  // After adding a rule or a condition, or looking at the consequences, the place to go on.
  var focus = document.querySelector("[data-koers-focus]");
  var target = focus && document.getElementById(focus.getAttribute("data-koers-focus"));
  if (target) target.focus();
})();
