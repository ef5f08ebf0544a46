"""Imports every core model so that ``Base.metadata`` knows all core tables."""

from commissary.catalog.models import Category, Product, Sku
from commissary.identity.models import AuthToken, Location, LoginFailure, OperatorAdmin, User
from commissary.inventory.models import StockLevel
from commissary.jobs.models import IdempotencyRecord, OutboxEvent
from commissary.orders.models import CartLine, Order, OrderEvent, OrderLine
from commissary.payments.models import Payment
from commissary.tenants.models import PluginActivation, Tenant

__all__ = [
    "AuthToken",
    "CartLine",
    "Category",
    "IdempotencyRecord",
    "Location",
    "LoginFailure",
    "OperatorAdmin",
    "Order",
    "OrderEvent",
    "OrderLine",
    "OutboxEvent",
    "Payment",
    "PluginActivation",
    "Product",
    "Sku",
    "StockLevel",
    "Tenant",
    "User",
]
