"""Quick order by SKU list or CSV, and reorder of a past order."""

from __future__ import annotations

from sqlalchemy import update

from commissary.catalog.models import Sku
from commissary.testing import Shop, csrf_of
from tests.helpers import user


def _cart(api) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {line["sku_code"]: line["quantity"] for line in api.get("/cart").json()["lines"]}


def test_quick_order_adds_every_line_or_none(shop: Shop) -> None:
    api = shop.api(user(shop, "buyer@acme.test"))
    r = api.post("/cart/quick-order", json={"text": "boot-42, 1\nPOLO-M 3\nHELM"})
    assert r.status_code == 201, r.text
    assert _cart(api) == {"BOOT-42": 1, "POLO-M": 3, "HELM": 1}
    r = api.post("/cart/quick-order", json={"text": "POLO-S, 2\nNOPE, 1\nPOLO-M, x"})
    assert r.status_code == 422
    assert r.json()["error"]["message"] == "line 3: write a SKU code and a whole quantity"
    r = api.post(
        "/cart/quick-order",
        json={
            "lines": [{"sku_code": "POLO-S", "quantity": 2}, {"sku_code": "NOPE", "quantity": 1}]
        },
    )
    assert r.status_code == 422 and "line 2: no item NOPE" in r.json()["error"]["message"]
    assert _cart(api) == {"BOOT-42": 1, "POLO-M": 3, "HELM": 1}  # nothing changed


def test_quick_order_from_a_csv_upload_on_the_cart_page(shop: Shop) -> None:
    browser = shop.browser(user(shop, "buyer@acme.test"))
    browser.get(f"/t/{shop.slug}/cart")
    r = browser.post(
        f"/t/{shop.slug}/cart/quick-order",
        data={"csrf_token": csrf_of(browser)},
        files={"upload": ("order.csv", b"sku,quantity\nPOLO-S,2\nBOOT-42,1\n", "text/csv")},
    )
    assert r.status_code == 303, r.text
    page = browser.get(f"/t/{shop.slug}/cart").text
    assert "POLO-S" in page and "BOOT-42" in page and "Quick order" in page


def test_reorder_adds_what_can_still_be_ordered_and_names_the_rest(shop: Shop) -> None:
    buyer = user(shop, "buyer@acme.test")
    api = shop.api(buyer)
    api.post("/cart/quick-order", json={"text": "POLO-S, 2\nHELM, 1"})
    order = api.post("/checkout", headers={"Idempotency-Key": "first"}).json()
    with shop.portal.db.transaction(shop.tenant.id) as s:
        s.execute(update(Sku).where(Sku.code == "HELM").values(is_active=False))
    r = api.post(f"/orders/{order['id']}/reorder")
    assert r.status_code == 200, r.text
    assert r.json()["skipped"] == ["HELM"]
    assert _cart(api) == {"POLO-S": 2}
    other = shop.portal.tenant("globex")
    intruder = other.api(other.user("x@globex.test", location=other.location("G1")))
    assert intruder.post(f"/orders/{order['id']}/reorder").status_code == 404


def test_size_grid_adds_several_sizes_at_once_or_none(shop: Shop) -> None:
    from tests.helpers import sku_id

    buyer = user(shop, "buyer@acme.test")
    api = shop.api(buyer)
    small, medium = sku_id(shop, "POLO-S"), sku_id(shop, "POLO-M")
    r = api.post(
        "/cart/lines/bulk",
        json={"lines": [{"sku_id": small, "quantity": 2}, {"sku_id": 999999, "quantity": 1}]},
    )
    assert r.status_code == 404 and _cart(api) == {}
    browser = shop.browser(buyer)
    product = api.get("/products", params={"q": "polo"}).json()["items"][0]
    page = browser.get(f"/t/{shop.slug}/products/{product['id']}").text
    assert "Order several sizes" in page and f'name="qty_{small}"' in page
    r = browser.post(
        f"/t/{shop.slug}/cart/grid",
        data={f"qty_{small}": "2", f"qty_{medium}": "3", "csrf_token": csrf_of(browser)},
    )
    assert r.status_code == 303, r.text
    assert _cart(api) == {"POLO-S": 2, "POLO-M": 3}
