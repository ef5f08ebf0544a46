"""Defining kits (tenant admins): code, name, pricing, and the components.

Changing a kit's components empties it from every cart (the SKUs chosen there were for
the old components); orders placed earlier keep their lines, which stand on their own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, exists, select

from commissary.catalog.models import Product, Sku
from commissary.context import Context
from commissary.errors import Conflict, Invalid, NotFound
from commissary.kits.models import CartKit, Kit, KitComponent, KitPricing
from commissary.tenants.service import bump_config

MAX_COMPONENTS = 30


@dataclass(frozen=True)
class ComponentSpec:
    label: str
    quantity: int
    sku_id: int | None = None
    product_id: int | None = None


def _check_components(ctx: Context, components: Sequence[ComponentSpec]) -> None:
    if not components:
        raise Invalid("a kit needs at least one component")
    if len(components) > MAX_COMPONENTS:
        raise Invalid(f"a kit has at most {MAX_COMPONENTS} components")
    for c in components:
        if (c.sku_id is None) == (c.product_id is None):
            raise Invalid(f"component {c.label!r}: name either a SKU or a product, not both")
        if not 1 <= c.quantity <= 100:
            raise Invalid(f"component {c.label!r}: quantity must be between 1 and 100")
        if not c.label.strip():
            raise Invalid("every component needs a label, e.g. Shirt")
    sku_ids = {c.sku_id for c in components if c.sku_id is not None}
    product_ids = {c.product_id for c in components if c.product_id is not None}
    found_skus = set(ctx.session.scalars(select(Sku.id).where(Sku.id.in_(sku_ids))))
    found_products = set(ctx.session.scalars(select(Product.id).where(Product.id.in_(product_ids))))
    if sku_ids - found_skus:
        raise NotFound(f"no SKU {min(sku_ids - found_skus)} in this portal")
    if product_ids - found_products:
        raise NotFound(f"no product {min(product_ids - found_products)} in this portal")


def _check_pricing(pricing_: KitPricing, price_points: int | None) -> None:
    if pricing_ is KitPricing.KIT and price_points is None:
        raise Invalid("a kit sold at its own price needs price_points")
    if price_points is not None and price_points < 0:
        raise Invalid("a price cannot be negative")


def create_kit(
    ctx: Context,
    *,
    code: str,
    name: str,
    description: str,
    pricing_: KitPricing,
    price_points: int | None,
    components: Sequence[ComponentSpec],
) -> Kit:
    code = code.strip().upper()
    if not code:
        raise Invalid("a kit needs a code")
    if ctx.session.scalar(select(exists().where(Kit.code == code))):
        raise Conflict(f"there is already a kit {code}")
    _check_pricing(pricing_, price_points)
    _check_components(ctx, components)
    kit = Kit(
        tenant_id=ctx.tenant.id,
        code=code,
        name=name.strip(),
        description=description,
        pricing=pricing_,
        price_points=price_points,
    )
    ctx.session.add(kit)
    ctx.session.flush()
    _write_components(ctx, kit, components)
    bump_config(ctx.session, ctx.tenant.id)
    return kit


def update_kit(
    ctx: Context,
    kit_id: int,
    *,
    name: str | None = None,
    description: str | None = None,
    pricing_: KitPricing | None = None,
    price_points: int | None = None,
    is_active: bool | None = None,
    components: Sequence[ComponentSpec] | None = None,
) -> Kit:
    kit = ctx.session.get(Kit, kit_id)
    if kit is None:
        raise NotFound("no such kit")
    new_pricing = pricing_ or kit.pricing
    new_price = price_points if price_points is not None else kit.price_points
    _check_pricing(new_pricing, new_price)
    kit.pricing, kit.price_points = new_pricing, new_price
    if name is not None:
        kit.name = name.strip()
    if description is not None:
        kit.description = description
    if is_active is not None:
        kit.is_active = is_active
    if components is not None:
        _check_components(ctx, components)
        ctx.session.execute(delete(KitComponent).where(KitComponent.kit_id == kit.id))
        _write_components(ctx, kit, components)
        # Kits in carts chose SKUs for the old components: they must choose again.
        ctx.session.execute(delete(CartKit).where(CartKit.kit_id == kit.id))
    ctx.session.flush()
    bump_config(ctx.session, ctx.tenant.id)
    return kit


def _write_components(ctx: Context, kit: Kit, components: Sequence[ComponentSpec]) -> None:
    ctx.session.add_all(
        KitComponent(
            tenant_id=ctx.tenant.id,
            kit_id=kit.id,
            position=i,
            label=c.label.strip(),
            sku_id=c.sku_id,
            product_id=c.product_id,
            quantity=c.quantity,
        )
        for i, c in enumerate(components)
    )
    ctx.session.flush()


__all__ = ["ComponentSpec", "create_kit", "update_kit"]
