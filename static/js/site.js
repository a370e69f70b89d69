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

  function currentStep() {
    var active = document.activeElement;
    var step = active && active.closest ? active.closest(".step[data-step]") : null;
    if (step) return step;
    return document.getElementById((location.hash || "#step-1").slice(1));
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    var target = event.target;
    var typing = target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
    if (typing) return;
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
    } else if (event.key === "Enter" && target && target.classList && target.classList.contains("step")) {
      event.preventDefault();
      var button = target.querySelector("button.run-step");
      if (button) button.click();
    }
  });

  document.addEventListener("click", function (event) {
    var copy = event.target.closest && event.target.closest("button[data-copy-target]");
    if (copy) {
      var source = document.getElementById(copy.getAttribute("data-copy-target"));
      if (source && navigator.clipboard) {
        navigator.clipboard.writeText(source.innerText).then(function () {
          var label = copy.textContent;
          copy.textContent = copy.getAttribute("data-copied") || label;
          setTimeout(function () { copy.textContent = label; }, 1500);
        });
      }
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

  window.addEventListener("DOMContentLoaded", function () {
    if (location.hash && /^#step-\d$/.test(location.hash)) {
      var step = document.getElementById(location.hash.slice(1));
      if (step) step.focus({ preventScroll: true });
    }
  });
})();
