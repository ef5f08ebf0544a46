"""The plugin host: per-tenant enablement, settings, hooks and events."""

from __future__ import annotations

import types

import pytest
from sqlalchemy import select

from commissary import (
    ApprovalRequirement,
    Context,
    OrderDraft,
    PriceQuote,
    Problem,
    hookimpl,
)
from commissary.catalog.models import Sku
from commissary.errors import Invalid
from commissary.jobs.models import OutboxEvent
from commissary.jobs.outbox import deliver_pending
from commissary.plugins import PluginHost
from commissary.tenants import service as tenants
from commissary.testing import Portal, Shop
from tests.helpers import sku_id, user, wallet


class Recorder:
    """A third-party plugin written against the public API only."""

    def __init__(self) -> None:
        self.submitted: list[dict[str, object]] = []
        self.decided: list[dict[str, object]] = []
        self.granted: list[dict[str, object]] = []
        self.fail_events = 0

    @hookimpl
    def validate_order(self, ctx: Context, draft: OrderDraft) -> list[Problem]:
        too_many = [line for line in draft.lines if line.quantity > 4]
        return [Problem("max_4", f"at most 4 of {line.sku_code} per order") for line in too_many]

    @hookimpl
    def approval_requirements(self, ctx: Context, draft: OrderDraft) -> list[ApprovalRequirement]:
        if any(line.sku_code.startswith("BOOT") for line in draft.lines):
            return [ApprovalRequirement("boots", "role:approver", "boots need the safety officer")]
        return []

    @hookimpl
    def resolve_unit_price(self, ctx: Context, sku: Sku, quantity: int) -> PriceQuote | None:
        if sku.code == "POLO-M":
            return PriceQuote(unit_points=25, source="contract price (recorder)")
        return None

    @hookimpl
    def on_order_submitted(self, ctx: Context, event: dict[str, object]) -> None:
        if self.fail_events:
            self.fail_events -= 1
            raise RuntimeError("ERP is down")
        self.submitted.append(event)

    @hookimpl
    def on_order_decided(self, ctx: Context, event: dict[str, object]) -> None:
        self.decided.append(event)

    @hookimpl
    def on_points_granted(self, ctx: Context, event: dict[str, object]) -> None:
        self.granted.append(event)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def commissary_plugins(recorder: Recorder) -> list[tuple[str, object]]:
    return [("recorder", recorder)]


@pytest.fixture
def shop_with_recorder(shop: Shop) -> Shop:
    with shop.portal.db.transaction() as s:
        tenant = tenants.tenant_by_slug(s, "acme")
        tenants.set_plugin_enabled(s, shop.portal.host, tenant, "recorder", True)
        s.refresh(tenant)
        shop.tenant = tenant
    return shop


def test_installed_but_disabled_plugin_has_no_effect(shop: Shop, recorder: Recorder) -> None:
    api = shop.api(user(shop, "buyer@acme.test"))
    api.post("/cart/lines", json={"sku_id": sku_id(shop, "POLO-M"), "quantity": 5})
    cart = api.get("/cart").json()
    assert cart["lines"][0]["unit_points"] == 40  # list price, not the recorder's
    order = api.post("/checkout", headers={"Idempotency-Key": "a"}).json()
    assert order["status"] == "approved"  # no "max 4" problem, no boots rule
    deliver_pending(shop.portal.db, shop.portal.host)
    assert recorder.submitted == []


