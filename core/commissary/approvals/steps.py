"""An order's approval steps: created from the requirements, advanced level by level.

One step per order line and requirement (see :mod:`commissary.approvals.models`). Who a
step waits for is fixed when it is created: ``location_manager`` is resolved to the
nearest manager up the location tree from the order's location (never the buyer), so
the inbox is a plain indexed lookup and escalation can move a step up the tree.

:func:`open_steps` is the one way to create steps: order submission calls it for every
line, an amendment for the new or changed lines only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, CompoundSelect, insert, literal, or_, select, true, update
from sqlalchemy.orm import aliased
from sqlalchemy.orm.attributes import set_committed_value

from commissary.approvals.models import ApprovalDelegation, ApprovalStep, ApproverKind, StepStatus
from commissary.context import Context
from commissary.errors import Conflict
from commissary.hooktypes import ApprovalRequirement
from commissary.identity.models import Location, Role, User
from commissary.locations.tree import MAX_DEPTH
from commissary.orders.models import Order
from commissary.tenants.cache import ConfigCache

# Where a step goes when no manager is found up the tree.
FALLBACK_ROLE = Role.APPROVER.value


@dataclass(frozen=True)
class Approver:
    kind: ApproverKind
    user_id: int | None = None
    role: str | None = None
    location_id: int | None = None


# Per location until the tenant's configuration changes: changing a location's manager or
# parent bumps it (``locations.service.update_location``).
_chains = ConfigCache[tuple[tuple[int, int], ...]]()


def manager_chain(ctx: Context, location_id: int | None) -> list[tuple[int, int]]:
    """``(location_id, manager_id)`` of the location and its ancestors that have a
    manager, nearest first: one recursive query the first time, then cached."""
    if location_id is None:
        return []
    return list(_chains.get(ctx, lambda: tuple(_load_chain(ctx, location_id)), location_id))


def _load_chain(ctx: Context, location_id: int) -> list[tuple[int, int]]:
    up = select(
        Location.id, Location.parent_id, Location.manager_id, literal(0).label("depth")
    ).where(Location.id == location_id)
    chain = up.cte("manager_chain", recursive=True)
    parent = aliased(Location)
    chain = chain.union_all(
        select(parent.id, parent.parent_id, parent.manager_id, chain.c.depth + 1)
        .join(chain, parent.id == chain.c.parent_id)
        .where(chain.c.depth < MAX_DEPTH)
    )
    rows = ctx.session.execute(
        select(chain.c.id, chain.c.manager_id)
        .where(chain.c.manager_id.is_not(None))
        .order_by(chain.c.depth)
    ).all()
    return [(loc, manager) for loc, manager in rows]


def resolve(
    approver: str, buyer_id: int, chain: Sequence[tuple[int, int]], after: int | None = None
) -> Approver:
    """The approver a requirement names, as a step stores it. ``after``: for escalation,
    the location whose manager had it; the next manager above is chosen."""
    if approver.startswith("role:"):
        return Approver(ApproverKind.ROLE, role=approver[5:])
    if approver.startswith("user:") and approver[5:].isdigit():
        user_id = int(approver[5:])
        if user_id != buyer_id:
            return Approver(ApproverKind.USER, user_id=user_id)
        return Approver(ApproverKind.ROLE, role=Role.TENANT_ADMIN.value)
    seen_after = after is None
    for location_id, manager_id in chain:
        if not seen_after:
            seen_after = location_id == after
            continue
        if manager_id != buyer_id:
            return Approver(ApproverKind.LOCATION_MANAGER, manager_id, location_id=location_id)
    return Approver(ApproverKind.ROLE, role=FALLBACK_ROLE)


def cancel_open(ctx: Context, line_ids: Sequence[int]) -> None:
    """The open and waiting steps of ``line_ids`` end: the lines were changed (their new
    steps follow) or cancelled (nobody needs to decide them any more)."""
    if not line_ids:
        return
    ctx.session.execute(
        update(ApprovalStep)
        .where(
            ApprovalStep.line_id.in_(line_ids),
            ApprovalStep.status.in_([StepStatus.OPEN, StepStatus.WAITING]),
        )
        .values(status=StepStatus.CANCELLED)
        .execution_options(synchronize_session=False)
    )


def open_steps(
    ctx: Context,
    order: Order,
    requirements: Iterable[ApprovalRequirement],
    line_ids: Sequence[int],
    *,
    replace: bool = True,
) -> int:
    """Create the approval steps of ``line_ids`` (lines of ``order``, in ``pending``) for
    ``requirements``; each line's lowest level opens at once. Returns the rows written.

    For an amendment, pass the requirements evaluated on the changed lines and the ids of
    the new or changed lines: their earlier steps are cancelled first (``replace``; order
    submission passes False, its lines have none), so a changed line
    is approved again from its first level, while untouched lines keep their progress.
    """
    found = list(requirements)
    if not found or not line_ids:
        return 0
    if replace:  # a new order's lines have no steps yet: submission skips this statement
        cancel_open(ctx, line_ids)
    chain = (
        manager_chain(ctx, order.location_id)
        if any(not r.approver.startswith(("role:", "user:")) for r in found)
        else []
    )
    first = min(r.level for r in found)
    rows: list[dict[str, Any]] = []
    for r in found:
        who = resolve(r.approver, order.user_id, chain)
        days = r.detail.get("escalate_after_days")
        for line_id in line_ids:
            rows.append(
                {
                    "tenant_id": ctx.tenant.id,
                    "order_id": order.id,
                    "line_id": line_id,
                    "level": max(r.level, 1),
                    "rule": r.rule[:80],
                    "reason": r.reason[:500],
                    "approver_kind": who.kind,
                    "approver_user_id": who.user_id,
                    "approver_role": who.role,
                    "approver_location_id": who.location_id,
                    "status": StepStatus.OPEN if r.level == first else StepStatus.WAITING,
                    "opened_at": ctx.now if r.level == first else None,
                    "escalate_after_days": days if isinstance(days, int) else None,
                    "escalations": 0,
                }
            )
    ctx.session.execute(insert(ApprovalStep), rows)
    return len(rows)


def acting_for(ctx: Context, user_id: int) -> CompoundSelect[int]:
    """Ids ``user_id`` acts for today: themselves and whoever named them their delegate."""
    today = ctx.now.date()
    return select(literal(user_id)).union_all(
        select(ApprovalDelegation.user_id).where(
            ApprovalDelegation.delegate_id == user_id,
            ApprovalDelegation.starts_on <= today,
            ApprovalDelegation.ends_on >= today,
        )
    )


def overrides(actor: User) -> bool:
    """Tenant admins may decide any open step (they are the last resort of escalation)."""
    return actor.has_role(Role.TENANT_ADMIN)


def waits_for(ctx: Context, actor: User) -> ColumnElement[bool]:
    """Steps ``actor`` may decide: theirs, their absent colleagues', their roles'."""
    if overrides(actor):
        return true()
    return or_(
        ApprovalStep.approver_user_id.in_(acting_for(ctx, actor.id).scalar_subquery()),
        ApprovalStep.approver_role.in_(list(actor.roles)),
    )


def current_approver_ids(ctx: Context, order_id: int) -> list[int]:
    """Who may decide the order now (open steps): named approvers, their delegates today
    and the active holders of the roles named; for reminders and notifications."""
    rows = ctx.session.execute(
        select(ApprovalStep.approver_user_id, ApprovalStep.approver_role)
        .where(ApprovalStep.order_id == order_id, ApprovalStep.status == StepStatus.OPEN)
        .distinct()
    ).all()
    named = {user for user, _role in rows if user is not None}
    roles = {role for _user, role in rows if role is not None}
    found = set(named)
    if named:
        today = ctx.now.date()
        found |= set(
            ctx.session.scalars(
                select(ApprovalDelegation.delegate_id).where(
                    ApprovalDelegation.user_id.in_(named),
                    ApprovalDelegation.starts_on <= today,
                    ApprovalDelegation.ends_on >= today,
                )
            )
        )
    if roles:
        users = ctx.session.scalars(select(User).where(User.is_active.is_(True)))
        found |= {u.id for u in users if roles & set(u.roles)}
    return sorted(found)


def of_order(ctx: Context, order_id: int) -> list[ApprovalStep]:
    return list(
        ctx.session.scalars(
            select(ApprovalStep)
            .where(ApprovalStep.order_id == order_id)
            .order_by(ApprovalStep.line_id, ApprovalStep.level, ApprovalStep.id)
            .execution_options(populate_existing=True)
        )
    )


def delegators(ctx: Context, actor: User) -> set[int]:
    found: set[int] = set(ctx.session.scalars(acting_for(ctx, actor.id)))
    return found - {actor.id}


def may_decide(step: ApprovalStep, actor: User, acting: set[int]) -> bool:
    if step.status is not StepStatus.OPEN:
        return False
    if overrides(actor):
        return True
    if step.approver_user_id is not None and step.approver_user_id in acting:
        return True
    return step.approver_role is not None and step.approver_role in actor.roles


def set_status(
    ctx: Context, steps: Sequence[ApprovalStep], status: StepStatus, **values: Any
) -> None:
    """Move ``steps`` from the status they were read in, all or none (conditional UPDATE)."""
    by_status: dict[StepStatus, list[int]] = {}
    for step in steps:
        by_status.setdefault(step.status, []).append(step.id)
    for current, ids in by_status.items():
        moved = ctx.session.execute(
            update(ApprovalStep)
            .where(ApprovalStep.id.in_(ids), ApprovalStep.status == current)
            .values(status=status, **values)
            .execution_options(synchronize_session=False)
        )
        if moved.rowcount != len(ids):  # type: ignore[attr-defined]
            raise Conflict("someone else decided these lines just now; reload and retry")
    for step in steps:
        # Committed values: the rows are written already, a flush must not repeat it.
        set_committed_value(step, "status", status)
        for key, value in values.items():
            set_committed_value(step, key, value)


__all__ = [
    "Approver",
    "acting_for",
    "current_approver_ids",
    "delegators",
    "manager_chain",
    "may_decide",
    "of_order",
    "open_steps",
    "resolve",
    "set_status",
    "waits_for",
]
