// The data-question board: a card may be dragged to a column it may move to (the columns
// that accept it are marked while it is dragged); dropping it opens the question's step form
// with that step chosen, because a step asks for a note and sometimes a decision. The links
// on each card do the same by keyboard; without script they are all there is.
(() => {
  "use strict";
  const board = document.querySelector(".koers-board");
  if (!board) return;
  let dragged = null;
  const columns = () => board.querySelectorAll(".koers-board__column[data-status]");
  const allowed = (col) => dragged && dragged.dataset.moves.split(" ").includes(col.dataset.status);
  board.addEventListener("dragstart", (e) => {
    const card = e.target.closest && e.target.closest(".koers-card[data-question]");
    if (!card) return;
    dragged = card;
    e.dataTransfer.effectAllowed = "move";
    e.dataTransfer.setData("text/plain", card.dataset.question);
    columns().forEach((col) => col.classList.toggle("koers-board__column--target", allowed(col)));
  });
  board.addEventListener("dragend", () => {
    dragged = null;
    columns().forEach((col) => col.classList.remove("koers-board__column--target", "koers-board__column--over"));
  });
  board.addEventListener("dragover", (e) => {
    const col = e.target.closest && e.target.closest(".koers-board__column[data-status]");
    if (!col || !allowed(col)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = "move";
    columns().forEach((c) => c.classList.toggle("koers-board__column--over", c === col));
  });
  board.addEventListener("drop", (e) => {
    const col = e.target.closest && e.target.closest(".koers-board__column[data-status]");
    if (!col || !allowed(col)) return;
    e.preventDefault();
    const id = dragged.dataset.question;
    window.location.assign(`/datavragen/${encodeURIComponent(id)}?naar=${encodeURIComponent(col.dataset.status)}`);
  });
})();
