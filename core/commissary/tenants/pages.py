"""The operator console: every tenant, its users and its plugins, in one place."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import func, select

from commissary.errors import DomainError, Invalid
from commissary.identity import service as identity
from commissary.identity.api import client_address
from commissary.identity.models import Location, Role, User
from commissary.plugins import PluginHost
from commissary.tenants import service
from commissary.tenants.models import Tenant
from commissary.web.deps import OPERATOR_COOKIE, OperatorDep, SessionDep
from commissary.web.rendering import redirect, render

router = APIRouter(prefix="/admin")


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> HTMLResponse:
    return render(request, "admin/login.html", error=None)


@router.post("/login", response_model=None)
def login(
    request: Request,
    session: SessionDep,
    email: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=1024)],
) -> HTMLResponse | RedirectResponse:
    try:
        issued = identity.operator_login(
            session,
            request.app.state.settings,
            email=email,
            password=password,
            client=client_address(request),
        )
    except DomainError as exc:
        session.commit()
        return render(
            request, "admin/login.html", status_code=exc.status_code, error=exc.message, email=email
        )
    response = redirect(request, "/admin/")
    response.set_cookie(
        OPERATOR_COOKIE,
        issued.token,
        httponly=True,
        samesite="strict",
        secure=request.app.state.settings.secure_cookies,
        path="/admin",
    )
    return response


@router.post("/logout")
def logout(request: Request, session: SessionDep) -> RedirectResponse:
    token = request.cookies.get(OPERATOR_COOKIE)
    if token:
        identity.logout(session, token)
    response = redirect(request, "/admin/login", "You are signed out.")
    response.delete_cookie(OPERATOR_COOKIE, path="/admin")
    return response


@router.get("/", response_class=HTMLResponse)
def tenants(request: Request, operator: OperatorDep, session: SessionDep) -> HTMLResponse:
    users = dict(
        session.execute(select(User.tenant_id, func.count()).group_by(User.tenant_id)).all()
    )
    rows = session.scalars(select(Tenant).order_by(Tenant.name)).all()
    return render(request, "admin/tenants.html", tenants=rows, user_counts=users)


@router.post("/tenants")
def create_tenant(
    request: Request,
    operator: OperatorDep,
    session: SessionDep,
    slug: Annotated[str, Form(max_length=63)],
    name: Annotated[str, Form(max_length=200)],
    threshold: Annotated[str, Form()] = "",
) -> RedirectResponse:
    tenant = service.create_tenant(
        session, slug=slug.strip(), name=name, approval_threshold_points=_threshold(threshold)
    )
    return redirect(request, f"/admin/tenants/{tenant.slug}", f"Portal {tenant.name} created.")


def _threshold(raw: str) -> int | None:
    raw = raw.strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise Invalid("the approval threshold is a whole number of points, or empty for none")
    return int(raw)


@router.get("/tenants/{slug}", response_class=HTMLResponse)
def tenant(request: Request, operator: OperatorDep, session: SessionDep, slug: str) -> HTMLResponse:
    found = service.tenant_by_slug(session, slug)
    host = request.app.state.host
    activations = {a.plugin: a for a in service.activations(session, found.id)}
    users = session.scalars(
        select(User).where(User.tenant_id == found.id).order_by(User.name)
    ).all()
    locations = session.scalars(
        select(Location).where(Location.tenant_id == found.id).order_by(Location.name)
    ).all()
    return render(
        request,
        "admin/tenant.html",
        t=found,
        plugins=[host.info[n] for n in host.names() if host.is_core(n) or host.is_tenant_plugin(n)],
        roles=[r.value for r in Role],
        activations=activations,
        users=users,
        locations={loc.id: loc for loc in locations},
        location_names={loc.id: loc.name for loc in locations},
        settings_json={
            name: json.dumps(_public_settings(host, name, a.settings), indent=2)
            for name, a in activations.items()
        },
    )


def _public_settings(host: PluginHost, name: str, raw: dict[str, object]) -> dict[str, object]:
    """Stored settings with secrets replaced: they are write-only."""
    model = host.settings_models.get(name)
    if model is None:
        return raw
    secret_fields = {k for k, f in model.model_fields.items() if "SecretStr" in str(f.annotation)}
    return {k: ("********" if k in secret_fields and v else v) for k, v in raw.items()}


@router.post("/tenants/{slug}/plugins/{plugin}")
def set_plugin(
    request: Request,
    operator: OperatorDep,
    session: SessionDep,
    slug: str,
    plugin: str,
    enabled: Annotated[str, Form()],
    settings: Annotated[str, Form()] = "",
) -> RedirectResponse:
    found = service.tenant_by_slug(session, slug)
    parsed: dict[str, object] | None = None
    if settings.strip():
        try:
            loaded = json.loads(settings)
        except json.JSONDecodeError as exc:
            raise Invalid(f"settings are not valid JSON: {exc.msg} (line {exc.lineno})") from exc
        if not isinstance(loaded, dict):
            raise Invalid("settings must be a JSON object")
        parsed = {k: v for k, v in loaded.items() if v != "********"}
    on = enabled == "on"
    service.set_plugin_enabled(session, request.app.state.host, found, plugin, on, parsed)
    return redirect(
        request,
        f"/admin/tenants/{slug}",
        f"{plugin} is {'enabled' if on else 'disabled'} for {found.name}.",
    )


@router.post("/tenants/{slug}/users")
def create_user(
    request: Request,
    operator: OperatorDep,
    session: SessionDep,
    slug: str,
    email: Annotated[str, Form(max_length=254)],
    name: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=1024)],
    role: Annotated[str, Form()],
    location_id: Annotated[str, Form()] = "",
) -> RedirectResponse:
    found = service.tenant_by_slug(session, slug)
    if location_id and not location_id.isdigit():
        raise Invalid("choose a location from the list")
    identity.create_user(
        session,
        found,
        email=email,
        name=name,
        password=password,
        roles=[role],
        location_id=int(location_id) if location_id else None,
    )
    return redirect(request, f"/admin/tenants/{slug}", f"{email} can now sign in.")
