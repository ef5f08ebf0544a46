"""Kits: defining them, putting them in carts, and pricing their component lines.

**Visibility.** A buyer sees a kit when, for every component, at least one SKU they may
order exists (the curated catalog decides, as everywhere): a kit with a component they
cannot see is a 404 in pages, API and cart alike, and so is a chosen SKU they cannot see.

**Pricing.** ``sum`` prices every component line as if ordered alone (price lists, tiers
and plugin adjustments all apply). ``kit`` sells the kit at its own points price; the
kit total is shared out over the component lines in proportion to what they would cost
alone, by largest remainder, so the lines add up to the kit price exactly and every
line carries a fair share for refunds, budgets and reports.

**Quantities.** A component's quantity is per kit; the kit's quantity multiplies it.
The SKUs' own quantity rules (minimum, step) apply to single items, not to kit parts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import delete, exists, func, select

from commissary.catalog.models import Product, Sku
from commissary.context import Context
from commissary.db import utcnow
from commissary.errors import Invalid, NotFound
from commissary.hooktypes import PriceStep
from commissary.kits.models import CartKit, Kit, KitComponent, KitPricing
from commissary.pricing import service as pricing
from commissary.pricing.service import LinePrice, PricedLine
from commissary.segments import service as segments
from commissary.tenants.cache import ConfigCache

MAX_COMPONENTS = 30
MAX_KIT_QUANTITY = 1_000
MAX_CART_KITS = 100


def components_of(ctx: Context, kit_ids: Sequence[int]) -> dict[int, list[KitComponent]]:
    found: dict[int, list[KitComponent]] = {i: [] for i in kit_ids}
    for c in ctx.session.scalars(
        select(KitComponent)
        .where(KitComponent.kit_id.in_(kit_ids))
        .order_by(KitComponent.kit_id, KitComponent.position)
    ):
        found[c.kit_id].append(c)
    return found


_sold = ConfigCache[bool]()


def sold_here(ctx: Context) -> bool:
    """Whether the tenant has an active kit (cached until its configuration changes)."""
    return _sold.get(ctx, lambda: bool(ctx.session.scalar(select(exists().where(Kit.is_active)))))


# -------------------------------------------------------------------------- for buyers


@dataclass(frozen=True)
class ComponentOptions:
    component: KitComponent
    options: list[tuple[Sku, Product]]  # what the buyer may choose (one for a fixed SKU)


def options_of(ctx: Context, components: Sequence[KitComponent]) -> list[ComponentOptions]:
    """Each component's orderable SKUs for this buyer (visible, active), in one query."""
    sku_ids = [c.sku_id for c in components if c.sku_id is not None]
    product_ids = [c.product_id for c in components if c.product_id is not None]
    rows = ctx.session.execute(
        select(Sku, Product)
        .join(Product, Product.id == Sku.product_id)
        .where(
            (Sku.id.in_(sku_ids)) | (Sku.product_id.in_(product_ids)),
            Sku.is_active,
            Product.is_active,
        )
        .order_by(Sku.id)
    ).all()
    visible = segments.visible_sku_ids(ctx, [sku.id for sku, _p in rows])
    return [
        ComponentOptions(
            c,
            [
                (sku, product)
                for sku, product in rows
                if sku.id in visible
                and (sku.id == c.sku_id if c.sku_id is not None else sku.product_id == c.product_id)
            ],
        )
        for c in components
    ]


def kit_for_buyer(ctx: Context, kit_id: int) -> tuple[Kit, list[ComponentOptions]]:
    """A kit and its choices, or 404 when any component has nothing this buyer may order."""
    kit = ctx.session.get(Kit, kit_id)
    if kit is None or not kit.is_active:
        raise NotFound("no such kit")
    options = options_of(ctx, components_of(ctx, [kit.id])[kit.id])
    if not options or any(not o.options for o in options):
        raise NotFound("no such kit")
    return kit, options


