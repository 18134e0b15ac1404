"""Suppliers that receive pupil data, and the registers of the privacy officer."""
