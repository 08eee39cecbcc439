/* Staffdesk trend chart: a styled tooltip for the server-rendered SVG (campaigns/report.html).
 * The chart is complete without this file: every point carries a <title> (the browser's own
 * tooltip) and the table below the chart has every value. This adds a tooltip that shows at
 * once, follows the pointer and keyboard focus. No dependencies, no network. */
(function () {
  "use strict";
  function setUp(figure) {
    var svg = figure.querySelector("svg.trend");
    if (!svg) { return; }
    var tip = document.createElement("div");
    tip.className = "chart-tooltip";
    tip.setAttribute("role", "status");
    tip.setAttribute("data-testid", "chart-tooltip");
    tip.hidden = true;
    figure.appendChild(tip);
    function show(point) {
      tip.textContent = point.getAttribute("data-tip");
      tip.hidden = false;
      var box = figure.getBoundingClientRect();
      var dot = point.getBoundingClientRect();
      var left = dot.left - box.left + dot.width / 2 - tip.offsetWidth / 2;
      tip.style.left = Math.max(0, Math.min(left, box.width - tip.offsetWidth)) + "px";
      tip.style.top = Math.max(0, dot.top - box.top - tip.offsetHeight - 8) + "px";
    }
    function hide() { tip.hidden = true; }
    var points = svg.querySelectorAll("circle.point");
    for (var i = 0; i < points.length; i++) {
      var point = points[i];
      point.setAttribute("tabindex", "0");
      point.addEventListener("mouseenter", function (event) { show(event.currentTarget); });
      point.addEventListener("focus", function (event) { show(event.currentTarget); });
      point.addEventListener("mouseleave", hide);
      point.addEventListener("blur", hide);
    }
  }
  function init() {
    var charts = document.querySelectorAll("figure.chart");
    for (var i = 0; i < charts.length; i++) { setUp(charts[i]); }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
