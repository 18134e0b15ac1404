"""Consent purposes with versioned texts and append-only decisions."""
