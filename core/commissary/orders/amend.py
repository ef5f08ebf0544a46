"""Amending a placed order: change quantities, remove or add lines, change the ship-to.

Allowed until a warehouse starts work (``lifecycle.CHANGEABLE_ORDER_STATES``), by the
buyer, whoever placed the order for them, or a manager of its location. The rules:

* **Only the changed part is re-evaluated.** The approval rules see a draft made of the
  added lines, the extra units of increased lines and the pending lines whose quantity
  changed; ``existing_points`` carries the rest of the order, so a total-above-N rule
  still sees the whole order. What the rules ask for lands on the changed lines only:
  approved lines stay approved.
* **Pricing.** Added lines and extra units are priced now, at the line's new quantity
  (tiers apply to the whole line). A reduction never costs more: the reduced line is
  priced now at its new quantity but at most at its old total.
* **Increasing an approved line** adds a new line for the extra units (pending or
  approved by the rules), so what was approved and captured stays exactly as it was.
* **Points and stock follow.** Extra points are held as a new points tender on the order
  (a short wallet refuses the whole amendment, 409); removed or reduced pending lines
  release their hold, approved ones are refunded; stock is reserved for the extra units
  and released for the fewer, in the same transaction.
* **Versions.** Every amendment adds an :class:`OrderVersion` with who changed what and
  the lines after the change; version 1 (as submitted) is stored at the first one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm.attributes import set_committed_value

from commissary.approvals import steps as approval_steps
from commissary.budgets import service as budgets
from commissary.catalog.models import Product, Sku
from commissary.context import Context
from commissary.db import row_insert
from commissary.entitlements import service as entitlements
from commissary.errors import Conflict, Invalid, NotFound
from commissary.hooktypes import ApprovalRequirement, DraftLine, OrderDraft
from commissary.identity.models import Location, User
from commissary.inventory import service as inventory
from commissary.locations.service import allowed_locations
from commissary.orders import history, lifecycle
from commissary.orders.changes import (
    acts_for_location,
    decision_key,
    order_to_change,
)
from commissary.orders.models import LineStatus, Order, OrderLine, OrderVersion
from commissary.orders.service import MAX_LINE_QUANTITY, check_quantity_rules
from commissary.payments import service as payments
from commissary.pricing import service as pricing
from commissary.segments import service as segments

MAX_NOTE = 500
CHANGEABLE_LINES = (LineStatus.PENDING, LineStatus.APPROVED)


@dataclass(frozen=True)
class LineChange:
    line_id: int
    quantity: int  # the line's new quantity; 0 removes it


@dataclass(frozen=True)
class NewLine:
    sku_id: int
    quantity: int


@dataclass(frozen=True)
class Amendment:
    changes: tuple[LineChange, ...] = ()
    additions: tuple[NewLine, ...] = ()
    location_id: int | None = None  # None keeps the ship-to
    note: str = ""


@dataclass
class _Plan:
    """What the amendment does to each line, worked out before anything is written."""

    removed: list[OrderLine]
    resized: list[tuple[OrderLine, int, int]]  # line, new quantity, new points
    added: list[tuple[Sku, Product, int, pricing.LinePrice]]  # new lines (and extra units)
    products: dict[int, Product]  # SKU id -> product, for every SKU named above

    def stock_delta(self) -> tuple[dict[int, int], dict[int, int]]:
        """(units to reserve, units to release) per SKU."""
        more: dict[int, int] = {}
        fewer: dict[int, int] = {}
        for line in self.removed:
            fewer[line.sku_id] = fewer.get(line.sku_id, 0) + line.quantity
        for line, quantity, _points in self.resized:
            target = more if quantity > line.quantity else fewer
            target[line.sku_id] = target.get(line.sku_id, 0) + abs(quantity - line.quantity)
        for sku, _product, quantity, _price in self.added:
            more[sku.id] = more.get(sku.id, 0) + quantity
        return more, fewer


def _validated(order: Order, amendment: Amendment) -> tuple[dict[int, int], dict[int, int]]:
    """(line id → new quantity, SKU id → units to add as new lines), checked."""
    lines = {line.id: line for line in order.lines}
    if len(amendment.note) > MAX_NOTE:
        raise Invalid(f"a note has at most {MAX_NOTE} characters")
    resize: dict[int, int] = {}
    for change in amendment.changes:
        line = lines.get(change.line_id)
        if line is None:
            raise NotFound(f"order {order.number} has no line {change.line_id}")
        if change.line_id in resize:
            raise Invalid(f"line {line.sku_code} is named twice")
        if not 0 <= change.quantity <= MAX_LINE_QUANTITY:
            raise Invalid(f"quantity must be between 0 and {MAX_LINE_QUANTITY:,} (0 removes)")
        if line.status not in CHANGEABLE_LINES:
            raise Conflict(
                f"line {line.sku_code} is {line.status.value.replace('_', ' ')}; "
                "it can no longer be changed"
            )
        if change.quantity != line.quantity:
            resize[line.id] = change.quantity
    live = {
        line.sku_id: line
        for line in order.lines
        if line.status is LineStatus.PENDING
        or (line.status is LineStatus.APPROVED and line.sku_id not in resize)
    }
    add: dict[int, int] = {}
    for new in amendment.additions:
        if not 1 <= new.quantity <= MAX_LINE_QUANTITY:
            raise Invalid(f"quantity must be between 1 and {MAX_LINE_QUANTITY:,}")
        existing = live.get(new.sku_id)
        if existing is not None and existing.status is LineStatus.PENDING:
            # Adding a SKU the order already waits for raises that line instead.
            if existing.id in resize:
                raise Invalid(f"{existing.sku_code} is both changed and added; change it once")
            resize[existing.id] = existing.quantity + new.quantity
        else:
            add[new.sku_id] = add.get(new.sku_id, 0) + new.quantity
    return resize, add


def _skus(ctx: Context, sku_ids: set[int]) -> dict[int, tuple[Sku, Product]]:
    if not sku_ids:
        return {}
    rows = ctx.session.execute(
        select(Sku, Product).join(Product, Product.id == Sku.product_id).where(Sku.id.in_(sku_ids))
    ).all()
    return {sku.id: (sku, product) for sku, product in rows}


def _plan(buyer_ctx: Context, order: Order, resize: dict[int, int], add: dict[int, int]) -> _Plan:
    lines = {line.id: line for line in order.lines}
    growing = {lines[i].sku_id for i, q in resize.items() if q > lines[i].quantity}
    catalog = _skus(buyer_ctx, {lines[i].sku_id for i in resize} | set(add))
    wanted = growing | set(add)
    visible = segments.visible_sku_ids(buyer_ctx, wanted)
    for sku_id in wanted:
        found = catalog.get(sku_id)
        if found is None or sku_id not in visible:
            raise NotFound(f"SKU {sku_id} is not available to the buyer")
        sku, product = found
        if not (sku.is_active and product.is_active):
            raise Invalid(f"{sku.code} is no longer available")
    pricing.prepare(
        buyer_ctx, catalog.keys(), {sku.id: p.category_id for sku, p in catalog.values()}
    )
    plan = _Plan(
        removed=[], resized=[], added=[], products={i: p for i, (_s, p) in catalog.items()}
    )
    for line_id, quantity in resize.items():
        line = lines[line_id]
        sku, product = catalog[line.sku_id]
        if quantity == 0:
            plan.removed.append(line)
            continue
        check_quantity_rules(sku, quantity)
        price = pricing.price_line(buyer_ctx, sku, quantity, category_id=product.category_id)
        if quantity < line.quantity:
            plan.resized.append((line, quantity, min(price.line_points, line.line_points)))
        elif line.status is LineStatus.PENDING:
            plan.resized.append((line, quantity, price.line_points))
        else:
            # An approved line keeps what was approved; the extra units become a new line
            # priced at the unit price of the line's new quantity.
            extra = quantity - line.quantity
            unit = price.unit
            extra_price = pricing.LinePrice(
                quantity=extra,
                unit=unit,
                line_points=pricing.round_points(unit * extra),
                source=price.source,
                steps=price.steps,
            )
            plan.added.append((sku, product, extra, extra_price))
    for sku_id, quantity in add.items():
        sku, product = catalog[sku_id]
        check_quantity_rules(sku, quantity)
        price = pricing.price_line(buyer_ctx, sku, quantity, category_id=product.category_id)
        plan.added.append((sku, product, quantity, price))
    return plan


def _snapshot(order: Order) -> list[dict[str, Any]]:
    return [
        {
            "line_id": line.id,
            "sku_code": line.sku_code,
            "quantity": line.quantity,
            "line_points": line.line_points,
            "status": line.status.value,
        }
        for line in order.lines
    ]


def _ship_to(ctx: Context, buyer: User, order: Order, location_id: int | None) -> Location | None:
    """The new ship-to location, if it changes and the actor may send the order there."""
    if location_id is None or location_id == order.location_id:
        return None
    location = ctx.session.get(Location, location_id)
    if location is None:
        raise NotFound("no such location")
    allowed = {loc.id for loc in allowed_locations(ctx, buyer.id)}
    if location_id not in allowed and not acts_for_location(ctx, location_id):
        raise Invalid(f"{location.name} is not one of the buyer's ship-to locations")
    return location


def amend(ctx: Context, order_id: int, amendment: Amendment) -> Order:
    """Apply ``amendment`` to the order, all of it or (on any error) none of it."""
    actor = ctx.actor
    if actor is None:
        raise Invalid("sign in to change an order")
    order = order_to_change(ctx, order_id)
    if order.status not in lifecycle.CHANGEABLE_ORDER_STATES:
        raise Conflict(
            f"{order.number} is {order.status.value.replace('_', ' ')}; it can no longer be changed"
        )
    resize, add = _validated(order, amendment)
    buyer = ctx.session.get(User, order.user_id)
    assert buyer is not None
    location = _ship_to(ctx, buyer, order, amendment.location_id)
    if not resize and not add and location is None:
        raise Invalid("nothing to change: name new quantities, new lines or a new ship-to")
    buyer_ctx = Context(ctx.tenant, ctx.session, ctx.hooks, actor=buyer, now=ctx.now)
    plan = _plan(buyer_ctx, order, resize, add)
    before = _snapshot(order)
    requirements = _requirements(buyer_ctx, order, plan, location)
    needs_approval = bool(requirements)
    key = decision_key(ctx, order.id, "amend")
    # Worked out before any line changes in memory.
    changes = _changes(plan)
    more, fewer = plan.stock_delta()
    grown = [
        line.id
        for line, quantity, _points in plan.resized
        if line.status is LineStatus.PENDING and quantity > line.quantity
    ]

    # Lines first, then the wallet, then stock: the lock order of every order change.
    pending_removed = [line for line in plan.removed if line.status is LineStatus.PENDING]
    approved_removed = [line for line in plan.removed if line.status is LineStatus.APPROVED]
    if plan.removed:
        lifecycle.move_lines(
            ctx,
            plan.removed,
            LineStatus.CANCELLED,
            decided_by_id=actor.id,
            decision_reason=f"removed in version {order.version + 1}",
            decided_at=ctx.now,
        )
    release = sum(line.line_points for line in pending_removed)
    refund = sum(line.line_points for line in approved_removed)
    hold = 0
    for line, quantity, points in plan.resized:
        moved = ctx.session.execute(
            update(OrderLine)
            .where(OrderLine.id == line.id, OrderLine.status == line.status)
            .values(
                quantity=quantity,
                line_points=points,
                unit_points=pricing.round_points(Decimal(points) / quantity),
            )
            .execution_options(synchronize_session=False)
        )
        if moved.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict("someone else changed this order just now; reload and retry")
        delta = points - line.line_points
        if line.status is LineStatus.APPROVED:
            refund -= delta  # a reduction: delta < 0
        elif delta > 0:
            hold += delta
        else:
            release -= delta
        set_committed_value(line, "quantity", quantity)
        set_committed_value(line, "line_points", points)
    approval_steps.cancel_open(ctx, [line.id for line in pending_removed])
    new_lines = _insert_lines(ctx, order, plan, approved=not needs_approval)
    if needs_approval:
        # Only the changed part waits: new lines and pending lines that grew (their
        # earlier steps are replaced, so they are approved again from the first level).
        approval_steps.open_steps(
            ctx, order, requirements, [*grown, *(line.id for line in new_lines)]
        )
    hold += sum(line.line_points for line in new_lines)
    if hold:
        payments.authorize_more(
            ctx,
            order.id,
            order.user_id,
            hold,
            lines=tuple(_draft_line(line, p) for line, p in _with_products(new_lines, plan)),
            key=f"{key}:authorize",
        )
    capture = 0 if needs_approval else sum(line.line_points for line in new_lines)
    payments.settle(ctx, order.id, order.user_id, capture=capture, release=release, key=key)
    if refund:
        payments.refund(ctx, order.id, refund, key=f"{key}:refund")
    if fewer:
        inventory.release(ctx.session, ctx.tenant.id, fewer)
    if more:
        inventory.reserve(ctx.session, ctx.tenant.id, more)
    return _record(ctx, order, changes, before, location, requirements, amendment.note)


def _with_products(lines: list[OrderLine], plan: _Plan) -> list[tuple[OrderLine, Product]]:
    return [(line, plan.products[line.sku_id]) for line in lines]


def _draft_line(line: OrderLine, product: Product) -> DraftLine:
    return DraftLine(
        sku_id=line.sku_id,
        sku_code=line.sku_code,
        product_id=product.id,
        category_id=product.category_id,
        quantity=line.quantity,
        unit_points=line.unit_points,
        line_points=line.line_points,
    )


def _requirements(
    buyer_ctx: Context, order: Order, plan: _Plan, location: Location | None
) -> list[ApprovalRequirement]:
    """Ask the rules about the changed part only (see the module docstring)."""
    changed: list[DraftLine] = []
    resized_pending = [
        (line, q, p) for line, q, p in plan.resized if line.status is LineStatus.PENDING
    ]
    for line, quantity, points in resized_pending:
        if quantity > line.quantity:
            changed.append(
                replace(
                    _draft_line(line, plan.products[line.sku_id]),
                    quantity=quantity,
                    unit_points=pricing.round_points(Decimal(points) / quantity),
                    line_points=points,
                )
            )
    for sku, product, quantity, price in plan.added:
        changed.append(
            DraftLine(
                sku_id=sku.id,
                sku_code=sku.code,
                product_id=product.id,
                category_id=product.category_id,
                quantity=quantity,
                unit_points=price.unit_points,
                line_points=price.line_points,
            )
        )
    if not changed and location is None:
        return []
    touched = {line.id for line, _q, _p in plan.resized} | {line.id for line in plan.removed}
    existing = sum(
        line.line_points
        for line in order.lines
        if line.status in lifecycle.LIVE_LINE_STATES and line.id not in touched
    ) + sum(
        points
        for line, quantity, points in plan.resized
        if not (line.status is LineStatus.PENDING and quantity > line.quantity)
    )
    draft = OrderDraft(
        buyer_id=order.user_id,
        location_id=location.id if location else order.location_id,
        lines=tuple(changed),
        amending_order_id=order.id,
        existing_points=existing,
        placed_by_id=order.placed_by_id,
    )
    if changed:
        # Hard caps refuse (422) and shared budgets take turns, as at submission. The
        # entitlement count wants each touched SKU's whole quantity in the order after
        # the change (it replaces the order's lines of those SKUs); the budget wants the
        # extra points only.
        budgets.check_order(buyer_ctx, draft)
        entitlements.check_order(buyer_ctx, _whole_quantities(order, plan, draft))
        counted = buyer_ctx.memo.get(entitlements.MEMO_OVER)
        if counted is not None:
            buyer_ctx.memo[entitlements.MEMO_OVER] = (draft, counted[1])
    found = [
        r
        for result in buyer_ctx.hooks.approval_requirements(ctx=buyer_ctx, draft=draft)
        for r in result
    ]
    if found and not changed:
        # Only the ship-to changed and the rules object to it: lines already approved
        # cannot go back to waiting, so the change needs someone who approves there.
        reasons = "; ".join(r.reason for r in found)
        raise Conflict(f"shipping there needs approval ({reasons}); ask a manager to change it")
    return found


def _whole_quantities(order: Order, plan: _Plan, draft: OrderDraft) -> OrderDraft:
    """``draft`` with each touched SKU's total quantity in the order after the change."""
    removed = {line.id for line in plan.removed}
    resized = {line.id: quantity for line, quantity, _points in plan.resized}
    totals: dict[int, int] = {}
    for line in order.lines:
        if line.status in lifecycle.LIVE_LINE_STATES and line.id not in removed:
            totals[line.sku_id] = totals.get(line.sku_id, 0) + resized.get(line.id, line.quantity)
    for sku, _product, quantity, _price in plan.added:
        totals[sku.id] = totals.get(sku.id, 0) + quantity
    seen: set[int] = set()
    lines = []
    for d in draft.lines:
        if d.sku_id not in seen:
            seen.add(d.sku_id)
            lines.append(replace(d, quantity=totals.get(d.sku_id, d.quantity)))
    return replace(draft, lines=tuple(lines))


