"""What each person may still order under their entitlements, and the checks that hold
them to it (cart, submission, approval).

**Rules** (also in ``docs/entitlements.md``):

* An entitlement applies to a person when it is active and either names no customer type
  or one the person belongs to; it covers a cart or order line when the line's SKU, its
  product or its product's category is the target.
* *Usage* is the units of the person's live order lines (pending, approved, in
  fulfilment, shipped, delivered; not rejected or cancelled) submitted inside the
  window, plus what is in the cart (cart checks) or in the order being submitted.
* Several entitlements may cover one line: each is checked on its own, so the strictest
  wins. Buyers are shown the one with the fewest units left.
* ``hard``: going over is refused with a 422 that says what is allowed; nothing changes.
  ``approval``: the cart accepts it (with a note) and the order goes to approval with a
  reason naming the entitlement.

**Cost.** The active entitlements of a tenant are cached per process by the tenant's
``config_version`` (every change bumps it), as are a person's customer types: a tenant
without entitlements, or an order no entitlement covers, costs no statement at all.
Otherwise a cart check is one statement (usage), a submission two (the guard row, usage).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Integer,
    Table,
    and_,
    false,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.dialects import postgresql, sqlite

from commissary.catalog.models import Product, Sku
from commissary.context import Context
from commissary.entitlements import periods
from commissary.entitlements.models import Enforcement, EntitlementGuard, TargetKind
from commissary.entitlements.rules import (
    Item,
    Rule,
    applicable,
    cached_for_person,
    for_person,
    rules,
)
from commissary.errors import Invalid
from commissary.hooktypes import DraftLine, OrderDraft
from commissary.orders.lifecycle import LIVE_LINE_STATES
from commissary.orders.models import CartLine, Order, OrderLine

MEMO_OVER = "entitlements_over"


@dataclass(frozen=True)
class Usage:
    """One entitlement as it stands for one person."""

    rule: Rule
    ordered: int  # units in live orders inside the window
    pending: int  # units in the cart, or in the order being submitted
    until: datetime | None  # when more units become available (None: nothing is used)

    @property
    def total(self) -> int:
        return self.ordered + self.pending

    @property
    def left(self) -> int:
        return max(self.rule.quantity - self.total, 0)

    @property
    def over(self) -> bool:
        return self.total > self.rule.quantity

    @property
    def label(self) -> str:
        """``1 of 2 left until 14 Mar 2027``: what the buyer reads."""
        text = f"{self.left} of {self.rule.quantity} left"
        if self.until is not None and self.total:
            text += f" until {periods.human_date(self.until)}"
        return text

    def refusal(self) -> str:
        """Why an add or an order is refused, and what is allowed instead."""
        rule = self.rule
        fits = max(rule.quantity - self.ordered, 0)
        text = (
            f"{rule.name}: you may order {rule.quantity} {rule.per}; you have ordered "
            f"{self.ordered}, so {fits} more fit{'s' if fits == 1 else ''} now, not {self.pending}"
        )
        if self.until is not None and self.ordered:
            text += f" (more from {periods.human_date(self.until)})"
        return text


# ----------------------------------------------------------------------------- usage


def _targets(rules_: Sequence[Rule], sku: Any, product: Any, category: Any) -> ColumnElement[bool]:
    clauses: list[ColumnElement[bool]] = []
    for kind, column in (
        (TargetKind.SKU, sku),
        (TargetKind.PRODUCT, product),
        (TargetKind.CATEGORY, category),
    ):
        ids = sorted({r.target_id for r in rules_ if r.target_kind is kind})
        if ids:
            clauses.append(column.in_(ids))
    return or_(*clauses) if clauses else false()


def _rows(
    ctx: Context,
    user_id: int,
    rules_: Sequence[Rule],
    since: datetime,
    *,
    cart: bool,
    replaced: tuple[int, list[int]] | None = None,
) -> Sequence[Any]:
    """(sku, product, category, quantity, submitted_at or None for cart) of the person's
    live order lines since ``since`` (and cart lines) that any of ``rules_`` may count:
    one statement. ``replaced``: (order id, SKU ids) whose lines an amendment replaces."""
    ordered = (
        select(
            OrderLine.sku_id,
            Sku.product_id,
            Product.category_id,
            OrderLine.quantity,
            Order.submitted_at,
        )
        .join(Order, Order.id == OrderLine.order_id)
        .join(Sku, Sku.id == OrderLine.sku_id)
        .join(Product, Product.id == Sku.product_id)
        .where(
            Order.tenant_id == ctx.tenant.id,
            Order.user_id == user_id,
            Order.submitted_at >= since,
            OrderLine.status.in_(sorted(LIVE_LINE_STATES)),
            _targets(rules_, OrderLine.sku_id, Sku.product_id, Product.category_id),
        )
    )
    if replaced is not None:
        order_id, sku_ids = replaced
        ordered = ordered.where(
            ~and_(OrderLine.order_id == order_id, OrderLine.sku_id.in_(sku_ids))
        )
    if not cart:
        return list(ctx.session.execute(ordered).all())
    in_cart = (
        select(
            CartLine.sku_id,
            Sku.product_id,
            Product.category_id,
            CartLine.quantity,
            null().label("submitted_at"),
        )
        .join(Sku, Sku.id == CartLine.sku_id)
        .join(Product, Product.id == Sku.product_id)
        .where(
            CartLine.tenant_id == ctx.tenant.id,
            CartLine.user_id == user_id,
            _targets(rules_, CartLine.sku_id, Sku.product_id, Product.category_id),
        )
    )
    return list(ctx.session.execute(union_all(ordered, in_cart)).all())


def usage(
    ctx: Context,
    user_id: int,
    rules_: Sequence[Rule],
    *,
    cart: bool = False,
    draft_lines: Sequence[DraftLine] = (),
    amending: int | None = None,
) -> list[Usage]:
    """Each rule's usage for ``user_id``: live orders in its window, plus the cart
    (``cart``) or the lines about to be ordered (``draft_lines``). ``amending``: the
    order an amendment changes; its lines of the draft's SKUs are replaced by the
    draft's (which carry their new quantities), not counted twice."""
    if not rules_:
        return []
    windows = {r.id: r.window(ctx.now) for r in rules_}
    since = min(start for start, _ in windows.values())
    replaced = (amending, sorted({d.sku_id for d in draft_lines})) if amending else None
    rows = _rows(ctx, user_id, rules_, since, cart=cart, replaced=replaced)
    pending_items = [(d.sku_id, d.product_id, d.category_id, d.quantity) for d in draft_lines]
    found = []
    for rule in rules_:
        start, reset = windows[rule.id]
        ordered, pending, oldest = 0, 0, None
        for sku_id, product_id, category_id, quantity, at in rows:
            if not rule.covers((sku_id, product_id, category_id)):
                continue
            if at is None:
                pending += quantity
            elif at >= start:
                ordered += quantity
                oldest = at if oldest is None or at < oldest else oldest
        pending += sum(q for s, p, c, q in pending_items if rule.covers((s, p, c)))
        if reset is not None:
            until: datetime | None = reset
        else:
            until = periods.add_months(oldest, rule.months or 1) if oldest else None
        found.append(Usage(rule, ordered, pending, until))
    return found


