// Ember's UI behaviour: theme, time zone, copy buttons, confirmations,
// selections, tabs and the span tree search. Pages work without it; it only
// adds conveniences. Everything is delegated from document, so fragments
// that htmx swaps in need no setup.
(function () {
  "use strict";
  var store = window.localStorage;
  var root = document.documentElement;
  function get(k, d) { try { return store.getItem(k) || d; } catch (e) { return d; } }
  function set(k, v) { try { store.setItem(k, v); } catch (e) {} }

  root.dataset.theme = get("ember-theme", "auto");

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function localize(scope) {
    var utc = get("ember-tz", "local") === "utc";
    (scope || document).querySelectorAll("time[datetime]").forEach(function (el) {
      var d = new Date(el.getAttribute("datetime"));
      if (isNaN(d)) return;
      var s = utc
        ? d.getUTCFullYear() + "-" + pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate()) + " " + pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes()) + ":" + pad(d.getUTCSeconds()) + " UTC"
        : d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " + pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds());
      el.textContent = s;
      el.title = utc ? "UTC" : "local time";
    });
    var b = document.getElementById("tz-toggle");
    if (b) b.textContent = utc ? "UTC" : "Local";
  }

  function copy(text, btn) {
    var done = function () { if (btn) { var t = btn.textContent; btn.textContent = "✓"; setTimeout(function () { btn.textContent = t; }, 900); } };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(done, done);
    } else {
      var ta = document.createElement("textarea");
      ta.value = text; document.body.appendChild(ta); ta.select();
      try { document.execCommand("copy"); } catch (e) {}
      ta.remove(); done();
    }
  }

  function selectionChanged(form) {
    var any = form.querySelector('input[name="span"]:checked, input[name="trace"]:checked');
    form.querySelectorAll("[data-needs-selection]").forEach(function (b) { b.disabled = !any; });
  }

  document.addEventListener("click", function (e) {
    var t = e.target.closest("[data-copy], [data-copy-link], #theme-toggle, #tz-toggle, [data-tab], [data-expand]");
    if (!t) return;
    if (t.hasAttribute("data-copy")) { copy(t.getAttribute("data-copy"), t); }
    else if (t.hasAttribute("data-copy-link")) { copy(location.origin + t.getAttribute("data-copy-link"), t); }
    else if (t.id === "theme-toggle") {
      var next = { auto: "dark", dark: "light", light: "auto" }[root.dataset.theme] || "auto";
      root.dataset.theme = next; set("ember-theme", next); t.title = "Theme: " + next;
    } else if (t.id === "tz-toggle") {
      set("ember-tz", get("ember-tz", "local") === "utc" ? "local" : "utc"); localize();
    } else if (t.hasAttribute("data-tab")) {
      e.preventDefault();
      var art = t.closest("article") || document;
      art.querySelectorAll("[data-tab]").forEach(function (a) { a.classList.toggle("on", a === t); });
      art.querySelectorAll("[data-panel]").forEach(function (p) { p.hidden = p.getAttribute("data-panel") !== t.getAttribute("data-tab"); });
    } else if (t.hasAttribute("data-expand")) {
      t.textContent = "▾";
    }
  });

  document.addEventListener("change", function (e) {
    var t = e.target;
    if (t.matches("[data-autosubmit]")) {
      var custom = t.form.querySelector(".custom");
      if (t.value === "custom") { custom.hidden = false; return; }
      custom.querySelectorAll("input").forEach(function (i) { i.disabled = true; });
      t.form.submit();
    } else if (t.matches("[data-select-all]")) {
      t.form.querySelectorAll('input[name="span"], input[name="trace"]').forEach(function (c) { c.checked = t.checked; });
      selectionChanged(t.form);
    } else if (t.matches('input[name="span"], input[name="trace"]')) {
      selectionChanged(t.form);
    }
  });

  document.addEventListener("submit", function (e) {
    var msg = e.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) e.preventDefault();
  });

  document.addEventListener("input", function (e) {
    if (!e.target.matches(".tree-search")) return;
    var q = e.target.value.toLowerCase();
    e.target.closest(".tree").querySelectorAll("li.node").forEach(function (li) {
      li.classList.toggle("dim", q !== "" && li.getAttribute("data-name").indexOf(q) < 0);
    });
  });

  document.addEventListener("DOMContentLoaded", function () {
    localize();
    document.querySelectorAll(".origin").forEach(function (el) { el.textContent = location.origin; });
    document.querySelectorAll(".origin-url").forEach(function (el) { el.textContent = location.origin + "/v1/traces"; });
  });
  document.addEventListener("htmx:afterSwap", function (e) { localize(e.target.parentNode || document); });
  window.addEventListener("popstate", function () { setTimeout(localize, 0); });
})();
