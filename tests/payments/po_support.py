"""A portal paying the rest on account: points first, then a purchase order."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from commissary.inventory import stock
from commissary.jobs.outbox import deliver_pending
from commissary.payments.policy import set_policy
from commissary.testing import Portal, Shop
from tests.helpers import sku_id, user

PO_SETTINGS = {"number_pattern": r"PO-\d{6}", "number_hint": "PO- and 6 digits", "terms_days": 30}


def make_po_shop(
    portal: Portal, slug: str = "acme", *, company_limit: str = "500", store_limit: str = "300"
) -> Shop:
    """1 point = 0.10 EUR; the company may owe ``company_limit`` EUR, the North Store
    ``store_limit`` EUR; a buyer with 100 points at the North Store, a manager of it and
    of the South Store, a tenant admin and a warehouse clerk."""
    shop = portal.tenant(
        slug, threshold=300, plugins={"allowance": {}, "purchase_order": PO_SETTINGS}
    )
    manager = shop.user(f"manager@{slug}.test", roles=["manager"])
    north = shop.location("N1", "North Store", manager=manager)
    shop.location("S1", "South Store", manager=manager)
    shop.user(f"buyer@{slug}.test", roles=["buyer"], location=north, points=100)
    shop.user(f"admin@{slug}.test", roles=["tenant_admin"])
    shop.user(f"clerk@{slug}.test", roles=["warehouse"])
    shop.product("Safety boots", [("BOOT-42", 150, 10)], category="footwear")
    shop.product("Cap", [("CAP", 10, 50)], category="shirts")
    ctx = shop.context()
    set_policy(
        ctx,
        remainder_methods=["purchase_order"],
        employee_card=False,
        currency="EUR",
        point_value=Decimal("0.10"),
    )
    ctx.session.commit()
    ctx.session.close()
    admin = shop.api(user(shop, f"admin@{slug}.test"))
    for body in (
        {"location_id": None, "amount": company_limit, "currency": "EUR"},
        {"location_id": north.id, "amount": store_limit, "currency": "EUR"},
    ):
        assert admin.put("/purchase-orders/credit-limits", json=body).status_code == 200
    return shop


def po_checkout(shop: Shop, lines: list[tuple[str, int]], po: str, key: str) -> Any:
    api = shop.api(user(shop, f"buyer@{shop.slug}.test"))
    for code, qty in lines:
        r = api.post("/cart/lines", json={"sku_id": sku_id(shop, code), "quantity": qty})
        assert r.status_code == 201, r.text
    payment = {"method": "purchase_order", "data": {"po_number": po}}
    return api.post("/checkout", headers={"Idempotency-Key": key}, json={"payment": payment})


def ship(shop: Shop, order: dict[str, Any], lines: dict[str, int], key: str) -> dict[str, Any]:
    """The clerk ships ``lines`` (sku code → quantity) of ``order`` from the main warehouse."""
    with shop.portal.db.transaction(shop.tenant.id) as s:
        warehouse = stock.default_warehouse(s, shop.tenant.id).id
    ids = {x["sku_code"]: x["id"] for x in order["lines"]}
    body = {
        "warehouse_id": warehouse,
        "status": "shipped",
        "lines": [{"order_line_id": ids[code], "quantity": q} for code, q in lines.items()],
    }
    api = shop.api(user(shop, f"clerk@{shop.slug}.test"))
    r = api.post(f"/orders/{order['id']}/shipments", json=body, headers={"Idempotency-Key": key})
    assert r.status_code == 201, r.text
    result: dict[str, Any] = r.json()
    return result


def deliver_events(shop: Shop) -> None:
    while deliver_pending(shop.portal.db, shop.portal.host):
        pass
