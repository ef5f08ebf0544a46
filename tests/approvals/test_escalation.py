"""Escalation: a step waiting too long moves up the location tree, then to the admins."""

from __future__ import annotations

import types
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from commissary.approvals import escalation
from commissary.approvals.models import ApprovalStep
from commissary.hookspecs import hookimpl
from commissary.jobs.outbox import deliver_pending
from commissary.jobs.schedule import jobs_of
from commissary.tenants import service as tenants
from commissary.tenants.models import Tenant
from commissary.testing import Shop
from tests.approvals.conftest import add_rule, place
from tests.helpers import user

SEEN: list[dict[str, Any]] = []


@hookimpl
def on_approval_escalated(ctx: Any, event: dict[str, Any]) -> None:
    SEEN.append(dict(event))


@pytest.fixture
def commissary_plugins() -> list[tuple[str, object]]:
    listener = types.ModuleType("escalation_listener")
    listener.on_approval_escalated = on_approval_escalated  # type: ignore[attr-defined]
    return [("escalation_listener", listener)]


def _run(shop: Shop, days: float) -> int:
    ctx = shop.context()
    ctx.now = ctx.now + timedelta(days=days)
    moved = escalation.escalate(ctx)
    ctx.session.commit()
    ctx.session.close()
    return moved


def _approvers(shop: Shop, order_id: int) -> set[tuple[Any, ...]]:
    with shop.portal.db.session(shop.tenant.id) as s:
        return {
            (st.approver_user_id, st.approver_role, st.escalations)
            for st in s.scalars(select(ApprovalStep).where(ApprovalStep.order_id == order_id))
        }


def test_a_step_climbs_the_tree_then_reaches_the_admins(tree_shop: Shop, portal: Any) -> None:
    SEEN.clear()
    with portal.db.transaction() as s:
        tenant = tenants.tenant_by_slug(s, "acme")
        tenants.set_plugin_enabled(s, portal.host, tenant, "escalation_listener", True, {})
    tree_shop.tenant.approval_threshold_points = None
    with portal.db.transaction(tree_shop.tenant.id) as s:
        t = s.get(Tenant, tree_shop.tenant.id)
        assert t is not None
        t.approval_threshold_points = None
    add_rule(
        tree_shop,
        name="Big",
        kind="order_total",
        settings={"above_points": 300},
        levels=[{"kind": "location_manager"}],
        escalate_after_days=2,
    )
    order = place(tree_shop, "buyer@acme.test", [("BOOT-42", 2)], "o")
    manager, rita = user(tree_shop, "manager@acme.test"), user(tree_shop, "rita@acme.test")
    assert _approvers(tree_shop, order["id"]) == {(manager.id, None, 0)}

    assert _run(tree_shop, 1) == 0  # not overdue yet
    assert _run(tree_shop, 2.5) == 1
    assert _approvers(tree_shop, order["id"]) == {(rita.id, None, 1)}
    assert tree_shop.api(manager).get("/approvals").json()["total"] == 0
    assert tree_shop.api(rita).get("/approvals").json()["total"] == 1
    assert _run(tree_shop, 2.5) == 0  # the clock restarted with the escalation

    assert _run(tree_shop, 5) == 1  # no manager above the region: the tenant admins
    assert _approvers(tree_shop, order["id"]) == {(None, "tenant_admin", 2)}
    assert _run(tree_shop, 30) == 0  # the admins are the top

    while deliver_pending(portal.db, portal.host, timeout=5):
        pass
    assert [(e["from_user_id"], e["to_user_id"], e["to_role"]) for e in SEEN] == [
        (manager.id, rita.id, None),
        (rita.id, None, "tenant_admin"),
    ]
    assert SEEN[0]["order_id"] == order["id"] and SEEN[0]["level"] == 1
    history = tree_shop.api(user(tree_shop, "buyer@acme.test")).get(
        f"/orders/{order['id']}/history"
    )
    assert [e["kind"] for e in history.json()].count("escalated") == 2


def test_the_tenant_setting_applies_when_the_rule_has_none(tree_shop: Shop) -> None:
    admin = tree_shop.api(user(tree_shop, "admin@acme.test"))
    assert admin.put("/approval-settings", json={"escalate_after_days": 0}).status_code == 422
    assert admin.put("/approval-settings", json={"escalate_after_days": 3}).status_code == 200
    order = place(tree_shop, "buyer@acme.test", [("BOOT-42", 2)], "o")  # threshold rule
    assert _run(tree_shop, 2) == 0
    assert _run(tree_shop, 3.1) == 1
    rita = user(tree_shop, "rita@acme.test")
    assert _approvers(tree_shop, order["id"]) == {(rita.id, None, 1)}


def test_the_worker_job_is_registered_and_runs_every_tenant(tree_shop: Shop) -> None:
    jobs = {job.name: job for job in jobs_of(tree_shop.portal.host)}
    assert "approval_escalation" in jobs
    place(tree_shop, "buyer@acme.test", [("BOOT-42", 2)], "o")
    # nothing is overdue today: the job runs and moves nothing
    assert jobs["approval_escalation"].run(tree_shop.portal.db, tree_shop.portal.host) == 0
