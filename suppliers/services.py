"""Writes: one transactional, audited function per use case."""
