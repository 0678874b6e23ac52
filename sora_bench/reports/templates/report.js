/* sora-bench report: sort and filter the video table; cards follow the table order.
   Allowed by the page's CSP through its sha256; reads only data-* attributes and never
   writes HTML (textContent only). */
(function () {
  "use strict";
  var table = document.getElementById("vtable");
  var cards = document.getElementById("cards");
  if (!table || !cards) { return; }
  var tbody = table.tBodies[0];
  var text = document.getElementById("f-text");
  var tag = document.getElementById("f-tag");
  var status = document.getElementById("f-status");
  var count = document.getElementById("f-count");

  function rows() { return Array.prototype.slice.call(tbody.rows); }
  function cardOf(row) { return document.getElementById(row.getAttribute("data-card")); }

  function filter() {
    var q = text.value.trim().toLowerCase(), t = tag.value, s = status.value, shown = 0;
    rows().forEach(function (r) {
      var ok = (!q || r.getAttribute("data-search").indexOf(q) >= 0) &&
        (!t || r.getAttribute("data-tags").split("\n").indexOf(t) >= 0) &&
        (!s || r.getAttribute("data-status") === s);
      r.hidden = !ok;
      var c = cardOf(r);
      if (c) { c.hidden = !ok; }
      if (ok) { shown += 1; }
    });
    count.textContent = shown + " of " + rows().length + " videos shown";
  }

  function key(row, idx, numeric) {
    var v = row.cells[idx].getAttribute("data-v");
    if (v === null || v === "") { return null; }
    return numeric ? parseFloat(v) : v;
  }

  function sortBy(th) {
    var idx = th.cellIndex, numeric = th.getAttribute("data-type") === "num";
    // First click: worst first (metrics carry their direction in data-hib), then flip.
    var first = th.getAttribute("data-hib") === "0" ? -1 : 1;
    var dir = th.getAttribute("data-dir") === String(first) ? -first : first;
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (h) {
      h.removeAttribute("data-dir");
      h.removeAttribute("aria-sort");
    });
    th.setAttribute("data-dir", String(dir));
    th.setAttribute("aria-sort", dir > 0 ? "ascending" : "descending");
    var sorted = rows().map(function (r, i) { return [key(r, idx, numeric), i, r]; });
    sorted.sort(function (a, b) {
      if (a[0] === null && b[0] === null) { return a[1] - b[1]; }
      if (a[0] === null) { return 1; }
      if (b[0] === null) { return -1; }
      if (a[0] < b[0]) { return -dir; }
      if (a[0] > b[0]) { return dir; }
      return a[1] - b[1];
    });
    sorted.forEach(function (e) {
      tbody.appendChild(e[2]);
      var c = cardOf(e[2]);
      if (c) { cards.appendChild(c); }
    });
  }

  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
    if (!th.hasAttribute("data-type")) { return; }
    th.tabIndex = 0;
    th.addEventListener("click", function () { sortBy(th); });
    th.addEventListener("keydown", function (e) {
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sortBy(th); }
    });
  });
  [text, tag, status].forEach(function (el) { el.addEventListener("input", filter); });
  document.getElementById("controls").hidden = false;
  filter();
}());
