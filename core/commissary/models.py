"""Imports every core model so that ``Base.metadata`` knows all core tables."""

from commissary.approvals.models import (
    ApprovalDelegation,
    ApprovalRule,
    ApprovalSettings,
    ApprovalStep,
)
from commissary.budgets.models import LocationBudget
from commissary.catalog.models import Category, Product, Sku
from commissary.entitlements.models import Entitlement, EntitlementGuard
from commissary.fulfilment.models import Shipment, ShipmentLine
from commissary.identity.models import (
    AuthToken,
    Location,
    LoginFailure,
    OperatorAdmin,
    User,
    UserLocation,
)
from commissary.inventory.models import StockLevel, StockMovement, Warehouse, WarehouseStock
from commissary.jobs.models import IdempotencyRecord, OutboxEvent
from commissary.kits.models import CartKit, Kit, KitComponent
from commissary.lists.models import SavedList, SavedListLine
from commissary.master.models import (
    AdoptedProduct,
    AdoptedSku,
    MasterCategory,
    MasterProduct,
    MasterSku,
    Selection,
    Supplier,
)
from commissary.orders.models import CartLine, Order, OrderEvent, OrderLine, OrderVersion
from commissary.payments.models import Payment
from commissary.pricing.models import PriceList, PriceListDiscount, PriceListItem
from commissary.reports.models import ReorderSetting
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
    "AdoptedProduct",
    "AdoptedSku",
    "ApprovalDelegation",
    "ApprovalRule",
    "ApprovalSettings",
    "ApprovalStep",
    "AuthToken",
    "CartKit",
    "CartLine",
    "Catalog",
    "CatalogEntry",
    "CatalogSku",
    "Category",
    "CustomerType",
    "CustomerTypeCatalog",
    "Entitlement",
    "EntitlementGuard",
    "IdempotencyRecord",
    "Kit",
    "KitComponent",
    "Location",
    "LocationBudget",
    "LocationCatalog",
    "LoginFailure",
    "MasterCategory",
    "MasterProduct",
    "MasterSku",
    "OperatorAdmin",
    "Order",
    "OrderEvent",
    "OrderLine",
    "OrderVersion",
    "OutboxEvent",
    "Payment",
    "PluginActivation",
    "PriceList",
    "PriceListDiscount",
    "PriceListItem",
    "Product",
    "ReorderSetting",
    "SavedList",
    "SavedListLine",
    "Selection",
    "Shipment",
    "ShipmentLine",
    "Sku",
    "StockLevel",
    "StockMovement",
    "Supplier",
    "Tenant",
    "User",
    "UserCustomerType",
    "UserLocation",
    "Warehouse",
    "WarehouseStock",
]
