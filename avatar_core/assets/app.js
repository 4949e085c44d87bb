/* Avatar Creator page helpers (loaded into <head> by ui.HEAD; no dependencies). */
(() => {
  const DRAFT = "avatar-draft";
  let ended = false;

  /* The prompt and preset saved when the session ended; read once after logging in again. */
  window.avatarTakeDraft = () => {
    try {
      const draft = JSON.parse(sessionStorage.getItem(DRAFT) || "null");
      sessionStorage.removeItem(DRAFT);
      return draft;
    } catch (err) { return null; }
  };

  /* Switch to a tab by its visible name. */
  window.avatarShowTab = (name) => {
    const tab = [...document.querySelectorAll("[role=tab]")].find(t => t.textContent.trim() === name);
    if (tab) { tab.click(); window.scrollTo({top: 0}); }
  };

  /* On narrow screens bring a fresh result into view. */
  window.avatarResultArrived = () => {
    if (window.innerWidth > 760) return;
    const el = document.getElementById("result-image");
    if (el) el.scrollIntoView({block: "start"});
  };

  /* Generate is disabled while a generation runs ("Generating…", style.css) and while the quote
     says the balance does not cover the click ("Not enough credits"): a click that can only be
     refused is never offered. The server refuses it all the same. */
  let busyNow = false;
  const SHORT = /not enough credits|tier or higher; your tier is/i;  /* the quote's words (_quote_line; a locked model's refusal) */
  function gate() {
    const b = document.getElementById("generate-btn");
    if (!b) return;
    const quote = document.getElementById("quote");
    const short = !busyNow && !!quote && SHORT.test(quote.textContent || "");
    if (b.disabled !== (busyNow || short)) b.disabled = busyNow || short;
    const why = short && /tier or higher/i.test(quote.textContent || "") ? "Needs a higher tier" : "Not enough credits";
    const label = busyNow ? "Generating…" : short ? why : null;
    if (b.getAttribute("aria-label") !== label) {
      if (label) b.setAttribute("aria-label", label); else b.removeAttribute("aria-label");
    }
    if (busyNow) b.setAttribute("aria-busy", "true"); else b.removeAttribute("aria-busy");
    if (short) { if (b.dataset.short !== why) b.dataset.short = why; } else delete b.dataset.short;
  }
  window.avatarBusy = (busy) => { busyNow = !!busy; gate(); };

  /* The generation's record is in (or its error): Generate again, the result in view, the seed
     it used in the Seed box, the balance it left in the greeting. Returns [seed, greeting]. */
  window.avatarGenerated = (record, seed, greeting) => {
    window.avatarBusy(false);
    window.avatarResultArrived();
    const ok = record && typeof record === "object";
    const used = ok && record.seed !== undefined && record.seed !== null ? record.seed : seed;
    const balance = ok && Number.isInteger(record.balance) ? record.balance : null;
    const line = balance !== null && typeof greeting === "string"
      ? greeting.replace(/\*\*-?\d+\*\* credits$/, `**${balance}** credits`) : greeting;
    return [used, line];
  };

  /* The session ended (logout elsewhere, expiry): say so, keep the draft, go to the login page. */
  function sessionEnded() {
    if (ended) return;
    ended = true;
    const box = document.querySelector("#prompt textarea");
    const draft = Object.assign({prompt: box ? box.value : ""}, window.avatarDraft || {});
    try { sessionStorage.setItem(DRAFT, JSON.stringify(draft)); } catch (err) { /* private mode */ }
    const note = document.createElement("div");
    note.id = "session-ended";
    note.setAttribute("role", "alertdialog");
    note.setAttribute("aria-modal", "true");
    note.setAttribute("aria-labelledby", "session-ended-title");
    note.innerHTML = '<div class="session-card"><h2 id="session-ended-title">Your session has ended</h2>'
      + "<p>You were logged out, perhaps in another tab or on another device. Log in again and you "
      + "will be back here with your prompt.</p>"
      + '<a class="session-login" href="/login?next=/">Log in again</a></div>';
    document.body.appendChild(note);
    note.querySelector("a").focus();
    setTimeout(() => window.location.assign("/login?next=/"), 2500);
  }
  window.avatarSessionEnded = sessionEnded;

  const realFetch = window.fetch.bind(window);
  window.fetch = async (...args) => {
    const response = await realFetch(...args);
    if (response.status === 401) {
      const target = args[0];
      const url = String(target && target.url ? target.url : target);
      if (url.includes("/gradio_api/") || url.endsWith("/config")) sessionEnded();
    }
    return response;
  };

  /* The phone's price bar (style.css, "price in view"): the quote's first line, shortened to the
     model and the price ("Will use " and the size left out), and the bar's height as the page's
     bottom padding so nothing stays hidden behind it. */
  function priceBar() {
    const line = document.getElementById("price-line");
    const quote = document.querySelector("#quote .prose") || document.getElementById("quote");
    if (!line || !quote) return;
    let first = "";
    for (const node of (quote.querySelector("p") || quote).childNodes) {
      if (node.nodeName === "BR") break;
      first += node.textContent;
    }
    const short = first.trim().replace(/^Will use /, "").replace(/^(.+?) \([^)]*\)/, "$1");
    if (line.textContent !== short) line.textContent = short;
    const bar = document.getElementById("price-bar");
    const fixed = !!bar && getComputedStyle(bar).position === "fixed";
    const pad = fixed ? `${Math.ceil(bar.getBoundingClientRect().height) + 8}px` : "";
    if (document.body.style.paddingBottom !== pad) document.body.style.paddingBottom = pad;
    const root = document.documentElement.style;  /* a field scrolled into view stays above the bar */
    if (root.scrollPaddingBottom !== pad) root.scrollPaddingBottom = pad;
  }

  /* Accessible names Gradio leaves out: its empty-value boxes and Vega charts (the data is in a table). */
  function mend() {
    gate();
    priceBar();
    /* Gradio's "queue: 2/3 | 1.2s" in words, shown through a data attribute Svelte leaves alone. */
    for (const el of document.querySelectorAll(".progress-text")) {
      const m = /queue:\s*(\d+)\s*\/\s*\d+\s*\|?\s*(.*)/.exec(el.textContent || "");
      const ahead = m ? Number(m[1]) - 1 : 0;
      const words = m ? "Waiting for a free slot: " + (ahead ? `${ahead} ahead of you` : "you're next")
        + (m[2].trim() ? ` · ${m[2].trim()}` : "") : "";
      if (words && el.dataset.words !== words) el.dataset.words = words;
      if (!words && el.dataset.words) delete el.dataset.words;
    }
    const progress = document.querySelector("#result-image .progress-text");
    const queued = !!(progress && progress.dataset.words);
    const cancel = document.getElementById("cancel-btn");  /* while waiting for a slot */
    if (cancel && cancel.style.display !== (queued ? "block" : "none")) {
      cancel.style.display = queued ? "block" : "none";
    }
    const running = !!progress && !queued;
    const stop = document.getElementById("stop-btn");  /* while a job runs: refunded */
    if (stop && stop.style.display !== (running ? "block" : "none")) {
      stop.style.display = running ? "block" : "none";
    }
    for (const el of document.querySelectorAll("div.empty[aria-label]:not([role])")) el.setAttribute("role", "img");
    for (const svg of document.querySelectorAll(".vega-embed svg:not([aria-hidden])")) {
      svg.setAttribute("aria-hidden", "true");
      const box = svg.closest(".vega-embed");
      if (box && !box.hasAttribute("role")) {
        box.setAttribute("role", "img");
        box.setAttribute("aria-label", "Chart: " + (svg.getAttribute("aria-label") || "generations per model"));
      }
    }
  }

  /* A handler's AuthError arrives as a toast: treat it the same way. */
  let queued = false;
  new MutationObserver(() => {
    if (queued || ended) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      mend();
      for (const toast of document.querySelectorAll(".toast-body, [data-testid=toast-body]")) {
        if (/session has expired/i.test(toast.textContent || "")) { sessionEnded(); return; }
      }
    });
  }).observe(document.documentElement, {childList: true, subtree: true, characterData: true});

  /* Balance and quote refresh when the tab comes back (an admin may have granted credits). */
  let last = 0;
  const refresh = () => {
    if (document.visibilityState !== "visible" || Date.now() - last < 2000) return;
    last = Date.now();
    const button = document.getElementById("refresh-balance");
    if (button) button.click();
  };
  document.addEventListener("visibilitychange", refresh);
  window.addEventListener("focus", refresh);
  window.addEventListener("resize", priceBar);
})();
