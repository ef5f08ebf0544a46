"""Saved lists: create (from the cart or from lines), change, share, and put in the cart.

A person sees their own lists and the lists shared with their location; only the owner
changes or deletes a list. Putting a list in the cart adds what can still be ordered by
this person and names what it skipped (a SKU withdrawn or outside their catalog).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select

from commissary.catalog.models import Product, Sku
from commissary.context import Context
from commissary.db import replace_rows
from commissary.errors import Forbidden, Invalid, NotFound
from commissary.lists.models import SavedList, SavedListLine
from commissary.orders import quick
from commissary.orders.models import CartLine
from commissary.segments import service as segments

MAX_LISTS = 200
MAX_LINES = 500


@dataclass(frozen=True)
class ListView:
    saved: SavedList
    lines: list[tuple[SavedListLine, str, str]]  # line, SKU code, description
    mine: bool


def _me(ctx: Context) -> tuple[int, int | None]:
    if ctx.actor is None:
        raise Invalid("sign in to use saved lists")
    return ctx.actor.id, ctx.actor.location_id


def visible(ctx: Context) -> list[SavedList]:
    me, location = _me(ctx)
    mine = SavedList.owner_id == me
    where = or_(mine, SavedList.location_id == location) if location is not None else mine
    return list(
        ctx.session.scalars(select(SavedList).where(where).order_by(SavedList.name, SavedList.id))
    )


def get(ctx: Context, list_id: int) -> ListView:
    me, location = _me(ctx)
    saved = ctx.session.get(SavedList, list_id)
    if saved is None or not (
        saved.owner_id == me or (location is not None and saved.location_id == location)
    ):
        raise NotFound("no such list")
    rows = ctx.session.execute(
        select(SavedListLine, Sku.code, Product.name + " — " + Sku.code)
        .join(Sku, Sku.id == SavedListLine.sku_id)
        .join(Product, Product.id == Sku.product_id)
        .where(SavedListLine.list_id == list_id)
        .order_by(Sku.code)
    ).all()
    return ListView(saved, [(line, code, text) for line, code, text in rows], saved.owner_id == me)


def _own(ctx: Context, list_id: int) -> SavedList:
    view = get(ctx, list_id)
    if not view.mine:
        raise Forbidden("only the list's owner can change it")
    return view.saved


def _check_lines(ctx: Context, lines: dict[int, int]) -> None:
    if len(lines) > MAX_LINES:
        raise Invalid(f"a list holds at most {MAX_LINES} SKUs")
    if any(q < 1 for q in lines.values()):
        raise Invalid("quantities are at least 1")
    known = set(ctx.session.scalars(select(Sku.id).where(Sku.id.in_(list(lines)))))
    if set(lines) - segments.visible_sku_ids(ctx, known):
        raise NotFound("no such item")


def create(
    ctx: Context, name: str, *, share: bool, lines: dict[int, int] | None = None
) -> SavedList:
    """A new list; without ``lines``, the current cart's."""
    me, location = _me(ctx)
    if not name.strip() or len(name) > 120:
        raise Invalid("a list needs a name of at most 120 characters")
    if share and location is None:
        raise Invalid("you have no location to share the list with")
    if len(visible(ctx)) >= MAX_LISTS:
        raise Invalid(f"at most {MAX_LISTS} lists")
    if lines is None:
        lines = dict(
            ctx.session.execute(
                select(CartLine.sku_id, CartLine.quantity).where(CartLine.user_id == me)
            ).all()
        )
        if not lines:
            raise Invalid("your cart is empty: add items first, or create the list with lines")
    _check_lines(ctx, lines)
    saved = SavedList(
        tenant_id=ctx.tenant.id,
        owner_id=me,
        name=name.strip(),
        location_id=location if share else None,
        updated_at=ctx.now,
    )
    ctx.session.add(saved)
    ctx.session.flush()
    _write_lines(ctx, saved.id, lines)
    return saved


def _write_lines(ctx: Context, list_id: int, lines: dict[int, int]) -> None:
    rows = [
        SavedListLine(tenant_id=ctx.tenant.id, list_id=list_id, sku_id=sku_id, quantity=q)
        for sku_id, q in sorted(lines.items())
    ]
    replace_rows(ctx.session, SavedListLine.list_id, list_id, rows)


def update(
    ctx: Context,
    list_id: int,
    *,
    name: str | None = None,
    share: bool | None = None,
    lines: dict[int, int] | None = None,
) -> SavedList:
    saved = _own(ctx, list_id)
    if name is not None:
        if not name.strip() or len(name) > 120:
            raise Invalid("a list needs a name of at most 120 characters")
        saved.name = name.strip()
    if share is not None:
        location = _me(ctx)[1]
        if share and location is None:
            raise Invalid("you have no location to share the list with")
        saved.location_id = location if share else None
    if lines is not None:
        _check_lines(ctx, lines)
        _write_lines(ctx, list_id, lines)
    saved.updated_at = ctx.now
    ctx.session.flush()
    return saved


def remove(ctx: Context, list_id: int) -> None:
    ctx.session.delete(_own(ctx, list_id))
    ctx.session.flush()


def to_cart(ctx: Context, list_id: int) -> quick.Added:
    """Add the list's lines to the cart; what can no longer be ordered is skipped."""
    view = get(ctx, list_id)
    done = quick.add_available(
        ctx, [(line.sku_id, line.quantity, code) for line, code, _text in view.lines]
    )
    if not done.added:
        raise Invalid("nothing on this list can be ordered any more")
    return done
