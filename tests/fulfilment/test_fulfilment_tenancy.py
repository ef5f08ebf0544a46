"""Another tenant's locations, warehouses, stock and shipments answer 404 and stay as
they were, on every route of this area (the general sweep is tests/core/test_tenancy.py)."""

from __future__ import annotations

from commissary.identity.models import User
from commissary.testing import Portal, Shop, csrf_of
from tests.fulfilment.conftest import line_of, place, post_shipment
from tests.helpers import sku_id, stock, user


def test_foreign_ids_are_404_on_every_route_of_this_area(
    portal: Portal, shop: Shop, warehouses: dict[str, int], clerk: User
) -> None:
    order = place(shop, ("POLO-S", 2))
    shipment = post_shipment(
        shop.api(clerk),
        order,
        "k",
        warehouse_id=warehouses["MAIN"],
        status="preparing",
        lines=[{"order_line_id": line_of(order, "POLO-S"), "quantity": 1}],
    ).json()
    other = portal.tenant("globex", threshold=0)
    boss = other.user("boss@globex.test", roles=["tenant_admin", "warehouse", "buyer"])
    api = other.api(boss)
    o, s, w = order["id"], shipment["id"], warehouses["MAIN"]
    loc, buyer = shop.locations["N1"].id, user(shop, "buyer@acme.test").id
    polo = sku_id(shop, "POLO-S")
    calls = [
        ("GET", f"/locations/{loc}", None),
        ("PATCH", f"/locations/{loc}", {"name": "mine"}),
        ("DELETE", f"/locations/{loc}", None),
        ("GET", f"/users/{buyer}/locations", None),
        ("PUT", f"/users/{buyer}/locations", {"default_location_id": None}),
        ("GET", f"/warehouses/{w}", None),
        ("PATCH", f"/warehouses/{w}", {"is_active": False}),
        ("GET", f"/warehouses/{w}/stock", None),
        ("POST", f"/warehouses/{w}/stock/adjustments", {"sku_id": polo, "delta": -1}),
        ("PUT", f"/stock/{polo}/settings", {"low_stock_threshold": 3}),
        ("GET", f"/orders/{o}/shipments", None),
        ("POST", f"/orders/{o}/shipments/{s}/ship", {}),
        ("POST", f"/orders/{o}/shipments/{s}/deliver", None),
    ]
    for method, path, body in calls:
        r = api.request(method, path, json=body)
        assert r.status_code == 404, f"{method} {path}: {r.status_code} {r.text}"
    r = api.post(
        f"/orders/{o}/shipments",
        json={
            "warehouse_id": w,
            "lines": [{"order_line_id": line_of(order, "POLO-S"), "quantity": 1}],
        },
        headers={"Idempotency-Key": "steal"},
    )
    assert r.status_code == 404
    # Their own warehouse cannot ship acme's order or touch acme's SKU either.
    theirs = api.get("/warehouses").json()
    assert all(x["id"] != w for x in theirs)
    assert api.get("/stock/movements", params={"sku_id": polo}).json() == []
    assert stock(shop, "POLO-S") == (14, 2)
    mine = shop.api(clerk).get(f"/orders/{o}/shipments").json()
    assert [x["status"] for x in mine] == ["preparing"]


def test_pages_with_foreign_ids_are_404_and_change_nothing(
    portal: Portal, shop: Shop, warehouses: dict[str, int], clerk: User
) -> None:
    order = place(shop, ("POLO-S", 2))
    shipment = post_shipment(
        shop.api(clerk),
        order,
        "k",
        warehouse_id=warehouses["MAIN"],
        status="preparing",
        lines=[{"order_line_id": line_of(order, "POLO-S"), "quantity": 1}],
    ).json()
    other = portal.tenant("globex", threshold=0)
    boss = other.user("boss@globex.test", roles=["tenant_admin", "warehouse"])
    browser = other.browser(boss)
    token = csrf_of(browser)
    loc, buyer = shop.locations["N1"].id, user(shop, "buyer@acme.test").id
    posts = {
        f"/t/globex/admin/locations/{loc}": {"name": "mine"},
        f"/t/globex/admin/locations/people/{buyer}": {"default_location_id": str(loc)},
        f"/t/globex/admin/stock/warehouses/{warehouses['MAIN']}/active": {},
        f"/t/globex/admin/stock/skus/{sku_id(shop, 'POLO-S')}/settings": {
            "low_stock_threshold": "1"
        },
        f"/t/globex/fulfilment/shipments/{shipment['id']}/ship": {},
        f"/t/globex/fulfilment/shipments/{shipment['id']}/deliver": {},
        f"/t/globex/fulfilment/orders/{order['id']}/shipments": {
            "warehouse_id": str(warehouses["MAIN"]),
            f"qty_{line_of(order, 'POLO-S')}": "1",
            "form_key": "x",
        },
    }
    for path, data in posts.items():
        r = browser.post(path, data={"csrf_token": token, **data})
        assert r.status_code == 404, f"{path}: {r.status_code}"
    assert stock(shop, "POLO-S") == (14, 2)
    assert [
        s["status"] for s in shop.api(clerk).get(f"/orders/{order['id']}/shipments").json()
    ] == ["preparing"]
