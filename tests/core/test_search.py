"""Full-text search (FTS5 on SQLite, tsvector on PostgreSQL): prefixes of any word of the
name, description, category, SKU codes, sizes and colours; every word must match; search
syntax typed by a person is taken as plain words."""

from __future__ import annotations

import pytest

from commissary.testing import Shop
from tests.helpers import user


def _names(shop: Shop, q: str) -> set[str]:
    api = shop.api(user(shop, "buyer@acme.test"))
    r = api.get("/products", params={"q": q})
    assert r.status_code == 200, r.text
    return {p["name"] for p in r.json()["items"]}


@pytest.fixture
def catalog(shop: Shop) -> Shop:
    shop.product("Hi-vis jacket", [("JKT-HV-M", 90, 5), ("JKT-HV-L", 90, 5)], sizes=["M", "L"])
    shop.product("Winter parka", [("PARKA-XL", 150, 5)], category="outerwear")
    return shop


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("jack", {"Hi-vis jacket"}),  # a prefix of the name
        ("jkt-hv", {"Hi-vis jacket"}),  # part of a SKU code
        ("boot-42", {"Safety boots"}),
        ("outerwear", {"Winter parka"}),  # the category
        ("safety boots", {"Safety boots"}),  # every word must match
        ("safety parka", set()),
        ("for tests", {"Hi-vis jacket", "Winter parka", "Polo shirt", "Safety boots", "Helmet"}),
    ],
)
def test_search_finds_by_any_field(catalog: Shop, q: str, expected: set[str]) -> None:
    assert _names(catalog, q) == expected


@pytest.mark.parametrize("q", ['"', "*", "boots OR", "NEAR(a b)", "a:*", "&|!", "'; DROP", "ü"])
def test_search_syntax_is_plain_text(catalog: Shop, q: str) -> None:
    _names(catalog, q)  # never a 500: operators are not passed through


def test_renamed_products_are_found_by_their_new_name(catalog: Shop) -> None:
    from sqlalchemy import select

    from commissary.catalog import service
    from commissary.catalog.models import Product, Sku

    with catalog.portal.db.transaction(catalog.tenant.id) as s:
        parka = s.scalar(select(Product).where(Product.name == "Winter parka"))
        assert parka is not None
        parka.name = "Arctic coat"
        parka.description = "A warm coat"
        skus = list(s.scalars(select(Sku).where(Sku.product_id == parka.id)))
        parka.search_text = service.search_text(parka, skus, None)
    assert _names(catalog, "arctic") == {"Arctic coat"}
    assert _names(catalog, "winter") == set()


def test_filters_by_size_and_colour_and_sorts(catalog: Shop) -> None:
    api = catalog.api(user(catalog, "buyer@acme.test"))
    sized = api.get("/products", params={"size": "L"}).json()["items"]
    assert [p["name"] for p in sized] == ["Hi-vis jacket"]
    names = [p["name"] for p in api.get("/products", params={"sort": "-name"}).json()["items"]]
    assert names == sorted(names, reverse=True)
    newest = api.get("/products", params={"sort": "newest"}).json()["items"][0]["name"]
    assert newest == "Winter parka"
    assert api.get("/products", params={"sort": "cheapest"}).status_code == 422
    by_price = api.get("/products", params={"sort": "price"}).json()["items"]
    assert [p["min_points"] for p in by_price] == sorted(p["min_points"] for p in by_price)
    page = catalog.browser(user(catalog, "buyer@acme.test")).get(
        f"/t/{catalog.slug}/", params={"size": "L", "sort": "-name"}
    )
    assert "Hi-vis jacket" in page.text and "Winter parka" not in page.text
