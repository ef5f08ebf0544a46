"""The payment policy page (tenant admins): which methods pay what points do not cover,
in which order the checkout offers them, whether employees may pay with their own card,
and what a point is worth. Backed by :mod:`commissary.payments.policy`, like the API."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from commissary.context import Context
from commissary.errors import Invalid
from commissary.identity.permissions import Permission
from commissary.money import POINTS
from commissary.payments import policy
from commissary.web.deps import page_requires
from commissary.web.rendering import redirect, render

router = APIRouter()
AdminCtx = Annotated[Context, Depends(page_requires(Permission.PLUGINS_MANAGE))]


def _methods(ctx: Context) -> list[tuple[str, str, bool]]:
    """(identifier, label, personal) of the enabled methods that can pay the rest."""
    return sorted(
        (
            (identifier, cls.label, cls.personal)
            for identifier, cls in ctx.hooks.payment_methods()
            if cls.currency != POINTS
        ),
        key=lambda m: m[1].lower(),
    )


def _page(
    request: Request,
    ctx: Context,
    *,
    form: dict[str, object] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    methods = _methods(ctx)
    current = policy.policy_for(ctx)
    if form is None:
        chosen = [str(m) for m in current.remainder_methods] if current else []
        form = {
            "chosen": chosen,
            "employee_card": bool(current and current.employee_card),
            "currency": current.currency if current else "",
            "point_value": f"{current.point_value.normalize():f}" if current else "",
        }
    chosen = list(form["chosen"])  # type: ignore[call-overload]
    # Offered methods first, in their order; the others after, by name.
    ordered = [m for c in chosen for m in methods if m[0] == c] + [
        m for m in methods if m[0] not in chosen
    ]
    missing = [c for c in chosen if c not in {m[0] for m in methods}]
    return render(
        request,
        "payments/policy.html",
        ctx,
        status_code=status_code,
        methods=ordered,
        form=form,
        chosen=chosen,
        missing=missing,
        has_policy=current is not None,
        error=error,
    )


@router.get("/payments/policy", response_class=HTMLResponse)
def policy_page(request: Request, ctx: AdminCtx) -> HTMLResponse:
    return _page(request, ctx)


def _point_value(text: str) -> Decimal:
    try:
        value = Decimal(text.strip().replace(",", "."))
    except InvalidOperation:
        raise Invalid(
            f"“{text.strip()[:20]}” is not a number; write what one point is worth, like 0.10"
        ) from None
    if not value.is_finite() or value <= 0:
        raise Invalid("a point must be worth more than nothing, like 0.10")
    if value != value.quantize(Decimal("0.000001")) or value >= Decimal("1000000000000"):
        raise Invalid("a point's value has at most six decimals, like 0.125")
    return value


@router.post("/payments/policy", response_model=None)
async def save_policy(request: Request, ctx: AdminCtx) -> RedirectResponse | HTMLResponse:
    data = await request.form()
    offered = {str(v) for v in data.getlist("offer")}
    positions: dict[str, int] = {}
    for name in offered:
        raw = str(data.get(f"pos_{name}", "") or "")
        positions[name] = int(raw) if raw.isdigit() else 99
    chosen = sorted(offered, key=lambda m: (positions[m], m))
    currency = str(data.get("currency", "") or "").strip().upper()
    form: dict[str, object] = {
        "chosen": chosen,
        "employee_card": data.get("employee_card") == "on",
        "currency": currency,
        "point_value": str(data.get("point_value", "") or "")[:30],
    }
    try:
        if not re.fullmatch(r"[A-Z]{3}", currency):
            raise Invalid("the currency is a three-letter ISO code, like EUR or USD")
        policy.set_policy(
            ctx,
            remainder_methods=chosen,
            employee_card=bool(form["employee_card"]),
            currency=currency,
            point_value=_point_value(str(form["point_value"])),
        )
    except Invalid as exc:
        ctx.session.rollback()
        return _page(request, ctx, form=form, error=exc.message, status_code=exc.status_code)
    done = (
        "Buyers now pay the rest with " + ", ".join(chosen) + "."
        if chosen
        else "Orders are now paid with points only."
    )
    return redirect(
        request, f"/t/{ctx.tenant.slug}/payments/policy", f"Payment policy saved. {done}"
    )
