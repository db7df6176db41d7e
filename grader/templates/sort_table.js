// The class overview's student table: sortable by any column, shown a page at a time.
// Without this script the table is a plain table of every student, in the gradebook's order.
(function () {
  "use strict";
  function value(row, column, numeric) {
    var text = row.cells[column] ? row.cells[column].textContent.trim() : "";
    if (!numeric) { return text.toLowerCase(); }
    var number = parseFloat(text);
    return isNaN(number) ? -Infinity : number;
  }
  function setUp(table) {
    var body = table.tBodies[0];
    var size = parseInt(table.getAttribute("data-page-size"), 10) || 0;
    var page = 0;
    var pager = null;
    function show() {
      var rows = body.rows;
      var pages = size ? Math.max(1, Math.ceil(rows.length / size)) : 1;
      page = Math.min(page, pages - 1);
      for (var i = 0; i < rows.length; i++) {
        rows[i].hidden = size > 0 && Math.floor(i / size) !== page;
      }
      if (pager) {
        var first = page * size + 1;
        var last = Math.min(rows.length, (page + 1) * size);
        pager.label.textContent = size ? "Students " + first + "–" + last + " of " + rows.length : "All " + rows.length + " students";
        pager.previous.disabled = !size || page === 0;
        pager.next.disabled = !size || page >= pages - 1;
        pager.all.textContent = size ? "Show all" : "Show " + pager.size + " at a time";
      }
    }
    function button(text, onClick) {
      var element = document.createElement("button");
      element.type = "button";
      element.textContent = text;
      element.addEventListener("click", onClick);
      return element;
    }
    if (size && body.rows.length > size) {
      var bar = document.createElement("div");
      bar.className = "pager";
      pager = {size: size, label: document.createElement("span")};
      pager.previous = button("Previous", function () { page -= 1; show(); });
      pager.next = button("Next", function () { page += 1; show(); });
      pager.all = button("Show all", function () { size = size ? 0 : pager.size; page = 0; show(); });
      bar.append(pager.previous, pager.label, pager.next, pager.all);
      table.parentNode.insertBefore(bar, table);
    }
    var headers = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(headers, function (header, column) {
      var numeric = header.classList.contains("num");
      var sort = button(header.textContent, function () {
        var ascending = header.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(headers, function (other) { other.removeAttribute("aria-sort"); });
        header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = value(a, column, numeric), y = value(b, column, numeric);
          var order = x < y ? -1 : x > y ? 1 : 0;
          return ascending ? order : -order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
        page = 0;
        show();
      });
      header.textContent = "";
      header.appendChild(sort);
    });
    show();
  }
  Array.prototype.forEach.call(document.querySelectorAll("table[data-sortable]"), setUp);
})();
