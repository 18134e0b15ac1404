// Progressive enhancement: a print button. Without JavaScript the browser's own
// print command prints the same page.
document.querySelectorAll("[data-print]").forEach((button) => {
  button.addEventListener("click", () => window.print());
});
