"""The ``commissary`` command line."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from commissary.db import Database
from commissary.errors import DomainError
from commissary.master.cli import master_app
from commissary.plugins import PluginHost
from commissary.settings import get_settings

app = typer.Typer(help="Commissary: B2B ordering portals.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
tenant_app = typer.Typer(help="Tenants (one portal per client organisation).", no_args_is_help=True)
user_app = typer.Typer(help="User accounts.", no_args_is_help=True)
plugins_app = typer.Typer(
    help="Installed plugins; enable or disable them per tenant.", invoke_without_command=True
)
app.add_typer(db_app, name="db")
app.add_typer(tenant_app, name="tenant")
app.add_typer(user_app, name="user")
app.add_typer(plugins_app, name="plugins")
locations_app = typer.Typer(help="Locations and who may order for them.", no_args_is_help=True)
app.add_typer(locations_app, name="locations")
app.add_typer(master_app, name="master")
console = Console()
err = Console(stderr=True)


def _database() -> Database:
    return Database(get_settings().database_url)


def progress_bar() -> Progress:
    """The bar of long CLI work (imports): what, how far in rows, how long so far."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} rows"),
        TimeElapsedColumn(),
        console=console,
    )


def _fail(message: str) -> None:
    err.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(code=2)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration: the core branch and each installed plugin's."""
    from commissary.migrate import upgrade

    url = get_settings().database_url
    _database()  # creates the SQLite folder
    upgrade(url)
    console.print(f"[green]database is up to date[/] ({url.split('@')[-1]})")


@app.command()
def demo(
    skip_existing: Annotated[
        bool, typer.Option(help="Do nothing (exit 0) when the demo portal exists already")
    ] = False,
) -> None:
    """Load the demo portal (tenant ``acme``) with people, 40 products and points."""
    from sqlalchemy import select

    from commissary import demo as demo_data
    from commissary.tenants.models import Tenant

    db = _database()
    host = PluginHost()
    with db.session() as session:
        exists = session.scalar(select(Tenant.id).where(Tenant.slug == demo_data.SLUG))
    if exists is not None and skip_existing:
        console.print("the demo portal is loaded already: http://127.0.0.1:8000/t/acme/")
        return
    steps = 3 + demo_data.PRODUCT_COUNT
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
    ) as bar:
        task = bar.add_task("loading the demo portal", total=steps)
        try:
            with db.transaction() as session:
                demo_data.load(session, host, progress=lambda _s: bar.advance(task))
        except RuntimeError as exc:
            _fail(str(exc))
    table = Table(title="Demo logins (password: commissary-demo)")
    table.add_column("who")
    table.add_column("e-mail")
    table.add_column("where")
    table.add_row("operator admin", demo_data.OPERATOR[0], "http://127.0.0.1:8000/admin/")
    for email, name, role, _ in demo_data.PEOPLE:
        table.add_row(f"{role.value} ({name})", email, "http://127.0.0.1:8000/t/acme/")
    console.print(table)


@tenant_app.command("create")
def tenant_create(
    slug: str,
    name: Annotated[str, typer.Option(help="Display name")],
    host: Annotated[str | None, typer.Option(help="Own host name, e.g. shop.client.com")] = None,
    approval_threshold: Annotated[
        int | None, typer.Option(help="Orders above N points need approval (0: all)")
    ] = None,
) -> None:
    """Create a tenant portal, served at /t/SLUG/ (and at HOST when given)."""
    from commissary.tenants.service import create_tenant

    try:
        with _database().transaction() as session:
            tenant = create_tenant(
                session,
                slug=slug,
                name=name,
                host=host,
                approval_threshold_points=approval_threshold,
            )
    except DomainError as exc:
        _fail(exc.message)
    console.print(f"[green]created tenant[/] {tenant.slug} (id {tenant.id})")


@user_app.command("create")
def user_create(
    email: str,
    tenant: Annotated[str | None, typer.Option(help="Tenant slug (omit with --operator)")] = None,
    name: Annotated[str, typer.Option()] = "",
    role: Annotated[list[str], typer.Option(help="tenant_admin, manager, approver, buyer")] = [],  # noqa: B006
    operator: Annotated[bool, typer.Option(help="Create an operator admin")] = False,
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)
    ] = "",
) -> None:
    """Create a user in a tenant, or an operator admin with --operator."""
    from commissary.identity.service import create_operator, create_user
    from commissary.tenants.service import tenant_by_slug

    try:
        with _database().transaction() as session:
            if operator:
                create_operator(session, email=email, name=name, password=password)
            else:
                if not tenant:
                    _fail("name the tenant with --tenant SLUG (or use --operator)")
                assert tenant is not None
                found = tenant_by_slug(session, tenant)
                session.info["tenant_id"] = found.id
                create_user(
                    session,
                    found,
                    email=email,
                    name=name,
                    password=password,
                    roles=role or ["buyer"],
                )
    except DomainError as exc:
        _fail(exc.message)
    console.print(f"[green]created[/] {email}")


