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
      case "x": if (window.facturierToggleRow && window.facturierToggleRow()) e.preventDefault(); break;
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
    var sort = new URLSearchParams(location.search).get("sort");
    if (params instanceof FormData) { params.delete("sort"); if (sort) params.set("sort", sort); }
    else { delete params.sort; if (sort) params.sort = sort; }
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
  // --- Selection and the bulk action bar (invoice list, operators) --------------------------------
  // The table is replaced by every refresh and page change: the ticked ids live here, and are put
  // back on the new rows after each swap. "All matching" stands for the whole filter result.
  var picked = new Set();
  var allMatching = false;
  var lastSubmitter = null;

  function bulkForm() { return document.getElementById("bulk-form"); }
  function rowBoxes() {
    return Array.prototype.slice.call(document.querySelectorAll('#invoice-table tbody input[name="invoice_ids"]'));
  }
  function listQuery() {
    // The list's filter as the URL holds it (paging and sort left out: they select nothing).
    var params = new URLSearchParams(location.search);
    ["after", "before", "size", "sort"].forEach(function (k) { params.delete(k); });
    return params.toString();
  }
  function syncSelection() {
    var form = bulkForm();
    if (!form) return;
    var boxes = rowBoxes();
    boxes.forEach(function (b) {
      b.checked = allMatching || picked.has(b.value);
      var row = b.closest("tr");
      if (row) row.classList.toggle("picked", b.checked);
    });
    var pageBox = document.querySelector("#invoice-table [data-pick-page]");
    var allOnPage = boxes.length > 0 && boxes.every(function (b) { return b.checked; });
    if (pageBox) {
      pageBox.checked = allOnPage;
      pageBox.indeterminate = !allOnPage && boxes.some(function (b) { return b.checked; });
    }
    var table = document.getElementById("invoice-table");
    var total = table ? parseInt(table.getAttribute("data-count") || "0", 10) : 0;
    var banner = document.querySelector("#invoice-table .selectall");
    if (banner) {
      banner.hidden = !(allOnPage && (allMatching || total > boxes.length || table.hasAttribute("data-capped")));
      banner.querySelector(".on-page").hidden = allMatching;
      banner.querySelector("[data-select-matching]").hidden = allMatching;
      banner.querySelector(".all-matching").hidden = !allMatching;
      banner.querySelector("[data-clear-selection]").hidden = !allMatching;
    }
    var count = allMatching ? (table && table.hasAttribute("data-capped") ? "10 000+" : String(total)) : String(picked.size);
    form.querySelector("[data-selcount]").textContent = count;
    form.classList.toggle("active", allMatching || picked.size > 0);
    var timeSet = form.querySelector('input[name="send_at"]').value !== "";
    form.querySelectorAll("[data-needs-selection]").forEach(function (btn) {
      btn.disabled = !(allMatching || picked.size > 0) || (btn.hasAttribute("data-needs-time") && !timeSet);
    });
  }
  function clearSelection() { picked.clear(); allMatching = false; syncSelection(); }

  document.addEventListener("change", function (e) {
    var t = e.target;
    if (t.matches('#invoice-table input[name="invoice_ids"]')) {
      allMatching = false;
      if (t.checked) picked.add(t.value); else picked.delete(t.value);
      syncSelection();
    } else if (t.matches("#invoice-table [data-pick-page]")) {
      allMatching = false;
      rowBoxes().forEach(function (b) { if (t.checked) picked.add(b.value); else picked.delete(b.value); });
      syncSelection();
    } else if (t.matches('#bulk-form input[name="send_at"]')) {
      syncSelection();
    }
  });
  document.addEventListener("input", function (e) {
    if (e.target.matches('#bulk-form input[name="send_at"]')) syncSelection();
  });
  document.addEventListener("click", function (e) {
    var t = e.target;
    if (t.closest && t.closest("[data-select-matching]")) { allMatching = true; syncSelection(); }
    else if (t.closest && t.closest("[data-clear-selection]")) { clearSelection(); }
    var btn = t.closest && t.closest('#bulk-form button[name="action"]');
    if (btn) lastSubmitter = btn;
  });
  // A new filter is a new result: what was ticked under the old one no longer applies.
  document.addEventListener("htmx:beforeRequest", function (e) {
    if (e.target.matches && e.target.matches("form.filters")) clearSelection();
  });
  document.addEventListener("htmx:afterSwap", function () {
    if (document.getElementById("invoice-table")) syncSelection();
  });

  // The bulk request carries either the ticked ids (from every page visited) or the filter.
  document.addEventListener("htmx:configRequest", function (e) {
    if (e.target.id !== "bulk-form") return;
    var params = e.detail.parameters;
    var fd = params instanceof FormData;
    function del(k) { if (fd) params.delete(k); else delete params[k]; }
    function set(k, v) { if (fd) params.set(k, v); else params[k] = v; }
    del("invoice_ids");
    del("filter_query");
    if (allMatching) {
      set("filter_query", listQuery());
    } else if (fd) {
      picked.forEach(function (id) { params.append("invoice_ids", id); });
    } else {
      params.invoice_ids = Array.from(picked);
    }
    if (lastSubmitter) set("action", lastSubmitter.value);
  });
  document.addEventListener("htmx:confirm", function (e) {
    if (e.target.id !== "bulk-form") return;
    var btn = lastSubmitter;
    var question = btn && btn.getAttribute("data-confirm");
    if (allMatching) {
      var n = document.querySelector("[data-selcount]").textContent;
      question = (bulkForm().getAttribute("data-confirm-all") || "%s").replace("%s", n) + (question ? "\n" + question : "");
    }
    if (!question) return;
    e.preventDefault();
    if (window.confirm(question)) e.detail.issueRequest(true);
  });
  // htmx leaves 4xx answers unswapped; bulk:start's 400 carries the errors to show.
  document.addEventListener("htmx:beforeSwap", function (e) {
    if (e.detail.xhr.status === 400 && e.detail.requestConfig && e.detail.requestConfig.elt &&
        e.detail.requestConfig.elt.id === "bulk-form") {
      e.detail.shouldSwap = true;
      e.detail.isError = false;
    }
  });
  document.addEventListener("htmx:afterRequest", function (e) {
    if (!e.target || e.target.id !== "bulk-form") return;
    if (e.detail.xhr && e.detail.xhr.status < 300) {
      clearSelection();
      document.body.dispatchEvent(new Event("refresh-table"));
    }
    var result = document.getElementById("bulk-result");
    if (result) result.scrollIntoView({ block: "nearest" });
  });
  document.addEventListener("DOMContentLoaded", syncSelection);

  // Expose for the keyboard handler ("x").
  window.facturierToggleRow = function () {
    var row = document.querySelector("table[data-rows] tr.selected");
    var box = row && row.querySelector('input[name="invoice_ids"]');
    if (!box) return false;
    box.checked = !box.checked;
    box.dispatchEvent(new Event("change", { bubbles: true }));
    return true;
  };

  // Plain forms that change something serious ask first (data-confirm holds the question).
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (form.id === "bulk-form" || !form.getAttribute("data-confirm")) return;
    if (!window.confirm(form.getAttribute("data-confirm"))) e.preventDefault();
  });
})();
