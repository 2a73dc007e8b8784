// The print button of ledgers and reports: shown only where script runs (without it the
// browser's own print does the same), it prints the page as the print style sheet lays it
// out — A4 landscape, every column, no navigation, forms or hints.
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () {
    window.print();
  });
});
