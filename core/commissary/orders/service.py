"""The cart and order submission: the transaction that must never oversell or overspend.

Submission writes the order, reserves stock, holds (or takes) the points, records the
history and the outbox event, and stores the idempotency reply, all in one transaction:
either all of it happens or none of it does.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any, NoReturn, cast

from sqlalchemy import (
    Integer,
    Select,
    Table,
    bindparam,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from commissary import idempotency
from commissary.approvals import steps as approval_steps
from commissary.budgets import service as budgets
from commissary.catalog.models import Product, Sku
from commissary.context import Context
from commissary.db import UTCDateTime, scoped
from commissary.entitlements import service as entitlements
from commissary.errors import Conflict, Invalid, NotFound
from commissary.hooktypes import DraftLine, OrderDraft
from commissary.identity.models import Location, User
from commissary.inventory import service as inventory
from commissary.kits import service as kit_service
from commissary.locations import service as locations
from commissary.locations.service import ShipToChoice
from commissary.orders import history as order_history
from commissary.orders import on_behalf
from commissary.orders.models import CartLine, LineStatus, Order, OrderLine, OrderStatus
from commissary.payments import service as payments
from commissary.payments.policy import PaymentChoice
from commissary.pricing import service as pricing
from commissary.pricing.service import LinePrice, PricedLine
from commissary.segments import service as segments

MAX_LINE_QUANTITY = 10_000
MAX_CART_LINES = 500


@dataclass(frozen=True)
class PricedCartLine(PricedLine):
    line: CartLine
    sku: Sku
    product: Product
    price: LinePrice

    @property
    def quantity(self) -> int:
        return self.line.quantity

    @property
    def description(self) -> str:
        return f"{self.product.name} — {self.sku.label}"

    kit_id: None = None
    kit_group: None = None


def _buyer_id(ctx: Context) -> int:
    if ctx.actor is None:
        raise Invalid("sign in to use a cart")
    return ctx.actor.id


def _check_quantity(quantity: int) -> None:
    if quantity < 1 or quantity > MAX_LINE_QUANTITY:
        raise Invalid(f"quantity must be between 1 and {MAX_LINE_QUANTITY:,}")


@cache
def _cart_upsert(dialect: str) -> Any:
    """INSERT ... SELECT ... ON CONFLICT DO UPDATE for one cart line, built once per dialect
    with bound parameters (building it per request cost more than running it)."""
    upsert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    buyer, sku_id = bindparam("buyer", type_=Integer), bindparam("sku_id", type_=Integer)
    tenant_id = bindparam("tenant_id", type_=Integer)
    in_cart = select(CartLine.id).where(CartLine.user_id == buyer)
    room = or_(
        select(func.count()).select_from(in_cart.subquery()).scalar_subquery() < MAX_CART_LINES,
        exists(in_cart.where(CartLine.sku_id == sku_id)),
    )
    orderable = (
        select(
            tenant_id,
            buyer,
            Sku.id,
            bindparam("quantity", type_=Integer),
            bindparam("added_at", type_=UTCDateTime()),
        )
        .join(Product, Product.id == Sku.product_id)
        .where(Sku.id == sku_id, Sku.tenant_id == tenant_id, Sku.is_active, Product.is_active, room)
    )
    lines = cast(Table, CartLine.__table__)  # Core: the parameters are not ORM bulk rows
    statement = upsert(lines).from_select(
        ["tenant_id", "user_id", "sku_id", "quantity", "added_at"], orderable
    )
    return statement.on_conflict_do_update(
        index_elements=["user_id", "sku_id"],
        set_={"quantity": lines.c.quantity + statement.excluded.quantity},
        where=lines.c.quantity + statement.excluded.quantity <= MAX_LINE_QUANTITY,
    ).returning(lines.c.id)


def add_to_cart(ctx: Context, sku_id: int, quantity: int) -> PricedCartLine:
    """Add units of a SKU; adding one already in the cart raises its quantity.

    One INSERT ... ON CONFLICT DO UPDATE checks that the SKU is orderable, that the cart
    has room and that the line stays within the quantity limit, and writes the line; only
    when it writes nothing are the reasons looked up, to say which one it was.
    """
    _check_quantity(quantity)
    buyer = _buyer_id(ctx)
    segments.require_visible(ctx, sku_id)  # no query for people no catalog restricts
    line_id = ctx.session.execute(
        _cart_upsert(ctx.session.get_bind().dialect.name),
        {
            "tenant_id": ctx.tenant.id,
            "buyer": buyer,
            "sku_id": sku_id,
            "quantity": quantity,
            "added_at": ctx.now,
        },
    ).scalar()
    if line_id is None:
        _explain_refused_add(ctx, buyer, sku_id)
    priced = _priced_lines(ctx, _priced_query(by_line=True), {"line_id": line_id})[0]
    check_quantity_rules(priced.sku, priced.line.quantity)
    entitlements.check_cart_line(ctx, priced.sku, priced.product)  # hard caps: 422
    return priced


def check_quantity_rules(sku: Sku, quantity: int) -> None:
    """The SKU's minimum, maximum and step; the message says what is allowed."""
    step, low, high = sku.quantity_step, sku.min_quantity, sku.max_quantity
    if quantity < low or (high is not None and quantity > high) or (quantity - low) % step:
        allowed = f"at least {low:,}"
        if high is not None:
            allowed = f"{low:,} to {high:,}"
        if step > 1:
            allowed += f", in steps of {step:,} ({low:,}, {low + step:,}, {low + 2 * step:,}, ...)"
        raise Invalid(
            f"{sku.code}: {quantity:,} is not an allowed quantity; order {allowed}",
            problems=["quantity_rule"],
        )


