"""The location tree: who manages what, and what lies under a location.

The tree is stored as ``parent_id`` only and walked with a recursive CTE (SQLite and
PostgreSQL both have them), so moving a district to another region is one UPDATE and no
materialised path can go stale. Every permission check, report filter and budget that
"follows the tree" builds on :func:`subtree` and :func:`managed_by`.
"""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, aliased

from commissary.errors import Invalid
from commissary.identity.models import Location

MAX_DEPTH = 12


def _descend(roots: Select[int], name: str) -> Select[int]:
    tree = roots.cte(name, recursive=True)
    child = aliased(Location)
    tree = tree.union(select(child.id).join(tree, child.parent_id == tree.c.id))
    return select(tree.c.id)


def subtree(location_ids: Select[int] | list[int]) -> Select[int]:
    """Ids of the given locations and of everything under them, as a subquery."""
    roots = select(Location.id).where(Location.id.in_(location_ids))
    return _descend(roots, "location_subtree")


def managed_by(user_id: int) -> Select[int]:
    """Ids of the locations ``user_id`` manages, directly or as manager of an ancestor."""
    return _descend(select(Location.id).where(Location.manager_id == user_id), "managed")


def ancestors(session: Session, location_id: int) -> list[int]:
    """The location's ancestors, nearest first (for budgets and breadcrumbs)."""
    found: list[int] = []
    parent = session.scalar(select(Location.parent_id).where(Location.id == location_id))
    while parent is not None and len(found) < MAX_DEPTH:
        found.append(parent)
        parent = session.scalar(select(Location.parent_id).where(Location.id == parent))
    return found


def set_parent(session: Session, location: Location, parent_id: int | None) -> None:
    """Move ``location`` under ``parent_id``, refusing cycles and over-deep trees."""
    if parent_id is not None:
        if parent_id == location.id:
            raise Invalid("a location cannot be its own parent")
        if session.get(Location, parent_id) is None:
            raise Invalid(f"there is no location {parent_id} to place this one under")
        chain = [parent_id, *ancestors(session, parent_id)]
        if location.id in chain:
            raise Invalid("that would put the location under itself")
        if len(chain) >= MAX_DEPTH:
            raise Invalid(f"locations nest at most {MAX_DEPTH} levels deep")
    location.parent_id = parent_id


__all__ = ["MAX_DEPTH", "ancestors", "managed_by", "set_parent", "subtree"]
