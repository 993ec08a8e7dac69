// Shows upload progress for the dataset import form; without script the form posts as usual.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form[data-koers-upload]");
  if (!form) return;
  form.addEventListener("submit", (ev) => {
    const file = form.querySelector("input[type=file]");
    if (!file || !file.files.length) return;
    ev.preventDefault();
    // Sent once: a second click while the file goes up starts no second upload.
    if (form.dataset.sending) return;
    form.dataset.sending = "true";
    const bar = form.querySelector(".koers-upload-progress");
    bar.hidden = false;
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable) bar.value = Math.round((e.loaded / e.total) * 100);
    });
    xhr.addEventListener("load", () => {
      // Redirected (to the import's progress): go there. Answered in place (the columns to
      // check, or a problem): show that page.
      const moved = xhr.responseURL &&
        new URL(xhr.responseURL).pathname !== new URL(form.action).pathname;
      if (moved && xhr.status < 400) {
        window.location.assign(xhr.responseURL);
      } else {
        document.open();
        document.write(xhr.responseText);
        document.close();
      }
    });
    // The connection failed: the form may be sent again.
    xhr.addEventListener("error", () => {
      delete form.dataset.sending;
      bar.hidden = true;
    });
    xhr.send(new FormData(form));
  });
});