def _explain_refused_add(ctx: Context, buyer: int, sku_id: int) -> NoReturn:
    orderable = ctx.session.scalar(
        select(Sku.id).join(Product).where(Sku.id == sku_id, Sku.is_active, Product.is_active)
    )
    if orderable is None:
        raise NotFound("no such item")
    held = ctx.session.scalar(
        select(CartLine.quantity).where(CartLine.user_id == buyer, CartLine.sku_id == sku_id)
    )
    if held is not None:
        raise Invalid(
            f"quantity must be between 1 and {MAX_LINE_QUANTITY:,} ({held:,} in your cart)"
        )
    raise Invalid(f"a cart holds at most {MAX_CART_LINES} lines")


def _own_line(ctx: Context, line_id: int) -> CartLine:
    line = ctx.session.scalar(
        select(CartLine).where(CartLine.id == line_id, CartLine.user_id == _buyer_id(ctx))
    )
    if line is None:
        raise NotFound("no such cart line")
    return line


def set_quantity(ctx: Context, line_id: int, quantity: int) -> PricedCartLine:
    _check_quantity(quantity)
    changed = ctx.session.execute(
        update(CartLine)
        .where(CartLine.id == line_id, CartLine.user_id == _buyer_id(ctx))
        .values(quantity=quantity)
        .returning(CartLine.id)
        .execution_options(synchronize_session=False)
    ).scalar()
    if changed is None:
        raise NotFound("no such cart line")
    priced = _priced_lines(ctx, _priced_query(by_line=True), {"line_id": line_id})[0]
    check_quantity_rules(priced.sku, priced.line.quantity)
    entitlements.check_cart_line(ctx, priced.sku, priced.product)  # hard caps: 422
    return priced


def remove_line(ctx: Context, line_id: int) -> None:
    ctx.session.delete(_own_line(ctx, line_id))
    ctx.session.flush()


def priced_cart(ctx: Context) -> list[PricedCartLine]:
    """The buyer's cart with each line priced through ``resolve_unit_price``."""
    return _priced_lines(ctx, _priced_query(by_line=False), {"buyer": _buyer_id(ctx)})


