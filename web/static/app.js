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
  // Charts: any element with data-chart holds an ECharts option as JSON.
  function charts() {
    if (!window.echarts) { return; }
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      if (el._chart) { return; }
      var opt = JSON.parse(el.getAttribute("data-chart"));
      var lang = document.documentElement.lang === "en" ? "EN" : "ZH";
      el._chart = window.echarts.init(el, null, { locale: lang });
      el._chart.setOption(opt);
    });
  }
  document.addEventListener("DOMContentLoaded", charts);
  document.addEventListener("htmx:afterSwap", charts);
})();