@plugins_app.callback()
def plugins_list(ctx: typer.Context) -> None:
    """List installed plugins, their versions and hooks."""
    if ctx.invoked_subcommand:
        return
    host = PluginHost(blocked=get_settings().disabled_plugins)
    table = Table(title="Installed plugins")
    for column in ("name", "version", "kind", "hooks", "settings"):
        table.add_column(column)
    for name in host.names():
        info = host.info[name]
        table.add_row(
            name,
            info.version,
            "core" if info.core else "plugin",
            ", ".join(info.hooks),
            info.settings_model.__name__ if info.settings_model else "",
        )
    console.print(table)


def _toggle(plugin: str, tenant: str, enabled: bool, settings: str | None) -> None:
    from commissary.tenants.service import set_plugin_enabled, tenant_by_slug

    parsed = None
    if settings:
        try:
            parsed = json.loads(settings)
        except json.JSONDecodeError as exc:
            _fail(f"--settings is not valid JSON: {exc.msg}")
        if not isinstance(parsed, dict):
            _fail("--settings must be a JSON object")
    try:
        with _database().transaction() as session:
            found = tenant_by_slug(session, tenant)
            set_plugin_enabled(session, PluginHost(), found, plugin, enabled, parsed)
    except DomainError as exc:
        _fail(exc.message)
    console.print(f"{plugin} is [bold]{'enabled' if enabled else 'disabled'}[/] for {tenant}")


@plugins_app.command("enable")
def plugins_enable(
    plugin: str,
    tenant: Annotated[str, typer.Option(help="Tenant slug")],
    settings: Annotated[str | None, typer.Option(help="Settings as a JSON object")] = None,
) -> None:
    """Enable a plugin for a tenant (settings are validated by the plugin's model)."""
    _toggle(plugin, tenant, True, settings)


@plugins_app.command("disable")
def plugins_disable(plugin: str, tenant: Annotated[str, typer.Option(help="Tenant slug")]) -> None:
    """Disable a plugin for a tenant; its settings are kept."""
    _toggle(plugin, tenant, False, None)


@app.command()
def serve(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    workers: Annotated[int, typer.Option(help="App processes")] = 1,
    reload: Annotated[bool, typer.Option()] = False,
) -> None:
    """Serve the portal (the outbox worker runs in-process unless disabled)."""
    import uvicorn

    uvicorn.run(
        "commissary.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=None if reload else workers,
        reload=reload,
        proxy_headers=True,
        log_level="info",
    )


@app.command()
def worker(
    interval: Annotated[float, typer.Option(help="Seconds between polls")] = 0.5,
    timeout: Annotated[float, typer.Option(help="Seconds a plugin handler may run")] = 20.0,
) -> None:
    """Deliver outbox events and run scheduled jobs (with COMMISSARY_INPROCESS_WORKER=false
    on the web processes). Several workers may run at once."""
    import contextlib
    import signal
    import threading

    from commissary.jobs.outbox import run_worker

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    console.print("outbox worker running; Ctrl-C stops it")
    with contextlib.suppress(KeyboardInterrupt):
        run_worker(_database(), PluginHost(), stop, interval=interval, timeout=timeout)


@locations_app.command("import")
def locations_import(
    path: Annotated[typer.FileText, typer.Argument(help="CSV file (UTF-8), - for stdin")],
    tenant: Annotated[str, typer.Option(help="Tenant slug")],
    assignments: Annotated[
        bool, typer.Option(help="The file assigns users (email,default_location,...)")
    ] = False,
    dry_run: Annotated[bool, typer.Option(help="Only check the file; change nothing")] = False,
) -> None:
    """Import locations (code,name,address,parent_code,manager_email) or, with
    --assignments, users' locations. The file applies whole or not at all."""
    from commissary.context import Context
    from commissary.locations import importer
    from commissary.locations.service import OPERATOR_MEMO
    from commissary.tenants.service import hooks_for, tenant_by_slug

    text = path.read()
    db = _database()
    host = PluginHost()
    run = importer.import_assignments if assignments else importer.import_locations
    with progress_bar() as bar:
        task = bar.add_task("checking" if dry_run else "importing", total=importer.count_rows(text))
        try:
            with db.transaction() as session:
                found = tenant_by_slug(session, tenant)
                session.info["tenant_id"] = found.id
                ctx = Context(tenant=found, session=session, hooks=hooks_for(session, host, found))
                ctx.memo[OPERATOR_MEMO] = True
                report = run(ctx, text, dry_run=dry_run, progress=lambda n: bar.advance(task, n))
        except DomainError as exc:
            _fail(exc.message)
    for line, message in report.errors:
        err.print(f"[red]line {line}:[/] {message}")
    summary = f"{report.rows} rows: {report.created} created, {report.updated} updated"
    if report.errors:
        err.print(f"[bold red]{len(report.errors)} row(s) with errors; nothing was changed[/]")
        raise typer.Exit(code=1)
    if dry_run:
        console.print(f"[green]the file is fine[/] ({summary}); run without --dry-run to apply")
    else:
        console.print(f"[green]imported[/] {summary}")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
