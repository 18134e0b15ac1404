"""Data-subject requests (access, correction, erasure…) with their legal deadlines."""
