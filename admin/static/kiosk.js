// The kiosk page on a tablet: the catalogue's − and + with a running total, item codes
// from a USB scanner (it types the code and Enter), the camera where the browser can read
// codes, and the QR page waiting for the resident. Plain script, nothing fetched from
// outside: kiosks may sit on a LAN without internet. Without it the forms still work.
(function () {
  "use strict";

  function refreshTotal() {
    const total = document.getElementById("total");
    if (!total) return;
    let points = 0;
    for (const row of document.querySelectorAll("[data-item]")) {
      const count = Number(row.querySelector("input").value) || 0;
      points += count * Number(row.dataset.price);
    }
    total.textContent = points;
  }

  function step(row, by) {
    const input = row.querySelector("input");
    const next = Math.min(Number(input.max) || 99, Math.max(0, (Number(input.value) || 0) + by));
    input.value = next;
    row.classList.toggle("picked", next > 0);
    refreshTotal();
  }

  for (const row of document.querySelectorAll("[data-item]")) {
    for (const button of row.querySelectorAll("[data-step]")) {
      button.addEventListener("click", () => {
        step(row, Number(button.dataset.step));
        // Back to the code field: the scanner types wherever the focus is.
        const field = document.getElementById("item-code");
        if (field) field.focus({ preventScroll: true });
      });
    }
    row.querySelector("input").addEventListener("input", refreshTotal);
    row.classList.toggle("picked", Number(row.querySelector("input").value) > 0);
  }

  // An item's code, typed or scanned: one more of that item.
  const itemCode = document.getElementById("item-code");
  function addByCode(text) {
    const code = text.trim();
    const alert = document.getElementById("item-code-alert");
    if (!code) return;
    const row = Array.from(document.querySelectorAll("[data-item]")).find((r) => r.dataset.code === code);
    if (row) {
      step(row, 1);
      alert.hidden = true;
    } else {
      alert.textContent = itemCode.dataset.unknown;
      alert.hidden = false;
    }
    itemCode.value = "";
    itemCode.focus();
  }
  if (itemCode) {
    itemCode.addEventListener("keydown", (event) => {
      if (event.key !== "Enter") return;
      event.preventDefault();
      addByCode(itemCode.value);
    });
  }

  // What the camera read goes where the scanner would have typed it.
  function deliver(target, text) {
    if (target === itemCode) return addByCode(text);
    target.value = text;
    if (target.form) target.form.requestSubmit();
  }

  async function scanWithCamera(target) {
    const video = document.getElementById("camera");
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
    } catch (error) {
      return;  // refused or absent: typing and the USB scanner still work
    }
    const formats = await BarcodeDetector.getSupportedFormats();
    const detector = new BarcodeDetector({ formats });
    video.srcObject = stream;
    video.hidden = false;
    await video.play();
    const stop = () => { stream.getTracks().forEach((track) => track.stop()); video.hidden = true; };
    video.onclick = stop;
    async function look() {
      if (video.hidden) return;
      try {
        const found = await detector.detect(video);
        if (found.length) { stop(); return deliver(target, found[0].rawValue); }
      } catch (error) { /* a frame it could not read: try the next */ }
      setTimeout(look, 200);
    }
    look();
  }

  if ("BarcodeDetector" in window && navigator.mediaDevices) {
    for (const button of document.querySelectorAll("[data-camera]")) {
      const target = document.getElementById(button.dataset.camera);
      button.hidden = false;
      button.addEventListener("click", () => scanWithCamera(target));
    }
  }

  // The QR page: once the resident confirmed in the bot (or the checkout ended), the
  // checkout's own page shows what to do next.
  const waiting = document.querySelector("[data-state-url]");
  if (waiting) {
    async function poll() {
      try {
        const answer = await fetch(waiting.dataset.stateUrl, {
          credentials: "same-origin", headers: { Accept: "application/json" },
        });
        if (answer.ok) {
          const state = await answer.json();
          if (state.status !== waiting.dataset.while) return location.assign(waiting.dataset.next);
        }
      } catch (error) { /* the LAN hiccuped: ask again */ }
      setTimeout(poll, 700);
    }
    setTimeout(poll, 700);
  }
})();