def _insert_lines(ctx: Context, order: Order, plan: _Plan, *, approved: bool) -> list[OrderLine]:
    if not plan.added:
        return []
    status = LineStatus.APPROVED if approved else LineStatus.PENDING
    return list(
        ctx.session.scalars(
            insert(OrderLine).returning(OrderLine),
            [
                {
                    "tenant_id": ctx.tenant.id,
                    "order_id": order.id,
                    "sku_id": sku.id,
                    "sku_code": sku.code,
                    "description": f"{product.name} — {sku.label}",
                    "quantity": quantity,
                    "unit_points": price.unit_points,
                    "line_points": price.line_points,
                    "price_source": price.source,
                    "status": status,
                    "decided_at": ctx.now if approved else None,
                }
                for sku, product, quantity, price in plan.added
            ],
        ).all()
    )


def _changes(plan: _Plan) -> dict[str, Any]:
    """Who changed what, for the version and the history (quantities from -> to)."""
    return {
        "lines": [
            {"line_id": line.id, "sku_code": line.sku_code, "from": line.quantity, "to": 0}
            for line in plan.removed
        ]
        + [
            {"line_id": line.id, "sku_code": line.sku_code, "from": line.quantity, "to": q}
            for line, q, _points in plan.resized
        ]
        + [
            {"line_id": None, "sku_code": sku.code, "from": 0, "to": q}
            for sku, _product, q, _price in plan.added
        ]
    }


