"""Pupils, groups, guardianships and the pupil dossier."""
