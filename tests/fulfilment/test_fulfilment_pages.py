"""The pages: staff ship from the queue, the buyer follows parcels on the order page,
admins keep warehouses and stock, and the buyer picks a ship-to location at checkout."""

from __future__ import annotations

from commissary.identity.models import User
from commissary.testing import Shop, csrf_of
from tests.fulfilment.conftest import line_of, place
from tests.helpers import sku_id, stock, user


def test_staff_ship_part_of_an_order_from_the_queue_and_the_buyer_sees_tracking(
    shop: Shop, warehouses: dict[str, int], clerk: User
) -> None:
    order = place(shop, ("POLO-S", 3), ("HELM", 1))
    staff = shop.browser(clerk)
    page = staff.get("/t/acme/fulfilment")
    assert page.status_code == 200
    assert order["number"] in page.text and "Ship these units" in page.text
    form_key = page.text.split('name="form_key" value="')[1].split('"')[0]
    polo, helm = line_of(order, "POLO-S"), line_of(order, "HELM")
    r = staff.post(
        f"/t/acme/fulfilment/orders/{order['id']}/shipments",
        data={
            "csrf_token": csrf_of(staff),
            "form_key": form_key,
            "warehouse_id": str(warehouses["MAIN"]),
            f"qty_{polo}": "2",
            f"qty_{helm}": "0",
            "carrier": "DHL",
            "tracking_number": "JJD0001",
        },
    )
    assert r.status_code == 303, r.text
    assert stock(shop, "POLO-S") == (12, 1)
    buyer = shop.browser(user(shop, "buyer@acme.test"))
    mine = buyer.get(f"/t/acme/orders/{order['id']}")
    assert mine.status_code == 200
    assert "JJD0001" in mine.text and "2 of 3 shipped" in mine.text
    assert "2 units shipped" in mine.text  # the history line
    # A resent form (same key) does not ship twice.
    again = staff.post(
        f"/t/acme/fulfilment/orders/{order['id']}/shipments",
        data={
            "csrf_token": csrf_of(staff),
            "form_key": form_key,
            "warehouse_id": str(warehouses["MAIN"]),
            f"qty_{polo}": "2",
            f"qty_{helm}": "0",
        },
    )
    assert again.status_code == 303
    assert stock(shop, "POLO-S") == (12, 1)
    # Buyers have no queue.
    assert buyer.get("/t/acme/fulfilment").status_code == 403


def test_the_stock_page_adjusts_with_a_reason_and_sets_a_threshold(
    shop: Shop, warehouses: dict[str, int]
) -> None:
    admin = shop.browser(shop.user("admin@acme.test", roles=["tenant_admin"]))
    page = admin.get("/t/acme/admin/stock")
    assert page.status_code == 200 and "East depot" in page.text and "POLO-S" in page.text
    r = admin.post(
        "/t/acme/admin/stock/adjustments",
        data={
            "csrf_token": csrf_of(admin),
            "warehouse_id": str(warehouses["EAST"]),
            "sku_code": "HELM",
            "quantity": "+4",
            "reason": "receipt",
            "note": "delivery 12",
        },
    )
    assert r.status_code == 303, r.text
    assert stock(shop, "HELM") == (5, 0)
    r = admin.post(
        f"/t/acme/admin/stock/skus/{sku_id(shop, 'HELM')}/settings",
        data={"csrf_token": csrf_of(admin), "low_stock_threshold": "9"},
    )
    assert r.status_code == 303
    low = admin.get("/t/acme/admin/stock?low=1").text.split("Recent movements")[0]
    assert "HELM" in low and "POLO-S" not in low
    assert "delivery 12" in admin.get("/t/acme/admin/stock").text


def test_the_locations_page_shows_the_tree_and_assigns_people(shop: Shop) -> None:
    admin = shop.browser(shop.user("admin@acme.test", roles=["tenant_admin"]))
    r = admin.post(
        "/t/acme/admin/locations",
        data={
            "csrf_token": csrf_of(admin),
            "code": "N1-BACK",
            "name": "North annex",
            "parent_id": str(shop.locations["N1"].id),
        },
    )
    assert r.status_code == 303, r.text
    page = admin.get("/t/acme/admin/locations")
    assert page.status_code == 200 and "North annex" in page.text
    buyer = user(shop, "buyer@acme.test")
    ids = {
        x["code"]: x["id"]
        for x in shop.api(shop.user("a2@acme.test", roles=["tenant_admin"]))
        .get("/locations")
        .json()
    }
    r = admin.post(
        f"/t/acme/admin/locations/people/{buyer.id}",
        data={
            "csrf_token": csrf_of(admin),
            "default_location_id": str(shop.locations["N1"].id),
            "location_ids": [str(ids["N1-BACK"])],
            "may_enter_address": "1",
        },
    )
    assert r.status_code == 303, r.text
    cart = shop.browser(buyer)
    cart.get("/t/acme/cart")
    shop.api(buyer).post("/cart/lines", json={"sku_id": sku_id(shop, "HELM"), "quantity": 1})
    page = cart.get("/t/acme/cart")
    assert "Ship to" in page.text and "North annex" in page.text
    key = page.text.split('name="checkout_key" value="')[1].split('"')[0]
    r = cart.post(
        "/t/acme/checkout",
        data={"csrf_token": csrf_of(cart), "checkout_key": key, "location_id": str(ids["N1-BACK"])},
    )
    assert r.status_code == 303, r.text
    order = cart.get(r.headers["location"])
    assert "North annex" in order.text
