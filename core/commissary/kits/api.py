"""Kits over the API: buyers list and order them, catalog managers define them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, Field

from commissary.context import Context
from commissary.identity.permissions import Permission
from commissary.kits import admin, service
from commissary.kits.models import Kit, KitPricing
from commissary.web.deps import ApiUnit, api_unit

router = APIRouter(tags=["kits"])
ViewerUnit = Annotated[ApiUnit, Depends(api_unit(Permission.CATALOG_VIEW))]
BuyerUnit = Annotated[ApiUnit, Depends(api_unit(Permission.ORDER_PLACE))]
ManagerUnit = Annotated[ApiUnit, Depends(api_unit(Permission.CATALOG_MANAGE))]


class ComponentIn(BaseModel):
    label: str = Field(min_length=1, max_length=120)
    quantity: int = Field(default=1, ge=1, le=100)
    sku_id: int | None = None
    product_id: int | None = Field(default=None, description="the buyer picks its variant")


class KitCreate(BaseModel):
    code: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=5000)
    pricing: KitPricing = KitPricing.SUM
    price_points: int | None = Field(default=None, ge=0)
    components: list[ComponentIn] = Field(min_length=1, max_length=admin.MAX_COMPONENTS)


class KitUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=5000)
    pricing: KitPricing | None = None
    price_points: int | None = Field(default=None, ge=0)
    is_active: bool | None = None
    components: list[ComponentIn] | None = Field(default=None, max_length=admin.MAX_COMPONENTS)


class OptionPublic(BaseModel):
    sku_id: int
    sku_code: str
    label: str


class ComponentPublic(BaseModel):
    id: int
    label: str
    quantity: int
    options: list[OptionPublic]


class KitPublic(BaseModel):
    id: int
    code: str
    name: str
    description: str
    pricing: str
    price_points: int | None
    components: list[ComponentPublic]


class CartKitCreate(BaseModel):
    kit_id: int
    quantity: int = Field(default=1, ge=1, le=service.MAX_KIT_QUANTITY)
    choices: dict[int, int] = Field(
        default_factory=dict, description="component id -> chosen SKU id"
    )


class CartKitPublic(BaseModel):
    id: int
    kit_id: int
    code: str
    name: str
    quantity: int
    total_points: int
    lines: list[dict[str, object]]

    @classmethod
    def of(cls, item: service.PricedKit) -> CartKitPublic:
        return cls(
            id=item.entry.id,
            kit_id=item.kit.id,
            code=item.kit.code,
            name=item.kit.name,
            quantity=item.entry.quantity,
            total_points=item.total_points,
            lines=[
                {
                    "component": line.label,
                    "sku_id": line.sku.id,
                    "sku_code": line.sku.code,
                    "quantity": line.quantity,
                    "line_points": line.line_points,
                    "price_source": line.price_source,
                }
                for line in item.lines
            ],
        )


def _public(kit: Kit, options: list[service.ComponentOptions]) -> KitPublic:
    return KitPublic(
        id=kit.id,
        code=kit.code,
        name=kit.name,
        description=kit.description,
        pricing=kit.pricing.value,
        price_points=kit.price_points,
        components=[
            ComponentPublic(
                id=o.component.id,
                label=o.component.label,
                quantity=o.component.quantity,
                options=[
                    OptionPublic(sku_id=sku.id, sku_code=sku.code, label=sku.label)
                    for sku, _product in o.options
                ],
            )
            for o in options
        ],
    )


def _specs(components: list[ComponentIn]) -> list[admin.ComponentSpec]:
    return [admin.ComponentSpec(c.label, c.quantity, c.sku_id, c.product_id) for c in components]


@router.get("/kits", response_model=list[KitPublic])
async def list_kits(unit: ViewerUnit) -> list[KitPublic]:
    """The kits you can order, each with the choices of its components."""
    return await unit.run(lambda ctx: [_public(k, o) for k, o in service.kits_for_buyer(ctx)])


@router.get("/kits/{kit_id}", response_model=KitPublic)
async def get_kit(unit: ViewerUnit, kit_id: int) -> KitPublic:
    return await unit.run(lambda ctx: _public(*service.kit_for_buyer(ctx, kit_id)))


@router.post("/kits", response_model=KitPublic, status_code=201)
async def create_kit(unit: ManagerUnit, body: KitCreate) -> KitPublic:
    def work(ctx: Context) -> KitPublic:
        kit = admin.create_kit(
            ctx,
            code=body.code,
            name=body.name,
            description=body.description,
            pricing_=body.pricing,
            price_points=body.price_points,
            components=_specs(body.components),
        )
        return _public(*service.kit_for_buyer(ctx, kit.id))

    return await unit.run(work)


@router.patch("/kits/{kit_id}", response_model=KitPublic)
async def update_kit(unit: ManagerUnit, kit_id: int, body: KitUpdate) -> KitPublic:
    def work(ctx: Context) -> KitPublic:
        kit = admin.update_kit(
            ctx,
            kit_id,
            name=body.name,
            description=body.description,
            pricing_=body.pricing,
            price_points=body.price_points,
            is_active=body.is_active,
            components=_specs(body.components) if body.components is not None else None,
        )
        options = service.components_of(ctx, [kit.id])[kit.id]
        return _public(kit, service.options_of(ctx, options))

    return await unit.run(work)


@router.post("/cart/kits", response_model=CartKitPublic, status_code=201)
async def add_kit(unit: BuyerUnit, body: CartKitCreate) -> CartKitPublic:
    """Put a kit into the cart with a choice (size, colour) for each component that has
    several; components with one orderable SKU need no choice."""

    def work(ctx: Context) -> CartKitPublic:
        assert ctx.actor is not None
        entry = service.add_to_cart(ctx, body.kit_id, body.quantity, body.choices)
        priced = service.priced_cart_kits(ctx, ctx.actor.id)
        return CartKitPublic.of(next(k for k in priced if k.entry.id == entry.id))

    return await unit.run(work)


@router.delete("/cart/kits/{cart_kit_id}", status_code=204)
async def remove_kit(unit: BuyerUnit, cart_kit_id: int) -> Response:
    await unit.run(lambda ctx: service.remove_from_cart(ctx, cart_kit_id))
    return Response(status_code=204)
