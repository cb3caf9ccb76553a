// Yingji page behaviour: confirmations, the phone navigation toggle and
// job progress polling. No inline scripts (CSP: script-src 'self').
(function () {
  "use strict";
  document.addEventListener("submit", function (e) {
    var f = e.target;
    var msg = f.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) {
      e.preventDefault();
    }
  }, true);
  document.addEventListener("click", function (e) {
    var t = e.target.closest("[data-toggle=nav]");
    if (t) {
      document.body.classList.toggle("nav-open");
    }
  });
  // Filter forms in <details class="filters-toggle">: the summary counts
  // the filters in use, and on a phone the form starts folded.
  function filterToggles() {
    var narrow = window.matchMedia && window.matchMedia("(max-width: 700px)").matches;
    document.querySelectorAll("details.filters-toggle").forEach(function (d) {
      var n = 0;
      d.querySelectorAll("select, input").forEach(function (el) {
        if (el.type === "hidden" || el.type === "submit") { return; }
        if (el.type === "checkbox" || el.type === "radio") {
          if (el.checked) { n++; }
        } else if (el.value) {
          n++;
        }
      });
      var count = d.querySelector(".filters-count");
      if (count) { count.textContent = n ? String(n) : ""; }
      if (narrow) { d.open = false; }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", filterToggles);
  } else {
    filterToggles();
  }
  // Charts: any element with data-chart holds an ECharts option as JSON.
  function charts() {
    if (!window.echarts) { return; }
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      if (el._chart) { return; }
      var opt = JSON.parse(el.getAttribute("data-chart"));
      var lang = document.documentElement.lang === "en" ? "EN" : "ZH";
      el._chart = window.echarts.init(el, null, { locale: lang });
      el._chart.setOption(opt);
      // Drill-down: a click on a bar or point opens the records it counts.
      var links = el.getAttribute("data-links");
      if (links) {
        links = JSON.parse(links);
        el._chart.on("click", function (p) {
          var to = links[p.dataIndex];
          if (to) { window.location.href = to; }
        });
      }
    });
  }
  // The dashboard's wall mode (大屏) refreshes itself and hides the
  // navigation.
  function wall() {
    var el = document.querySelector("[data-refresh]");
    if (!el) { return; }
    document.body.classList.add("wall-mode");
    var secs = parseInt(el.getAttribute("data-refresh"), 10) || 60;
    window.setTimeout(function () { window.location.reload(); }, secs * 1000);
  }
  document.addEventListener("DOMContentLoaded", wall);
  // Logging out empties the pages kept for offline use (the inspection
  // form and list of the user leaving), so that a shared phone shows the
  // next user nothing of theirs without signal. The queue of inspections
  // not yet sent stays: it is work not to be lost.
  function logoutClears() {
    document.querySelectorAll('form[action="/logout"]').forEach(function (f) {
      f.addEventListener("submit", function (e) {
        if (!("caches" in window) || f.dataset.cleared) { return; }
        e.preventDefault();
        window.caches.keys().then(function (keys) {
          return Promise.all(keys.filter(function (k) { return k.indexOf("yingji-") === 0; }).map(function (k) { return window.caches.delete(k); }));
        }).catch(function () {}).then(function () { f.dataset.cleared = "1"; f.submit(); });
      });
    });
  }
  document.addEventListener("DOMContentLoaded", logoutClears);
  // Text fields get the length limit the server applies to their name
  // (internal/textlimit), so the browser stops typing at the limit instead
  // of the server refusing the whole form.
  function textLimits() {
    var raw = document.body && document.body.getAttribute("data-text-limits");
    if (!raw) { return; }
    var limits = JSON.parse(raw);
    document.querySelectorAll("input[name], textarea[name]").forEach(function (el) {
      if (el.hasAttribute("maxlength")) { return; }
      var t = (el.getAttribute("type") || "text").toLowerCase();
      if (el.tagName === "INPUT" && ["text", "tel", "email", "search", "url"].indexOf(t) < 0) { return; }
      var n = limits[el.name.replace(/\[.*$/, "").replace(/^.*\./, "")];
      if (n) { el.setAttribute("maxlength", String(n)); }
    });
  }
  document.addEventListener("DOMContentLoaded", textLimits);
  document.addEventListener("htmx:afterSwap", textLimits);
  document.addEventListener("DOMContentLoaded", charts);
  document.addEventListener("htmx:afterSwap", charts);
})();
