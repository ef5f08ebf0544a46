"""Customer types and curated catalogs: a SKU a person may not see does not exist for them,
in the listing, search, product page, price, cart and checkout alike."""

from __future__ import annotations

import itertools

import pytest
from fastapi.testclient import TestClient

from commissary.identity.models import User
from commissary.testing import Shop
from tests.helpers import order_count, sku_id, user

VISIBLE_PRODUCT = {"shirts": "Polo shirt", "footwear": "Safety boots", "safety": "Helmet"}


def _admin(shop: Shop) -> TestClient:
    admin = shop.user(f"admin{next(_ids)}@acme.test", roles=["tenant_admin"])
    return shop.api(admin)


_ids = itertools.count()


def _segment(shop: Shop, code: str, categories: list[str]) -> int:
    """A customer type restricted to a catalog of ``categories``; returns the type id."""
    api = _admin(shop)
    cats = {c["slug"]: c["id"] for c in api.get("/categories").json()}
    catalog = api.post("/catalogs", json={"code": f"cat-{code}", "name": code}).json()
    r = api.put(
        f"/catalogs/{catalog['id']}/entries",
        json={"category_ids": [cats[c] for c in categories]},
    )
    assert r.status_code == 200, r.text
    kind = api.post("/customer-types", json={"code": code, "name": code.title()}).json()
    r = api.put(f"/customer-types/{kind['id']}/catalogs", json={"catalog_ids": [catalog["id"]]})
    assert r.status_code == 204, r.text
    return int(kind["id"])


def _assign(shop: Shop, person: User, *type_ids: int) -> None:
    r = _admin(shop).put(
        f"/users/{person.id}/customer-types", json={"customer_type_ids": list(type_ids)}
    )
    assert r.status_code == 204, r.text


def _sees(shop: Shop, person: User, code: str, category: str) -> dict[str, bool]:
    """Whether ``person`` reaches SKU ``code`` through every door, one flag per door."""
    api = shop.api(person)
    sku = sku_id(shop, code)
    listing = api.get("/products", params={"page_size": 100}).json()
    product = next((p for p in listing["items"] if p["name"] == VISIBLE_PRODUCT[category]), None)
    searched = api.get("/products", params={"q": VISIBLE_PRODUCT[category].split()[0]}).json()
    price = api.get(f"/skus/{sku}/price")
    add = api.post("/cart/lines", json={"sku_id": sku, "quantity": 1})
    doors = {
        "list": product is not None,
        "search": any(p["name"] == VISIBLE_PRODUCT[category] for p in searched["items"]),
        "price": price.status_code == 200,
        "cart": add.status_code == 201,
    }
    if product is not None:
        doors["product"] = api.get(f"/products/{product['id']}").status_code == 200
    if add.status_code == 201:
        api.delete(f"/cart/lines/{add.json()['id']}")
    else:
        assert add.status_code == 404, add.text
    if price.status_code != 200:
        assert price.status_code == 404, price.text
    return doors


def test_visibility_matrix_by_customer_type_and_location(shop: Shop) -> None:
    safety = _segment(shop, "safety", ["safety", "footwear"])
    marketing = _segment(shop, "marketing", ["shirts"])
    north = shop.locations["N1"]
    supervisor = shop.user("sup@acme.test", location=north, points=500)
    marketer = shop.user("mkt@acme.test", location=north, points=500)
    both = shop.user("both@acme.test", location=north, points=500)
    anyone = shop.user("anyone@acme.test", location=north, points=500)
    _assign(shop, supervisor, safety)
    _assign(shop, marketer, marketing)
    _assign(shop, both, safety, marketing)

    expected = {
        supervisor: {"HELM": True, "BOOT-42": True, "POLO-S": False},
        marketer: {"HELM": False, "BOOT-42": False, "POLO-S": True},
        both: {"HELM": True, "BOOT-42": True, "POLO-S": True},
        anyone: {"HELM": True, "BOOT-42": True, "POLO-S": True},
    }
    category = {"HELM": "safety", "BOOT-42": "footwear", "POLO-S": "shirts"}
    for person, skus in expected.items():
        for code, visible in skus.items():
            doors = _sees(shop, person, code, category[code])
            assert set(doors.values()) == {visible}, (person.email, code, doors)

    # A location catalog narrows further: the North store orders only shirts.
    api = _admin(shop)
    cats = {c["slug"]: c["id"] for c in api.get("/categories").json()}
    store = api.post("/catalogs", json={"code": "north", "name": "North list"}).json()
    api.put(f"/catalogs/{store['id']}/entries", json={"category_ids": [cats["shirts"]]})
    r = api.put(f"/locations/{north.id}/catalog", json={"catalog_id": store["id"]})
    assert r.status_code == 204, r.text
    assert set(_sees(shop, anyone, "HELM", "safety").values()) == {False}
    assert set(_sees(shop, anyone, "POLO-S", "shirts").values()) == {True}
    # ... and the supervisor (safety only) now sees nothing of either.
    assert set(_sees(shop, supervisor, "HELM", "safety").values()) == {False}
    assert set(_sees(shop, supervisor, "POLO-S", "shirts").values()) == {False}


