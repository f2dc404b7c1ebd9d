"use strict";
// Draws the lag chart from #lag-data (numbers only) as SVG, and filters the repository table as
// the operator types. No libraries: the page must work offline and under a strict CSP.
(function () {
  var NS = "http://www.w3.org/2000/svg";
  var svg = document.getElementById("lag-chart");
  var points = JSON.parse(document.getElementById("lag-data").textContent);
  function el(name, attrs, text) {
    var e = document.createElementNS(NS, name);
    for (var k in attrs) { e.setAttribute(k, attrs[k]); }
    if (text !== undefined) { e.textContent = text; }
    svg.appendChild(e);
    return e;
  }
  var W = 900, H = 260, L = 56, R = 16, T = 14, B = 30;
  var max = 0, withData = 0;
  points.forEach(function (p) {
    if (p.samples > 0) { withData++; max = Math.max(max, p.p99Seconds, p.p50Seconds); }
  });
  // Gridlines on round values (1, 2 or 5 times a power of ten seconds), each labelled with exactly
  // its value: quarters of the data's maximum, rounded for their labels, showed "0.2 s" on two
  // lines of a sub-second chart and labels off their lines by up to half a unit.
  var step = roundStep((max > 0 ? max : 1) / 4);
  var lines = Math.max(1, Math.ceil(((max > 0 ? max : 1) * 1.05) / step));
  var decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  max = step * lines;
  var n = Math.max(points.length - 1, 1);
  function x(i) { return L + (W - L - R) * i / n; }
  function y(v) { return H - B - (H - T - B) * v / max; }
  function roundStep(raw) {
    var power = Math.pow(10, Math.floor(Math.log10(raw)));
    var f = raw / power;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * power;
  }
  for (var g = 0; g <= lines; g++) {
    var v = step * g;
    el("line", { "class": "grid", x1: L, x2: W - R, y1: y(v), y2: y(v) });
    el("text", { "class": "tick", x: L - 6, y: y(v) + 4, "text-anchor": "end" }, v.toFixed(decimals) + " s");
  }
  el("line", { "class": "axis", x1: L, x2: L, y1: T, y2: H - B });
  el("line", { "class": "axis", x1: L, x2: W - R, y1: H - B, y2: H - B });
  function hhmm(iso) { return iso.substring(11, 16) + "Z"; }
  if (points.length > 0) {
    el("text", { x: L, y: H - 10, "text-anchor": "start" }, hhmm(points[0].minute));
    el("text", { x: W - R, y: H - 10, "text-anchor": "end" }, hhmm(points[points.length - 1].minute));
  }
  ["p50", "p99"].forEach(function (key) {
    // Minutes without applied work have no lag to show; the line joins the minutes that have one.
    var field = key + "Seconds", path = "", pen = "M";
    points.forEach(function (p, i) {
      if (p.samples === 0) { return; }
      path += pen + x(i).toFixed(1) + "," + y(p[field]).toFixed(1) + " ";
      pen = "L";
      var c = el("circle", { "class": "point " + key, cx: x(i), cy: y(p[field]), r: 3,
                             "data-minute": p.minute, "data-seconds": p[field], "data-samples": p.samples });
      var title = document.createElementNS(NS, "title");
      title.textContent = hhmm(p.minute) + " " + key + " " + p[field].toFixed(2) + " s (" + p.samples + " applied)";
      c.appendChild(title);
    });
    if (path) { el("path", { "class": "line-" + key, d: path }); }
  });
  svg.setAttribute("data-points", String(withData));
  document.getElementById("lag-empty").hidden = withData > 0;

  var search = document.getElementById("repo-search");
  var rows = document.querySelectorAll("#repository-table tr.repo");
  var count = document.getElementById("repo-count");
  function filter() {
    var q = search.value.trim().toLowerCase(), shown = 0;
    rows.forEach(function (r) {
      var hit = r.getAttribute("data-name").toLowerCase().indexOf(q) >= 0;
      r.classList.toggle("hidden", !hit);
      if (hit) { shown++; }
    });
    count.textContent = shown + " of " + rows.length + " shown";
  }
  search.addEventListener("input", filter);
  filter();
})();
