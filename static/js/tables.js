// Progressive enhancement: on a phone a table is shown as a stack of cards, one per row
// (static/css/app.css, "On a phone"); each cell then says which column it is, read from
// the column's header. Without JavaScript the cards are there, without those names.
for (const table of document.querySelectorAll("table.sp-table")) {
  const headers = [...table.querySelectorAll("thead th")].map((th) => th.textContent.trim());
  for (const row of table.querySelectorAll("tbody tr")) {
    [...row.children].forEach((cell, index) => {
      if (headers[index] && !cell.hasAttribute("data-label")) {
        cell.setAttribute("data-label", headers[index]);
      }
    });
  }
}