def kits_for_buyer(ctx: Context) -> list[tuple[Kit, list[ComponentOptions]]]:
    """Every active kit this buyer can order, by name (bounded: kits are few)."""
    kits = list(ctx.session.scalars(select(Kit).where(Kit.is_active).order_by(Kit.name)))
    if not kits:
        return []
    by_kit = components_of(ctx, [k.id for k in kits])
    everything = options_of(ctx, [c for cs in by_kit.values() for c in cs])
    by_component = {o.component.id: o for o in everything}
    found = []
    for kit in kits:
        options = [by_component[c.id] for c in by_kit[kit.id]]
        if options and all(o.options for o in options):
            found.append((kit, options))
    return found


def _validated_choices(
    options: list[ComponentOptions], choices: dict[int, int]
) -> dict[int, tuple[Sku, Product]]:
    chosen: dict[int, tuple[Sku, Product]] = {}
    for o in options:
        allowed = {sku.id: (sku, product) for sku, product in o.options}
        pick = choices.get(o.component.id)
        if pick is None and len(allowed) == 1:
            pick = next(iter(allowed))
        if pick is None:
            raise Invalid(f"choose the {o.component.label.lower()} (size or colour)")
        if pick not in allowed:
            raise NotFound(f"that choice is not available for the {o.component.label.lower()}")
        chosen[o.component.id] = allowed[pick]
    unknown = set(choices) - set(chosen)
    if unknown:
        raise Invalid(f"this kit has no component {min(unknown)}")
    return chosen


def add_to_cart(ctx: Context, kit_id: int, quantity: int, choices: dict[int, int]) -> CartKit:
    """Put ``quantity`` kits with the chosen SKUs into the buyer's cart."""
    if ctx.actor is None:
        raise Invalid("sign in to use a cart")
    if not 1 <= quantity <= MAX_KIT_QUANTITY:
        raise Invalid(f"quantity must be between 1 and {MAX_KIT_QUANTITY:,}")
    _kit, options = kit_for_buyer(ctx, kit_id)
    chosen = _validated_choices(options, choices)
    count = ctx.session.scalar(
        select(func.count()).select_from(CartKit).where(CartKit.user_id == ctx.actor.id)
    )
    if (count or 0) >= MAX_CART_KITS:
        raise Invalid(f"a cart holds at most {MAX_CART_KITS} kits")
    entry = CartKit(
        tenant_id=ctx.tenant.id,
        user_id=ctx.actor.id,
        kit_id=kit_id,
        quantity=quantity,
        choices={str(cid): sku.id for cid, (sku, _p) in chosen.items()},
        added_at=utcnow(),
    )
    ctx.session.add(entry)
    ctx.session.flush()
    return entry


def remove_from_cart(ctx: Context, cart_kit_id: int) -> None:
    if ctx.actor is None:
        raise Invalid("sign in to use a cart")
    removed = ctx.session.execute(
        delete(CartKit).where(CartKit.id == cart_kit_id, CartKit.user_id == ctx.actor.id)
    )
    if removed.rowcount != 1:  # type: ignore[attr-defined]
        raise NotFound("no such kit in your cart")


# ----------------------------------------------------------------------------- pricing


@dataclass(frozen=True)
class KitLine(PricedLine):
    """One component line of a kit in the cart; reads like a priced cart line."""

    sku: Sku
    product: Product
    quantity: int
    price: LinePrice
    kit_id: int
    kit_group: int
    label: str

    @property
    def description(self) -> str:
        return f"{self.label}: {self.product.name} — {self.sku.label}"[:300]


@dataclass(frozen=True)
class PricedKit:
    entry: CartKit
    kit: Kit
    lines: list[KitLine]

    @property
    def total_points(self) -> int:
        return sum(line.line_points for line in self.lines)


