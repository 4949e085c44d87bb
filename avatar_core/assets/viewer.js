/* The gallery's full-size viewer (loaded into <head> with app.js): the picture large, its
   details beside it, ← → keys and swipes for the next one, Esc or ✕ to close. It reads the
   gallery page's thumbnails (their data-* attributes, handlers/gallery.py thumb_cell); moving in
   the viewer selects that avatar in the gallery too, so the buttons beside the grid follow. */
(() => {
  let dlg = null, items = [], at = 0, back = null, downX = null;

  const thumbs = () => [...document.querySelectorAll("#avatar-grid .thumb[data-id]")];
  const selecting = () => !!document.querySelector("#select-mode input:checked");

  function build() {
    dlg = document.createElement("div");
    dlg.id = "viewer";
    dlg.hidden = true;
    dlg.setAttribute("role", "dialog");
    dlg.setAttribute("aria-modal", "true");
    dlg.setAttribute("aria-labelledby", "viewer-name");
    dlg.innerHTML = '<div class="viewer-card"><div class="viewer-stage">'
      + '<img id="viewer-img" alt="" draggable="false">'  /* a mouse swipe, not a drag of the file */
      + '<button type="button" class="viewer-prev" aria-label="Previous avatar">‹</button>'
      + '<button type="button" class="viewer-next" aria-label="Next avatar">›</button></div>'
      + '<div class="viewer-side"><h2 id="viewer-name"></h2><p id="viewer-prompt"></p>'
      + '<p id="viewer-meta"></p><p id="viewer-count"></p>'
      + '<a id="viewer-download" class="viewer-download" download>Download PNG</a>'
      + '<button type="button" class="viewer-details">Details and actions</button>'
      + '<button type="button" class="viewer-close">✕ Close</button>'
      + '<p class="viewer-keys">← → or swipe for the next · Esc closes</p></div></div>';
    document.body.appendChild(dlg);
    dlg.querySelector(".viewer-prev").addEventListener("click", () => step(-1));
    dlg.querySelector(".viewer-next").addEventListener("click", () => step(1));
    dlg.querySelector(".viewer-close").addEventListener("click", close);
    dlg.querySelector(".viewer-details").addEventListener("click", () => {  /* name, project, delete… */
      close();
      const panel = document.getElementById("avatar-recipe");
      if (panel) panel.scrollIntoView({block: "start"});
    });
    dlg.addEventListener("click", (e) => { if (e.target === dlg) close(); });
    const stage = dlg.querySelector(".viewer-stage");
    stage.addEventListener("pointerdown", (e) => { downX = e.clientX; });
    stage.addEventListener("pointerup", (e) => {
      if (downX === null) return;
      const dx = e.clientX - downX;
      downX = null;
      if (Math.abs(dx) > 50) step(dx < 0 ? 1 : -1);  /* swipe left: the next one */
    });
  }

  function keys(e) {
    if (e.key === "Escape") { e.preventDefault(); close(); }
    else if (e.key === "ArrowRight") { e.preventDefault(); step(1); }
    else if (e.key === "ArrowLeft") { e.preventDefault(); step(-1); }
    else if (e.key === "Tab") {  /* focus stays in the dialog */
      const stops = [...dlg.querySelectorAll("button:not([hidden]), a[href]")];
      const i = stops.indexOf(document.activeElement);
      const next = e.shiftKey ? (i <= 0 ? stops.length - 1 : i - 1) : (i + 1) % stops.length;
      e.preventDefault();
      stops[next].focus();
    }
  }

  function show(i) {
    at = i;
    const d = items[at];
    dlg.querySelector("#viewer-img").src = `/avatars/${d.id}/image.png`;
    dlg.querySelector("#viewer-img").alt = d.name || "avatar";
    dlg.querySelector("#viewer-name").textContent = d.name || `Avatar ${d.id}`;
    dlg.querySelector("#viewer-prompt").textContent = d.prompt || "";
    dlg.querySelector("#viewer-meta").textContent = d.meta || "";
    dlg.querySelector("#viewer-count").textContent = items.length > 1 ? `${at + 1} of ${items.length} on this page` : "";
    dlg.querySelector("#viewer-download").href = `/avatars/${d.id}/download.png`;
    dlg.querySelector(".viewer-prev").hidden = at === 0;
    dlg.querySelector(".viewer-next").hidden = at >= items.length - 1;
    const thumb = thumbs().find((t) => t.dataset.id === String(d.id));
    if (thumb && !selecting() && !thumb.classList.contains("picked")) thumb.click();  /* the grid follows */
  }

  function step(by) {
    const i = at + by;
    if (i >= 0 && i < items.length) show(i);
  }

  function open(id) {
    if (!dlg) build();
    items = thumbs().map((t) => ({...t.dataset}));
    let i = items.findIndex((d) => d.id === String(id));
    if (i < 0) { items = [{id: String(id)}]; i = 0; }
    back = document.activeElement;
    dlg.hidden = false;
    const app = document.querySelector("gradio-app");
    if (app) app.inert = true;  /* the page behind the dialog is out of reach (and out of axe's view) */
    document.body.classList.add("viewer-open");
    show(i);
    dlg.querySelector(".viewer-close").focus();
  }

  function close() {
    if (!dlg || dlg.hidden) return;
    dlg.hidden = true;
    const app = document.querySelector("gradio-app");
    if (app) app.inert = false;
    document.body.classList.remove("viewer-open");
    if (back && back.isConnected) back.focus();
  }

  window.avatarViewer = {open, close};
  document.addEventListener("keydown", (e) => { if (dlg && !dlg.hidden) keys(e); });  /* wherever focus is */
  document.addEventListener("click", (e) => {
    const opener = e.target.closest && e.target.closest(".open-viewer");
    if (opener) { e.preventDefault(); open(opener.dataset.id); }
  });
})();
