"""Views: check access, validate, call one service, render or redirect."""
