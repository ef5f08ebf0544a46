"""Selections: which master categories and products a tenant sells, at which markup.

Each change is followed by ``curation.sync_tenant`` in the same transaction, so the
tenant's copies always match its selections (see ``commissary.master.curation``)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from commissary.errors import Invalid, NotFound
from commissary.master.curation import CurationReport, sync_tenant
from commissary.master.models import MasterCategory, MasterProduct, Selection


def select_for_tenant(
    session: Session,
    tenant_id: int,
    *,
    category: str | None = None,
    product: str | None = None,
    markup_percent: int = 0,
) -> tuple[Selection, CurationReport]:
    """Start selling a master category or product (or change its markup) and adopt it."""
    if (category is None) == (product is None):
        raise Invalid("select either a master category or a master product")
    if not -90 <= markup_percent <= 1000:
        raise Invalid("the markup is a whole percentage between -90 and 1000")
    scope = session.info.get("tenant_id")
    session.info["tenant_id"] = tenant_id
    try:
        if category is not None:
            target = session.scalar(
                select(MasterCategory.id).where(MasterCategory.slug == category)
            )
            if target is None:
                raise NotFound(f"no master category {category}")
            selection = session.scalar(select(Selection).where(Selection.category_id == target))
            if selection is None:
                selection = Selection(tenant_id=tenant_id, category_id=target)
        else:
            target = session.scalar(select(MasterProduct.id).where(MasterProduct.slug == product))
            if target is None:
                raise NotFound(f"no master product {product}")
            selection = session.scalar(select(Selection).where(Selection.product_id == target))
            if selection is None:
                selection = Selection(tenant_id=tenant_id, product_id=target)
        selection.markup_percent = markup_percent
        session.add(selection)
        session.flush()
    finally:
        session.info["tenant_id"] = scope
    return selection, sync_tenant(session, tenant_id)


def selection_of(
    session: Session, tenant_id: int, category: str | None, product: str | None
) -> Selection:
    """The tenant's selection of the master category or product with that slug."""
    if (category is None) == (product is None):
        raise Invalid("name either a master category or a master product")
    if category is not None:
        where = Selection.category_id.in_(
            select(MasterCategory.id).where(MasterCategory.slug == category)
        )
    else:
        where = Selection.product_id.in_(
            select(MasterProduct.id).where(MasterProduct.slug == product)
        )
    found = session.scalar(select(Selection).where(Selection.tenant_id == tenant_id, where))
    if found is None:
        raise NotFound(f"the portal does not sell {category or product} from the master catalog")
    return found


def withdraw(session: Session, tenant_id: int, selection_id: int) -> CurationReport:
    """Stop selling a selection; copies no other selection covers become inactive."""
    scope = session.info.get("tenant_id")
    session.info["tenant_id"] = tenant_id
    try:
        selection = session.scalar(select(Selection).where(Selection.id == selection_id))
        if selection is None:
            raise NotFound("no such selection")
        session.delete(selection)
        session.flush()
    finally:
        session.info["tenant_id"] = scope
    return sync_tenant(session, tenant_id)
