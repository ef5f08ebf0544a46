"""Live reports: purchases, stock, velocity, shipments; pages with SVG charts, JSON, CSV.

Every figure is an aggregate computed by the database (GROUP BY), so a report costs a
fixed handful of statements whatever the number of order lines. See ``docs/reports.md``.
"""
