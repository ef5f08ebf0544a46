"""Saved lists REST routes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, Field

from commissary.context import Context
from commissary.identity.permissions import Permission
from commissary.lists import service
from commissary.orders.schemas import CartLinePublic
from commissary.web.deps import ApiUnit, api_unit

router = APIRouter(tags=["saved lists"])
BuyerUnit = Annotated[ApiUnit, Depends(api_unit(Permission.ORDER_PLACE))]


class ListLine(BaseModel):
    sku_id: int
    quantity: int = Field(ge=1, le=10_000)


class ListLinePublic(ListLine):
    sku_code: str
    description: str


class ListCreate(BaseModel):
    name: str = Field(min_length=1, max_length=120)
    share_with_location: bool = False
    # Without lines, the list is made from your cart.
    lines: list[ListLine] | None = Field(default=None, max_length=service.MAX_LINES)


class ListUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=120)
    share_with_location: bool | None = None
    lines: list[ListLine] | None = Field(default=None, max_length=service.MAX_LINES)


class ListSummary(BaseModel):
    id: int
    name: str
    shared: bool
    mine: bool
    updated_at: datetime


class ListPublic(ListSummary):
    lines: list[ListLinePublic]


class ToCartPublic(BaseModel):
    added: list[CartLinePublic]
    skipped: list[str]


def _public(view: service.ListView) -> ListPublic:
    return ListPublic(
        id=view.saved.id,
        name=view.saved.name,
        shared=view.saved.location_id is not None,
        mine=view.mine,
        updated_at=view.saved.updated_at,
        lines=[
            ListLinePublic(
                sku_id=line.sku_id, quantity=line.quantity, sku_code=code, description=text
            )
            for line, code, text in view.lines
        ],
    )


def _lines(lines: list[ListLine] | None) -> dict[int, int] | None:
    if lines is None:
        return None
    merged: dict[int, int] = {}
    for line in lines:
        merged[line.sku_id] = merged.get(line.sku_id, 0) + line.quantity
    return merged


@router.get("/lists", response_model=list[ListSummary])
async def list_lists(unit: BuyerUnit) -> list[ListSummary]:
    def work(ctx: Context) -> list[ListSummary]:
        me = ctx.actor.id if ctx.actor else None
        return [
            ListSummary(
                id=s.id,
                name=s.name,
                shared=s.location_id is not None,
                mine=s.owner_id == me,
                updated_at=s.updated_at,
            )
            for s in service.visible(ctx)
        ]

    return await unit.run(work)


@router.post("/lists", response_model=ListPublic, status_code=201)
async def create_list(unit: BuyerUnit, body: ListCreate) -> ListPublic:
    """Save a list: from ``lines``, or from your cart. Shared lists are seen and used by
    everyone at your location; only you change them."""

    def work(ctx: Context) -> ListPublic:
        saved = service.create(
            ctx, body.name, share=body.share_with_location, lines=_lines(body.lines)
        )
        return _public(service.get(ctx, saved.id))

    return await unit.run(work)


@router.get("/lists/{saved_list_id}", response_model=ListPublic)
async def get_list(unit: BuyerUnit, saved_list_id: int) -> ListPublic:
    return await unit.run(lambda ctx: _public(service.get(ctx, saved_list_id)))


@router.patch("/lists/{saved_list_id}", response_model=ListPublic)
async def update_list(unit: BuyerUnit, saved_list_id: int, body: ListUpdate) -> ListPublic:
    def work(ctx: Context) -> ListPublic:
        service.update(
            ctx,
            saved_list_id,
            name=body.name,
            share=body.share_with_location,
            lines=_lines(body.lines),
        )
        return _public(service.get(ctx, saved_list_id))

    return await unit.run(work)


@router.delete("/lists/{saved_list_id}", status_code=204)
async def delete_list(unit: BuyerUnit, saved_list_id: int) -> Response:
    await unit.run(lambda ctx: service.remove(ctx, saved_list_id))
    return Response(status_code=204)


@router.post("/lists/{saved_list_id}/cart", response_model=ToCartPublic)
async def list_to_cart(unit: BuyerUnit, saved_list_id: int) -> ToCartPublic:
    """Add the whole list to your cart in one step; what can no longer be ordered is
    skipped and named."""

    def work(ctx: Context) -> ToCartPublic:
        done = service.to_cart(ctx, saved_list_id)
        return ToCartPublic(added=[CartLinePublic.of(x) for x in done.added], skipped=done.skipped)

    return await unit.run(work)
