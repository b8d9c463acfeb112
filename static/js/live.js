// Live refresh for the plan page and the deal room (plans.live). Every few seconds, while the
// tab is visible, ask the page's stamp URL whether anything changed (If-None-Match: 304 when
// not). On a change, fetch the page and swap its [data-live] regions, except one the person
// is working in: an open editor or comment thread, focus in a text field, typed text not yet
// saved. Such a region is swapped on a later round, once they are done. Nothing runs while
// an htmx request is in flight, and a page fetched while one ran is thrown away, so a
// refresh never undoes a change the person just made. Without JavaScript, a reload does it.
(function () {
  "use strict";
  var status = document.getElementById("live-status");
  if (!status || !window.fetch || !window.DOMParser) return;
  var url = status.getAttribute("data-live-url");
  var etag = status.getAttribute("data-live-etag") || "";
  var every = (parseInt(status.getAttribute("data-live-seconds"), 10) || 5) * 1000;
  var note = status.getAttribute("data-live-note") || "";
  var timer = null, busy = false, stopped = false, pending = [];
  var inflight = 0, generation = 0, hideNote = null;

  // htmx requests of the page: never poll or swap while one runs, and drop pages fetched meanwhile.
  document.addEventListener("htmx:beforeRequest", function () { inflight++; generation++; });
  document.addEventListener("htmx:afterRequest", function () { inflight = Math.max(0, inflight - 1); generation++; });
  document.addEventListener("htmx:afterSettle", function () { generation++; });

  var TEXT = "textarea, select, [contenteditable], input:not([type=hidden]):not([type=button]):not([type=submit]):not([type=reset])";

  function dirty(region) {
    var fields = region.querySelectorAll("input, textarea, select");
    for (var i = 0; i < fields.length; i++) {
      var f = fields[i];
      if (f.type === "hidden" || f.disabled) continue;
      if (f.type === "checkbox" || f.type === "radio") { if (f.checked !== f.defaultChecked) return true; continue; }
      if (f.tagName === "SELECT") {
        // A single select starts at its last option marked selected, or at the first one.
        var initial = 0;
        for (var j = 0; j < f.options.length; j++) {
          var o = f.options[j];
          if (o.defaultSelected) initial = j;
          if (f.multiple && o.selected !== o.defaultSelected) return true;
        }
        if (!f.multiple && f.options.length && f.selectedIndex !== initial) return true;
        continue;
      }
      if (f.value !== f.defaultValue) return true;
    }
    return false;
  }

  // Is someone working in this region? Then leave it alone for now.
  function inUse(region) {
    if (!region.hasAttribute("data-live")) return true; // replaced by an inline editor
    if (region.querySelector(".editor, .thread, details[open], [data-live-busy], .htmx-request")) return true;
    var active = document.activeElement;
    if (active && active !== document.body && region.contains(active) && active.matches(TEXT)) return true;
    return dirty(region);
  }

  // Compare markup without what differs on every render (CSRF tokens).
  function plain(html) {
    return html.replace(/name="csrfmiddlewaretoken" value="[^"]*"/g, "").replace(/\s+/g, " ");
  }

  function focusPath(region) {
    var active = document.activeElement;
    if (!active || active === document.body || !region.contains(active)) return null;
    var anchor = active.closest("[id]");
    if (!anchor || !region.contains(anchor)) return null;
    var focusables = anchor.querySelectorAll("a[href], button, input, select, textarea");
    return { id: anchor.id, index: Array.prototype.indexOf.call(focusables, active) };
  }

  function restoreFocus(path) {
    if (!path) return;
    var anchor = document.getElementById(path.id);
    if (!anchor) return;
    var target = anchor.querySelectorAll("a[href], button, input, select, textarea")[path.index];
    if (target) target.focus({ preventScroll: true });
  }

  function showNote() {
    if (!note) return;
    status.textContent = note;
    status.classList.add("is-shown");
    clearTimeout(hideNote);
    hideNote = setTimeout(function () { status.classList.remove("is-shown"); }, 4000);
  }

  function apply(doc) {
    var swapped = 0, skipped = [];
    doc.querySelectorAll("[data-live][id]").forEach(function (fresh) {
      var current = document.getElementById(fresh.id);
      if (!current) return;
      if (inUse(current)) { skipped.push(fresh.id); return; }
      if (plain(current.outerHTML) === plain(fresh.outerHTML)) return;
      var path = focusPath(current);
      var node = document.importNode(fresh, true);
      current.replaceWith(node);
      if (window.htmx) window.htmx.process(node);
      node.classList.add("live-updated");
      setTimeout(function () { node.classList.remove("live-updated"); }, 1700);
      restoreFocus(path);
      swapped++;
    });
    pending = skipped;
    if (swapped) showNote();
  }

  function refresh(newEtag) {
    var started = generation;
    return fetch(window.location.href, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (response.status === 410) return dead(response);
        if (!response.ok || response.redirected) return;
        return response.text().then(function (html) {
          if (generation !== started || inflight) return; // an htmx swap ran meanwhile: next round
          apply(new DOMParser().parseFromString(html, "text/html"));
          etag = newEtag;
        });
      });
  }

  // The room's link was revoked or expired: show the page that says so, and stop.
  function dead(response) {
    stopped = true;
    return response.text().then(function (html) {
      var doc = new DOMParser().parseFromString(html, "text/html");
      var main = doc.getElementById("main");
      var here = document.getElementById("main");
      if (!main || !here) return;
      here.replaceWith(document.importNode(main, true));
      document.title = doc.title;
      if (window.htmx) window.htmx.process(document.getElementById("main"));
    });
  }

  function ready() {
    return pending.some(function (id) {
      var region = document.getElementById(id);
      return region && !inUse(region);
    });
  }

  function poll() {
    if (stopped || busy || inflight || document.visibilityState === "hidden") return Promise.resolve();
    busy = true;
    return fetch(url, { credentials: "same-origin", cache: "no-store", headers: { "If-None-Match": etag } })
      .then(function (response) {
        // Nothing new, but a region skipped earlier may be free now: bring it up to date.
        if (response.status === 304) return ready() ? refresh(etag) : null;
        if (response.status === 410) return dead(response);
        if (response.status === 404 || response.redirected) { stopped = true; return; }
        if (!response.ok) return;
        return refresh(response.headers.get("ETag") || "");
      })
      .catch(function () { /* offline for a moment: try again next round */ })
      .then(function () { busy = false; });
  }

  function schedule() {
    clearTimeout(timer);
    if (stopped) return;
    timer = setTimeout(function () { poll().then(schedule); }, every);
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") poll().then(schedule);
  });
  window.addEventListener("focus", function () { poll().then(schedule); });
  schedule();
})();
