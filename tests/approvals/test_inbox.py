"""The inbox: filters, page sizes and a statement count that does not grow."""

from __future__ import annotations

from typing import Any

from commissary.approvals import service
from commissary.testing import Shop
from tests.approvals.conftest import add_rule, place
from tests.helpers import user


def _orders(shop: Shop, n: int) -> list[dict[str, Any]]:
    shop.product("Parka", [("PARKA", 350, 500)], category="outerwear")
    south = shop.locations["S1"]
    placed = []
    for i in range(n):
        email = f"b{i}@acme.test"
        where = shop.locations["N1"] if i % 2 == 0 else south
        shop.user(email, location=where, points=5000)
        placed.append(place(shop, email, [("PARKA", 1 + i % 3)], f"k{i}"))
    return placed


def test_filters_narrow_the_inbox(tree_shop: Shop) -> None:
    rule = add_rule(
        tree_shop,
        name="Very big",
        kind="order_total",
        settings={"above_points": 1000},
        levels=[{"kind": "location_manager"}],
    )
    placed = _orders(tree_shop, 6)  # totals 350, 700, 1050, 350, 700, 1050
    manager = tree_shop.api(user(tree_shop, "manager@acme.test"))
    assert manager.get("/approvals").json()["total"] == 6
    north = tree_shop.locations["N1"].id
    region = tree_shop.locations["R"].id

    def ids(**params: Any) -> list[int]:
        r = manager.get("/approvals", params=params)
        assert r.status_code == 200, r.text
        return [i["order_id"] for i in r.json()["items"]]

    assert ids(location_id=north) == [placed[i]["id"] for i in (0, 2, 4)]
    assert ids(location_id=region) == [placed[i]["id"] for i in (0, 2, 4)]  # N1 is under R
    assert ids(min_total=1000) == [placed[2]["id"], placed[5]["id"]]
    assert ids(rule=f"rule:{rule['id']}") == [placed[2]["id"], placed[5]["id"]]
    assert ids(buyer="B3@") == [placed[3]["id"]]
    assert ids(buyer_id=user(tree_shop, "b1@acme.test").id) == [placed[1]["id"]]
    assert ids(waiting_days=1) == []
    assert ids(waiting_days=0) == [o["id"] for o in placed]
    assert ids(limit=2, offset=4) == [placed[4]["id"], placed[5]["id"]]
    assert manager.get("/approvals", params={"limit": 201}).status_code == 422
    assert manager.get("/approvals", params={"min_total": -1}).status_code == 422
    # buyers have no inbox
    assert tree_shop.api(user(tree_shop, "b1@acme.test")).get("/approvals").status_code == 403


def test_inbox_statements_do_not_grow_with_page_size(tree_shop: Shop, count_statements) -> None:  # type: ignore[no-untyped-def]
    _orders(tree_shop, 7)
    manager = user(tree_shop, "manager@acme.test")
    counts = {}
    for size in (2, 7):
        ctx = tree_shop.context(manager)
        count_statements.statements.clear()
        rows, total = service.inbox(ctx, limit=size)
        counts[size] = count_statements.count
        assert (len(rows), total) == (size, 7)
        ctx.session.close()
    assert counts[2] == counts[7] <= 2


def test_inbox_page_and_api_statement_counts_match_at_two_page_sizes(
    tree_shop: Shop,
    count_statements,  # type: ignore[no-untyped-def]
) -> None:
    _orders(tree_shop, 5)
    manager = user(tree_shop, "manager@acme.test")
    api = tree_shop.api(manager)
    browser = tree_shop.browser(manager)
    api.get("/approvals")  # warm the per-tenant caches (plugin settings, hooks)
    browser.get("/t/acme/approvals")
    counts = []
    for size in (50, 200):
        count_statements.statements.clear()
        r = api.get("/approvals", params={"limit": size})
        assert r.status_code == 200 and r.json()["total"] == 5
        api_count = count_statements.count
        count_statements.statements.clear()
        page = browser.get(f"/t/acme/approvals?per_page={size}")
        assert page.status_code == 200 and "SO-000001" in page.text
        counts.append((api_count, count_statements.count))
    assert counts[0] == counts[1]