def test_enabled_plugin_prices_validates_requires_approval_and_hears_events(
    shop_with_recorder: Shop, recorder: Recorder
) -> None:
    shop = shop_with_recorder
    buyer = user(shop, "buyer@acme.test")
    api = shop.api(buyer)
    api.post("/cart/lines", json={"sku_id": sku_id(shop, "POLO-M"), "quantity": 5})
    cart = api.get("/cart").json()
    assert cart["lines"][0]["unit_points"] == 25
    r = api.post("/checkout", headers={"Idempotency-Key": "b"})
    assert r.status_code == 422
    assert r.json()["error"]["message"] == "at most 4 of POLO-M per order"
    line = cart["lines"][0]["id"]
    api.patch(f"/cart/lines/{line}", json={"quantity": 4})
    api.post("/cart/lines", json={"sku_id": sku_id(shop, "BOOT-42"), "quantity": 1})
    order = api.post("/checkout", headers={"Idempotency-Key": "c"}).json()
    assert order["status"] == "pending_approval"
    assert [a["rule"] for a in order["approval"]] == ["boots"]
    assert order["lines"][0]["price_source"] == "contract price (recorder)"
    assert recorder.submitted == []  # events go through the outbox, after commit
    assert deliver_pending(shop.portal.db, shop.portal.host) == 1
    assert recorder.submitted == [
        {
            "order_id": order["id"],
            "buyer_id": buyer.id,
            "placed_by_id": None,
            "status": "pending_approval",
            "total_points": 4 * 25 + 180,
        }
    ]


def test_a_failing_event_handler_never_breaks_checkout_and_is_retried(
    shop_with_recorder: Shop, recorder: Recorder
) -> None:
    shop = shop_with_recorder
    recorder.fail_events = 1
    api = shop.api(user(shop, "buyer@acme.test"))
    api.post("/cart/lines", json={"sku_id": sku_id(shop, "POLO-S"), "quantity": 1})
    assert api.post("/checkout", headers={"Idempotency-Key": "d"}).status_code == 201
    assert deliver_pending(shop.portal.db, shop.portal.host) == 0
    with shop.portal.db.session() as s:
        event = s.scalar(select(OutboxEvent))
        assert event is not None
        assert event.delivered_at is None and event.attempts == 1
        assert "ERP is down" in event.last_error
    with shop.portal.db.transaction() as s:  # fast-forward the backoff
        event = s.scalar(select(OutboxEvent))
        assert event is not None
        event.available_at = event.created_at
    assert deliver_pending(shop.portal.db, shop.portal.host) == 1
    assert len(recorder.submitted) == 1


def test_plugin_settings_are_validated_before_they_are_stored(shop: Shop) -> None:
    host = shop.portal.host
    with shop.portal.db.transaction() as s:
        tenant = tenants.tenant_by_slug(s, "acme")
        with pytest.raises(Invalid, match="max_grant"):
            tenants.set_plugin_enabled(s, host, tenant, "allowance", True, {"max_grant": -5})
        with pytest.raises(Invalid, match="unknown_option"):
            tenants.set_plugin_enabled(s, host, tenant, "allowance", True, {"unknown_option": 1})
        tenants.set_plugin_enabled(s, host, tenant, "allowance", True, {"points_label": "credits"})
    api = shop.api(user(shop, "buyer@acme.test"))
    assert api.get("/wallet").json()["label"] == "credits"


def test_disabling_the_allowance_plugin_removes_its_routes_and_the_way_to_pay(shop: Shop) -> None:
    buyer = user(shop, "buyer@acme.test")
    api = shop.api(buyer)
    api.post("/cart/lines", json={"sku_id": sku_id(shop, "POLO-S"), "quantity": 1})
    with shop.portal.db.transaction() as s:
        tenant = tenants.tenant_by_slug(s, "acme")
        tenants.set_plugin_enabled(s, shop.portal.host, tenant, "allowance", False)
    assert api.get("/wallet").status_code == 404
    r = api.post("/checkout", headers={"Idempotency-Key": "e"})
    assert r.status_code == 409
    assert "no way to pay in points" in r.json()["error"]["message"]
    assert wallet(shop.portal.db, shop.tenant.id, buyer.id) == (1000, 0, 0)
    browser = shop.browser(buyer)
    assert "My points" not in browser.get("/t/acme/").text
    assert browser.get("/t/acme/wallet").status_code == 404


