// Draw every <div data-chart="ID"> with the ECharts option in <script type="application/json" id="ID">.
// The options are built on the server (api/web/charts.py); this file only hands them to ECharts.
(function () {
  "use strict";
  function draw() {
    document.querySelectorAll("[data-chart]").forEach(function (box) {
      var source = document.getElementById(box.getAttribute("data-chart"));
      if (!source || !window.echarts) { return; }
      var chart = window.echarts.init(box, null, { renderer: "svg" });
      chart.setOption(JSON.parse(source.textContent));
      box.setAttribute("data-drawn", "true");
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
