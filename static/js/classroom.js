// Classes: the presenter's keyboard and position, the followers' live page, the teacher's live view.
// Every form also works without this file (plain posts and redirects); this adds the live part.
(function () {
  "use strict";

  function csrfHeaders() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}"); } catch (e) { return {}; }
  }

  function post(url, data) {
    var headers = Object.assign({ "Accept": "application/json" }, csrfHeaders());
    return fetch(url, { method: "POST", body: data, headers: headers, credentials: "same-origin" });
  }

  function exchangesOf(step) { return Array.prototype.slice.call(step.querySelectorAll(".exchange")); }

  // Marks the step (and exchange) a class is on, in the steps and in the stage's step index (the replay keeps
  // the steps in line with the index); returns the element to bring into view.
  // `byHand`: the reader's own click or focus on the card's summary, which opens or closes it by itself (opened
  // here too, the click's own toggle closed it again at once).
  function markPlace(stepNumber, exchange, byHand) {
    var target = null;
    document.querySelectorAll(".step[data-step], #step-index li[data-step]").forEach(function (el) {
      var here = stepNumber !== null && el.getAttribute("data-step") === String(stepNumber);
      if (here) el.setAttribute("aria-current", "step");
      else el.removeAttribute("aria-current");
      if (here && el.classList.contains("step")) target = el;
    });
    document.querySelectorAll(".exchange.class-here").forEach(function (el) { el.classList.remove("class-here"); });
    if (target && exchange !== null && exchange !== undefined && exchange !== "") {
      var card = exchangesOf(target)[Number(exchange)];
      if (card) {
        card.classList.add("class-here");
        if (card.tagName === "DETAILS" && !byHand) card.open = true;
        target = card;
      }
    }
    return target;
  }

  // The step the page's own replay is on (a follower who explores gets it back).
  function ownStep() {
    var current = document.querySelector("#step-index li[aria-current]");
    return current ? current.getAttribute("data-step") : null;
  }

  function liveEvents(url, handlers) {
    if (!window.EventSource || !url) return null;  // none for a class that has ended: nothing moves any more
    var source = new EventSource(url);
    Object.keys(handlers).forEach(function (kind) {
      source.addEventListener(kind, function (event) { handlers[kind](JSON.parse(event.data || "{}"), source); });
    });
    return source;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  });

  // A class page chooses its sequence by loading again whole (the presenter's choice moves the class). The students'
  // table comes closed on a new page; the teacher who had it open keeps it open across this reload of their own.
  var ROSTER_OPEN = "hellotrace:roster-open:" + location.pathname;
  document.addEventListener("change", function (event) {
    var radio = event.target;
    var url = radio && radio.getAttribute ? radio.getAttribute("data-sequence-reload") : null;
    if (!url) return;
    var roster = document.querySelector("details.roster-details");
    try { if (roster && roster.open) window.sessionStorage.setItem(ROSTER_OPEN, "1"); } catch (e) { /* no storage */ }
    window.location.assign(url + "?sequence=" + encodeURIComponent(radio.value));
  });

  // The class's sequence, as its events give it: a page that shows another one loads again, and the site gives it
  // the class's. Not while a run goes on in the page (the replay keeps its sequence until the run is over): once it
  // is. A page just loaded for that sequence that could not take it (a run started meanwhile elsewhere) waits a
  // little before trying again. The function returned takes the sequence to show, or null when the page is free.
  function sequenceFollower(panel, beforeReload) {
    var wanted = null;
    var key = "hellotrace:sequence-for:" + location.pathname;
    function check() {
      var shown = panel.getAttribute("data-sequence");  // none once the class has ended: nothing moves it then
      if (!wanted || !shown || wanted === shown || document.querySelector("#live .live-run")) return;
      var tried = null;
      try { tried = JSON.parse(window.sessionStorage.getItem(key) || "null"); } catch (e) { /* no storage */ }
      if (tried && tried.sequence === wanted && Date.now() - tried.at < 3000) return;
      try { window.sessionStorage.setItem(key, JSON.stringify({ sequence: wanted, at: Date.now() })); } catch (e) { /* no storage */ }
      if (beforeReload) beforeReload();
      window.location.assign(location.pathname);
    }
    // A run's end replaces its live part out of band.
    document.body.addEventListener("htmx:oobAfterSwap", check);
    document.body.addEventListener("htmx:afterSettle", check);
    return function (sequence) { wanted = sequence || null; check(); };
  }

  // --- the presenter ---------------------------------------------------------------------------------
  function startPresenter(panel) {
    var positionUrl = panel.getAttribute("data-position-url");
    var sent = "";
    // This tab's name in its posts: the teacher's other tabs (the projector, a laptop) follow its moves, and it
    // does not follow its own news back.
    var tab = Math.random().toString(36).slice(2, 12) || "tab";
    // The presenter's posts leave one at a time, in order: two in flight could be served in either order, and
    // the class would stay on an earlier place (or setting) than the teacher's screen shows.
    var queue = Promise.resolve();
    function inOrder(send) {
      var done = queue.then(send);
      queue = done.catch(function () { return null; });
      return done;
    }
    // An ended class refuses to move (409): this tab was left open, the page as it ended says so.
    function unlessEnded(response) {
      if (response && response.status === 409) window.location.reload();
      return response;
    }

    // Of the places chosen while a position post waits its turn, only the latest is sent.
    var waiting = null;
    function sendPosition(place) {
      var queued = waiting !== null;
      waiting = place;
      if (queued) return;
      inOrder(function () {
        var data = new FormData();
        data.append("step", waiting.step);
        data.append("exchange", waiting.exchange);
        data.append("tab", tab);
        waiting = null;
        return post(positionUrl, data).then(unlessEnded);
      });
    }

    function placeOf(el) {
      var step = el && el.closest ? el.closest(".step[data-step]") : null;
      if (!step) return null;
      var card = el.closest(".exchange");
      var index = card ? exchangesOf(step).indexOf(card) : -1;
      return { step: step.getAttribute("data-step"), exchange: index >= 0 ? String(index) : "" };
    }

    // What is said before the lesson starts folds into its line, once (opened again, it stays open): the join box,
    // large while students join, at the teacher's first move or run; whether the room reaches the class, once
    // someone has joined (as it comes on a new page).
    function foldOnce(selector) {
      var folded = false;
      return function () {
        if (folded) return;
        folded = true;
        var box = document.querySelector(selector);
        if (box) box.open = false;
      };
    }
    var foldJoinBox = foldOnce("details.join-box");
    var foldReachWarning = foldOnce("details.room-reach");

    function share(place, byHand) {
      if (!place) return;
      markPlace(place.step, place.exchange, byHand);
      var key = place.step + ":" + place.exchange;
      if (key === sent) return;
      sent = key;
      foldJoinBox();
      sendPosition(place);
    }

    function onSummary(event) { return Boolean(event.target && event.target.closest && event.target.closest("summary")); }
    document.addEventListener("focusin", function (event) { share(placeOf(event.target), onSummary(event)); });
    // An arrow of the sequence diagram leads to its exchange's card (#ex-…): that card is where the class goes.
    window.addEventListener("hashchange", function () {
      var card = /^#ex-[\w-]+$/.test(location.hash) ? document.getElementById(location.hash.slice(1)) : null;
      if (card) share(placeOf(card));
    });
    document.addEventListener("click", function (event) { share(placeOf(event.target), onSummary(event)); });

    // Space and → go to the next exchange or step, ← back; R resets, F turns following on or off.
    function move(delta) {
      var items = Array.prototype.slice.call(document.querySelectorAll(".step[data-step], .step[data-step] .exchange"));
      if (!items.length) return;
      var active = document.activeElement;
      var here = active && active.closest ? (active.closest(".exchange") || active.closest(".step[data-step]")) : null;
      // Nothing of the replay has the focus (a reload, a click beside it): go on from where the class is.
      if (items.indexOf(here) < 0) here = document.querySelector(".exchange.class-here, .step[data-step][aria-current]");
      var index = items.indexOf(here);
      var next = items[Math.max(0, Math.min(items.length - 1, index < 0 ? 0 : index + delta))];
      if (!next.hasAttribute("tabindex")) next.setAttribute("tabindex", "-1");
      next.focus({ preventScroll: true });
      next.scrollIntoView({ block: "start" });
    }

    // A button clicked with the mouse gives the focus back: the keys then lead the class, not press it again
    // (Space on a focused "Run step 1" would run step 1 again). A button reached with the keyboard keeps it.
    // After its form went: htmx forgets which button was clicked when it loses the focus.
    document.addEventListener("click", function (event) {
      var button = event.target && event.target.closest ? event.target.closest("button") : null;
      if (button && event.detail > 0) setTimeout(function () { button.blur(); }, 0);
    });

    window.addEventListener("keydown", function (event) {
      if (event.altKey || event.ctrlKey || event.metaKey) return;
      var target = event.target;
      if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
      // On a button the keyboard reached, Space and Enter press it; the arrows, R and F still lead the class.
      if (target && target.tagName === "BUTTON" && (event.key === " " || event.key === "Enter")) return;
      // A run going step by step waits for Next: Space is the replay's then (site.js), as on its own page, and →
      // presses Next too ("next exchange"): moving the class ahead of the run would show steps nothing has sent.
      var pace = document.getElementById("pace");
      var next = pace && pace.getAttribute("data-pace") === "step" ? pace.querySelector("button.next") : null;
      if (event.key === " " && next && !next.disabled) return;
      if (event.key === "ArrowRight" && next && !next.disabled) {
        event.preventDefault();
        event.stopPropagation();
        next.click();
        return;
      }
      var handled = true;
      if (event.key === " " || event.key === "ArrowRight") move(1);
      else if (event.key === "ArrowLeft") move(-1);
      else if (event.key === "r" || event.key === "R") { var reset = document.querySelector("button.reset"); if (reset) reset.click(); }
      else if (event.key === "f" || event.key === "F") { var toggle = document.querySelector("button.follow-toggle"); if (toggle) toggle.click(); }
      else handled = false;
      if (handled) { event.preventDefault(); event.stopPropagation(); }
    }, true);

    // Follow and names toggles post in place; the roster comes back by itself through the teacher's events.
    // The follow button turns at once, so that a second press (F, F) asks for the other setting, not the same.
    function showFollow(input, button, on) {
      input.value = on ? "off" : "on";
      button.setAttribute("aria-pressed", String(on));
      button.textContent = button.getAttribute(on ? "data-label-on" : "data-label-off");
    }
    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (!form.hasAttribute("data-presenter-form") || event.defaultPrevented) return;
      event.preventDefault();
      var data = new FormData(form);
      data.append("tab", tab);
      var input = form.querySelector("input[name=follow]");
      var button = form.querySelector("button.follow-toggle");
      var asked = input ? input.value : null;
      if (input && button) showFollow(input, button, asked === "on");
      inOrder(function () { return post(form.action, data).then(unlessEnded); }).then(function (response) {
        var sent = form.querySelector(".push-sent");
        if (response.ok && sent) {
          var chosen = form.querySelector("select");
          sent.textContent = sent.getAttribute("data-label") + " " + chosen.options[chosen.selectedIndex].text;
        }
        if (response.ok || response.status === 409) return;
        if (input && button) showFollow(input, button, asked !== "on");
        form.submit();  // the page of the error says why
      }, function () {
        if (input && button) showFollow(input, button, asked !== "on");
      });
    });

    // A step the teacher's run starts (Run all goes through the four) is where the class goes: the run's events
    // swap in the step index naming the step that started.
    // A tab reloaded to join its sibling's run leaves the lead to that tab: it follows the class's place from the
    // teacher's events (the same run, replayed here, would otherwise send each place again and never scroll).
    var followingSibling = false;
    // Only a run a presenter tab started leads the class. The teacher's own replay page shares this replay: a
    // presenter loaded while a run started there goes on shows that run and leaves the class where it is. The id
    // of each run a presenter starts is kept for the teacher's other tabs (localStorage is the browser's).
    var ledRunKey = "hellotrace:presenter-run:" + positionUrl;
    function keepLedRun(event) {
      var found = /data-run="([^"]+)"/.exec((event.detail.xhr && event.detail.xhr.responseText) || "");
      if (!found) return;
      try { window.localStorage.setItem(ledRunKey, found[1]); } catch (e) { /* no storage: see below */ }
    }
    function ledByAPresenter(run) {
      try { return window.localStorage.getItem(ledRunKey) === run; } catch (e) { return true; }  // as before
    }
    document.body.addEventListener("htmx:oobAfterSwap", function (event) {
      var index = event.target;
      var started = index && index.id === "step-index" && index.isConnected ? index.getAttribute("data-started") : null;
      if (started && !followingSibling) share({ step: started, exchange: "" });
    });
    // The teacher's other presenter tabs in this browser (the projector beside a laptop) share its replay: when
    // this one starts a run or resets, they load the page again, which joins the run going on.
    var siblings = window.BroadcastChannel ? new window.BroadcastChannel("hellotrace:" + positionUrl) : null;
    // A reload keeps the scroll where it was: a tab reloaded for its sibling's run goes to the class's place
    // once loaded (and on to where the run takes the class, through the teacher's events).
    var reloadedForRun = "hellotrace:reloaded-for-run:" + positionUrl;
    if (siblings) {
      siblings.onmessage = function () {
        try { window.sessionStorage.setItem(reloadedForRun, "1"); } catch (e) { /* private mode: stays put */ }
        window.location.reload();
      };
    }
    document.body.addEventListener("htmx:afterRequest", function (event) {
      var path = (event.detail.pathInfo && event.detail.pathInfo.requestPath) || "";
      if (!event.detail.successful || !/\/replay\/(run|reset)$/.test(path)) return;
      if (/\/run$/.test(path)) keepLedRun(event);
      if (!siblings) return;
      followingSibling = false;  // this tab leads from now on
      siblings.postMessage("replay");
    });
    document.body.addEventListener("htmx:beforeRequest", function (event) {
      var path = (event.detail.pathInfo && event.detail.pathInfo.requestPath) || "";
      if (/\/replay\/run$/.test(path)) foldJoinBox();
    });
    // Reset (R) and runs redraw the replay: the class's place stays marked on the teacher's screen.
    function markClassPlace() { markPlace(sent.split(":")[0], sent.split(":")[1]); }
    document.body.addEventListener("htmx:afterSettle", markClassPlace);
    document.body.addEventListener("htmx:oobAfterSwap", markClassPlace);

    var roster = document.getElementById("class-roster");
    var rosterUrl = panel.getAttribute("data-roster-url");
    try {
      if (window.sessionStorage.getItem(ROSTER_OPEN)) {
        window.sessionStorage.removeItem(ROSTER_OPEN);
        var table = roster && roster.querySelector("details.roster-details");
        if (table) table.open = true;
      }
    } catch (e) { /* no storage: it comes closed, as on any load */ }
    var pending = null;
    var lastRoster = null;
    // Loaded again for the sequence another tab chose, this one goes to the class's place, as for a run.
    var followSequence = sequenceFollower(panel, function () {
      try { window.sessionStorage.setItem(reloadedForRun, "1"); } catch (e) { /* private mode: stays put */ }
    });
    liveEvents(panel.getAttribute("data-teacher-events"), {
      // Another of the teacher's tabs moved the class, turned following or chose the sequence: this one shows it too.
      position: function (data) {
        followSequence(data.sequence);
        if (data.by === tab) return;
        var toggle = document.querySelector("button.follow-toggle");
        if (toggle) showFollow(toggle.form.querySelector("input[name=follow]"), toggle, data.follow);
        var key = data.step + ":" + (data.exchange === null || data.exchange === undefined ? "" : data.exchange);
        if (key === sent) return;
        sent = key;
        var target = markPlace(String(data.step), sent.split(":")[1]);
        if (target) target.scrollIntoView({ block: "start" });
      },
      // The page as it ended says so at its top: the reload starts there, not where this tab was scrolled.
      ended: function () {
        if ("scrollRestoration" in window.history) window.history.scrollRestoration = "manual";
        window.location.reload();
      },
      roster: function () {
        if (pending) return;
        pending = setTimeout(function () {
          pending = null;
          fetch(rosterUrl, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.text() : null; })
            .then(function (html) {
              // Swapped only when something changed: the idle refresh must not disturb a reader of the table. Its
              // form's CSRF token is signed anew on every load, so it does not count as a change.
              var content = html === null ? null : html.replace(/name="csrf_token" value="[^"]*"/g, "");
              if (content === null || !roster || content === lastRoster) return;
              // The students' table stays open if the teacher opened it (it comes closed, as on a new page).
              var details = roster.querySelector("details.roster-details");
              var open = Boolean(details && details.open);
              // And the control the teacher's keyboard is on keeps the focus (its element is replaced).
              var focused = roster.contains(document.activeElement) ? document.activeElement : null;
              var focusedClass = focused && focused.classList.length ? focused.classList[0] : null;
              var summaryFocused = Boolean(focused && focused.tagName === "SUMMARY");
              roster.innerHTML = html;
              lastRoster = content;
              details = roster.querySelector("details.roster-details");
              if (details && open) details.open = true;
              var again = summaryFocused ? roster.querySelector("summary")
                : focusedClass ? roster.querySelector("." + focusedClass) : null;
              if (again) again.focus({ preventScroll: true });
              if (roster.querySelector(".roster-table tbody tr")) foldReachWarning();
            });
        }, 150);
      },
    });
    sent = panel.getAttribute("data-step-now") + ":" + panel.getAttribute("data-exchange-now");
    var reloaded = null;
    try {
      reloaded = window.sessionStorage.getItem(reloadedForRun);
      window.sessionStorage.removeItem(reloadedForRun);
    } catch (e) { /* no storage: the tab stays where it was */ }
    var place = markPlace(sent.split(":")[0], sent.split(":")[1]);
    if (reloaded && place) place.scrollIntoView({ block: "start" });
    var going = document.querySelector("#live .live-run[data-run]");
    followingSibling = Boolean(reloaded) || Boolean(going && !ledByAPresenter(going.getAttribute("data-run")));
  }

  // --- a student following ---------------------------------------------------------------------------
  function startFollower(panel) {
    var following = panel.getAttribute("data-following") === "true";
    var status = panel.querySelector(".follow-status");
    var pushed = document.getElementById("pushed");
    var position = null;
    var own = ownStep();
    var ended = false;

    function label(name) { return panel.getAttribute("data-label-" + name) || ""; }

    // The panel sticks to the top of the screen: whatever the page scrolls into view (the teacher's step, a
    // pushed question, the student's own keys) lands below it, whatever height its text takes on this screen.
    function keepBelowPanel() {
      document.documentElement.style.scrollPaddingTop = (panel.offsetHeight + 8) + "px";
    }
    keepBelowPanel();
    window.addEventListener("resize", keepBelowPanel);

    // The teacher's new sequence loads the page again: answers chosen in the pushed question but not yet sent are
    // kept for the page that comes back (it draws the same question), not lost to the reload.
    var choicesKey = "hellotrace:pushed-choices:" + location.pathname;
    function keepChoices() {
      if (!pushed) return;
      var kept = [];
      pushed.querySelectorAll(".question[id] input[name]").forEach(function (input) {
        var question = input.closest(".question").id;
        if (input.type === "radio" && input.checked) kept.push([question, input.name, input.value, "radio"]);
        else if (input.type === "text" && input.value) kept.push([question, input.name, input.value, "text"]);
      });
      try { window.sessionStorage.setItem(choicesKey, JSON.stringify(kept)); } catch (e) { /* no storage */ }
    }
    (function restoreChoices() {
      var kept = null;
      try {
        kept = JSON.parse(window.sessionStorage.getItem(choicesKey) || "null");
        window.sessionStorage.removeItem(choicesKey);
      } catch (e) { /* no storage */ }
      if (!pushed || !Array.isArray(kept)) return;
      kept.forEach(function (one) {
        var question = document.getElementById(one[0]);
        if (!question || !pushed.contains(question)) return;
        question.querySelectorAll("input[name]").forEach(function (input) {
          if (input.name !== one[1]) return;
          if (one[3] === "radio" && input.type === "radio" && input.value === one[2]) input.checked = true;
          if (one[3] === "text" && input.type === "text") input.value = one[2];
        });
      });
    })();
    var followSequence = sequenceFollower(panel, keepChoices);

    // Once the student ran the teacher's step, the cue says so rather than asking for it again.
    function followingCue() {
      var ran = document.querySelector("#step-" + position.step + "-status .ok");
      return label("following") + " " + label(ran ? "step-done" : "step").replace("{n}", position.step);
    }

    function apply(bringIntoView) {
      if (ended) { followSequence(null); markPlace(own, null); return; }
      if (!position || !status) return;
      var target = null;
      // The teacher's sequence too, while following: a page on the other one loads again with it.
      followSequence(following && position.follow ? position.sequence : null);
      if (following && position.follow) {
        target = markPlace(position.step, position.exchange);
        status.textContent = followingCue();
      } else {
        markPlace(own, null);
        status.textContent = following ? label("paused") : label("exploring");
      }
      // While the teacher has paused following there is nothing to leave: the status already says explore.
      panel.querySelectorAll("button.explore").forEach(function (b) { b.hidden = !following || !position.follow; });
      panel.querySelectorAll("button.rejoin").forEach(function (b) { b.hidden = following; });
      keepBelowPanel();  // its text just changed
      if (target && bringIntoView) target.scrollIntoView({ block: "start" });
    }

    // A page loaded while the teacher's question waits for this student's answer shows the question first: on a
    // phone the teacher's step is a screen below it, and the question asks for now.
    var loaded = true;
    function questionWaiting() {
      var result = pushed ? pushed.querySelector(".question .quiz-result") : null;
      return Boolean(result && !result.textContent.trim());
    }

    liveEvents(panel.getAttribute("data-class-events"), {
      position: function (data) {
        position = data;
        var question = loaded && questionWaiting();
        loaded = false;
        apply(!question);
        if (question) pushed.scrollIntoView({ block: "start" });
      },
      pushed: function (data) {
        if (!pushed || (data.at && data.at === pushed.getAttribute("data-pushed-at"))) return;  // shown already
        fetch(panel.getAttribute("data-pushed-url"), { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.text() : null; })
          .then(function (html) {
            if (html === null) return;
            pushed.setAttribute("data-pushed-at", data.at || "");
            pushed.innerHTML = html;
            if (window.htmx) window.htmx.process(pushed);
            pushed.scrollIntoView({ block: "start" });  // on a phone the teacher's step may be a screen away
          });
      },
      // This student chose, in another of their tabs: this one shows the same choice.
      following: function (data) {
        if (ended || String(data.student) !== panel.getAttribute("data-student") || data.following === following) return;
        following = data.following;
        apply(true);
      },
      ended: function (data, source) {
        source.close();
        ended = true;
        followSequence(null);
        markPlace(own, null);
        if (status) { status.textContent = label("ended"); status.classList.add("flash"); }
        panel.querySelectorAll(".follow-buttons").forEach(function (el) { el.hidden = true; });
        if (pushed) pushed.innerHTML = "";  // it asked for now; the class is over
        keepBelowPanel();
      },
    });

    // The student's own runs and reset redraw the step index with their replay's step: that is the step to go
    // back to when they explore or the teacher pauses; while they follow, the teacher's place is marked again.
    function ownStepRedrawn(event) {
      var swapped = event.target;
      if (!swapped || !(swapped.id === "step-index" || (swapped.querySelector && swapped.querySelector("#step-index")))) return;
      own = ownStep();
      apply(false);
    }
    document.body.addEventListener("htmx:afterSettle", ownStepRedrawn);
    document.body.addEventListener("htmx:oobAfterSwap", ownStepRedrawn);
    // A run's statuses come out of band (htmx names the live part as the swapped element, not the status): after
    // each, the cue is written again, in case the student just ran the teacher's step.
    document.body.addEventListener("htmx:oobAfterSwap", function () {
      if (ended || !status || !position || !following || !position.follow) return;
      var cue = followingCue();
      if (status.textContent !== cue) status.textContent = cue;  // a live region: said again only when it changes
    });

    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (!form.hasAttribute("data-follow-form")) return;
      event.preventDefault();
      post(form.action, new FormData(form)).then(function (response) {
        if (response.status === 409) { window.location.reload(); return null; }  // the class has ended
        if (!response.ok) { form.submit(); return null; }
        return response.json();
      }).then(function (answer) {
        if (!answer) return;
        following = answer.following;
        position = answer.position;
        apply(true);
      });
    });
  }

  window.addEventListener("DOMContentLoaded", function () {
    var presenter = document.querySelector("[data-presenter]");
    if (presenter) startPresenter(presenter);
    var follower = document.querySelector("[data-class-events]");
    if (follower) startFollower(follower);
  });
})();
