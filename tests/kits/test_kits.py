"""Kits: one orderable item of several SKUs; each component is stocked and tracked alone."""

from __future__ import annotations

from sqlalchemy import select

from commissary.catalog.models import Sku
from commissary.kits.service import share_out
from commissary.testing import Shop
from tests.helpers import sku_id, stock, user, wallet


def _admin(shop: Shop):  # type: ignore[no-untyped-def]
    return shop.api(shop.user("admin@acme.test", roles=["tenant_admin"]))


def _product_id(shop: Shop, code: str) -> int:
    with shop.portal.db.session(shop.tenant.id) as s:
        found = s.scalar(select(Sku.product_id).where(Sku.code == code))
        assert found is not None
        return found


def _uniform(shop: Shop, pricing: str = "kit", price: int | None = 150) -> dict:  # type: ignore[type-arg]
    r = _admin(shop).post(
        "/kits",
        json={
            "code": "uniform",
            "name": "Starter uniform",
            "pricing": pricing,
            "price_points": price,
            "components": [
                {"label": "Shirt", "quantity": 2, "product_id": _product_id(shop, "POLO-S")},
                {"label": "Helmet", "quantity": 1, "sku_id": sku_id(shop, "HELM")},
            ],
        },
    )
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def test_a_kit_is_ordered_with_a_size_and_its_components_are_stocked_alone(shop: Shop) -> None:
    kit = _uniform(shop)
    assert kit["code"] == "UNIFORM"
    shirt, _helmet = kit["components"]
    assert [o["sku_code"] for o in shirt["options"]] == ["POLO-S", "POLO-M"]
    buyer = user(shop, "buyer@acme.test")
    api = shop.api(buyer)
    r = api.post(
        "/cart/kits",
        json={"kit_id": kit["id"], "quantity": 1, "choices": {shirt["id"]: sku_id(shop, "POLO-M")}},
    )
    assert r.status_code == 201, r.text
    assert r.json()["total_points"] == 150
    # At their own prices the parts cost 2 x 40 + 35 = 115: the kit price is shared out.
    assert [x["line_points"] for x in r.json()["lines"]] == [104, 46]
    cart = api.get("/cart").json()
    assert cart["total_points"] == 150 and len(cart["kits"]) == 1
    order = api.post("/checkout", headers={"Idempotency-Key": "k"})
    assert order.status_code == 201, order.text
    lines = order.json()["lines"]
    assert [(x["sku_code"], x["quantity"], x["kit_id"]) for x in lines] == [
        ("POLO-M", 2, kit["id"]),
        ("HELM", 1, kit["id"]),
    ]
    assert len({x["kit_group"] for x in lines}) == 1
    assert stock(shop, "POLO-M") == (10, 2) and stock(shop, "HELM") == (1, 1)
    assert wallet(shop.portal.db, shop.tenant.id, buyer.id) == (850, 0, 150)
    assert api.get("/cart").json()["kits"] == []


def test_sum_pricing_prices_each_component_alone(shop: Shop) -> None:
    kit = _uniform(shop, "sum", None)
    api = shop.api(user(shop, "buyer@acme.test"))
    shirt = kit["components"][0]
    r = api.post(
        "/cart/kits",
        json={"kit_id": kit["id"], "quantity": 2, "choices": {shirt["id"]: sku_id(shop, "POLO-S")}},
    )
    assert r.status_code == 201, r.text
    assert [x["quantity"] for x in r.json()["lines"]] == [4, 2]
    assert r.json()["total_points"] == 4 * 40 + 2 * 35


def test_missing_or_foreign_choices_are_refused_and_nothing_is_added(shop: Shop) -> None:
    kit = _uniform(shop)
    api = shop.api(user(shop, "buyer@acme.test"))
    shirt = kit["components"][0]
    missing = api.post("/cart/kits", json={"kit_id": kit["id"]})
    assert missing.status_code == 422
    assert "choose the shirt" in missing.json()["error"]["message"]
    wrong = api.post(
        "/cart/kits",
        json={"kit_id": kit["id"], "choices": {shirt["id"]: sku_id(shop, "BOOT-42")}},
    )
    assert wrong.status_code == 404
    assert api.get("/cart").json()["kits"] == []
    assert api.post("/cart/kits", json={"kit_id": 999_999}).status_code == 404


def test_a_kit_with_a_part_out_of_stock_places_nothing(shop: Shop) -> None:
    kit = _uniform(shop)
    api = shop.api(user(shop, "buyer@acme.test"))
    shirt = kit["components"][0]
    api.post(
        "/cart/kits",
        json={"kit_id": kit["id"], "quantity": 2, "choices": {shirt["id"]: sku_id(shop, "POLO-S")}},
    )  # two helmets, one on the shelf
    r = api.post("/checkout", headers={"Idempotency-Key": "k"})
    assert r.status_code == 409, r.text
    assert stock(shop, "POLO-S") == (10, 0)
    assert len(api.get("/cart").json()["kits"]) == 1


def test_kit_prices_are_shared_out_exactly() -> None:
    assert share_out(100, [1, 1, 1]) == [34, 33, 33]
    assert share_out(7, [0, 0]) == [4, 3]
    assert sum(share_out(150, [80, 35])) == 150
    assert share_out(0, [5, 5]) == [0, 0]


def test_only_catalog_managers_define_kits(shop: Shop) -> None:
    api = shop.api(user(shop, "buyer@acme.test"))
    r = api.post(
        "/kits", json={"code": "x", "name": "X", "components": [{"label": "a", "sku_id": 1}]}
    )
    assert r.status_code == 403
    bad = _admin(shop).post(
        "/kits",
        json={
            "code": "x",
            "name": "X",
            "pricing": "kit",
            "components": [{"label": "a", "sku_id": 1}],
        },
    )
    assert bad.status_code == 422  # a kit price is needed
