// Progressive enhancement: after a form comes back with errors, move the focus to the
// error summary so that a keyboard or screen-reader user hears what went wrong first.
// Without JavaScript the summary is still at the top of the form, announced as an alert.
const summary = document.querySelector("[data-error-summary]");
if (summary) {
  summary.focus();
}
