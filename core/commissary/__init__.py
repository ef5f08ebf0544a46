"""Commissary: a plugin-based framework for B2B ordering portals.

What this package exports is the public plugin API: first-party plugins import nothing
else from the core, so the boundary stays honest. See ``docs/plugins.md``.
"""

from commissary.catalog.models import Category, Product, Sku
from commissary.context import Context
from commissary.db import Base, TenantScoped, row_insert, scoped, utcnow
from commissary.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InsufficientFunds,
    Invalid,
    NotFound,
)
from commissary.hookspecs import hookimpl
from commissary.hooktypes import (
    ApprovalRequirement,
    ApprovalRuleType,
    DraftLine,
    MenuLink,
    MigrationSource,
    OrderDraft,
    PluginRoutes,
    PluginSettings,
    PriceAdjustment,
    PriceQuote,
    PriceStep,
    Problem,
    RuleMatch,
    Theme,
)
from commissary.idempotency import check_key as check_idempotency_key
from commissary.identity.models import Location, Role, User
from commissary.identity.permissions import Permission, acts_tenant_wide, has_permission
from commissary.jobs.models import OutboxEvent
from commissary.jobs.outbox import emit as emit_event
from commissary.jobs.schedule import ScheduledJob
from commissary.money import POINTS, Money
from commissary.notifications.settings import all_tenant_settings as all_notification_settings
from commissary.notifications.settings import tenant_settings as notification_settings
from commissary.payments.base import (
    TENANT_CURRENCY,
    AuthorizeRequest,
    CheckoutField,
    PaymentMethod,
    PaymentRef,
    PaymentResult,
    ResultState,
    WebhookRejected,
    WebhookRequest,
    WebhookUpdate,
)
from commissary.payments.shipping import ShipmentShare, ShippedLine, shipped_points, tender_share
from commissary.reports.export import csv_response
from commissary.settings import Settings, get_settings
from commissary.sync import report_sync_failure
from commissary.web.deps import (
    AnonPageCtx,
    ApiCtx,
    PageCtx,
    api_requires,
    page_requires,
)
from commissary.web.rendering import redirect, render

__version__ = "0.1.0"

__all__ = [
    "POINTS",
    "TENANT_CURRENCY",
    "AnonPageCtx",
    "ApiCtx",
    "ApprovalRequirement",
    "ApprovalRuleType",
    "AuthorizeRequest",
    "Base",
    "Category",
    "CheckoutField",
    "Conflict",
    "Context",
    "DomainError",
    "DraftLine",
    "Forbidden",
    "InsufficientFunds",
    "Invalid",
    "Location",
    "MenuLink",
    "MigrationSource",
    "Money",
    "NotFound",
    "OrderDraft",
    "OutboxEvent",
    "PageCtx",
    "PaymentMethod",
    "PaymentRef",
    "PaymentResult",
    "Permission",
    "PluginRoutes",
    "PluginSettings",
    "PriceAdjustment",
    "PriceQuote",
    "PriceStep",
    "Problem",
    "Product",
    "ResultState",
    "Role",
    "RuleMatch",
    "ScheduledJob",
    "Settings",
    "ShipmentShare",
    "ShippedLine",
    "Sku",
    "TenantScoped",
    "Theme",
    "User",
    "WebhookRejected",
    "WebhookRequest",
    "WebhookUpdate",
    "acts_tenant_wide",
    "all_notification_settings",
    "api_requires",
    "check_idempotency_key",
    "csv_response",
    "emit_event",
    "get_settings",
    "has_permission",
    "hookimpl",
    "notification_settings",
    "page_requires",
    "redirect",
    "render",
    "report_sync_failure",
    "row_insert",
    "scoped",
    "shipped_points",
    "tender_share",
    "utcnow",
]
