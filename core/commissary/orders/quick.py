"""Quick order (a list of SKU codes and quantities, typed or uploaded as CSV) and reorder.

Both are all or nothing for what they can check up front: a quick order with one unknown
code, a SKU the person may not see or a quantity its rules refuse changes nothing and
names every bad line. A reorder adds what can still be ordered and says what it skipped.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from sqlalchemy import ColumnElement, select

from commissary.catalog.models import Product, Sku
from commissary.context import Context
from commissary.errors import Invalid, NotFound
from commissary.orders import service
from commissary.segments import service as segments

MAX_QUICK_LINES = 200


@dataclass(frozen=True)
class QuickLine:
    code: str
    quantity: int
    number: int  # line number in the text or file, for messages


def parse(text: str) -> list[QuickLine]:
    """``CODE, quantity`` (or ``CODE quantity``, or a CSV with a header row), one per
    line; a line without a quantity orders one."""
    found: list[QuickLine] = []
    problems: list[str] = []
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [c.strip() for c in row if c.strip()]
        if len(cells) == 1 and " " in cells[0]:
            cells = cells[0].split()
        if not cells:
            continue
        if number == 1 and cells[0].lower() in {"sku", "code", "sku code", "sku_code"}:
            continue  # a header row
        code = cells[0].upper()
        quantity = cells[1] if len(cells) > 1 else "1"
        if not quantity.isdigit() or int(quantity) < 1 or len(cells) > 2:
            problems.append(f"line {number}: write a SKU code and a whole quantity")
            continue
        found.append(QuickLine(code, int(quantity), number))
    if problems:
        raise Invalid("; ".join(problems[:20]), problems=["bad_line"])
    if not found:
        raise Invalid("write at least one SKU code")
    if len(found) > MAX_QUICK_LINES:
        raise Invalid(f"a quick order has at most {MAX_QUICK_LINES} lines")
    return found


def orderable_skus(ctx: Context, which: ColumnElement[bool]) -> list[Sku]:
    """The SKUs matching ``which`` that this person can order now: active, of an active
    product, and inside their catalogs."""
    skus = list(
        ctx.session.scalars(
            select(Sku)
            .join(Product, Product.id == Sku.product_id)
            .where(which, Sku.is_active, Product.is_active)
        )
    )
    visible = segments.visible_sku_ids(ctx, [s.id for s in skus])
    return [s for s in skus if s.id in visible]


def quick_order(ctx: Context, lines: list[QuickLine]) -> list[service.PricedCartLine]:
    """Add every line to the cart, or none of them."""
    codes = {line.code for line in lines}
    skus = {sku.code.upper(): sku for sku in orderable_skus(ctx, Sku.code.in_(codes))}
    problems = [
        f"line {line.number}: no item {line.code}" for line in lines if line.code not in skus
    ]
    if problems:
        raise Invalid("; ".join(problems[:20]), problems=["unknown_sku"])
    totals: dict[str, int] = {}
    for line in lines:
        totals[line.code] = totals.get(line.code, 0) + line.quantity
    for code, quantity in totals.items():
        service.check_quantity_rules(skus[code], quantity)
    return [service.add_to_cart(ctx, skus[code].id, quantity) for code, quantity in totals.items()]


def add_many(ctx: Context, quantities: dict[int, int]) -> list[service.PricedCartLine]:
    """Several SKUs at once (the size grid): all of them, or none when any is unknown, not
    orderable by this person or refused by its quantity rules."""
    wanted = {sku_id: qty for sku_id, qty in quantities.items() if qty > 0}
    if not wanted:
        raise Invalid("enter a quantity for at least one size")
    skus = {sku.id: sku for sku in orderable_skus(ctx, Sku.id.in_(list(wanted)))}
    if set(wanted) - set(skus):
        raise NotFound("no such item")
    for sku_id, quantity in wanted.items():
        service.check_quantity_rules(skus[sku_id], quantity)
    return [service.add_to_cart(ctx, sku_id, quantity) for sku_id, quantity in wanted.items()]


@dataclass(frozen=True)
class Added:
    added: list[service.PricedCartLine]
    skipped: list[str]  # SKU codes no longer orderable by this person


def add_available(ctx: Context, lines: list[tuple[int, int, str]]) -> Added:
    """Put ``(sku id, quantity, code)`` lines in the cart, skipping (and naming) those this
    person can no longer order: a reorder, a saved list."""
    orderable = {
        s.id for s in orderable_skus(ctx, Sku.id.in_([sku_id for sku_id, _q, _c in lines]))
    }
    added, skipped = [], []
    for sku_id, quantity, code in lines:
        if sku_id in orderable:
            added.append(service.add_to_cart(ctx, sku_id, quantity))
        else:
            skipped.append(code)
    return Added(added, skipped)


def reorder(ctx: Context, order_id: int) -> Added:
    """Put a past order's lines back in the cart (the buyer's own orders only)."""
    order = service.order_for(ctx, order_id)
    return add_available(ctx, [(line.sku_id, line.quantity, line.sku_code) for line in order.lines])


def added_message(added: int, skipped: list[str]) -> str:
    """What a page says after putting lines in the cart (a reorder, a saved list)."""
    message = f"Added {added} line{'' if added == 1 else 's'} to your cart."
    if skipped:
        message += f" No longer available: {', '.join(skipped)}."
    return message