def test_core_plugins_cannot_be_disabled_and_unknown_plugins_are_refused(portal: Portal) -> None:
    with portal.db.transaction() as s:
        tenant = tenants.create_tenant(s, slug="t1", name="T1")
        with pytest.raises(Invalid, match="part of the core"):
            tenants.set_plugin_enabled(
                s, portal.host, tenant, "commissary.approvals.builtin", False
            )
        with pytest.raises(Exception, match="not installed"):
            tenants.set_plugin_enabled(s, portal.host, tenant, "nonesuch", True)


def test_a_misspelled_hook_implementation_fails_at_start_up() -> None:
    broken = types.SimpleNamespace()

    @hookimpl
    def on_order_submited(ctx: Context, event: dict[str, object]) -> None:  # sic
        return None

    broken.on_order_submited = on_order_submited
    with pytest.raises(Exception, match="unknown hook 'on_order_submited'"):
        PluginHost([("broken", broken)], load_entrypoints=False)


def test_plugins_listing_names_versions_and_hooks() -> None:
    host = PluginHost()
    assert host.names()[:2] == ["commissary.pricing.builtin", "commissary.approvals.builtin"]
    allowance = host.info["allowance"]
    assert allowance.version == "0.1.0"
    assert "register_payment_methods" in allowance.hooks
    assert host.payment_methods["allowance"][0] == "allowance"
    assert "default" in host.themes


def test_decisions_and_grants_reach_on_order_decided_and_on_points_granted(
    shop_with_recorder: Shop, recorder: Recorder
) -> None:
    shop = shop_with_recorder
    buyer = user(shop, "buyer@acme.test")
    api = shop.api(buyer)
    api.post("/cart/lines", json={"sku_id": sku_id(shop, "BOOT-42"), "quantity": 1})
    order = api.post("/checkout", headers={"Idempotency-Key": "dec"}).json()
    admin_user = shop.user("admin@acme.test", roles=["tenant_admin"])
    admin = shop.api(admin_user)
    admin.post(f"/approvals/{order['id']}/decision", json={"decision": "reject", "reason": "no"})
    admin.post(
        "/wallet/grants",
        json={"user_id": buyer.id, "points": 75, "reason": "welcome"},
        headers={"Idempotency-Key": "w"},
    )
    deliver_pending(shop.portal.db, shop.portal.host)
    assert recorder.decided == [
        {
            "order_id": order["id"],
            "approver_id": admin_user.id,
            "status": "rejected",
            "lines": [{"line_id": order["lines"][0]["id"], "status": "rejected", "reason": "no"}],
        }
    ]
    assert recorder.granted == [
        {"user_id": buyer.id, "points": 75, "reason": "welcome", "granted_by": admin_user.id}
    ]


def test_plugin_routes_answer_only_where_the_plugin_is_enabled(portal: Portal) -> None:
    """register_routes: the allowance plugin's API and pages are 404 in a tenant without it."""
    with_points = portal.tenant("with")
    without = portal.tenant("without", plugins={})
    for shop in (with_points, without):
        loc = shop.location("L1")
        person = shop.user(f"p@{shop.slug}.test", location=loc)
        expected = 200 if shop is with_points else 404
        assert shop.api(person).get("/wallet").status_code == expected
        anonymous = shop.portal.client.get(f"/t/{shop.slug}/api/v1/wallet")
        assert anonymous.status_code == (401 if shop is with_points else 404)
        assert shop.browser(person).get(f"/t/{shop.slug}/wallet").status_code == expected


def test_settings_model_is_attributed_to_its_plugin() -> None:
    """register_settings_model: the core knows whose settings each model is."""
    from commissary_allowance.settings import AllowanceSettings

    host = PluginHost()
    assert host.info["allowance"].settings_model is AllowanceSettings
    assert host.owner_of_settings(AllowanceSettings) == "allowance"
