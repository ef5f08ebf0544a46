"""Entitlements: caps per person and period, checked at the cart and at submission, shown
to the buyer, enforced as a hard stop or as an approval requirement."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from commissary.db import utcnow
from commissary.entitlements import periods
from commissary.identity.models import User
from commissary.orders.models import LineStatus, Order, OrderLine
from commissary.segments.models import CustomerType, UserCustomerType
from commissary.testing import Shop
from tests.helpers import order_count, sku_id, stock, user


@pytest.fixture
def admin(shop: Shop) -> User:
    return shop.user("admin@acme.test", roles=["tenant_admin"])


def _category_id(shop: Shop, slug: str) -> int:
    from commissary.catalog.models import Category

    with shop.portal.db.session(shop.tenant.id) as s:
        found = s.scalar(select(Category.id).where(Category.slug == slug))
        assert found is not None
        return found


def _entitle(shop: Shop, admin: User, **body: Any) -> dict[str, Any]:
    body = {"name": "Shirts", "period": "year", "enforcement": "hard", **body}
    r = shop.api(admin).post("/entitlements", json=body)
    assert r.status_code == 201, r.text
    return dict(r.json())


def _add(api: TestClient, shop: Shop, code: str, quantity: int = 1) -> Any:
    return api.post("/cart/lines", json={"sku_id": sku_id(shop, code), "quantity": quantity})


def _checkout(api: TestClient, key: str) -> Any:
    return api.post("/checkout", headers={"Idempotency-Key": key})


def _cart_quantities(api: TestClient) -> dict[str, int]:
    return {line["sku_code"]: line["quantity"] for line in api.get("/cart").json()["lines"]}


def test_a_hard_cap_on_a_category_holds_at_the_cart_and_counts_live_orders(
    shop: Shop, admin: User
) -> None:
    _entitle(
        shop, admin, target_kind="category", target_id=_category_id(shop, "shirts"), quantity=2
    )
    buyer = user(shop, "buyer@acme.test")
    api = shop.api(buyer)
    assert _add(api, shop, "POLO-S").status_code == 201
    assert _add(api, shop, "POLO-M").status_code == 201
    refused = _add(api, shop, "POLO-M")
    assert refused.status_code == 422
    message = refused.json()["error"]["message"]
    assert (
        message == "Shirts: you may order 2 per year; you have ordered 0, so 2 more fit now, not 3"
    )
    assert _cart_quantities(api) == {"POLO-S": 1, "POLO-M": 1}  # nothing changed

    mine = api.get("/entitlements/mine").json()
    assert [(m["name"], m["ordered"], m["in_cart"], m["left"]) for m in mine] == [
        ("Shirts", 0, 2, 0)
    ]
    assert _checkout(api, "first").status_code == 201
    # the order counts now: nothing more this year, and the buyer is told until when
    mine = api.get("/entitlements/mine").json()[0]
    reset = periods.calendar_bounds("year", utcnow())[1]
    assert (mine["ordered"], mine["in_cart"], mine["left"]) == (2, 0, 0)
    assert mine["label"] == f"0 of 2 left until {periods.human_date(reset)}"
    again = _add(api, shop, "POLO-S")
    assert again.status_code == 422
    assert f"(more from {periods.human_date(reset)})" in again.json()["error"]["message"]
    # a quantity change through the cart is checked the same way
    assert _add(api, shop, "BOOT-42").status_code == 201
    line = next(x for x in api.get("/cart").json()["lines"] if x["sku_code"] == "BOOT-42")
    assert api.patch(f"/cart/lines/{line['id']}", json={"quantity": 2}).status_code == 200


def test_rejected_and_cancelled_lines_free_the_entitlement(shop: Shop, admin: User) -> None:
    _entitle(shop, admin, target_kind="sku", target_id=sku_id(shop, "POLO-S"), quantity=1)
    buyer = user(shop, "buyer@acme.test")
    api = shop.api(buyer)
    _add(api, shop, "POLO-S")
    order = _checkout(api, "one").json()
    assert _add(api, shop, "POLO-S").status_code == 422
    with shop.portal.db.transaction(shop.tenant.id) as s:
        s.execute(
            update(OrderLine)
            .where(OrderLine.order_id == order["id"])
            .values(status=LineStatus.REJECTED)
        )
    assert _add(api, shop, "POLO-S").status_code == 201


def test_a_rolling_window_counts_what_was_ordered_in_the_last_n_months(
    shop: Shop, admin: User
) -> None:
    _entitle(
        shop,
        admin,
        name="Boots",
        target_kind="product",
        target_id=_product_of(shop, "BOOT-42"),
        quantity=1,
        period="rolling",
        months=6,
    )
    buyer = user(shop, "buyer@acme.test")
    api = shop.api(buyer)
    _add(api, shop, "BOOT-42")
    order = _checkout(api, "boots").json()
    ordered_at = utcnow() - timedelta(days=150)  # five months ago: still counts
    _set_submitted(shop, order["id"], ordered_at)
    mine = api.get("/entitlements/mine").json()[0]
    assert mine["left"] == 0
    assert (
        mine["label"]
        == f"0 of 1 left until {periods.human_date(periods.add_months(ordered_at, 6))}"
    )
    assert _add(api, shop, "BOOT-42").status_code == 422
    _set_submitted(shop, order["id"], utcnow() - timedelta(days=200))  # left the window
    assert api.get("/entitlements/mine").json()[0]["label"] == "1 of 1 left"
    assert _add(api, shop, "BOOT-42").status_code == 201


def _product_of(shop: Shop, code: str) -> int:
    from commissary.catalog.models import Sku

    with shop.portal.db.session(shop.tenant.id) as s:
        found = s.scalar(select(Sku.product_id).where(Sku.code == code))
        assert found is not None
        return found


def _set_submitted(shop: Shop, order_id: int, at: Any) -> None:
    with shop.portal.db.transaction(shop.tenant.id) as s:
        s.execute(update(Order).where(Order.id == order_id).values(submitted_at=at))


def test_the_strictest_of_several_entitlements_wins(shop: Shop, admin: User) -> None:
    shirts = _category_id(shop, "shirts")
    _entitle(shop, admin, name="Shirts", target_kind="category", target_id=shirts, quantity=5)
    polo_s = sku_id(shop, "POLO-S")
    _entitle(shop, admin, name="Small polos", target_kind="sku", target_id=polo_s, quantity=1)
    api = shop.api(user(shop, "buyer@acme.test"))
    refused = _add(api, shop, "POLO-S", 2)
    assert refused.status_code == 422
    assert refused.json()["error"]["message"].startswith("Small polos: you may order 1 per year")
    assert _add(api, shop, "POLO-M", 4).status_code == 201
    covering = api.get("/entitlements/mine", params={"sku_id": polo_s}).json()
    assert [(c["name"], c["left"]) for c in covering] == [("Shirts", 1), ("Small polos", 1)]
    cart = api.get("/cart").json()["lines"]
    assert cart[0]["entitlement"]["name"] == "Shirts"
    reset = periods.human_date(periods.calendar_bounds("year", utcnow())[1])
    assert cart[0]["entitlement"]["label"] == f"1 of 5 left until {reset}"
    product = api.get(f"/products/{_product_of(shop, 'POLO-S')}").json()
    by_code = {sku["code"]: sku["entitlement"] for sku in product["skus"]}
    assert (by_code["POLO-S"]["name"], by_code["POLO-S"]["left"]) == ("Shirts", 1)
    assert by_code["POLO-M"]["label"] == f"1 of 5 left until {reset}"


def test_an_entitlement_for_a_customer_type_binds_only_its_members(shop: Shop, admin: User) -> None:
    with shop.portal.db.transaction(shop.tenant.id) as s:
        field = CustomerType(tenant_id=shop.tenant.id, code="field", name="Field staff")
        s.add(field)
        s.flush()
        field_id = field.id
    _entitle(
        shop,
        admin,
        target_kind="sku",
        target_id=sku_id(shop, "HELM"),
        quantity=1,
        customer_type_id=field_id,
    )
    member = shop.user("field@acme.test", location=shop.locations["N1"], points=500)
    other = user(shop, "buyer@acme.test")
    with shop.portal.db.transaction(shop.tenant.id) as s:
        s.add(
            UserCustomerType(tenant_id=shop.tenant.id, user_id=member.id, customer_type_id=field_id)
        )
    from commissary.tenants.service import bump_config

    with shop.portal.db.transaction(shop.tenant.id) as s:
        bump_config(s, shop.tenant.id)
    assert _add(shop.api(member), shop, "HELM").status_code == 201
    assert _add(shop.api(member), shop, "HELM").status_code == 422
    assert shop.api(other).get("/entitlements/mine").json() == []


def test_submission_refuses_a_hard_cap_and_changes_nothing(shop: Shop, admin: User) -> None:
    buyer = user(shop, "buyer@acme.test")
    api = shop.api(buyer)
    _add(api, shop, "POLO-S", 3)  # in the cart before the entitlement existed
    _entitle(shop, admin, target_kind="sku", target_id=sku_id(shop, "POLO-S"), quantity=2)
    r = _checkout(api, "over")
    assert r.status_code == 422
    assert r.json()["error"]["message"] == (
        "Shirts: you may order 2 per year; you have ordered 0, so 2 more fit now, not 3"
    )
    assert r.json()["error"]["detail"]["problems"] == ["entitlement"]
    assert order_count(shop) == 0
    assert stock(shop, "POLO-S") == (10, 0)
    assert _cart_quantities(api) == {"POLO-S": 3}


def test_an_approval_entitlement_sends_the_order_to_approval_naming_it(
    shop: Shop, admin: User
) -> None:
    shop.product("Helmet stock", [("HELM-B", 35, 10)], category="safety")
    _entitle(
        shop,
        admin,
        name="Helmets",
        target_kind="sku",
        target_id=sku_id(shop, "HELM-B"),
        quantity=1,
        period="quarter",
        enforcement="approval",
    )
    api = shop.api(user(shop, "buyer@acme.test"))
    assert _add(api, shop, "HELM-B").status_code == 201
    first = _checkout(api, "h1").json()
    assert first["status"] == "approved"  # within the entitlement, under the threshold
    assert _add(api, shop, "HELM-B").status_code == 201  # accepted, with a note
    line = api.get("/cart").json()["lines"][0]
    assert (line["entitlement"]["left"], line["entitlement"]["enforcement"]) == (0, "approval")
    second = _checkout(api, "h2").json()
    assert second["status"] == "pending_approval"
    with shop.portal.db.session(shop.tenant.id) as s:
        approval = s.scalar(select(Order.approval).where(Order.id == second["id"]))
    assert approval is not None
    assert [(a["rule"], a["reason"]) for a in approval] == [
        ("entitlement", "over the entitlement Helmets: 2 of 1 per quarter")
    ]


def test_admins_manage_entitlements_and_bad_input_is_refused(shop: Shop, admin: User) -> None:
    api = shop.api(admin)
    created = _entitle(shop, admin, target_kind="sku", target_id=sku_id(shop, "HELM"), quantity=1)
    assert created["target_name"] == "HELM"
    body = {**created, "quantity": 3, "period": "rolling", "months": 12}
    changed = api.put(f"/entitlements/{created['id']}", json=body)
    assert changed.status_code == 200
    assert (changed.json()["quantity"], changed.json()["months"]) == (3, 12)
    for bad, message in (
        ({"target_id": 999_999}, "there is no sku 999999"),
        ({"period": "rolling"}, "a rolling period needs months"),
        ({"months": 3}, "months applies to rolling periods only"),
        ({"quantity": 0}, "greater than or equal to 1"),
    ):
        r = api.post(
            "/entitlements",
            json={
                "name": "Bad",
                "target_kind": "sku",
                "target_id": sku_id(shop, "HELM"),
                "quantity": 1,
                "period": "year",
                **bad,
            },
        )
        assert r.status_code == 422, bad
        assert message in r.json()["error"]["message"]
    assert len(api.get("/entitlements").json()) == 1
    buyer_api = shop.api(user(shop, "buyer@acme.test"))
    assert buyer_api.get("/entitlements").status_code == 403
    assert buyer_api.post("/entitlements", json=body).status_code == 403
    assert api.delete(f"/entitlements/{created['id']}").status_code == 204
    assert api.get(f"/entitlements/{created['id']}").status_code == 404
