// Duty desk: live countdowns to reporting deadlines. Every element with
// data-due (RFC 3339) counts down; the page's data-now (the server's
// clock, which may run on a business date) sets the offset. No inline
// scripts (CSP: script-src 'self').
(function () {
  "use strict";
  var root = document.querySelector("[data-now]");
  var offset = 0;
  if (root) {
    offset = Date.parse(root.getAttribute("data-now")) - Date.now();
  }
  var en = document.documentElement.lang === "en";
  function pad(n) { return n < 10 ? "0" + n : "" + n; }
  function tick() {
    var now = Date.now() + offset;
    document.querySelectorAll("[data-due]").forEach(function (el) {
      var due = Date.parse(el.getAttribute("data-due"));
      if (isNaN(due)) { return; }
      var d = Math.round((due - now) / 1000);
      var late = d < 0;
      if (late) { d = -d; }
      var h = Math.floor(d / 3600), m = Math.floor((d % 3600) / 60), s = d % 60;
      var t = (h > 0 ? h + (en ? "h " : "小时") : "") + pad(m) + (en ? "m " : "分") + pad(s) + (en ? "s" : "秒");
      el.textContent = late ? (en ? "overdue " : "超时 ") + t : (en ? "left " : "剩余 ") + t;
      el.classList.toggle("red", late);
      el.classList.toggle("late", late);
      el.classList.toggle("orange", !late && d < 1800);
    });
  }
  tick();
  window.setInterval(tick, 1000);
})();
