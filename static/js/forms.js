// Progressive enhancement: after a form comes back with errors, move the focus to the
// error summary so that a keyboard or screen-reader user hears what went wrong first.
// Without JavaScript the summary is still at the top of the form, announced as an alert.
const summary = document.querySelector("[data-error-summary]");
if (summary) {
  summary.focus();
}

// A form that only carries an answer on (the SAML sign-in, signin/views.py: saml_acs) is
// sent at once; without JavaScript its button does the same.
const atOnce = document.querySelector("form[data-submit-at-once]");
if (atOnce) {
  atOnce.requestSubmit();
}
