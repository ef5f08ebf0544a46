"""Locations and who may order for them: the only place that changes either.

Who may edit what follows the tree: a tenant admin edits every location and every
user's locations; a manager edits the locations under the ones they manage (never the
top of their own subtree's parent) and assigns only locations inside that subtree to
people whose default location lies inside it.

Where an order may ship is :func:`allowed_locations`: the buyer's default location
(``User.location_id``) first, then the further locations assigned in ``user_locations``.
A buyer with ``may_enter_address`` may also type an address of their own; the order then
keeps the default location (who manages and pays for it) and ships to the typed address.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from commissary.context import Context
from commissary.errors import Conflict, Forbidden, Invalid, NotFound
from commissary.identity.models import Location, Role, User, UserLocation
from commissary.locations import tree
from commissary.tenants.service import bump_config


def allowed_locations(ctx: Context, user_id: int) -> list[Location]:
    """The locations ``user_id`` may order for, the default (``User.location_id``) first,
    then the others by name. Empty when the user has none (or does not exist)."""
    default_id = ctx.session.scalar(select(User.location_id).where(User.id == user_id))
    extra = select(UserLocation.location_id).where(UserLocation.user_id == user_id)
    found = list(
        ctx.session.scalars(
            select(Location)
            .where((Location.id == default_id) | Location.id.in_(extra))
            .order_by(Location.name, Location.id)
        )
    )
    return sorted(found, key=lambda loc: loc.id != default_id)


def may_enter_address(ctx: Context, user_id: int) -> bool:
    """Whether ``user_id`` may type a ship-to address of their own at checkout."""
    return bool(ctx.session.scalar(select(User.may_enter_address).where(User.id == user_id)))


@dataclass(frozen=True)
class ShipToChoice:
    """What a buyer picked at checkout: one of their locations and/or (when allowed) an
    address of their own. Both empty means the default location."""

    location_id: int | None = None
    address: str = ""


@dataclass(frozen=True)
class ShipTo:
    """Where an order goes: the location it is booked to and the address printed."""

    location_id: int
    address: str


def resolve_ship_to(
    ctx: Context, user_id: int, location_id: int | None = None, address: str | None = None
) -> ShipTo:
    """Check the buyer's ship-to choice: a location they are allowed, or (when allowed) an
    address of their own booked to their default location. ``None`` means the default."""
    allowed = allowed_locations(ctx, user_id)
    if not allowed:
        raise Invalid("you have no location to ship to; ask your manager to assign one")
    if address is not None and address.strip():
        if not may_enter_address(ctx, user_id):
            raise Forbidden("you may only ship to your assigned locations")
        text = address.strip()
        if len(text) > 800:
            raise Invalid("the address is longer than 800 characters")
        chosen = allowed[0]
        if location_id is not None:
            chosen = _pick(allowed, location_id)
        return ShipTo(chosen.id, text)
    chosen = allowed[0] if location_id is None else _pick(allowed, location_id)
    return ShipTo(chosen.id, f"{chosen.name}\n{chosen.address}")


def _pick(allowed: list[Location], location_id: int) -> Location:
    for loc in allowed:
        if loc.id == location_id:
            return loc
    raise Invalid("you may not order for that location; pick one of yours")


# --- who may manage what -------------------------------------------------------------

# Set in ``ctx.memo`` by ``commissary locations import`` (run by the operator, no actor).
OPERATOR_MEMO = "locations.as_operator"


def is_admin(user: User) -> bool:
    return user.has_role(Role.TENANT_ADMIN)


def manageable_ids(ctx: Context) -> set[int] | None:
    """Ids of the locations the actor may manage; ``None`` means every location (admin)."""
    if ctx.memo.get(OPERATOR_MEMO):
        return None  # the operator's command line acts for the whole tenant
    actor = ctx.actor
    if actor is None:
        return set()
    if is_admin(actor):
        return None
    memo = ctx.memo.get("locations.manageable")
    if memo is None:
        memo = set(ctx.session.scalars(tree.managed_by(actor.id)))
        ctx.memo["locations.manageable"] = memo
    return set(memo)


def can_manage(ctx: Context, location_id: int | None) -> bool:
    ids = manageable_ids(ctx)
    return ids is None or (location_id is not None and location_id in ids)


def require_manager(ctx: Context, location_id: int | None, what: str) -> None:
    if not can_manage(ctx, location_id):
        raise Forbidden(f"you may only {what} within the locations you manage")


def visible_locations(ctx: Context) -> list[Location]:
    """Every location for an admin; a manager's subtree otherwise, ordered by code."""
    ids = manageable_ids(ctx)
    query = select(Location).order_by(Location.code)
    if ids is not None:
        query = query.where(Location.id.in_(ids))
    return list(ctx.session.scalars(query))


def get_location(ctx: Context, location_id: int) -> Location:
    """A location the actor may manage (404 for other tenants' and, for managers,
    locations outside their subtree: they cannot tell it exists)."""
    loc = ctx.session.get(Location, location_id)
    if loc is None or not can_manage(ctx, loc.id):
        raise NotFound("there is no such location")
    return loc


# --- changes --------------------------------------------------------------------------


def _check_code(session: Session, code: str, own_id: int | None) -> str:
    code = code.strip()
    if not code or len(code) > 40:
        raise Invalid("a location code is 1-40 characters")
    clash = session.scalar(select(Location.id).where(Location.code == code))
    if clash is not None and clash != own_id:
        raise Conflict(f"a location with code {code} exists already")
    return code


def _check_manager(session: Session, manager_id: int | None) -> None:
    if manager_id is not None and session.get(User, manager_id) is None:
        raise Invalid(f"there is no user {manager_id} to manage this location")


