// Item page keys: j / k next / previous open item, a assign to me, e new address, r resolution,
// c comment, u back to the list. The list's j / k / Enter come from web/app.js (table[data-rows]).
(function () {
  "use strict";
  function typing(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }
  function go(selector) {
    var el = document.querySelector(selector);
    if (el) { el.click(); return true; }
    return false;
  }
  function focus(selector) {
    var el = document.querySelector(selector);
    if (el) { el.focus(); return true; }
    return false;
  }
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
    var done = false;
    switch (e.key) {
      case "j": done = go('[data-item-nav="next"]'); break;
      case "k": done = go('[data-item-nav="previous"]'); break;
      case "a": done = go('[data-key-action="a"]'); break;
      case "e": done = focus("#id_new_address"); break;
      case "r": done = focus("#id_choice"); break;
      case "c": done = focus("#id_comment"); break;
      case "u": done = go('.crumbs a'); break;
    }
    if (done) e.preventDefault();
  });
})();