@cache
def _priced_query(*, by_line: bool) -> Select[CartLine, Sku, Product]:
    """The cart lines with their SKU and product: one line (``line_id``) or the buyer's
    whole cart (``buyer``). Built once, like every statement a cart request runs."""
    which = (
        CartLine.id == bindparam("line_id", type_=Integer)
        if by_line
        else CartLine.user_id == bindparam("buyer", type_=Integer)
    )
    return scoped(
        select(CartLine, Sku, Product)
        .join(Sku, Sku.id == CartLine.sku_id)
        .join(Product, Product.id == Sku.product_id)
        .where(which)
        .order_by(CartLine.id)
    )


def _priced_lines(
    ctx: Context, query: Select[CartLine, Sku, Product], params: dict[str, int]
) -> list[PricedCartLine]:
    rows = ctx.session.execute(query, params).all()
    pricing.prepare(
        ctx,
        [sku.id for _line, sku, _product in rows],
        {sku.id: product.category_id for _line, sku, product in rows},
    )
    return [
        PricedCartLine(
            line,
            sku,
            product,
            pricing.price_line(ctx, sku, line.quantity, category_id=product.category_id),
        )
        for line, sku, product in rows
    ]


def submit(
    ctx: Context,
    *,
    idempotency_key: str,
    request_print: str,
    payment: PaymentChoice | None = None,
    on_behalf_of: int | None = None,
    ship_to: ShipToChoice | None = None,
) -> tuple[Order, bool]:
    """Turn the cart into an order. Returns ``(order with its lines, replayed)``.

    A repeated key with the same request returns the first order (``replayed``) and
    changes nothing; the caller commits. When a concurrent request with the same key
    commits first, this transaction is rolled back and answers with that order.
    ``payment`` is how to pay what points do not cover (split tender); None: points only.
    ``on_behalf_of``: a manager orders their cart for a person they manage; the order is
    that person's (their prices, catalog, allowance and approval rules) and records both.
    ``ship_to``: one of the buyer's allowed locations, or an address of their own where
    allowed (:mod:`commissary.locations.service`); None: their default location.
    """
    try:
        result = _submit(
            ctx,
            idempotency_key=idempotency_key,
            request_print=request_print,
            payment=payment,
            on_behalf_of=on_behalf_of,
            ship_to=ship_to,
        )
        ctx.session.flush()
        return result
    except IntegrityError:
        ctx.session.rollback()
    if ctx.actor is not None:
        stored = idempotency.lookup(
            ctx.session, ctx.tenant.id, ctx.actor.id, idempotency_key, request_print
        )
        if stored is not None:
            return order_for(ctx, int(stored.response["order_id"]), any_buyer=True), True
    raise Conflict("the order could not be stored; retry with the same Idempotency-Key")