def test_checkout_refuses_a_sku_that_became_invisible_and_changes_nothing(shop: Shop) -> None:
    buyer = user(shop, "buyer@acme.test")
    api = shop.api(buyer)
    r = api.post("/cart/lines", json={"sku_id": sku_id(shop, "HELM"), "quantity": 1})
    assert r.status_code == 201
    marketing = _segment(shop, "marketing", ["shirts"])
    _assign(shop, buyer, marketing)
    r = api.post("/checkout", headers={"Idempotency-Key": "k1"})
    assert r.status_code == 404, r.text
    assert "HELM is not available to you" in r.json()["error"]["message"]
    assert order_count(shop) == 0


def test_new_products_join_the_catalogs_of_their_category(shop: Shop) -> None:
    safety = _segment(shop, "safety", ["safety"])
    sup = shop.user("sup@acme.test", location=shop.locations["N1"], points=500)
    _assign(shop, sup, safety)
    shop.product("Gloves", [("GLOVE", 10, 10)], category="safety")
    shop.product("Mug", [("MUG", 5, 10)], category="kitchen")
    names = {p["name"] for p in shop.api(sup).get("/products").json()["items"]}
    assert names == {"Helmet", "Gloves"}


def test_catalog_admin_needs_the_permission_and_foreign_ids_are_404(shop: Shop) -> None:
    buyer = user(shop, "buyer@acme.test")
    assert shop.api(buyer).post("/catalogs", json={"code": "x", "name": "x"}).status_code == 403
    other = shop.portal.tenant("globex")
    foreign = other.product("Foreign", [("FOREIGN-1", 1, 1)])[0]
    api = _admin(shop)
    catalog = api.post("/catalogs", json={"code": "c", "name": "C"}).json()
    r = api.put(f"/catalogs/{catalog['id']}/entries", json={"sku_ids": [foreign]})
    assert r.status_code == 404
    assert api.get(f"/catalogs/{catalog['id']}").json()["sku_count"] == 0
    other_admin = other.user("admin@globex.test", roles=["tenant_admin"])
    assert other.api(other_admin).get(f"/catalogs/{catalog['id']}").status_code == 404
    assert api.post("/customer-types", json={"code": "", "name": "x"}).status_code == 422


@pytest.mark.parametrize("path", ["/products", "/cart"])
def test_an_unrestricted_buyer_pays_no_extra_query_for_visibility(
    shop: Shop, count_statements, path: str
) -> None:  # type: ignore[no-untyped-def]
    api = shop.api(user(shop, "buyer@acme.test"))
    api.get(path)
    count_statements.statements.clear()
    api.get(path)
    baseline = count_statements.count
    _segment(shop, "unused", ["safety"])  # a type nobody has
    api.get(path)  # reload caches after the configuration change
    count_statements.statements.clear()
    api.get(path)
    assert count_statements.count == baseline


def test_the_catalog_page_offers_only_categories_with_products_the_buyer_may_see(
    shop: Shop,
) -> None:
    """A buyer restricted to safety equipment is not shown links to empty categories."""
    supervisor = user(shop, "buyer@acme.test")
    _assign(shop, supervisor, _segment(shop, "supervisors", ["safety"]))
    page = shop.browser(supervisor).get("/t/acme/").text
    assert "category=safety" in page
    assert "category=shirts" not in page and "category=footwear" not in page
    everyone = shop.browser(user(shop, "manager@acme.test")).get("/t/acme/").text
    assert all(f"category={c}" in everyone for c in ("safety", "shirts", "footwear"))
    # An unoffered category's address shows nothing of it, as an unknown one does.
    hidden = shop.browser(supervisor).get("/t/acme/", params={"category": "shirts"})
    assert hidden.status_code == 200 and "Polo shirt" not in hidden.text
