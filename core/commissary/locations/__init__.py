"""Locations: where goods go, arranged as a tree (region -> district -> store)."""