def _submit(
    ctx: Context,
    *,
    idempotency_key: str,
    request_print: str,
    payment: PaymentChoice | None = None,
    on_behalf_of: int | None = None,
    ship_to: ShipToChoice | None = None,
) -> tuple[Order, bool]:
    placer = ctx.actor
    if placer is None:
        raise Invalid("sign in to order")
    stored = idempotency.lookup(
        ctx.session, ctx.tenant.id, placer.id, idempotency_key, request_print
    )
    if stored is not None:
        return order_for(ctx, int(stored.response["order_id"]), any_buyer=True), True
    buyer = placer
    if on_behalf_of is not None and on_behalf_of != placer.id:
        buyer = on_behalf.person_to_order_for(ctx, on_behalf_of)
        ctx = Context(ctx.tenant, ctx.session, ctx.hooks, actor=buyer, now=ctx.now)
    cart = _priced_lines(ctx, _priced_query(by_line=False), {"buyer": placer.id})
    kits = kit_service.priced_cart_kits(ctx, placer.id) if kit_service.sold_here(ctx) else []
    if not cart and not kits:
        raise Invalid("your cart is empty")
    # Every order line to write: cart lines, then each kit's component lines.
    items: list[PricedCartLine | kit_service.KitLine] = [
        *cart,
        *(line for kit in kits for line in kit.lines),
    ]
    visible = segments.visible_sku_ids(ctx, [i.sku.id for i in cart])
    for item in cart:
        if item.sku.id not in visible:
            raise NotFound(f"{item.sku.code} is not available to you; remove it from your cart")
        check_quantity_rules(item.sku, item.line.quantity)
    for item in cart:
        if not (item.sku.is_active and item.product.is_active):
            raise Invalid(f"{item.sku.code} is no longer available; remove it from your cart")
    # The default location costs no query; another choice is checked against the buyer's.
    location_id, own_address = buyer.location_id, ""
    if ship_to is not None and (ship_to.location_id is not None or ship_to.address.strip()):
        chosen = locations.resolve_ship_to(ctx, buyer.id, ship_to.location_id, ship_to.address)
        location_id = chosen.location_id
        own_address = chosen.address if ship_to.address.strip() else ""
    if location_id is None:
        raise Invalid("you have no location to ship to; ask your manager to assign one")
    draft = OrderDraft(
        buyer_id=buyer.id,
        location_id=location_id,
        placed_by_id=placer.id if placer is not buyer else None,
        lines=tuple(
            DraftLine(
                sku_id=i.sku.id,
                sku_code=i.sku.code,
                product_id=i.product.id,
                category_id=i.product.category_id,
                quantity=i.quantity,
                unit_points=i.unit_points,
                line_points=i.line_points,
            )
            for i in items
        ),
    )
    minimum = ctx.tenant.min_order_points
    if minimum is not None and draft.total_points < minimum:
        raise Invalid(
            f"an order must total at least {minimum:,} points; yours is {draft.total_points:,}",
            problems=["minimum_order_value"],
        )
    # Hard entitlements refuse (422); both take turns with concurrent submissions they
    # concern and remember overruns for their approval_requirements hooks.
    entitlements.check_order(ctx, draft)
    budgets.check_order(ctx, draft)
    problems = [p for result in ctx.hooks.validate_order(ctx=ctx, draft=draft) for p in result]
    if problems:
        raise Invalid("; ".join(p.message for p in problems), problems=[p.code for p in problems])
    requirements = [
        r for result in ctx.hooks.approval_requirements(ctx=ctx, draft=draft) for r in result
    ]
    needs_approval = bool(requirements)

    # INSERT ... RETURNING gives the order whole, the ship-to snapshot included, so the
    # reply needs no second read.
    order = ctx.session.scalars(
        _order_insert(),
        {
            "o_tenant": ctx.tenant.id,
            "o_buyer": buyer.id,
            "o_placed_by": placer.id if placer is not buyer else None,
            "o_location": location_id,
            "o_status": OrderStatus.PENDING_APPROVAL if needs_approval else OrderStatus.APPROVED,
            "o_total": draft.total_points,
            "o_approval": [
                {"rule": r.rule, "approver": r.approver, "reason": r.reason, "level": r.level}
                | r.detail
                for r in requirements
            ],
            "o_submitted": ctx.now,
            "o_decided": None if needs_approval else ctx.now,
        },
    ).one()
    if own_address:
        ctx.session.execute(
            update(Order)
            .where(Order.id == order.id)
            .values(ship_to=own_address)
            .execution_options(synchronize_session=False)
        )
        set_committed_value(order, "ship_to", own_address)
    line_status = LineStatus.PENDING if needs_approval else LineStatus.APPROVED
    lines = ctx.session.scalars(
        _line_insert(),
        [
            {
                "tenant_id": ctx.tenant.id,
                "order_id": order.id,
                "sku_id": i.sku.id,
                "sku_code": i.sku.code,
                "description": i.description,
                "quantity": i.quantity,
                "unit_points": i.unit_points,
                "line_points": i.line_points,
                "price_source": i.price_source,
                "kit_id": i.kit_id,
                "kit_group": i.kit_group,
                "status": line_status,
                "decided_at": None if needs_approval else ctx.now,
            }
            for i in items
        ],
    ).all()
    set_committed_value(order, "lines", sorted(lines, key=lambda line: line.id))
    if needs_approval:
        approval_steps.open_steps(
            ctx, order, requirements, [line.id for line in lines], replace=False
        )
    payments.authorize_order(
        ctx,
        order.id,
        buyer.id,
        draft.total_points,
        capture=not needs_approval,
        lines=draft.lines,
        choice=payment,
        checkout_key=idempotency_key,
    )
    order_history.record(
        ctx,
        order.id,
        "submitted",
        {"status": order.status.value, "approval": order.approval},
        event={
            "buyer_id": buyer.id,
            "placed_by_id": order.placed_by_id,
            "status": order.status.value,
            "total_points": order.total_points,
        },
    )
    idempotency.store(
        ctx.session,
        ctx.tenant.id,
        placer.id,
        idempotency_key,
        request_print,
        201,
        {"order_id": order.id},
    )
    # The cart is consumed exactly once: a concurrent submission of the same cart under
    # another key waits here for this one and then finds its lines gone.
    consumed = ctx.session.execute(_consume_lines(), {"line_ids": [i.line.id for i in cart]})
    if consumed.rowcount != len(cart):  # type: ignore[attr-defined]
        raise Conflict("your cart changed while the order was being placed; check it and retry")
    if kits and kit_service.consume(ctx, [k.entry.id for k in kits]) != len(kits):
        raise Conflict("your cart changed while the order was being placed; check it and retry")
    # Stock last: its rows are the ones other buyers' orders wait for, so they are locked
    # for as short a time as possible (until the commit that follows). Locks are taken in
    # the same order everywhere (the buyer's wallet before stock rows), so an approval
    # being decided for this buyer cannot deadlock with this order.
    units: dict[int, int] = {}
    for i in items:
        units[i.sku.id] = units.get(i.sku.id, 0) + i.quantity
    inventory.reserve(ctx.session, ctx.tenant.id, units)
    return order, False