def share_out(total: int, weights: Sequence[int]) -> list[int]:
    """``total`` split in proportion to ``weights`` (equal when all are 0), by largest
    remainder, so the parts are whole points and add up to ``total`` exactly."""
    if not weights:
        return []
    base = weights if any(weights) else [1] * len(weights)
    whole = sum(base)
    raw = [total * w // whole for w in base]
    rest = total - sum(raw)
    order = sorted(range(len(base)), key=lambda i: (-(total * base[i] % whole), i))
    for i in order[:rest]:
        raw[i] += 1
    return raw


def price_kit(
    ctx: Context,
    kit: Kit,
    parts: list[tuple[KitComponent, Sku, Product]],
    quantity: int,
    group: int,
) -> list[KitLine]:
    """The component lines of ``quantity`` kits, priced per the kit's pricing."""
    alone = [
        pricing.price_line(ctx, sku, c.quantity * quantity, category_id=product.category_id)
        for c, sku, product in parts
    ]
    if kit.pricing is KitPricing.SUM:
        prices = alone
    else:
        total = (kit.price_points or 0) * quantity
        shares = share_out(total, [p.line_points for p in alone])
        prices = [
            LinePrice(
                quantity=p.quantity,
                unit=Decimal(share) / p.quantity,
                line_points=share,
                source=f"kit {kit.code}",
                steps=(
                    *p.steps,
                    PriceStep(
                        "kit",
                        f"kit {kit.code}",
                        f"{share} of {total} pts",
                        Decimal(share) / p.quantity,
                    ),
                ),
            )
            for p, share in zip(alone, shares, strict=True)
        ]
    return [
        KitLine(sku, product, c.quantity * quantity, price, kit.id, group, c.label)
        for (c, sku, product), price in zip(parts, prices, strict=True)
    ]


def priced_cart_kits(ctx: Context, owner_id: int) -> list[PricedKit]:
    """The kits in ``owner_id``'s cart, priced for ``ctx.actor`` (the buyer). A kit whose
    components changed since, or whose choice is no longer orderable, is refused (404)."""
    entries = list(
        ctx.session.scalars(select(CartKit).where(CartKit.user_id == owner_id).order_by(CartKit.id))
    )
    if not entries:
        return []
    kits = {
        k.id: k
        for k in ctx.session.scalars(select(Kit).where(Kit.id.in_({e.kit_id for e in entries})))
    }
    by_kit = components_of(ctx, list(kits))
    sku_ids = {int(v) for e in entries for v in e.choices.values()}
    rows = ctx.session.execute(
        select(Sku, Product).join(Product, Product.id == Sku.product_id).where(Sku.id.in_(sku_ids))
    ).all()
    skus = {sku.id: (sku, product) for sku, product in rows}
    visible = segments.visible_sku_ids(ctx, skus)
    pricing.prepare(ctx, skus, {sku.id: p.category_id for sku, p in skus.values()})
    priced: list[PricedKit] = []
    for entry in entries:
        kit = kits[entry.kit_id]
        parts: list[tuple[KitComponent, Sku, Product]] = []
        for c in by_kit[kit.id]:
            sku_id = entry.choices.get(str(c.id))
            found = skus.get(int(sku_id)) if sku_id is not None else None
            if found is None or found[0].id not in visible or not kit.is_active:
                raise NotFound(f"kit {kit.code} is not available to you; remove it from your cart")
            sku, product = found
            if not (sku.is_active and product.is_active):
                raise Invalid(f"{sku.code} in kit {kit.code} is no longer available")
            parts.append((c, sku, product))
        priced.append(PricedKit(entry, kit, price_kit(ctx, kit, parts, entry.quantity, entry.id)))
    return priced


def consume(ctx: Context, entry_ids: list[int]) -> int:
    """Remove the submitted kits from the cart; the count says whether all were there."""
    if not entry_ids:
        return 0
    done = ctx.session.execute(delete(CartKit).where(CartKit.id.in_(entry_ids)))
    return int(done.rowcount)  # type: ignore[attr-defined]


__all__ = [
    "KitLine",
    "PricedKit",
    "add_to_cart",
    "kit_for_buyer",
    "kits_for_buyer",
    "price_kit",
    "priced_cart_kits",
    "remove_from_cart",
    "share_out",
]