def strictest(found: Iterable[Usage]) -> Usage | None:
    """The usage with the fewest units left (hard before approval on a tie)."""
    ranked = sorted(
        found, key=lambda u: (u.left, u.rule.enforcement is not Enforcement.HARD, u.rule.id)
    )
    return ranked[0] if ranked else None


# ----------------------------------------------------------------------------- checks


def check_cart_line(ctx: Context, sku: Sku, product: Product) -> None:
    """After a cart add or change: refuse (422) when a hard entitlement would be exceeded by
    what the person ordered plus their whole cart. The caller's transaction is rolled back
    by the error, so nothing changes."""
    if ctx.actor is None or not rules(ctx):
        return
    found = applicable(ctx, ctx.actor.id, [(sku.id, product.id, product.category_id)])
    hard = [r for r in found if r.enforcement is Enforcement.HARD]
    if not hard:
        return
    over = [u for u in usage(ctx, ctx.actor.id, hard, cart=True) if u.over]
    if over:
        raise Invalid("; ".join(u.refusal() for u in over), problems=["entitlement"])


def _guard(ctx: Context, user_id: int) -> None:
    """Upsert the person's guard row: concurrent submissions of one person take turns."""
    dialect = ctx.session.get_bind().dialect.name
    upsert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = cast(Table, EntitlementGuard.__table__)
    statement = upsert(table).values(
        tenant_id=ctx.tenant.id, user_id=user_id, checks=1, updated_at=ctx.now
    )
    ctx.session.execute(
        statement.on_conflict_do_update(
            index_elements=["user_id"],
            set_={"checks": table.c.checks + literal(1, Integer), "updated_at": ctx.now},
        )
    )


