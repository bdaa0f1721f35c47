// The try page's chat: draws the chat the server keeps (the bot's messages, the persona's
// own, the keyboard under the input) and sends what the person types, taps and uploads.
// Polls the chat every second; another tab playing someone else polls theirs.
// Message text arrives as HTML the server escaped, with only Telegram's formatting as tags;
// everything else is put in as text.
(function () {
  "use strict";
  const root = document.getElementById("try-chat");
  if (!root) return;
  const api = "/try/api/chat/" + root.dataset.chat;
  const list = document.getElementById("messages");
  const keyboard = document.getElementById("reply-keyboard");
  const places = document.getElementById("places");
  const toast = document.getElementById("toast");
  const text = document.getElementById("text");
  const pressed = new Set();  // callback queries this tab sent: their answers are toasts
  const answered = new Set();
  let version = "";
  let toastTimer = null;
  let follow = true;  // keep the newest message in view, as Telegram does until one scrolls up

  function element(tag, className, content) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (content !== undefined) node.textContent = content;
    return node;
  }

  function showToast(message) {
    toast.textContent = message;
    toast.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { toast.hidden = true; }, 3500);
  }

  async function post(path, form) {
    follow = true;  // what one sends, and the answer to it, come into view
    form.append("csrf_token", root.dataset.csrf);
    try {
      const answer = await fetch(api + path, {
        method: "POST", body: form, credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (!answer.ok) throw new Error(String(answer.status));
      const state = await answer.json();
      draw(state);
      return state;
    } catch (error) {
      showToast(root.dataset.tFailed);
      return null;
    }
  }

  function fields(values) {
    const form = new FormData();
    for (const [name, value] of Object.entries(values)) form.append(name, value);
    return form;
  }

  function fileUrl(message) { return api + "/files/" + message.id; }

  function bubble(message) {
    const item = element("li", "message " + (message.mine ? "mine" : "bot"));
    item.dataset.messageId = message.id;
    const box = element("div", "bubble");
    if (!message.mine) box.append(element("span", "sender", root.dataset.bot));
    if (message.kind === "photo") {
      const picture = element("img", "photo");
      picture.addEventListener("load", () => { if (follow) list.scrollTop = list.scrollHeight; });
      picture.src = fileUrl(message);
      picture.alt = "";
      box.append(picture);
    } else if (message.kind === "document") {
      const link = element("a", "document", "📄 " + (message.filename || root.dataset.tDownload));
      link.href = fileUrl(message);
      link.download = message.filename || "";
      box.append(link);
    }
    const words = element("div", "text");
    const mark = { contact: "👤 ", location: "📍 " }[message.kind];
    if (mark) words.append(mark);
    const formatted = element("span");
    formatted.innerHTML = message.html;  // escaped by the server; only formatting tags
    words.append(formatted);
    if (message.html || mark) box.append(words);
    const meta = element("span", "meta", message.time);
    if (message.edited) meta.prepend(element("span", "edited", root.dataset.tEdited + " "));
    box.append(meta);
    item.append(box);
    if (message.buttons.length) item.append(inlineKeyboard(message));
    return item;
  }

  function inlineKeyboard(message) {
    const rows = element("div", "inline-keyboard");
    message.buttons.forEach((buttons, row) => {
      const line = element("div", "row");
      buttons.forEach((button, column) => {
        if (button.kind === "url") {
          const link = element("a", "inline-button", button.text + " ↗");
          link.href = button.url;
          link.target = "_blank";
          link.rel = "noopener noreferrer";
          line.append(link);
          return;
        }
        const press = element("button", "inline-button", button.text);
        press.type = "button";
        press.addEventListener("click", async () => {
          if (button.kind !== "callback") return showToast(root.dataset.tUnplayable);
          const state = await post("/press", fields({ message: message.id, row, column }));
          if (state && state.callback) {
            pressed.add(state.callback);
            tellAnswers(state);
          }
        });
        line.append(press);
      });
      rows.append(line);
    });
    return rows;
  }

  function drawKeyboard(rows) {
    keyboard.replaceChildren();
    keyboard.hidden = !rows;
    if (!rows) return;
    for (const buttons of rows) {
      const line = element("div", "row");
      for (const button of buttons) {
        const tap = element("button", "reply-button " + button.kind, button.text);
        tap.type = "button";
        tap.addEventListener("click", () => tapReply(button));
        line.append(tap);
      }
      keyboard.append(line);
    }
  }

  function tapReply(button) {
    if (button.kind === "contact") return post("/contact", new FormData());
    if (button.kind === "location") { places.hidden = false; return null; }
    if (button.kind === "other") return showToast(root.dataset.tUnplayable);
    return post("/send", fields({ text: button.text }));
  }

  function tellAnswers(state) {
    for (const [id, answer] of Object.entries(state.answers)) {
      if (!pressed.has(id) || answered.has(id)) continue;
      answered.add(id);
      if (answer.text) showToast(answer.text);
    }
  }

  function draw(state) {
    if (!state.messages || state.version === version) return;
    version = state.version;
    const top = list.scrollTop;
    list.replaceChildren(...state.messages.map(bubble));
    document.getElementById("empty-hint").hidden = state.messages.length > 0;
    drawKeyboard(state.keyboard);
    tellAnswers(state);
    list.scrollTop = follow ? list.scrollHeight : top;
    root.dataset.version = version;
  }

  async function poll() {
    try {
      const answer = await fetch(api + "?since=" + encodeURIComponent(version), {
        credentials: "same-origin", headers: { Accept: "application/json" },
      });
      if (answer.ok) {
        const state = await answer.json();
        if (state.changed) draw(state);
      }
    } catch (error) {
      // The server restarts or the network hiccuped: the next poll tries again.
    }
    setTimeout(poll, 1000);
  }

  list.addEventListener("scroll", () => {
    follow = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  });
  document.getElementById("compose").addEventListener("submit", (event) => {
    event.preventDefault();
    const words = text.value;
    if (!words.trim()) return;
    text.value = "";
    post("/send", fields({ text: words }));
  });
  document.getElementById("photo").addEventListener("change", (event) => {
    const file = event.target.files[0];
    if (!file) return;
    const form = fields({ caption: text.value.trim() });
    form.append("upload", file);
    text.value = "";
    event.target.value = "";
    post("/photo", form);
  });
  places.addEventListener("click", (event) => {
    const choice = event.target.closest("button[data-place]");
    if (choice) post("/location", fields({ place: choice.dataset.place }));
    if (choice || event.target.id === "places-cancel") places.hidden = true;
  });
  document.getElementById("telegram-language").addEventListener("change", (event) => {
    post("/language", fields({ code: event.target.value }));
  });
  poll();
})();
