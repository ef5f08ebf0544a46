"""Ordering for someone else: a manager places an order for a person they manage.

The order is that person's in every way that matters: their catalog and prices, their
allowance pays, the approval rules apply as if they had ordered, and it ships to their
location. It records who placed it (``Order.placed_by_id``), and both see it.
"""

from __future__ import annotations

from sqlalchemy import select

from commissary.context import Context
from commissary.errors import Forbidden, NotFound
from commissary.identity.models import User
from commissary.identity.permissions import Permission, acts_tenant_wide, has_permission
from commissary.locations import tree


def _may_order_for_others(ctx: Context) -> User:
    actor = ctx.actor
    if actor is None or not (
        has_permission(actor, Permission.ORDER_PLACE)
        and has_permission(actor, Permission.PEOPLE_VIEW)
    ):
        raise Forbidden("you do not place orders for other people")
    return actor


def people(ctx: Context) -> list[User]:
    """The people this manager may order for: everyone at the locations they manage
    (tenant admins: everyone), themselves excluded, by name."""
    actor = _may_order_for_others(ctx)
    query = select(User).where(User.id != actor.id, User.is_active).order_by(User.name)
    if not acts_tenant_wide(actor):
        query = query.where(User.location_id.in_(tree.managed_by(actor.id)))
    return list(ctx.session.scalars(query))


def person_to_order_for(ctx: Context, user_id: int) -> User:
    """The person, if this manager may order for them; 404 for anyone else."""
    actor = _may_order_for_others(ctx)
    query = select(User).where(User.id == user_id, User.is_active)
    if not acts_tenant_wide(actor):
        query = query.where(User.location_id.in_(tree.managed_by(actor.id)))
    person = ctx.session.scalar(query)
    if person is None:
        raise NotFound("no such person among the people you manage")
    return person


__all__ = ["people", "person_to_order_for"]
