"""``commissary master``: the operator's master catalog from the command line."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from commissary.errors import DomainError
from commissary.master import curation, selections
from commissary.master.curation import CurationReport

master_app = typer.Typer(
    help="The deployment's master catalog and what each tenant sells from it.",
    no_args_is_help=True,
)
console = Console()
err = Console(stderr=True)


@master_app.command("import")
def import_feed(
    path: Annotated[typer.FileText, typer.Argument(help="CSV file (UTF-8), - for stdin")],
    supplier: Annotated[str, typer.Option(help="Supplier code (created when new)")],
    supplier_name: Annotated[str | None, typer.Option(help="Supplier's name")] = None,
    complete: Annotated[
        bool, typer.Option(help="The file is the supplier's whole range: withdraw the rest")
    ] = False,
    dry_run: Annotated[bool, typer.Option(help="Only check the file; change nothing")] = False,
) -> None:
    """Import a supplier's products into the master catalog (columns: product, name, sku,
    points; optional description, category, category_name, supplier_sku, size, colour,
    active) and update every tenant that sells them. Applies whole or not at all."""
    from commissary.cli import _database, _fail, progress_bar
    from commissary.csvfile import count_rows
    from commissary.master import feed

    text = path.read()
    db = _database()
    with progress_bar() as bar:
        task = bar.add_task("checking" if dry_run else "importing", total=count_rows(text))
        try:
            with db.transaction() as session:
                report = feed.import_csv(
                    session,
                    text,
                    supplier,
                    supplier_name=supplier_name,
                    complete=complete,
                    dry_run=dry_run,
                    progress=lambda n: bar.advance(task, n),
                )
        except DomainError as exc:
            _fail(exc.message)
    for line, message in report.errors:
        err.print(f"[red]line {line}:[/] {message}")
    if report.errors:
        err.print(f"[bold red]{len(report.errors)} row(s) with errors; nothing was changed[/]")
        raise typer.Exit(code=1)
    table = Table(title="dry run: nothing was changed" if dry_run else "imported")
    for column in ("rows", "products +", "products ~", "SKUs +", "SKUs ~", "withdrawn", "same"):
        table.add_column(column, justify="right")
    table.add_column("portals updated", justify="right")
    table.add_row(
        *(
            str(v)
            for v in (
                report.rows,
                report.products_created,
                report.products_updated,
                report.skus_created,
                report.skus_updated,
                report.withdrawn,
                report.unchanged,
                report.tenants_updated,
            )
        )
    )
    console.print(table)
    portals = report.tenants_updated
    console.print(f"{portals} portal{'' if portals == 1 else 's'} brought up to date")


def _curate(tenant: str, work: Callable[[Session, int], CurationReport]) -> None:
    """Run ``work`` on the tenant in one transaction and print what it did."""
    from commissary.cli import _database, _fail
    from commissary.tenants.service import tenant_by_slug

    try:
        with _database().transaction() as session:
            report = work(session, tenant_by_slug(session, tenant).id)
    except DomainError as exc:
        _fail(exc.message)
    console.print(
        f"[green]{tenant}[/]: {report.adopted} adopted, {report.updated} updated, "
        f"{report.deactivated} deactivated, {report.unchanged} unchanged"
    )
    for code, reason in report.skipped:
        err.print(f"[yellow]skipped {code}:[/] {reason}")


@master_app.command("select")
def select_cmd(
    tenant: Annotated[str, typer.Option(help="Tenant slug")],
    category: Annotated[str | None, typer.Option(help="Master category slug")] = None,
    product: Annotated[str | None, typer.Option(help="Master product slug")] = None,
    markup: Annotated[int, typer.Option(help="Percent on the list price (-90..1000)")] = 0,
) -> None:
    """Sell a master category or product in a tenant's portal (or change its markup)."""
    _curate(
        tenant,
        lambda session, tenant_id: selections.select_for_tenant(
            session, tenant_id, category=category, product=product, markup_percent=markup
        )[1],
    )


@master_app.command("withdraw")
def withdraw_cmd(
    tenant: Annotated[str, typer.Option(help="Tenant slug")],
    category: Annotated[str | None, typer.Option(help="Master category slug")] = None,
    product: Annotated[str | None, typer.Option(help="Master product slug")] = None,
) -> None:
    """Stop selling a selection; its copies become inactive (orders keep them)."""
    _curate(
        tenant,
        lambda session, tenant_id: selections.withdraw(
            session, tenant_id, selections.selection_of(session, tenant_id, category, product).id
        ),
    )


@master_app.command("sync")
def sync_cmd(tenant: Annotated[str, typer.Option(help="Tenant slug")]) -> None:
    """Bring a tenant's copies in step with the master catalog and its selections."""
    _curate(tenant, curation.sync_tenant)