def _record(
    ctx: Context,
    order: Order,
    changes: dict[str, Any],
    before: list[dict[str, Any]],
    location: Location | None,
    requirements: list[ApprovalRequirement],
    note: str,
) -> Order:
    from commissary.orders.changes import reload

    fresh = reload(ctx, order.id)
    version = fresh.version + 1
    if fresh.version == 1:
        ctx.session.execute(
            row_insert(OrderVersion),
            {
                "tenant_id": ctx.tenant.id,
                "order_id": fresh.id,
                "number": 1,
                "at": fresh.submitted_at,
                "actor_id": fresh.placed_by_id or fresh.user_id,
                "note": "",
                "changes": {},
                "lines": before,
                "total_points": fresh.total_points,
                "location_id": fresh.location_id,
            },
        )
    values: dict[str, Any] = {
        "version": version,
        "total_points": sum(line.line_points for line in fresh.lines),
    }
    if location is not None:
        changes["location"] = {"from": fresh.location_id, "to": location.id}
        values["location_id"] = location.id
        values["ship_to"] = f"{location.name}\n{location.address}"
    if requirements:
        values["approval"] = [
            *fresh.approval,
            *(
                {
                    "rule": r.rule,
                    "approver": r.approver,
                    "reason": r.reason,
                    "version": version,
                    **r.detail,
                }
                for r in requirements
            ),
        ]
    status = lifecycle.sync_order_status(ctx, fresh, **values)
    ctx.session.execute(
        row_insert(OrderVersion),
        {
            "tenant_id": ctx.tenant.id,
            "order_id": fresh.id,
            "number": version,
            "at": ctx.now,
            "actor_id": ctx.actor.id if ctx.actor else None,
            "note": note.strip(),
            "changes": changes,
            "lines": _snapshot(fresh),
            "total_points": values["total_points"],
            "location_id": values.get("location_id", fresh.location_id),
        },
    )
    detail = {
        "version": version,
        "status": status.value,
        "note": note.strip(),
        **changes,
        "approval": [r.reason for r in requirements],
    }
    history.record(ctx, fresh.id, "amended", detail, event=detail)
    return fresh


def versions(ctx: Context, order_id: int) -> list[OrderVersion]:
    """The order's versions, oldest first (empty until its first amendment)."""
    return list(
        ctx.session.scalars(
            select(OrderVersion)
            .where(OrderVersion.order_id == order_id)
            .order_by(OrderVersion.number)
        )
    )


__all__ = ["Amendment", "LineChange", "NewLine", "amend", "versions"]
