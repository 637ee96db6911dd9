// CSRF for every HTMX request: Django reads the token from this header.
document.addEventListener("htmx:configRequest", function (e) {
  var t = document.querySelector("meta[name=csrf-token]");
  if (t) { e.detail.headers["X-CSRFToken"] = t.content; }
});
// Charts: a div with data-chart holds the id of a <script type="application/json"> with the option.
function jxCharts(root) {
  (root || document).querySelectorAll("[data-chart]").forEach(function (el) {
    if (el.dataset.drawn) return;
    var src = document.getElementById(el.dataset.chart);
    if (!src || !window.echarts) return;
    var option = JSON.parse(src.textContent);
    var chart = echarts.init(el);
    chart.setOption(option);
    if (el.dataset.drill) {
      chart.on("click", function (p) {
        var name = Array.isArray(p.value) ? option.yAxis.data[p.value[1]] : p.name;
        var m = option.links && option.links[name];
        if (m) { location.href = m; }
      });
    }
    el.dataset.drawn = "1";
    window.addEventListener("resize", function () { chart.resize(); });
  });
}
document.addEventListener("DOMContentLoaded", function () { jxCharts(); });
document.addEventListener("htmx:afterSettle", function (e) { jxCharts(e.target); });
// A form with data-confirm asks before it is sent (an irreversible or weighty step); cancelled, nothing is posted.
document.addEventListener("submit", function (e) {
  var f = e.target;
  if (f && f.dataset && f.dataset.confirm && !window.confirm(f.dataset.confirm)) { e.preventDefault(); }
});
