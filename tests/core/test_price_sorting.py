"""Sorting the catalog by price: by the price each person sees (their price lists,
tiers and discounts), the same in the API and the page, never where prices are hidden."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from commissary.catalog import service as catalog
from commissary.catalog.models import Sku
from commissary.pricing import lists
from commissary.testing import Shop
from tests.helpers import sku_id, user


def _sorted_names(shop: Shop, person, sort: str) -> list[str]:  # type: ignore[no-untyped-def]
    r = shop.api(person).get("/products", params={"sort": sort})
    assert r.status_code == 200, r.text
    return [p["name"] for p in r.json()["items"]]


def test_price_sort_follows_each_persons_prices(shop: Shop) -> None:
    buyer = user(shop, "buyer@acme.test")
    other = shop.user("other@acme.test", location=shop.locations["N1"])
    assert _sorted_names(shop, buyer, "price") == ["Helmet", "Polo shirt", "Safety boots"]
    assert _sorted_names(shop, buyer, "-price") == ["Safety boots", "Polo shirt", "Helmet"]

    admin = shop.api(shop.user("admin@acme.test", roles=["tenant_admin"]))
    kind = admin.post("/customer-types", json={"code": "crew", "name": "Crew"}).json()
    admin.put(f"/users/{buyer.id}/customer-types", json={"customer_type_ids": [kind["id"]]})
    crew = admin.post(
        "/price-lists", json={"code": "CREW", "name": "Crew", "customer_type_id": kind["id"]}
    ).json()
    boot = sku_id(shop, "BOOT-42")
    items = {"items": [{"sku_id": boot, "min_quantity": 1, "unit_points": 20}]}
    assert admin.put(f"/price-lists/{crew['id']}/items", json=items).status_code == 200
    cats = {c["slug"]: c["id"] for c in admin.get("/categories").json()}
    discounts = {"discounts": [{"percent": "50", "category_id": cats["safety"]}]}
    assert admin.put(f"/price-lists/{crew['id']}/discounts", json=discounts).status_code == 200

    # The crew buyer: helmet 35 - 50 % = 17.5, boots negotiated at 20, polo 40.
    assert _sorted_names(shop, buyer, "price") == ["Helmet", "Safety boots", "Polo shirt"]
    assert _sorted_names(shop, other, "price") == ["Helmet", "Polo shirt", "Safety boots"]
    page = shop.browser(buyer).get("/t/acme/", params={"sort": "-price"})
    assert page.status_code == 200
    text = page.text
    assert text.index("Polo shirt") < text.index("Safety boots") < text.index("Helmet")
    assert "Price: low to high" in text


def test_price_sort_is_refused_where_prices_are_hidden(shop: Shop) -> None:
    admin = shop.api(shop.user("admin@acme.test", roles=["tenant_admin"]))
    assert admin.patch("/portal", json={"access_mode": "public_catalog"}).status_code == 200
    visitor = shop.api()
    refused = visitor.get("/products", params={"sort": "price"})
    assert refused.status_code in (400, 422) and "sort by name or newest" in refused.text
    assert visitor.get("/products", params={"sort": "name"}).status_code == 200
    page = shop.browser().get("/t/acme/")
    assert page.status_code == 200 and "Price: low to high" not in page.text
    assert visitor.get("/products", params={"sort": "cheapest"}).status_code == 422


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    prices=st.lists(st.integers(0, 300), min_size=3, max_size=3),
    tier=st.integers(0, 300),
    percent=st.decimals(min_value=Decimal("0.5"), max_value=100, places=1),
    category=st.sampled_from(["shirts", "footwear", "safety", None]),
)
def test_price_sort_agrees_with_the_prices_shown(
    shop: Shop, prices, tier, percent, category
) -> None:  # type: ignore[no-untyped-def]
    """Whatever the list prices, tiers and discounts, the listing sorted by price shows
    non-decreasing "from" prices (and non-increasing ones sorted by -price)."""
    ctx = shop.context(user(shop, "buyer@acme.test"))
    try:
        skus = list(ctx.session.scalars(select(Sku).order_by(Sku.id)))
        for sku, points in zip(skus, prices * 2, strict=False):
            sku.price_points = points
        for found in lists.price_lists(ctx.session):
            ctx.session.delete(found)
        ctx.session.flush()
        pl = lists.create_price_list(ctx, code="P", name="P")
        lists.set_items(ctx, pl.id, [lists.Tier(skus[-1].id, 1, tier)])
        cats = {c.slug: c.id for c in catalog.categories(ctx.session)}
        lists.set_discounts(
            ctx, pl.id, [lists.Discount(percent, category_id=cats[category] if category else None)]
        )
        ctx.session.commit()
    finally:
        ctx.session.close()
    api = shop.api(user(shop, "buyer@acme.test"))
    for sort in ("price", "-price"):
        shown = [
            p["min_points"] for p in api.get("/products", params={"sort": sort}).json()["items"]
        ]
        assert shown == sorted(shown, reverse=sort == "-price"), (sort, shown)
