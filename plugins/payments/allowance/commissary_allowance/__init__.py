"""Points allowances for Commissary.

Each user holds a general points wallet, and a restricted wallet per program whose points
are spendable on some categories only; managers grant points with a reason (one by one
or from a CSV file) and decide buyers' requests for more; programs renew allowances
every month or quarter, and lots expire. Checkout holds the points of an order that
waits for approval and takes them for approved lines. The ledger lives in this plugin's
own tables (Alembic branch ``allowance``). See ``docs/allowance.md``.
"""

from __future__ import annotations

from pathlib import Path

from commissary import (
    Context,
    MenuLink,
    MigrationSource,
    PaymentMethod,
    Permission,
    PluginRoutes,
    PluginSettings,
    ScheduledJob,
    acts_tenant_wide,
    has_permission,
    hookimpl,
    utcnow,
)

HERE = Path(__file__).parent


@hookimpl
def register_settings_model() -> type[PluginSettings]:
    from commissary_allowance.settings import AllowanceSettings

    return AllowanceSettings


@hookimpl
def register_payment_methods() -> list[type[PaymentMethod]]:
    from commissary_allowance.method import AllowancePayment

    return [AllowancePayment]


@hookimpl
def register_migrations() -> MigrationSource:
    return MigrationSource(branch_label="allowance", path=HERE / "migrations" / "versions")


@hookimpl
def register_routes() -> PluginRoutes:
    from commissary_allowance import api, pages

    return PluginRoutes(api=api.router, pages=pages.router)


@hookimpl
def register_template_dirs() -> list[str]:
    return [str(HERE / "templates")]


@hookimpl
def register_jobs() -> list[ScheduledJob]:
    """Renewals, expiry and expiry reminders, hourly in every worker (each job is safe
    to overlap: see :mod:`commissary_allowance.jobs`)."""
    from commissary_allowance import jobs

    return [
        ScheduledJob(
            "allowance_renewals", 3600, lambda db, host: jobs.renew_all(db.transaction, utcnow())
        ),
        ScheduledJob(
            "allowance_expiry", 3600, lambda db, host: jobs.expire_all(db.transaction, utcnow())
        ),
        ScheduledJob(
            "allowance_reminders",
            3600,
            lambda db, host: jobs.remind_all(db.transaction, utcnow()),
        ),
    ]


@hookimpl
def menu_links(ctx: Context) -> list[MenuLink]:
    links = [MenuLink("My points", f"/t/{ctx.tenant.slug}/wallet")]
    if ctx.actor is not None and has_permission(ctx.actor, Permission.POINTS_GRANT):
        links.append(MenuLink("Grant points", f"/t/{ctx.tenant.slug}/wallet/grant", "manage"))
        links.append(MenuLink("Points requests", f"/t/{ctx.tenant.slug}/wallet/requests", "manage"))
        if acts_tenant_wide(ctx.actor):
            links.append(
                MenuLink("Allowance programs", f"/t/{ctx.tenant.slug}/wallet/programs", "manage")
            )
    return links
