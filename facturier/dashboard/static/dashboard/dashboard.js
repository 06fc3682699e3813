// Draws the dashboard charts from the JSON the server put in <script type="application/json">
// elements (json_script): data is never spliced into code. Chart.js is vendored (see vendor/README).
(function () {
  "use strict";

  // One colour per return kind, close to the state badges of web.css.
  var KIND_COLOURS = {
    hard_bounce: "#c0392b", soft_bounce: "#e67e22", delayed: "#d4ac0d", auto_reply: "#7f8c8d",
    complaint: "#8e44ad", read_receipt: "#16a085", reply: "#2e86c1", unknown: "#b2babb"
  };

  function readJSON(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function draw() {
    if (typeof window.Chart === "undefined") { return; }
    var schedule = readJSON("data-schedule");
    var canvas = document.getElementById("chart-schedule");
    if (schedule && canvas) {
      new window.Chart(canvas, {
        type: "bar",
        data: { labels: schedule.labels, datasets: [{ data: schedule.data, backgroundColor: "#2e86c1" }] },
        options: {
          maintainAspectRatio: false, animation: false,
          plugins: { legend: { display: false } },
          scales: { x: { ticks: { autoSkip: true, maxTicksLimit: 28 } }, y: { beginAtZero: true, ticks: { precision: 0 } } }
        }
      });
    }
    var returns = readJSON("data-returns");
    canvas = document.getElementById("chart-returns");
    if (returns && canvas) {
      new window.Chart(canvas, {
        type: "bar",
        data: {
          labels: returns.labels,
          datasets: returns.datasets.map(function (ds) {
            return { label: ds.label, data: ds.data, backgroundColor: KIND_COLOURS[ds.kind] || "#95a5a6" };
          })
        },
        options: {
          maintainAspectRatio: false, animation: false,
          scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } }
        }
      });
    }
    var domains = readJSON("data-domains");
    canvas = document.getElementById("chart-domains");
    if (domains && canvas) {
      new window.Chart(canvas, {
        type: "bar",
        data: { labels: domains.labels, datasets: [{ data: domains.data, backgroundColor: "#c0392b" }] },
        options: {
          indexAxis: "y", maintainAspectRatio: false, animation: false,
          plugins: { legend: { display: false } },
          scales: { x: { beginAtZero: true, ticks: { callback: function (v) { return v + " %"; } } } }
        }
      });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