@cache
def _order_insert() -> Any:
    """The order's INSERT ... RETURNING, built once. It fills in the ship-to snapshot (the
    location's name and address as of now) itself, so the reply needs no second read."""
    location = bindparam("o_location", type_=Integer)
    ship_to = (
        select(Location.name + "\n" + Location.address)
        .where(Location.id == location)
        .scalar_subquery()
    )
    columns = Order.__table__.c
    return (
        insert(Order)
        .values(
            tenant_id=bindparam("o_tenant", type_=Integer),
            user_id=bindparam("o_buyer", type_=Integer),
            placed_by_id=bindparam("o_placed_by", type_=Integer),
            location_id=location,
            status=bindparam("o_status", type_=columns.status.type),
            total_points=bindparam("o_total", type_=Integer),
            approval=bindparam("o_approval", type_=columns.approval.type),
            ship_to=ship_to,
            submitted_at=bindparam("o_submitted", type_=UTCDateTime()),
            decided_at=bindparam("o_decided", type_=UTCDateTime()),
        )
        .returning(Order)
    )


@cache
def _consume_lines() -> Any:
    return scoped(delete(CartLine).where(CartLine.id.in_(bindparam("line_ids", expanding=True))))


@cache
def _line_insert() -> Any:
    return insert(OrderLine).returning(OrderLine)


def order_for(ctx: Context, order_id: int, *, any_buyer: bool = False) -> Order:
    """An order with its lines. Buyers see only their own orders and those they placed
    for someone else (404 otherwise)."""
    query = select(Order).options(selectinload(Order.lines)).where(Order.id == order_id)
    if not any_buyer:
        me = _buyer_id(ctx)
        query = query.where(or_(Order.user_id == me, Order.placed_by_id == me))
    order = ctx.session.scalar(query)
    if order is None:
        raise NotFound("no such order")
    return order


def my_orders(ctx: Context, *, limit: int = 50, offset: int = 0) -> list[Order]:
    return list(
        ctx.session.scalars(
            select(Order)
            .where(or_(Order.user_id == _buyer_id(ctx), Order.placed_by_id == _buyer_id(ctx)))
            .order_by(Order.id.desc())
            .limit(limit)
            .offset(offset)
        )
    )


def people_names(ctx: Context, user_ids: set[int | None]) -> dict[int, str]:
    """Display names for the people named in an order's history, in one query."""
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    return dict(ctx.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())