def check_order(ctx: Context, draft: OrderDraft) -> None:
    """At submission, before anything is written: refuse (422) what goes over a hard
    entitlement; remember what goes over an approval one for :func:`approvals_needed`.

    Serialised per buyer by the guard row, so two concurrent submissions cannot both slip
    under a cap."""
    ctx.memo[MEMO_OVER] = (draft, [])
    items = [(d.sku_id, d.product_id, d.category_id) for d in draft.lines]
    found = applicable(ctx, draft.buyer_id, items)
    if not found:
        return
    _guard(ctx, draft.buyer_id)
    over = [u for u in _draft_usage(ctx, draft, found) if u.over]
    hard = [u for u in over if u.rule.enforcement is Enforcement.HARD]
    if hard:
        raise Invalid("; ".join(u.refusal() for u in hard), problems=["entitlement"])
    ctx.memo[MEMO_OVER] = (draft, over)


def _draft_usage(ctx: Context, draft: OrderDraft, found: Sequence[Rule]) -> list[Usage]:
    return usage(
        ctx, draft.buyer_id, found, draft_lines=draft.lines, amending=draft.amending_order_id
    )


def over_for_approval(ctx: Context, draft: OrderDraft) -> list[Usage]:
    """The approval-enforced entitlements ``draft`` goes over: from :func:`check_order` when
    it ran for this draft, otherwise counted now (read only)."""
    memo = ctx.memo.get(MEMO_OVER)
    if memo is not None and memo[0] is draft:
        over: list[Usage] = memo[1]
    else:
        items = [(d.sku_id, d.product_id, d.category_id) for d in draft.lines]
        found = applicable(ctx, draft.buyer_id, items)
        over = [u for u in _draft_usage(ctx, draft, found) if u.over]
    return [u for u in over if u.rule.enforcement is Enforcement.APPROVAL]


# ----------------------------------------------------------------------------- views


def mine(ctx: Context) -> list[Usage]:
    """Every entitlement of the signed-in person with its usage (cart included)."""
    if ctx.actor is None:
        return []
    return usage(ctx, ctx.actor.id, for_person(ctx, ctx.actor.id), cart=True)


def by_sku(ctx: Context, items: Sequence[Item]) -> dict[int, Usage]:
    """The strictest entitlement per SKU for the signed-in person (SKUs without one are
    left out): for the product page and the cart. One statement at most."""
    if ctx.actor is None or not items or not rules(ctx):
        return {}
    found = applicable(ctx, ctx.actor.id, items)
    if not found:
        return {}
    counted = usage(ctx, ctx.actor.id, found, cart=True)
    notes: dict[int, Usage] = {}
    for item in items:
        best = strictest(u for u in counted if u.rule.covers(item))
        if best is not None:
            notes[item[0]] = best
    return notes


__all__ = [
    "Item",
    "Rule",
    "Usage",
    "applicable",
    "by_sku",
    "cached_for_person",
    "check_cart_line",
    "check_order",
    "for_person",
    "mine",
    "over_for_approval",
    "rules",
    "strictest",
    "usage",
]
