"""Entitlement pages: a buyer's "what may I still order" and the admins' rule editor.

The editor names a rule's target the way admins know it (a category or product slug, a
SKU code) and says in a flash message why a form was refused; nothing is saved then.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import func, select

from commissary.catalog.models import Category, Product, Sku
from commissary.context import Context
from commissary.entitlements import manage, service
from commissary.entitlements.manage import EntitlementData
from commissary.entitlements.models import Enforcement, Entitlement, PeriodKind, TargetKind
from commissary.errors import DomainError, Invalid
from commissary.identity.permissions import Permission
from commissary.segments.models import CustomerType
from commissary.web.deps import page_requires
from commissary.web.rendering import redirect, render

router = APIRouter()
BuyerCtx = Annotated[Context, Depends(page_requires(Permission.ORDER_PLACE))]
AdminCtx = Annotated[Context, Depends(page_requires(Permission.ENTITLEMENTS_MANAGE))]


@router.get("/entitlements", response_class=HTMLResponse)
def mine(request: Request, ctx: BuyerCtx) -> HTMLResponse:
    found = sorted(service.mine(ctx), key=lambda u: (u.left, u.rule.name))
    return render(request, "entitlements/mine.html", ctx, usages=found)


def _admin_url(ctx: Context) -> str:
    return f"/t/{ctx.tenant.slug}/admin/entitlements"


@router.get("/admin/entitlements", response_class=HTMLResponse)
def rules_page(request: Request, ctx: AdminCtx) -> HTMLResponse:
    found = manage.list_all(ctx)
    names = manage.target_names(ctx, found)
    types = list(ctx.session.scalars(select(CustomerType).order_by(CustomerType.name)))
    return render(
        request,
        "entitlements/admin.html",
        ctx,
        entitlements=found,
        names=names,
        refs=_refs(ctx, found),
        types=types,
        type_names={t.id: t.name for t in types},
        categories=list(ctx.session.scalars(select(Category).order_by(Category.name))),
        periods=list(PeriodKind),
        kinds=list(TargetKind),
        enforcements=list(Enforcement),
        describe=manage.describe_period,
    )


def _refs(ctx: Context, found: list[Entitlement]) -> dict[int, str]:
    """Each rule's target as the editor shows it: category or product slug, SKU code."""
    wanted = {kind: {e.target_id for e in found if e.target_kind is kind} for kind in TargetKind}
    lookup: dict[tuple[TargetKind, int], str] = {}
    if wanted[TargetKind.SKU]:
        for i, code in ctx.session.execute(
            select(Sku.id, Sku.code).where(Sku.id.in_(wanted[TargetKind.SKU]))
        ):
            lookup[(TargetKind.SKU, i)] = code
    if wanted[TargetKind.PRODUCT]:
        for i, slug in ctx.session.execute(
            select(Product.id, Product.slug).where(Product.id.in_(wanted[TargetKind.PRODUCT]))
        ):
            lookup[(TargetKind.PRODUCT, i)] = slug
    if wanted[TargetKind.CATEGORY]:
        for i, slug in ctx.session.execute(
            select(Category.id, Category.slug).where(Category.id.in_(wanted[TargetKind.CATEGORY]))
        ):
            lookup[(TargetKind.CATEGORY, i)] = slug
    return {e.id: lookup.get((e.target_kind, e.target_id), "") for e in found}


def _resolve(ctx: Context, kind: TargetKind, ref: str) -> int:
    ref = ref.strip()
    query = {
        TargetKind.SKU: select(Sku.id).where(func.upper(Sku.code) == ref.upper()),
        TargetKind.PRODUCT: select(Product.id).where(Product.slug == ref.lower()),
        TargetKind.CATEGORY: select(Category.id).where(Category.slug == ref.lower()),
    }[kind]
    found = ctx.session.scalar(query)
    if found is None:
        what = "SKU code" if kind is TargetKind.SKU else f"{kind.value} slug"
        raise Invalid(f"there is no {what} {ref!r}")
    return found


def _data(
    ctx: Context,
    name: str,
    target_kind: str,
    target: str,
    quantity: int,
    period: str,
    months: int | None,
    enforcement: str,
    customer_type_id: int | None,
    is_active: bool,
) -> EntitlementData:
    try:
        kind, period_kind = TargetKind(target_kind), PeriodKind(period)
        enforced = Enforcement(enforcement)
    except ValueError:
        raise Invalid("choose what the rule covers, its period and how it is enforced") from None
    return EntitlementData(
        name=name,
        target_kind=kind,
        target_id=_resolve(ctx, kind, target),
        quantity=quantity,
        period=period_kind,
        months=months if period_kind is PeriodKind.ROLLING else None,
        enforcement=enforced,
        customer_type_id=customer_type_id or None,
        is_active=is_active,
    )


Text = Annotated[str, Form(max_length=200)]
OptionalInt = Annotated[int | None, Form()]


@router.post("/admin/entitlements")
def create(
    request: Request,
    ctx: AdminCtx,
    name: Text,
    target_kind: Text,
    target: Text,
    quantity: Annotated[int, Form()],
    period: Text,
    enforcement: Text,
    months: OptionalInt = None,
    customer_type_id: OptionalInt = None,
) -> RedirectResponse:
    try:
        data = _data(
            ctx, name, target_kind, target, quantity, period, months, enforcement,
            customer_type_id, True,
        )  # fmt: skip
        created = manage.create(ctx, data)
    except DomainError as exc:
        ctx.session.rollback()
        return redirect(request, _admin_url(ctx), f"Not saved: {exc.message}.")
    return redirect(request, _admin_url(ctx), f"Entitlement {created.name!r} created.")


@router.post("/admin/entitlements/{entitlement_id}")
def update(
    request: Request,
    ctx: AdminCtx,
    entitlement_id: int,
    name: Text,
    target_kind: Text,
    target: Text,
    quantity: Annotated[int, Form()],
    period: Text,
    enforcement: Text,
    months: OptionalInt = None,
    customer_type_id: OptionalInt = None,
    is_active: Annotated[bool, Form()] = False,
) -> RedirectResponse:
    manage.get(ctx, entitlement_id)  # a foreign or unknown id is a 404
    try:
        data = _data(
            ctx, name, target_kind, target, quantity, period, months, enforcement,
            customer_type_id, is_active,
        )  # fmt: skip
        changed = manage.update(ctx, entitlement_id, data)
    except DomainError as exc:
        ctx.session.rollback()
        return redirect(request, _admin_url(ctx), f"Not saved: {exc.message}.")
    return redirect(request, _admin_url(ctx), f"Entitlement {changed.name!r} saved.")


@router.post("/admin/entitlements/{entitlement_id}/delete")
def delete(request: Request, ctx: AdminCtx, entitlement_id: int) -> RedirectResponse:
    name = manage.get(ctx, entitlement_id).name
    manage.delete(ctx, entitlement_id)
    return redirect(request, _admin_url(ctx), f"Entitlement {name!r} removed.")
