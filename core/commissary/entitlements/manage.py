"""Tenant admins create, change and remove entitlements. Every change bumps the tenant's
``config_version``, so each process reloads its cached rules on the next request."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from commissary.catalog.models import Category, Product, Sku
from commissary.context import Context
from commissary.entitlements.models import Enforcement, Entitlement, PeriodKind, TargetKind
from commissary.errors import Invalid, NotFound
from commissary.segments.models import CustomerType
from commissary.tenants.service import bump_config

MAX_QUANTITY = 100_000


@dataclass(frozen=True)
class EntitlementData:
    name: str
    target_kind: TargetKind
    target_id: int
    quantity: int
    period: PeriodKind
    months: int | None = None
    enforcement: Enforcement = Enforcement.HARD
    customer_type_id: int | None = None
    is_active: bool = True


def _target_name(ctx: Context, kind: TargetKind, target_id: int) -> str | None:
    if kind is TargetKind.SKU:
        return ctx.session.scalar(select(Sku.code).where(Sku.id == target_id))
    if kind is TargetKind.PRODUCT:
        return ctx.session.scalar(select(Product.name).where(Product.id == target_id))
    return ctx.session.scalar(select(Category.name).where(Category.id == target_id))


def _validate(ctx: Context, data: EntitlementData) -> None:
    if not data.name.strip():
        raise Invalid("give the entitlement a name buyers recognise (e.g. Jackets)")
    if not 1 <= data.quantity <= MAX_QUANTITY:
        raise Invalid(f"the quantity must be between 1 and {MAX_QUANTITY:,}")
    if data.period is PeriodKind.ROLLING:
        if data.months is None or not 1 <= data.months <= 60:
            raise Invalid("a rolling period needs a length of 1 to 60 months")
    elif data.months is not None:
        raise Invalid(f"a calendar {data.period.value} takes no number of months")
    if _target_name(ctx, data.target_kind, data.target_id) is None:
        raise Invalid(f"there is no {data.target_kind.value} {data.target_id}")
    if data.customer_type_id is not None and (
        ctx.session.get(CustomerType, data.customer_type_id) is None
    ):
        raise Invalid(f"there is no customer type {data.customer_type_id}")


def list_all(ctx: Context) -> list[Entitlement]:
    return list(ctx.session.scalars(select(Entitlement).order_by(Entitlement.name, Entitlement.id)))


def get(ctx: Context, entitlement_id: int) -> Entitlement:
    found = ctx.session.get(Entitlement, entitlement_id)
    if found is None:
        raise NotFound("no such entitlement")
    return found


def create(ctx: Context, data: EntitlementData) -> Entitlement:
    _validate(ctx, data)
    entitlement = Entitlement(tenant_id=ctx.tenant.id, **_columns(data))
    ctx.session.add(entitlement)
    ctx.session.flush()
    bump_config(ctx.session, ctx.tenant.id)
    return entitlement


def update(ctx: Context, entitlement_id: int, data: EntitlementData) -> Entitlement:
    entitlement = get(ctx, entitlement_id)
    _validate(ctx, data)
    for key, value in _columns(data).items():
        setattr(entitlement, key, value)
    ctx.session.flush()
    bump_config(ctx.session, ctx.tenant.id)
    return entitlement


def delete(ctx: Context, entitlement_id: int) -> None:
    ctx.session.delete(get(ctx, entitlement_id))
    ctx.session.flush()
    bump_config(ctx.session, ctx.tenant.id)


def _columns(data: EntitlementData) -> dict[str, object]:
    return {
        "name": data.name.strip(),
        "target_kind": data.target_kind,
        "target_id": data.target_id,
        "quantity": data.quantity,
        "period": data.period,
        "months": data.months,
        "enforcement": data.enforcement,
        "customer_type_id": data.customer_type_id,
        "is_active": data.is_active,
    }


def target_names(ctx: Context, entitlements: list[Entitlement]) -> dict[tuple[str, int], str]:
    """Display names of the targets, three statements at most."""
    wanted: dict[TargetKind, set[int]] = {}
    for e in entitlements:
        wanted.setdefault(e.target_kind, set()).add(e.target_id)
    names: dict[tuple[str, int], str] = {}
    queries = {
        TargetKind.SKU: (Sku.id, Sku.code),
        TargetKind.PRODUCT: (Product.id, Product.name),
        TargetKind.CATEGORY: (Category.id, Category.name),
    }
    for kind, ids in wanted.items():
        id_col, name_col = queries[kind]
        for target_id, name in ctx.session.execute(
            select(id_col, name_col).where(id_col.in_(sorted(ids)))
        ):
            names[(kind.value, target_id)] = str(name)
    return names


def describe_period(period: PeriodKind, months: int | None) -> str:
    if period is PeriodKind.ROLLING:
        return "per month" if months == 1 else f"in any {months} months"
    return f"per calendar {period.value}"
