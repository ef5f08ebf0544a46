"""Creating tenants and switching plugins on and off for them."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from commissary.errors import Conflict, Invalid, NotFound
from commissary.plugins import PluginHost, TenantHooks
from commissary.tenants.models import PluginActivation, Tenant

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


def create_tenant(
    session: Session,
    *,
    slug: str,
    name: str,
    host: str | None = None,
    approval_threshold_points: int | None = None,
) -> Tenant:
    if not SLUG.match(slug):
        raise Invalid("a tenant slug is 1-63 lower-case letters, digits and inner hyphens")
    if approval_threshold_points is not None and approval_threshold_points < 0:
        raise Invalid("the approval threshold cannot be negative")
    if session.scalar(select(Tenant.id).where(Tenant.slug == slug)) is not None:
        raise Conflict(f"a tenant with slug {slug!r} exists already")
    if host and session.scalar(select(Tenant.id).where(Tenant.host == host.lower())) is not None:
        raise Conflict(f"host {host!r} already belongs to another tenant")
    tenant = Tenant(
        slug=slug,
        name=name.strip() or slug,
        host=host.lower() if host else None,
        approval_threshold_points=approval_threshold_points,
    )
    session.add(tenant)
    session.flush()
    return tenant


def tenant_by_slug(session: Session, slug: str) -> Tenant:
    tenant = session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        raise NotFound(f"no tenant {slug!r}")
    return tenant


def set_plugin_enabled(
    session: Session,
    host: PluginHost,
    tenant: Tenant,
    plugin: str,
    enabled: bool,
    settings: dict[str, Any] | None = None,
) -> PluginActivation:
    """Enable or disable ``plugin`` for ``tenant``; settings are validated before storing."""
    if plugin not in host.info:
        raise NotFound(f"plugin {plugin!r} is not installed")
    if host.is_core(plugin):
        raise Invalid(f"{plugin} is part of the core and always on")
    activation = session.scalar(
        select(PluginActivation).where(
            PluginActivation.tenant_id == tenant.id, PluginActivation.plugin == plugin
        )
    )
    if activation is None:
        activation = PluginActivation(tenant_id=tenant.id, plugin=plugin, settings={})
        session.add(activation)
    if settings is not None:
        merged = {**(activation.settings or {}), **settings}
        activation.settings = host.validate_settings(plugin, merged)
    elif enabled:
        activation.settings = host.validate_settings(plugin, activation.settings or {})
    activation.enabled = enabled
    session.execute(
        update(Tenant)
        .where(Tenant.id == tenant.id)
        .values(config_version=Tenant.config_version + 1)
    )
    session.flush()
    session.refresh(tenant)
    return activation


def bump_config(session: Session, tenant_id: int) -> None:
    """Mark the tenant's configuration as changed: per-process caches keyed by
    ``config_version`` (enabled hooks, catalog access, price books) reload."""
    session.execute(
        update(Tenant)
        .where(Tenant.id == tenant_id)
        .values(config_version=Tenant.config_version + 1)
        .execution_options(synchronize_session=False)
    )


def activations(session: Session, tenant_id: int) -> list[PluginActivation]:
    return list(
        session.scalars(
            select(PluginActivation)
            .where(PluginActivation.tenant_id == tenant_id)
            .order_by(PluginActivation.plugin)
        )
    )


def hooks_for(session: Session, host: PluginHost, tenant: Tenant) -> TenantHooks:
    """The tenant's hook callers; activation rows are read only when the cache is stale."""

    def load() -> dict[str, dict[str, Any]]:
        return {
            a.plugin: a.settings or {}
            for a in activations(session, tenant.id)
            if a.enabled and a.plugin in host.info
        }

    return host.for_tenant(tenant.id, tenant.config_version, load)


def update_portal(
    session: Session,
    tenant: Tenant,
    *,
    changes: dict[str, Any],
) -> Tenant:
    """Change a portal's own settings (name, access mode, approval threshold, minimum
    order value); bumps ``config_version`` so that cached pages and access reload."""
    allowed = {"name", "access_mode", "approval_threshold_points", "min_order_points"}
    unknown = set(changes) - allowed
    if unknown:
        raise Invalid(f"unknown portal settings: {', '.join(sorted(unknown))}")
    for key in ("approval_threshold_points", "min_order_points"):
        if changes.get(key) is not None and changes[key] < 0:
            raise Invalid(f"{key} cannot be negative")
    if "name" in changes and not str(changes["name"]).strip():
        raise Invalid("a portal needs a name")
    found = session.get(Tenant, tenant.id)
    if found is None:
        raise NotFound("there is no portal here")
    for key, value in changes.items():
        setattr(found, key, value)
    found.config_version = found.config_version + 1
    session.flush()
    return found


def portal_url(tenant: Tenant, fallback: str = "") -> str:
    """The address of the tenant's portal for links that leave the site (mails): its own
    host name if it has one, else ``COMMISSARY_PUBLIC_URL`` + ``/t/<slug>``, else
    ``fallback`` (the address a request came in on) + ``/t/<slug>``."""
    from urllib.parse import urlsplit

    from commissary.settings import get_settings

    public = (get_settings().public_url or "").rstrip("/")
    if tenant.host:
        scheme = urlsplit(public).scheme or urlsplit(fallback).scheme or "https"
        return f"{scheme}://{tenant.host}"
    return f"{public or fallback.rstrip('/')}/t/{tenant.slug}"
