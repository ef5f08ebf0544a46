"""Allowance program pages (tenant administrators): the list, a new program, editing,
deactivating and reactivating. Backed by :mod:`commissary_allowance.programs`, like the
API; a bad form is shown again with the reason and changes nothing."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from sqlalchemy import column, select, table

from commissary import (
    Category,
    Conflict,
    Context,
    Forbidden,
    Invalid,
    NotFound,
    Permission,
    page_requires,
    redirect,
    render,
)
from commissary_allowance import programs
from commissary_allowance.models import Period, Program
from commissary_allowance.schemas import ProgramCreate
from commissary_allowance.settings import AllowanceSettings

router = APIRouter()
GranterCtx = Annotated[Context, Depends(page_requires(Permission.POINTS_GRANT))]
FIELD_NAMES = {
    "name": "Name",
    "points_per_period": "Points per period",
    "period": "Period",
    "starts_on": "Renewal date",
    "expiry_days": "Expire after",
    "rollover_cap": "Roll-over cap",
    "customer_type_id": "Customer type",
    "category_ids": "Categories",
}


def _choices(ctx: Context) -> dict[str, Any]:
    types = table("customer_types", column("id"), column("name"), column("tenant_id"))
    return {
        "categories": list(ctx.session.scalars(select(Category).order_by(Category.name))),
        "customer_types": [
            (row.id, row.name)
            for row in ctx.session.execute(
                select(types.c.id, types.c.name)
                .where(types.c.tenant_id == ctx.tenant.id)
                .order_by(types.c.name)
            )
        ],
        "periods": list(Period),
        "label": ctx.settings(AllowanceSettings).points_label,
    }


def _form_of(program: Program | None) -> dict[str, Any]:
    if program is None:
        today = date.today()
        return {
            "name": "",
            "points_per_period": "",
            "period": "month",
            "starts_on": date(today.year, today.month, 1).isoformat(),
            "expiry_days": "",
            "rollover_cap": "",
            "prorate": True,
            "customer_type_id": "",
            "category_ids": [],
        }
    return {
        "name": program.name,
        "points_per_period": str(program.points_per_period),
        "period": program.period.value,
        "starts_on": program.starts_on.isoformat(),
        "expiry_days": "" if program.expiry_days is None else str(program.expiry_days),
        "rollover_cap": "" if program.rollover_cap is None else str(program.rollover_cap),
        "prorate": program.prorate,
        "customer_type_id": ""
        if program.customer_type_id is None
        else str(program.customer_type_id),
        "category_ids": [str(c) for c in program.category_ids],
    }


async def _read_form(request: Request) -> dict[str, Any]:
    data = await request.form()

    def text(name: str) -> str:
        return str(data.get(name, "") or "").strip()[:200]

    return {
        "name": text("name"),
        "points_per_period": text("points_per_period"),
        "period": text("period"),
        "starts_on": text("starts_on"),
        "expiry_days": text("expiry_days"),
        "rollover_cap": text("rollover_cap"),
        "prorate": data.get("prorate") == "on",
        "customer_type_id": text("customer_type_id"),
        "category_ids": [str(v) for v in data.getlist("category_ids")][:200],
    }


def _body(form: dict[str, Any]) -> ProgramCreate:
    """The form as the API's schema; a readable message for the first bad field."""

    def blank(value: str) -> str | None:
        return value or None

    if not form["name"]:
        raise Invalid("Name: give the program a name")
    try:
        return ProgramCreate.model_validate(
            {
                "name": form["name"],
                "points_per_period": form["points_per_period"],
                "period": form["period"],
                "starts_on": form["starts_on"],
                "expiry_days": blank(form["expiry_days"]),
                "rollover_cap": blank(form["rollover_cap"]),
                "prorate": form["prorate"],
                "customer_type_id": blank(form["customer_type_id"]),
                "category_ids": form["category_ids"],
            }
        )
    except ValidationError as exc:
        error = exc.errors()[0]
        field = FIELD_NAMES.get(str(error["loc"][0]), str(error["loc"][0]))
        message = str(error["msg"]).removeprefix("Value error, ")
        raise Invalid(f"{field}: {message[:1].lower()}{message[1:]}") from None


def _list_page(
    request: Request,
    ctx: Context,
    form: dict[str, Any] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    found = programs.programs(ctx.session)
    choices = _choices(ctx)
    return render(
        request,
        "allowance/programs.html",
        ctx,
        status_code=status_code,
        programs=found,
        category_names={c.id: c.name for c in choices["categories"]},
        type_names=dict(choices["customer_types"]),
        form=form or _form_of(None),
        error=error,
        **choices,
    )


def _edit_page(
    request: Request,
    ctx: Context,
    program: Program,
    form: dict[str, Any] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "allowance/program.html",
        ctx,
        status_code=status_code,
        program=program,
        granted=programs.has_granted(ctx, program.id),
        form=form or _form_of(program),
        error=error,
        **_choices(ctx),
    )


def _admin(ctx: Context) -> None:
    programs._require_admin(ctx)


@router.get("/wallet/programs", response_class=HTMLResponse)
def programs_page(request: Request, ctx: GranterCtx) -> HTMLResponse:
    _admin(ctx)
    return _list_page(request, ctx)


@router.post("/wallet/programs", response_model=None)
async def create(request: Request, ctx: GranterCtx) -> RedirectResponse | HTMLResponse:
    _admin(ctx)
    form = await _read_form(request)
    try:
        program = programs.create_program(ctx, _body(form))
    except (Invalid, NotFound, Conflict) as exc:
        ctx.session.rollback()
        return _list_page(request, ctx, form, exc.message, exc.status_code)
    return redirect(
        request,
        f"/t/{ctx.tenant.slug}/wallet/programs",
        f"Program “{program.name}” created; the next renewal run grants its current period.",
    )


@router.get("/wallet/programs/{program_id}", response_class=HTMLResponse)
def edit_page(request: Request, ctx: GranterCtx, program_id: int) -> HTMLResponse:
    _admin(ctx)
    return _edit_page(request, ctx, programs.program_of(ctx, program_id))


@router.post("/wallet/programs/{program_id}", response_model=None)
async def update(
    request: Request, ctx: GranterCtx, program_id: int
) -> RedirectResponse | HTMLResponse:
    _admin(ctx)
    program = programs.program_of(ctx, program_id)
    form = await _read_form(request)
    try:
        program = programs.update_program(ctx, program_id, _body(form))
    except (Invalid, NotFound, Conflict) as exc:
        ctx.session.rollback()
        program = programs.program_of(ctx, program_id)
        return _edit_page(request, ctx, program, form, exc.message, exc.status_code)
    return redirect(
        request, f"/t/{ctx.tenant.slug}/wallet/programs", f"Program “{program.name}” saved."
    )


@router.post("/wallet/programs/{program_id}/active", response_model=None)
async def set_active(request: Request, ctx: GranterCtx, program_id: int) -> RedirectResponse:
    _admin(ctx)
    data = await request.form()
    active = data.get("active") == "true"
    try:
        program = programs.set_active(ctx, program_id, active)
    except Forbidden:
        raise
    done = "renews again from the current period" if active else "stopped; granted points stay"
    return redirect(
        request, f"/t/{ctx.tenant.slug}/wallet/programs", f"Program “{program.name}” {done}."
    )
