"""Selections: which master categories and products a tenant sells, at which markup.

Each change is followed by ``curation.sync_tenant`` in the same transaction, so the
tenant's copies always match its selections (see ``commissary.master.curation``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from commissary.db import tenant_scope
from commissary.errors import Invalid, NotFound
from commissary.master.curation import CurationReport, sync_tenant
from commissary.master.models import MasterCategory, MasterProduct, Selection


def _target(session: Session, category: str | None, product: str | None) -> tuple[Any, int]:
    """The ``Selection`` column and master id that a category or product slug names."""
    if (category is None) == (product is None):
        raise Invalid("name either a master category or a master product")
    if category is not None:
        found = session.scalar(select(MasterCategory.id).where(MasterCategory.slug == category))
        column, what = Selection.category_id, f"master category {category}"
    else:
        found = session.scalar(select(MasterProduct.id).where(MasterProduct.slug == product))
        column, what = Selection.product_id, f"master product {product}"
    if found is None:
        raise NotFound(f"no {what}")
    return column, found


def select_for_tenant(
    session: Session,
    tenant_id: int,
    *,
    category: str | None = None,
    product: str | None = None,
    markup_percent: int = 0,
) -> tuple[Selection, CurationReport]:
    """Start selling a master category or product (or change its markup) and adopt it."""
    column, target = _target(session, category, product)
    if not -90 <= markup_percent <= 1000:
        raise Invalid("the markup is a whole percentage between -90 and 1000")
    with tenant_scope(session, tenant_id):
        selection = session.scalar(select(Selection).where(column == target))
        if selection is None:
            selection = Selection(tenant_id=tenant_id, **{column.key: target})
        selection.markup_percent = markup_percent
        session.add(selection)
        session.flush()
    return selection, sync_tenant(session, tenant_id)


def selection_of(
    session: Session, tenant_id: int, category: str | None, product: str | None
) -> Selection:
    """The tenant's selection of the master category or product with that slug."""
    column, target = _target(session, category, product)
    found = session.scalar(
        select(Selection).where(Selection.tenant_id == tenant_id, column == target)
    )
    if found is None:
        raise NotFound(f"the portal does not sell {category or product} from the master catalog")
    return found


def withdraw(session: Session, tenant_id: int, selection_id: int) -> CurationReport:
    """Stop selling a selection; copies no other selection covers become inactive."""
    with tenant_scope(session, tenant_id):
        selection = session.scalar(select(Selection).where(Selection.id == selection_id))
        if selection is None:
            raise NotFound("no such selection")
        session.delete(selection)
        session.flush()
    return sync_tenant(session, tenant_id)
