"""Celery tasks: thin wrappers over services, taking ids only."""
