"""Locations: admins and managers keep the tree; managers only below themselves; buyers
order only for the locations they are allowed."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from commissary.identity.models import User
from commissary.locations import service
from commissary.testing import Shop
from tests.helpers import order_count, sku_id, stock, user


@pytest.fixture
def admin(shop: Shop) -> User:
    return shop.user("admin@acme.test", roles=["tenant_admin"])


@pytest.fixture
def tree(shop: Shop, admin: User) -> dict[str, Any]:
    """West region (managed by Rita) > Coast district > two stores; East region apart."""
    api = shop.api(admin)
    rita = shop.user("rita@acme.test", roles=["manager"])
    ids: dict[str, Any] = {"rita": rita}

    def add(code: str, parent: str | None = None, manager: User | None = None) -> None:
        r = api.post(
            "/locations",
            json={
                "code": code,
                "name": code.title(),
                "address": f"{code} road",
                "parent_id": ids[parent] if parent else None,
                "manager_id": manager.id if manager else None,
            },
        )
        assert r.status_code == 201, r.text
        ids[code] = r.json()["id"]

    add("west", manager=rita)
    add("coast", "west")
    add("store-1", "coast")
    add("store-2", "coast")
    add("east")
    return ids


def test_a_region_manager_manages_everything_under_it_and_nothing_else(
    shop: Shop, tree: dict[str, Any]
) -> None:
    rita = shop.api(tree["rita"])
    listed = {x["code"] for x in rita.get("/locations").json()}
    assert listed == {"west", "coast", "store-1", "store-2"}
    r = rita.post(
        "/locations", json={"code": "store-3", "name": "Store 3", "parent_id": tree["coast"]}
    )
    assert r.status_code == 201, r.text
    assert (
        rita.patch(f"/locations/{tree['store-1']}", json={"name": "Harbour"}).json()["name"]
        == "Harbour"
    )
    assert rita.get(f"/locations/{tree['east']}").status_code == 404
    assert rita.patch(f"/locations/{tree['east']}", json={"name": "mine"}).status_code == 404
    top = rita.post("/locations", json={"code": "north", "name": "North"})
    assert top.status_code == 403
    under_east = rita.post("/locations", json={"code": "x", "name": "X", "parent_id": tree["east"]})
    assert under_east.status_code == 403
    # Moving a store out of her subtree is refused; the tree is unchanged.
    away = rita.patch(f"/locations/{tree['store-2']}", json={"parent_id": tree["east"]})
    assert away.status_code == 403
    assert rita.get(f"/locations/{tree['store-2']}").json()["parent_id"] == tree["coast"]
    cycle = rita.patch(f"/locations/{tree['coast']}", json={"parent_id": tree["store-1"]})
    assert cycle.status_code == 422
    buyer = shop.api(user(shop, "buyer@acme.test"))
    assert buyer.get("/locations").status_code == 403


def test_assigning_locations_needs_a_manager_of_them_or_an_admin(
    shop: Shop, tree: dict[str, Any], admin: User
) -> None:
    ann = shop.user("ann@acme.test", roles=["buyer"])
    admin_api = shop.api(admin)
    r = admin_api.put(
        f"/users/{ann.id}/locations",
        json={"default_location_id": tree["store-1"], "location_ids": []},
    )
    assert r.status_code == 200, r.text
    rita = shop.api(tree["rita"])
    r = rita.put(
        f"/users/{ann.id}/locations",
        json={
            "default_location_id": tree["store-1"],
            "location_ids": [tree["store-2"]],
            "may_enter_address": True,
        },
    )
    assert r.status_code == 200, r.text
    assert r.json() == {
        "default_location_id": tree["store-1"],
        "location_ids": [tree["store-2"]],
        "may_enter_address": True,
    }
    outside = rita.put(
        f"/users/{ann.id}/locations",
        json={"default_location_id": tree["store-1"], "location_ids": [tree["east"]]},
    )
    assert outside.status_code == 403
    # People outside her subtree are not hers to change (or to see).
    bob = shop.user("bob@acme.test", roles=["buyer"], location=shop.locations["N1"])
    assert rita.get(f"/users/{bob.id}/locations").status_code == 404
    ctx = shop.context(ann)
    try:
        codes = [x.code for x in service.allowed_locations(ctx, ann.id)]
    finally:
        ctx.session.close()
    assert codes == ["store-1", "store-2"]  # the default first


def _order(api: TestClient, shop: Shop, key: str, **body: Any) -> Any:
    api.post("/cart/lines", json={"sku_id": sku_id(shop, "POLO-S"), "quantity": 1})
    return api.post("/checkout", json=body, headers={"Idempotency-Key": key})


def test_checkout_ships_only_to_an_allowed_location_or_an_allowed_own_address(
    shop: Shop, tree: dict[str, Any], admin: User
) -> None:
    ann = shop.user("ann@acme.test", roles=["buyer"], points=500)
    shop.api(admin).put(
        f"/users/{ann.id}/locations",
        json={"default_location_id": tree["store-1"], "location_ids": [tree["store-2"]]},
    )
    api = shop.api(ann)
    choices = api.get("/me/locations").json()
    assert [x["code"] for x in choices["locations"]] == ["store-1", "store-2"]
    assert choices["may_enter_address"] is False

    default = _order(api, shop, "a")
    assert default.status_code == 201, default.text
    assert default.json()["ship_to"] == "Store-1\nstore-1 road"
    second = _order(api, shop, "b", location_id=tree["store-2"])
    assert second.status_code == 201
    assert second.json()["ship_to"].startswith("Store-2")

    before = (order_count(shop), stock(shop, "POLO-S"))
    foreign = _order(api, shop, "c", location_id=tree["east"])
    assert foreign.status_code == 422
    own = api.post(
        "/checkout", json={"ship_to_address": "My house 1"}, headers={"Idempotency-Key": "d"}
    )
    assert own.status_code == 403
    assert (order_count(shop), stock(shop, "POLO-S")) == before

    shop.api(admin).put(
        f"/users/{ann.id}/locations",
        json={
            "default_location_id": tree["store-1"],
            "location_ids": [tree["store-2"]],
            "may_enter_address": True,
        },
    )
    home = api.post(
        "/checkout",
        json={"ship_to_address": "Ann Smith\nElm street 5"},
        headers={"Idempotency-Key": "e"},
    )
    assert home.status_code == 201, home.text
    assert home.json()["ship_to"] == "Ann Smith\nElm street 5"


def test_a_location_in_use_cannot_be_deleted(shop: Shop, tree: dict[str, Any], admin: User) -> None:
    api = shop.api(admin)
    assert api.delete(f"/locations/{tree['coast']}").status_code == 409  # has stores
    shop.user("cy@acme.test", location=None)
    assert api.delete(f"/locations/{tree['east']}").status_code == 204
    assert api.get(f"/locations/{tree['east']}").status_code == 404
