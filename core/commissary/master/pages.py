"""The operator console's master catalog: browse it, import supplier files, and decide
what each portal sells from it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from commissary.errors import Invalid
from commissary.master import browse, curation, feed, selections
from commissary.master.curation import CurationReport
from commissary.master.models import MasterCategory
from commissary.tenants.service import tenant_by_slug
from commissary.web.deps import OperatorDep, SessionDep
from commissary.web.rendering import redirect, render

router = APIRouter(prefix="/admin")
MAX_UPLOAD = 20 * 1024 * 1024


@router.get("/master", response_class=HTMLResponse)
def master(
    request: Request,
    operator: OperatorDep,
    session: SessionDep,
    q: str = "",
    supplier: str = "",
    category: str = "",
    page: int = 1,
) -> HTMLResponse:
    found = browse.products(
        session, q=q, supplier=supplier or None, category=category or None, page=page
    )
    return render(
        request,
        "admin/master.html",
        result=found,
        suppliers=browse.suppliers(session),
        categories=browse.categories(session),
        q=q,
        supplier=supplier,
        category=category,
    )


@router.get("/master/import", response_class=HTMLResponse)
def import_form(request: Request, operator: OperatorDep, session: SessionDep) -> HTMLResponse:
    return render(
        request,
        "admin/master_import.html",
        report=None,
        suppliers=browse.suppliers(session),
        form={},
    )


@router.post("/master/import", response_model=None)
async def import_upload(
    request: Request,
    operator: OperatorDep,
    session: SessionDep,
    file: Annotated[UploadFile, File()],
    supplier: Annotated[str, Form(max_length=40)],
    supplier_name: Annotated[str, Form(max_length=200)] = "",
    complete: Annotated[str, Form()] = "",
    dry_run: Annotated[str, Form()] = "",
) -> HTMLResponse | RedirectResponse:
    """A preview (dry run) reports every row error by line and what would change; an
    import applies the whole file or, when a row fails, nothing."""
    raw = await file.read(MAX_UPLOAD + 1)
    if len(raw) > MAX_UPLOAD:
        raise Invalid("the file is larger than 20 MB; split it or use `commissary master import`")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid("the file is not UTF-8 text (save it as CSV UTF-8)") from None

    report = await run_in_threadpool(
        feed.import_csv,
        session,
        text,
        supplier,
        supplier_name=supplier_name or None,
        complete=bool(complete),
        dry_run=bool(dry_run),
    )
    if report.applied:
        return redirect(
            request,
            "/admin/master",
            f"Imported {report.rows} rows: {report.products_created} new products, "
            f"{report.products_updated} changed, {report.skus_created} new SKUs, "
            f"{report.skus_updated} changed, {report.withdrawn} withdrawn; "
            f"{report.tenants_updated} portals updated.",
        )
    session.rollback()
    return render(
        request,
        "admin/master_import.html",
        status_code=200 if report.dry_run and not report.errors else 422,
        report=report,
        suppliers=browse.suppliers(session),
        form={
            "supplier": supplier,
            "supplier_name": supplier_name,
            "complete": bool(complete),
            "filename": file.filename or "",
        },
    )


@router.get("/tenants/{slug}/catalog", response_class=HTMLResponse)
def tenant_catalog(
    request: Request, operator: OperatorDep, session: SessionDep, slug: str
) -> HTMLResponse:
    found = tenant_by_slug(session, slug)
    rows = browse.selections(session, found.id)
    chosen = {r.slug for r in rows if r.kind == "category"}
    return render(
        request,
        "admin/tenant_catalog.html",
        t=found,
        rows=rows,
        categories=[c for c in browse.categories(session) if c.category.slug not in chosen],
    )


def _markup(raw: str) -> int:
    raw = raw.strip().lstrip("+").removesuffix("%").strip()
    try:
        return int(raw or "0")
    except ValueError:
        raise Invalid("the markup is a whole percentage, e.g. 15 or -5") from None


def _done(request: Request, slug: str, what: str, report: CurationReport) -> RedirectResponse:
    message = (
        f"{what}: {report.adopted} products added, {report.updated} updated, "
        f"{report.deactivated} withdrawn."
    )
    if report.skipped:
        codes = ", ".join(code for code, _reason in report.skipped[:5])
        message += f" {len(report.skipped)} SKU(s) skipped: the portal has its own {codes}."
    return redirect(request, f"/admin/tenants/{slug}/catalog", message)


@router.post("/tenants/{slug}/catalog/selections")
def add_selection(
    request: Request,
    operator: OperatorDep,
    session: SessionDep,
    slug: str,
    category: Annotated[str, Form(max_length=100)] = "",
    product: Annotated[str, Form(max_length=150)] = "",
    markup: Annotated[str, Form(max_length=10)] = "0",
) -> RedirectResponse:
    found = tenant_by_slug(session, slug)
    selection, report = selections.select_for_tenant(
        session,
        found.id,
        category=category.strip().lower() or None,
        product=product.strip().lower() or None,
        markup_percent=_markup(markup),
    )
    what = category or product
    if selection.category_id is not None:
        named = session.get(MasterCategory, selection.category_id)
        what = named.name if named else what
    return _done(request, found.slug, f"{what} at {selection.markup_percent:+d} %", report)


@router.post("/tenants/{slug}/catalog/selections/{selection_id}/withdraw")
def withdraw_selection(
    request: Request, operator: OperatorDep, session: SessionDep, slug: str, selection_id: int
) -> RedirectResponse:
    found = tenant_by_slug(session, slug)
    report = selections.withdraw(session, found.id, selection_id)
    return _done(request, found.slug, "Withdrawn", report)


@router.post("/tenants/{slug}/catalog/sync")
def sync(
    request: Request, operator: OperatorDep, session: SessionDep, slug: str
) -> RedirectResponse:
    found = tenant_by_slug(session, slug)
    report = curation.sync_tenant(session, found.id)
    return _done(request, found.slug, "Brought up to date", report)
