// facturier keyboard shortcuts and small behaviours. No framework; htmx does the fetching.
(function () {
  "use strict";
  var selectedKey = null;
  var pendingG = false;

  function typing(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }
  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("table[data-rows] tbody tr[data-key]"));
  }
  function select(row) {
    rows().forEach(function (r) { r.classList.remove("selected"); });
    if (!row) { selectedKey = null; return; }
    row.classList.add("selected");
    selectedKey = row.getAttribute("data-key");
    row.scrollIntoView({ block: "nearest" });
  }
  function move(step) {
    var all = rows();
    if (!all.length) return;
    var i = all.findIndex(function (r) { return r.getAttribute("data-key") === selectedKey; });
    select(all[Math.min(all.length - 1, Math.max(0, i < 0 ? 0 : i + step))]);
  }
  function click(selector) {
    var el = document.querySelector(selector);
    if (el) el.click();
  }

  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    var help = document.getElementById("help");
    if (e.key === "Escape") {
      document.querySelectorAll("details[open].dropdown, details[open].usermenu").forEach(function (d) { d.open = false; });
      if (typing(document.activeElement)) document.activeElement.blur();
      return;
    }
    if (typing(e.target)) return;
    if (pendingG) {
      pendingG = false;
      var link = document.querySelector('.mainnav a[data-shortcut="' + e.key + '"]');
      if (link) { e.preventDefault(); link.click(); }
      return;
    }
    switch (e.key) {
      case "/": {
        var search = document.querySelector('input[type="search"]');
        if (search) { e.preventDefault(); search.focus(); search.select(); }
        break;
      }
      case "?":
        if (help && help.togglePopover) { e.preventDefault(); help.togglePopover(); }
        break;
      case "g": pendingG = true; setTimeout(function () { pendingG = false; }, 1200); break;
      case "j": move(1); break;
      case "k": move(-1); break;
      case "[": click('[data-page="newer"]'); break;
      case "]": click('[data-page="older"]'); break;
      case "Enter": {
        var row = document.querySelector("table[data-rows] tr.selected a");
        if (row) { e.preventDefault(); row.click(); }
        break;
      }
    }
  });

  // Bookmarkable URLs without noise: the filter form leaves its empty fields out of the query.
  document.addEventListener("htmx:configRequest", function (e) {
    if (e.detail.verb !== "get" || !e.target.matches("form.filters")) return;
    var params = e.detail.parameters;
    var keys = params instanceof FormData ? Array.from(params.keys()) : Object.keys(params);
    keys.forEach(function (k) {
      var v = params instanceof FormData ? params.getAll(k) : params[k];
      if (v === "" || (Array.isArray(v) && v.every(function (x) { return x === ""; }))) {
        if (params instanceof FormData) params.delete(k); else delete params[k];
      }
    });
  });

  // A refresh replaces the table: keep the row the clerk had selected.
  document.addEventListener("htmx:afterSwap", function () {
    if (!selectedKey) return;
    var again = rows().find(function (r) { return r.getAttribute("data-key") === selectedKey; });
    if (again) again.classList.add("selected");
  });

  // Dropdowns (details) close when the click lands elsewhere.
  document.addEventListener("click", function (e) {
    document.querySelectorAll("details[open].dropdown, details[open].usermenu").forEach(function (d) {
      if (!d.contains(e.target)) d.open = false;
    });
  });
})();
