"""Imports every core model so that ``Base.metadata`` knows all core tables."""

from commissary.catalog.models import Category, Product, Sku
from commissary.identity.models import AuthToken, Location, LoginFailure, OperatorAdmin, User
from commissary.inventory.models import StockLevel
from commissary.jobs.models import IdempotencyRecord, OutboxEvent
from commissary.lists.models import SavedList, SavedListLine
from commissary.orders.models import CartLine, Order, OrderEvent, OrderLine
from commissary.payments.models import Payment
from commissary.pricing.models import PriceList, PriceListDiscount, PriceListItem
from commissary.segments.models import (
    Catalog,
    CatalogEntry,
    CatalogSku,
    CustomerType,
    CustomerTypeCatalog,
    LocationCatalog,
    UserCustomerType,
)
from commissary.tenants.models import PluginActivation, Tenant

__all__ = [
    "AuthToken",
    "CartLine",
    "Catalog",
    "CatalogEntry",
    "CatalogSku",
    "Category",
    "CustomerType",
    "CustomerTypeCatalog",
    "IdempotencyRecord",
    "Location",
    "LocationCatalog",
    "LoginFailure",
    "OperatorAdmin",
    "Order",
    "OrderEvent",
    "OrderLine",
    "OutboxEvent",
    "Payment",
    "PluginActivation",
    "PriceList",
    "PriceListDiscount",
    "PriceListItem",
    "Product",
    "SavedList",
    "SavedListLine",
    "Sku",
    "StockLevel",
    "Tenant",
    "User",
    "UserCustomerType",
]
