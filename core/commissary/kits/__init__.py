"""Kits: one orderable item made of several SKUs (a uniform: shirt + cap + trousers)."""