def create_location(
    ctx: Context,
    *,
    code: str,
    name: str,
    address: str = "",
    manager_id: int | None = None,
    parent_id: int | None = None,
) -> Location:
    """A new location; a manager may only create one under a location they manage."""
    if parent_id is None:
        if manageable_ids(ctx) is not None:
            raise Forbidden("only a tenant admin creates top-level locations")
    else:
        require_manager(ctx, parent_id, "create locations")
    _check_manager(ctx.session, manager_id)
    loc = Location(
        tenant_id=ctx.tenant.id,
        code=_check_code(ctx.session, code, None),
        name=_name(name),
        address=address.strip(),
        manager_id=manager_id,
    )
    ctx.session.add(loc)
    ctx.session.flush()
    tree.set_parent(ctx.session, loc, parent_id)
    ctx.session.flush()
    ctx.memo.pop("locations.manageable", None)
    return loc


def _name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 200:
        raise Invalid("a location name is 1-200 characters")
    return name


def update_location(
    ctx: Context,
    location_id: int,
    *,
    code: str | None = None,
    name: str | None = None,
    address: str | None = None,
    manager_id: int | None = None,
    parent_id: int | None = None,
    fields: frozenset[str] = frozenset(),
) -> Location:
    """Change the given ``fields`` of a location. Moving it needs the right to manage the
    new parent too; a manager cannot move the top of their own subtree."""
    loc = get_location(ctx, location_id)
    before = (loc.manager_id, loc.parent_id)
    if code is not None and "code" in fields:
        loc.code = _check_code(ctx.session, code, loc.id)
    if name is not None and "name" in fields:
        loc.name = _name(name)
    if address is not None and "address" in fields:
        loc.address = address.strip()
    if "manager_id" in fields:
        _check_manager(ctx.session, manager_id)
        loc.manager_id = manager_id
    if "parent_id" in fields and parent_id != loc.parent_id:
        if parent_id is None:
            if manageable_ids(ctx) is not None:
                raise Forbidden("only a tenant admin creates top-level locations")
        else:
            require_manager(ctx, parent_id, "move locations")
        tree.set_parent(ctx.session, loc, parent_id)
    ctx.session.flush()
    ctx.memo.pop("locations.manageable", None)
    if (loc.manager_id, loc.parent_id) != before:
        bump_config(ctx.session, ctx.tenant.id)  # cached manager chains (approval steps)
    return loc


def delete_location(ctx: Context, location_id: int) -> None:
    """Remove a location nobody ships to any more (no children, users or orders)."""
    from commissary.orders.models import Order

    loc = get_location(ctx, location_id)
    if ctx.session.scalar(select(Location.id).where(Location.parent_id == loc.id).limit(1)):
        raise Conflict("move or delete the locations under this one first")
    if ctx.session.scalar(select(User.id).where(User.location_id == loc.id).limit(1)):
        raise Conflict("people have this as their default location; move them first")
    if ctx.session.scalar(select(Order.id).where(Order.location_id == loc.id).limit(1)):
        raise Conflict("orders were shipped here; the location is kept for their history")
    ctx.session.delete(loc)
    ctx.session.flush()


# --- user assignments ----------------------------------------------------------------


def user_in_reach(ctx: Context, user_id: int) -> User:
    """A user whose locations the actor may change: anyone for an admin, people whose
    default location lies in the manager's subtree otherwise (404 for the rest)."""
    user = ctx.session.get(User, user_id)
    if user is None or not can_manage(ctx, user.location_id):
        raise NotFound("there is no such user")
    return user


def set_user_locations(
    ctx: Context,
    user_id: int,
    *,
    default_id: int | None,
    extra_ids: list[int],
    may_enter_address: bool | None = None,
) -> User:
    """Assign ``user_id`` a default location and further ones. A manager may do this only
    for people whose current default lies in their subtree and only with locations there;
    an admin for anyone."""
    user = user_in_reach(ctx, user_id)
    wanted = {i for i in [default_id, *extra_ids] if i is not None}
    found = set(ctx.session.scalars(select(Location.id).where(Location.id.in_(wanted))))
    missing = wanted - found
    if missing:
        raise Invalid(f"there is no location {min(missing)}")
    for loc_id in sorted(wanted):
        require_manager(ctx, loc_id, "assign locations")
    user.location_id = default_id
    if may_enter_address is not None:
        user.may_enter_address = may_enter_address
    ctx.session.execute(
        delete(UserLocation)
        .where(UserLocation.user_id == user.id)
        .execution_options(synchronize_session=False)
    )
    ctx.session.add_all(
        UserLocation(tenant_id=ctx.tenant.id, user_id=user.id, location_id=loc_id)
        for loc_id in sorted(set(extra_ids) - {default_id} if default_id else set(extra_ids))
    )
    ctx.session.flush()
    return user


def assignments(ctx: Context, user_ids: list[int]) -> dict[int, list[int]]:
    """Extra location ids per user, in one query."""
    found: dict[int, list[int]] = {u: [] for u in user_ids}
    rows = ctx.session.execute(
        select(UserLocation.user_id, UserLocation.location_id)
        .where(UserLocation.user_id.in_(user_ids))
        .order_by(UserLocation.location_id)
    )
    for user_id, loc_id in rows:
        found[user_id].append(loc_id)
    return found


__all__ = [
    "ShipTo",
    "ShipToChoice",
    "allowed_locations",
    "assignments",
    "can_manage",
    "create_location",
    "delete_location",
    "get_location",
    "manageable_ids",
    "may_enter_address",
    "require_manager",
    "resolve_ship_to",
    "set_user_locations",
    "update_location",
    "user_in_reach",
    "visible_locations",
]
