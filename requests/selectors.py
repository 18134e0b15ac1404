"""Reads, already filtered by the access policy in permissions.py."""
