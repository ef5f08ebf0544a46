"""Price lists, tiers, segment discounts and the price breakdown; quantity rules and the
minimum order value."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import update

from commissary.catalog.models import Sku
from commissary.db import utcnow
from commissary.pricing import lists
from commissary.pricing import service as pricing
from commissary.tenants.models import Tenant
from commissary.testing import Shop
from tests.helpers import order_count, sku_id, user


def _admin_api(shop: Shop):  # type: ignore[no-untyped-def]
    return shop.api(shop.user("admin@acme.test", roles=["tenant_admin"]))


def _price(shop: Shop, person, code: str, quantity: int = 1) -> dict:  # type: ignore[no-untyped-def, type-arg]
    r = shop.api(person).get(f"/skus/{sku_id(shop, code)}/price", params={"quantity": quantity})
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def test_negotiated_tiers_discounts_and_validity_with_breakdown(shop: Shop) -> None:
    admin = _admin_api(shop)
    buyer = user(shop, "buyer@acme.test")
    kind = admin.post("/customer-types", json={"code": "crew", "name": "Crew"}).json()
    admin.put(f"/users/{buyer.id}/customer-types", json={"customer_type_ids": [kind["id"]]})
    crew = admin.post(
        "/price-lists", json={"code": "CREW", "name": "Crew prices", "customer_type_id": kind["id"]}
    ).json()
    boot = sku_id(shop, "BOOT-42")
    r = admin.put(
        f"/price-lists/{crew['id']}/items",
        json={
            "items": [
                {"sku_id": boot, "min_quantity": 1, "unit_points": 170},
                {"sku_id": boot, "min_quantity": 3, "unit_points": 150},
            ]
        },
    )
    assert r.status_code == 200, r.text
    cats = {c["slug"]: c["id"] for c in admin.get("/categories").json()}
    r = admin.put(
        f"/price-lists/{crew['id']}/discounts",
        json={"discounts": [{"percent": "12.5", "category_id": cats["shirts"]}]},
    )
    assert r.status_code == 200, r.text

    one = _price(shop, buyer, "BOOT-42", 1)
    assert (one["unit_points"], one["line_points"], one["source"]) == (170, 170, "price list CREW")
    assert [s["kind"] for s in one["breakdown"]] == ["list price", "price list"]
    three = _price(shop, buyer, "BOOT-42", 3)
    assert (three["unit_points"], three["line_points"]) == (150, 450)
    assert "from 3" in three["breakdown"][-1]["detail"]
    # 40 points less 12.5 % = 35 exactly; 3 polos = 105; rounding happens per line.
    polo = _price(shop, buyer, "POLO-S", 3)
    assert Decimal(polo["unit_exact"]) == Decimal(35)
    assert polo["line_points"] == 105
    assert (
        polo["breakdown"][-1]
        == {
            "kind": "discount",
            "source": "CREW",
            "detail": "12.5 % off",
            "unit_points": "35.000",
        }
        or polo["breakdown"][-1]["detail"] == "12.5 % off"
    )

    # Someone without the customer type pays list price; so does everyone once it expires.
    other = shop.user("other@acme.test", location=shop.locations["N1"])
    assert _price(shop, other, "BOOT-42")["unit_points"] == 180
    with shop.portal.db.transaction(shop.tenant.id) as s:
        found = lists.price_list(s, crew["id"])
        found.valid_until = utcnow() - timedelta(minutes=1)
        s.execute(update(Tenant).values(config_version=Tenant.config_version + 1))
    assert _price(shop, buyer, "BOOT-42", 3)["unit_points"] == 180


def test_the_cart_and_the_order_use_the_resolved_price(shop: Shop) -> None:
    admin = _admin_api(shop)
    buyer = user(shop, "buyer@acme.test")
    everyone = admin.post("/price-lists", json={"code": "ALL", "name": "Everyone"}).json()
    admin.put(f"/price-lists/{everyone['id']}/discounts", json={"discounts": [{"percent": "3.75"}]})
    api = shop.api(buyer)
    api.post("/cart/lines", json={"sku_id": sku_id(shop, "POLO-S"), "quantity": 3})
    cart = api.get("/cart").json()
    # 40 less 3.75 % = 38.5 a unit; 3 units = 115.5, rounded once to 116 (not 3 x 39 = 117).
    assert cart["total_points"] == 116
    r = api.post("/checkout", headers={"Idempotency-Key": "k"})
    assert r.status_code == 201, r.text
    order = r.json()
    assert order["total_points"] == 116
    assert order["lines"][0]["line_points"] == 116


def test_bad_price_lists_are_refused_and_change_nothing(shop: Shop) -> None:
    admin = _admin_api(shop)
    pl = admin.post("/price-lists", json={"code": "X", "name": "X"}).json()
    boot = sku_id(shop, "BOOT-42")
    dearer = {
        "items": [
            {"sku_id": boot, "min_quantity": 1, "unit_points": 100},
            {"sku_id": boot, "min_quantity": 5, "unit_points": 120},
        ]
    }
    r = admin.put(f"/price-lists/{pl['id']}/items", json=dearer)
    assert r.status_code == 422 and "cannot cost more" in r.json()["error"]["message"]
    assert admin.get(f"/price-lists/{pl['id']}/items").json()["items"] == []
    r = admin.put(f"/price-lists/{pl['id']}/discounts", json={"discounts": [{"percent": "0"}]})
    assert r.status_code == 422
    assert admin.post("/price-lists", json={"code": "X", "name": "again"}).status_code == 409
    other = shop.portal.tenant("globex")
    other_admin = other.api(other.user("a@globex.test", roles=["tenant_admin"]))
    assert other_admin.get(f"/price-lists/{pl['id']}/items").status_code == 404
    buyer = shop.api(user(shop, "buyer@acme.test"))
    assert buyer.get("/price-lists").status_code == 403


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    tiers=st.lists(
        st.tuples(st.integers(1, 50), st.integers(0, 500)),
        min_size=1,
        max_size=6,
        unique_by=lambda t: t[0],
    ),
    percent=st.decimals(min_value=Decimal("0.01"), max_value=100, places=2),
    quantities=st.lists(st.integers(1, 60), min_size=2, max_size=6),
)
def test_price_properties(shop: Shop, tiers, percent, quantities) -> None:  # type: ignore[no-untyped-def]
    """The unit price never rises with quantity, never depends on the order prices are
    asked in, and a line is the exact unit times the quantity rounded half up once."""
    # Make the tiers valid (non-increasing with quantity) the way an admin would have to.
    ordered = sorted(tiers)
    prices, running = [], 10**6
    for qty, pts in ordered:
        running = min(running, pts)
        prices.append((qty, running))
    buyer = user(shop, "buyer@acme.test")
    boot = sku_id(shop, "BOOT-42")
    ctx = shop.context(user(shop, "buyer@acme.test"))
    try:
        for found in lists.price_lists(ctx.session):
            ctx.session.delete(found)
        ctx.session.flush()
        pl = lists.create_price_list(ctx, code="P", name="P")
        lists.set_items(ctx, pl.id, [lists.Tier(boot, q, p) for q, p in prices])
        lists.set_discounts(ctx, pl.id, [lists.Discount(percent)])
        ctx.tenant = ctx.session.get(Tenant, ctx.tenant.id, populate_existing=True)  # type: ignore[assignment]
        ctx.memo.clear()
        sku = ctx.session.get(Sku, boot)
        assert sku is not None
        first = {q: pricing.price_line(ctx, sku, q) for q in quantities}
        ctx.memo.clear()
        second = {q: pricing.price_line(ctx, sku, q) for q in reversed(quantities)}
        assert first == second
        for low, high in zip(sorted(first), sorted(first)[1:], strict=False):
            assert first[high].unit <= first[low].unit
        for q, line in first.items():
            exact = line.unit * q
            assert abs(line.line_points - exact) <= Decimal("0.5")
            assert line.line_points == int(exact.quantize(Decimal(1), rounding="ROUND_HALF_UP"))
    finally:
        ctx.session.rollback()
        ctx.session.close()
    del buyer


def test_quantity_rules_and_minimum_order_value(shop: Shop) -> None:
    with shop.portal.db.transaction(shop.tenant.id) as s:
        s.execute(
            update(Sku)
            .where(Sku.code == "POLO-S")
            .values(min_quantity=2, max_quantity=8, quantity_step=2)
        )
    buyer = user(shop, "buyer@acme.test")
    api = shop.api(buyer)
    polo = sku_id(shop, "POLO-S")
    r = api.post("/cart/lines", json={"sku_id": polo, "quantity": 3})
    assert r.status_code == 422
    assert "order 2 to 8, in steps of 2 (2, 4, 6, ...)" in r.json()["error"]["message"]
    assert api.get("/cart").json()["lines"] == []
    line = api.post("/cart/lines", json={"sku_id": polo, "quantity": 4}).json()
    assert api.patch(f"/cart/lines/{line['id']}", json={"quantity": 10}).status_code == 422
    assert api.get("/cart").json()["lines"][0]["quantity"] == 4

    with shop.portal.db.transaction(shop.tenant.id) as s:
        s.execute(update(Tenant).values(min_order_points=500))
    r = api.post("/checkout", headers={"Idempotency-Key": "small"})
    assert r.status_code == 422
    assert "at least 500 points; yours is 160" in r.json()["error"]["message"]
    assert order_count(shop) == 0
