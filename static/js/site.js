// hellotrace's small behaviours: copy buttons, pretty/raw toggles, and keyboard navigation between steps.
// Everything works without this file; it only adds comfort.
(function () {
  "use strict";

  function steps() {
    return Array.prototype.slice.call(document.querySelectorAll(".step[data-step]"));
  }

  function focusStep(step) {
    if (!step) return;
    step.focus({ preventScroll: false });
    step.scrollIntoView({ block: "start", behavior: "smooth" });
    if (history.replaceState) history.replaceState(null, "", "#" + step.id);
  }

  // The step the keys act from: the focused one, else the one the page marks as current (the class's or the run's),
  // else the address's, else step 1.
  function currentStep() {
    var active = document.activeElement;
    var step = active && active.closest ? active.closest(".step[data-step]") : null;
    return step || document.querySelector(".step[data-step][aria-current]")
      || document.getElementById((location.hash || "#step-1").slice(1));
  }

  // The sequence diagram: arrows (links) in order; ↑/↓ (and ←/→ while one has focus) move between them.
  function arrows(from) {
    var svg = from.closest("svg.sequence-diagram");
    return svg ? Array.prototype.slice.call(svg.querySelectorAll("a[href]")) : [];
  }

  // The diagram's box takes the focus first (it scrolls): ↓ and ↑ from there go to its first and last arrows.
  function intoDiagram(event, target) {
    if (!target || target.id !== "diagram" || (event.key !== "ArrowDown" && event.key !== "ArrowUp")) return false;
    var list = Array.prototype.slice.call(target.querySelectorAll("svg.sequence-diagram a[href]"));
    if (!list.length) return false;
    event.preventDefault();
    list[event.key === "ArrowDown" ? 0 : list.length - 1].focus();
    return true;
  }

  function onDiagramKey(event, target) {
    var list = arrows(target);
    var index = list.indexOf(target);
    if (index < 0) return false;
    var delta = { ArrowDown: 1, ArrowRight: 1, j: 1, ArrowUp: -1, ArrowLeft: -1, k: -1 }[event.key];
    if (event.key === "Home") delta = -index;
    if (event.key === "End") delta = list.length - 1 - index;
    if (delta === undefined) return false;
    event.preventDefault();
    var next = list[Math.max(0, Math.min(list.length - 1, index + delta))];
    next.focus();
    next.scrollIntoView({ block: "nearest" });
    return true;
  }

  // Step by step: Space (outside buttons, links and fields) presses Next.
  function pressNext(event, target) {
    if (event.key !== " " || (target && /^(BUTTON|A|SUMMARY)$/.test(target.tagName))) return false;
    var form = document.getElementById("pace");
    var next = form && form.getAttribute("data-pace") === "step" ? form.querySelector("button.next") : null;
    if (!next || next.disabled) return false;
    event.preventDefault();
    next.click();
    return true;
  }

  // While a run draws itself, the diagram's box keeps its newest arrow (or the one waiting for Next) in
  // sight, unless the reader is moving through the arrows. Called on every change of the page.
  var followed = null;
  function followDiagram() {
    var box = document.getElementById("diagram");
    if (!box || box.getAttribute("data-follow") === "no") return;
    if (box.contains(document.activeElement) && document.activeElement !== box) return;
    var arrows = box.querySelectorAll("a[data-exchange], a[data-continues]");
    var mark = box.querySelector("a.state-pending") || arrows[arrows.length - 1];
    if (!mark) return;
    var top = mark.getBoundingClientRect().top - box.getBoundingClientRect().top + box.scrollTop;
    var bottom = top + mark.getBoundingClientRect().height;
    // Followed once per drawing of the mark: a reader who scrolls the box stays where they went.
    var key = [mark.getAttribute("href"), mark.getAttribute("class"), Math.round(top), Math.round(bottom)].join(" ");
    if (key === followed) return;
    followed = key;
    if (bottom > box.scrollTop + box.clientHeight) box.scrollTop = bottom - box.clientHeight + 16;
    else if (top < box.scrollTop) box.scrollTop = Math.max(0, top - 16);
  }

  // A run started step by step hands the focus to Next, so that Space (or Enter) sends each exchange.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (!event.target || event.target.id !== "live" || !event.target.querySelector(".live-run")) return;
    syncBusy();  // before the DOM's watcher gets to it: Next is on from now
    var form = document.getElementById("pace");
    var next = form && form.getAttribute("data-pace") === "step" ? form.querySelector("button.next") : null;
    if (next && !next.disabled) next.focus();
  });

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    var target = event.target;
    var typing = target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
    if (typing) return;
    if (target && target.closest && target.closest("svg.sequence-diagram") && onDiagramKey(event, target)) return;
    if (intoDiagram(event, target)) return;
    if (pressNext(event, target)) return;
    var list = steps();
    if (!list.length) return;
    var here = currentStep();
    var index = Math.max(0, list.indexOf(here));
    if (event.key === "ArrowRight" || event.key === "j") {
      event.preventDefault();
      focusStep(list[Math.min(list.length - 1, index + (list.indexOf(here) < 0 ? 0 : 1))]);
    } else if (event.key === "ArrowLeft" || event.key === "k") {
      event.preventDefault();
      focusStep(list[Math.max(0, index - 1)]);
    } else if (event.key === "Enter" && target && (target === document.body || (target.classList && target.classList.contains("step")))) {
      // On a step, or with nothing focused (a page just loaded, a projector nobody clicked on): the current step.
      event.preventDefault();
      var button = here && here.querySelector("button.run-step");
      if (button) button.click();
    }
  });

  // The Clipboard API only exists on https and localhost; a class served over plain http on the LAN
  // gets the older selection-based copy instead.
  function copyText(source, button) {
    var done = function () {
      var label = button.getAttribute("data-label") || button.textContent;
      button.setAttribute("data-label", label);
      button.textContent = button.getAttribute("data-copied") || label;
      setTimeout(function () { button.textContent = label; }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(source.innerText).then(done, function () { selectionCopy(source) && done(); });
    } else if (selectionCopy(source)) {
      done();
    }
  }

  function selectionCopy(source) {
    var range = document.createRange();
    range.selectNodeContents(source);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    // Leave the text selected when copying failed, so Ctrl+C still works.
    if (ok) selection.removeAllRanges();
    return ok;
  }

  document.addEventListener("click", function (event) {
    var copy = event.target.closest && event.target.closest("button[data-copy-target]");
    if (copy) {
      var source = document.getElementById(copy.getAttribute("data-copy-target"));
      if (source) copyText(source, copy);
      return;
    }
    var arrow = event.target.closest && event.target.closest("svg.sequence-diagram a[href]");
    if (arrow) {
      var card = document.getElementById((arrow.getAttribute("href") || "").slice(1));
      if (card && card.tagName === "DETAILS") card.open = true;
      return;
    }
    var fold = event.target.closest && event.target.closest("button[data-fold]");
    if (fold) {
      var open = fold.getAttribute("data-fold") === "open";
      document.querySelectorAll("details.exchange").forEach(function (d) { d.open = open; });
      return;
    }
    var view = event.target.closest && event.target.closest("button[data-view]");
    if (view) {
      var box = view.closest("[data-views]");
      var wanted = view.getAttribute("data-view");
      box.querySelectorAll("button[data-view]").forEach(function (b) {
        b.setAttribute("aria-pressed", String(b === view));
      });
      box.querySelectorAll("[data-view-pane]").forEach(function (pane) {
        pane.hidden = pane.getAttribute("data-view-pane") !== wanted;
      });
    }
  });

  // A form marked data-remember keeps what was typed in it for this tab (sessionStorage): a reload gives it
  // back, and the form recomputes as if typed again. A link that fills the form (its address has a query)
  // wins over what was kept.
  function rememberForm(form) {
    var key = "hellotrace:" + form.getAttribute("data-remember");
    function fields() {  // looked up each time: htmx may swap a field in anew (the lab's Fix it)
      return Array.prototype.filter.call(form.elements, function (el) {
        return el.name && (el.tagName === "TEXTAREA" || (el.tagName === "INPUT" && el.type === "text"));
      });
    }
    function keep() {
      var values = {};
      fields().forEach(function (el) { values[el.name] = el.value; });
      try { window.sessionStorage.setItem(key, JSON.stringify(values)); } catch (error) { /* full or refused */ }
    }
    var kept = null;
    try { kept = JSON.parse(window.sessionStorage.getItem(key) || "null"); } catch (error) { kept = null; }
    if (kept && !window.location.search) {
      var changed = fields().filter(function (el) {
        if (!Object.prototype.hasOwnProperty.call(kept, el.name) || el.value === kept[el.name]) return false;
        el.value = kept[el.name];
        return true;
      });
      // Once htmx listens (it starts on DOMContentLoaded, after this file has run).
      if (changed.length) window.addEventListener("load", function () {
        changed[0].dispatchEvent(new Event("input", { bubbles: true }));
      });
    }
    form.addEventListener("input", keep);
    document.body.addEventListener("htmx:afterSettle", keep);
  }
  document.querySelectorAll("form[data-remember]").forEach(rememberForm);

  // htmx leaves error answers out of the page. The site marks the ones that explain themselves (an expired
  // form, a missing session) with HX-Retarget: those replace the page's content, so the reader sees why.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (xhr.status >= 400 && xhr.getResponseHeader("HX-Retarget")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // Hints about keyboard shortcuts only make sense when this file runs; htmx:load also covers the page
  // content htmx swaps in (changing the sequence reloads the body).
  function revealScripted(root) {
    if (!root.querySelectorAll) return;
    if (root.hasAttribute && root.hasAttribute("data-needs-script")) root.hidden = false;
    root.querySelectorAll("[data-needs-script]").forEach(function (el) { el.hidden = false; });
  }
  document.addEventListener("htmx:load", function (event) { revealScripted(event.target); });

  // While a run streams in, the site refuses Reset (409) and htmx would drop that answer silently:
  // the button is disabled until the run is over instead.
  function syncBusy() {
    var running = !!document.querySelector("#live .live-run");
    document.querySelectorAll("button.reset").forEach(function (button) { button.disabled = running; });
    // Why Reset is greyed out, only while it is (a paused run keeps it so until resumed).
    document.querySelectorAll(".reset-waits").forEach(function (note) { note.hidden = !running; });
    // The sequence too waits for the run: the replay would keep the one it runs, and the page come back unchanged.
    document.querySelectorAll("fieldset.sequences").forEach(function (set) { set.disabled = running; });
    document.querySelectorAll(".sequence-waits").forEach(function (note) { note.hidden = !running; });
    // Next lets go an exchange a run holds back: with no run going there is none, so it is off, and Space
    // moves through the replay instead (on the presenter, it leads the class).
    var pace = document.getElementById("pace");
    var next = pace ? pace.querySelector("button.next") : null;
    if (next) next.disabled = pace.getAttribute("data-pace") !== "step" || !running;
    syncCurrentStep();
    // After htmx has settled the swap (the drawing's final height is known only then).
    clearTimeout(followDiagram.timer);
    followDiagram.timer = setTimeout(followDiagram, 60);
  }
  // #live changes by plain swaps, by out-of-band swaps from the event stream (whose events do not always
  // reach the document) and with the whole body when the sequence changes: watching the DOM catches all.
  window.addEventListener("DOMContentLoaded", function () {
    if (window.MutationObserver) new MutationObserver(syncBusy).observe(document.body, { childList: true, subtree: true });
    syncBusy();
  });

  // A step's permalink (#step-2), opened or clicked, makes that step the focused one, so that the arrows
  // and Enter carry on from there.
  // An arrow of the diagram leads to its exchange: the card opens there.
  function focusStepInHash() {
    if (location.hash && /^#step-\d$/.test(location.hash)) {
      var step = document.getElementById(location.hash.slice(1));
      if (step) step.focus({ preventScroll: true });
    }
    var card = location.hash && /^#ex-[\w-]+$/.test(location.hash) ? document.getElementById(location.hash.slice(1)) : null;
    if (card && card.tagName === "DETAILS") card.open = true;
  }

  // The step index says which step is current (it is swapped in as a run moves on): the step follows it.
  function syncCurrentStep() {
    var current = document.querySelector("#step-index li[aria-current]");
    var number = current ? current.getAttribute("data-step") : null;
    steps().forEach(function (step) {
      if (step.getAttribute("data-step") === number) step.setAttribute("aria-current", "step");
      else step.removeAttribute("aria-current");
    });
  }
  window.addEventListener("hashchange", focusStepInHash);

  window.addEventListener("DOMContentLoaded", function () {
    revealScripted(document);
    focusStepInHash();
  });
})();
