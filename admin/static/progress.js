// Moves a broadcast's progress bar and report while it goes out: polls its progress
// every two seconds until nothing waits. No framework and no CDN: kiosks may be offline.
(function () {
  const page = document.getElementById("broadcast");
  if (!page) return;
  const url = page.dataset.progressUrl;
  const show = (id, value) => { const cell = document.getElementById(id); if (cell) cell.textContent = value; };
  async function poll() {
    let progress;
    try {
      const answer = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!answer.ok) return setTimeout(poll, 5000);
      progress = await answer.json();
    } catch (error) {
      return setTimeout(poll, 5000);  // the office's network hiccuped: try again
    }
    const bar = document.getElementById("bar");
    bar.max = progress.recipients;
    bar.value = progress.done;
    show("done", progress.done);
    for (const name of ["sent", "failed", "unreachable", "cancelled", "waiting"]) show(name, progress[name]);
    if (progress.finished) {
      const state = document.getElementById("state");
      state.textContent = state.dataset.finished;
      return;
    }
    setTimeout(poll, 2000);
  }
  setTimeout(poll, 2000);
})();
