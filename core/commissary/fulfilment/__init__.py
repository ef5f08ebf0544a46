"""Fulfilment: shipments from warehouses, partial shipments and backorders."""
