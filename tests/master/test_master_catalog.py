"""The master catalog: a supplier feed reaches exactly the portals that sell it, at their
markup; bad feeds change nothing; a portal's own SKUs and orders are never overwritten;
the operator works it from the console and the command line."""

from __future__ import annotations

import pytest
from click.testing import Result
from sqlalchemy import func, select
from typer.testing import CliRunner

from commissary.catalog.models import Product, Sku
from commissary.cli import app
from commissary.db import Database
from commissary.inventory.models import MovementReason
from commissary.inventory.stock import adjust, default_warehouse
from commissary.master.curation import tenant_price
from commissary.master.models import MasterProduct, MasterSku, Selection, Supplier
from commissary.settings import get_settings
from commissary.testing import Shop, csrf_of
from tests.helpers import user

HEADER = "product,name,description,category,category_name,sku,supplier_sku,size,colour,points"
FEED = f"""{HEADER}
hi-vis-vest,Hi-vis vest,EN ISO 20471 class 2,hi-vis,High visibility,HV-VEST-M,SC-1-M,M,Yellow,25
hi-vis-vest,Hi-vis vest,EN ISO 20471 class 2,hi-vis,High visibility,HV-VEST-L,SC-1-L,L,Yellow,25
hi-vis-jacket,Hi-vis jacket,Waterproof,hi-vis,High visibility,HV-JKT-L,SC-2-L,L,Orange,89
ear-defenders,Ear defenders,SNR 30 dB,hearing,Hearing protection,EAR-30,SC-3,,,19
"""


@pytest.fixture
def cli(commissary_database: Database, monkeypatch: pytest.MonkeyPatch, tmp_path):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("COMMISSARY_DATABASE_URL", commissary_database.url)
    monkeypatch.setenv("COLUMNS", "200")
    get_settings.cache_clear()
    runner = CliRunner()

    def run(*args: str, feed: str | None = None, ok: bool = True) -> Result:
        argv = list(args)
        if feed is not None:
            path = tmp_path / "feed.csv"
            path.write_text(feed, encoding="utf-8")
            argv.insert(2, str(path))
        done = runner.invoke(app, argv)
        if ok:
            assert done.exit_code == 0, done.output + done.stderr
        return done

    yield run
    get_settings.cache_clear()


def _names(shop: Shop, who: str = "buyer@acme.test", q: str = "") -> dict[str, list[int | None]]:
    listing = shop.api(user(shop, who)).get("/products", params={"q": q, "page_size": 100})
    assert listing.status_code == 200, listing.text
    return {p["name"]: [s["unit_points"] for s in p["skus"]] for p in listing.json()["items"]}


def _master_rows(db: Database) -> tuple[int, int, int]:
    with db.transaction() as s:
        return (
            s.scalar(select(func.count()).select_from(Supplier)) or 0,
            s.scalar(select(func.count()).select_from(MasterProduct)) or 0,
            s.scalar(select(func.count()).select_from(MasterSku)) or 0,
        )


def test_a_feed_reaches_the_portals_that_sell_it_at_their_markup(shop: Shop, cli) -> None:  # type: ignore[no-untyped-def]
    globex = shop.portal.tenant("globex")
    globex.user("gina@globex.test", roles=["buyer"], points=100)
    cli("master", "import", "--supplier", "safeco", "--supplier-name", "SafeCo", feed=FEED)
    assert "Hi-vis vest" not in _names(shop)  # in the master, not yet sold anywhere

    cli("master", "select", "--tenant", "acme", "--category", "hi-vis", "--markup", "10")
    names = _names(shop)
    assert names["Hi-vis vest"] == [28, 28]  # 25 + 10 % = 27.5, halves round up
    assert names["Hi-vis jacket"] == [98]  # 89 + 10 % = 97.9
    assert "Ear defenders" not in names  # another category
    assert "Hi-vis vest" not in _names(globex, "gina@globex.test")

    # The supplier raises a price and adds a size: the portal follows in the same import.
    changed = FEED.replace("SC-2-L,L,Orange,89", "SC-2-L,L,Orange,99") + (
        "hi-vis-jacket,Hi-vis jacket,Waterproof,hi-vis,High visibility,HV-JKT-XL,SC-2-XL,XL,"
        "Orange,99\n"
    )
    done = cli("master", "import", "--supplier", "safeco", feed=changed)
    assert "1 portal brought up to date" in done.output
    assert _names(shop)["Hi-vis jacket"] == [109, 109]

    # A complete feed without the jacket withdraws it everywhere: a 404 for the buyer.
    jacket = shop.api(user(shop, "buyer@acme.test")).get("/products", params={"q": "jacket"})
    jacket_id = jacket.json()["items"][0]["id"]
    without = "\n".join(line for line in FEED.splitlines() if "jacket" not in line) + "\n"
    cli("master", "import", "--complete", "--supplier", "safeco", feed=without)
    assert "Hi-vis jacket" not in _names(shop)
    buyer_api = shop.api(user(shop, "buyer@acme.test"))
    assert buyer_api.get(f"/products/{jacket_id}").status_code == 404
    assert _names(shop, q="vest")["Hi-vis vest"] == [28, 28]  # search finds copies too


def test_bad_feed_rows_name_their_line_and_change_nothing(shop: Shop, cli) -> None:  # type: ignore[no-untyped-def]
    cli("master", "import", "--supplier", "other", feed=f"{HEADER}\nmask,Mask,,,,MASK-1,,,,5\n")
    before = _master_rows(shop.portal.db)
    bad = f"""{HEADER}
vest,Vest,,hi-vis,,V-1,,M,,ten
vest,Vest (new name),,hi-vis,,V-2,,L,,10
mask,Mask,,,,MASK-2,,,,5
vest,Vest,,hi-vis,,V-1,,M,,10
"""
    done = cli("master", "import", "--supplier", "safeco", feed=bad, ok=False)
    assert done.exit_code == 1
    assert "line 2:" in done.stderr and "points must be a whole number" in done.stderr
    assert _master_rows(shop.portal.db) == before

    fixed = bad.replace(",ten\n", ",10\n", 1)
    done = cli("master", "import", "--supplier", "safeco", feed=fixed, ok=False)
    assert "line 3:" in done.stderr and "another name on line 2" in done.stderr
    assert "line 4:" in done.stderr and "belongs to another supplier" in done.stderr
    assert "line 5:" in done.stderr and "V-1 is on line 2 already" in done.stderr
    assert _master_rows(shop.portal.db) == before

    missing = cli("master", "import", "--supplier", "safeco", feed="product,name\nx,y\n", ok=False)
    assert missing.exit_code == 2 and "lacks the column(s) sku, points" in missing.stderr


def test_a_portals_own_sku_is_never_overwritten(shop: Shop, cli) -> None:  # type: ignore[no-untyped-def]
    feed = (
        f"{HEADER}\npolo,Supplier polo,,shirts,,POLO-S,,S,,99\n"
        "polo,Supplier polo,,shirts,,POLO-XL,,XL,,99\n"
    )
    cli("master", "import", "--supplier", "safeco", feed=feed)
    done = cli("master", "select", "--tenant", "acme", "--product", "polo")
    assert "skipped POLO-S" in done.stderr
    with shop.portal.db.transaction(shop.tenant.id) as s:
        own = s.scalar(select(Sku).where(Sku.code == "POLO-S"))
        assert own is not None and own.price_points == 40
        copy = s.scalar(select(Sku).where(Sku.code == "POLO-XL"))
        assert copy is not None and copy.price_points == 99 and copy.product_id != own.product_id


def test_withdrawing_deactivates_copies_and_orders_keep_them(shop: Shop, cli) -> None:  # type: ignore[no-untyped-def]
    cli("master", "import", "--supplier", "safeco", feed=FEED)
    cli("master", "select", "--tenant", "acme", "--product", "ear-defenders", "--markup", "0")
    with shop.portal.db.transaction(shop.tenant.id) as s:
        sku = s.scalar(select(Sku).where(Sku.code == "EAR-30"))
        assert sku is not None
        warehouse = default_warehouse(s, shop.tenant.id)
        adjust(s, shop.tenant.id, warehouse.id, sku.id, 10, MovementReason.RECEIPT)
        sku_id = sku.id
    buyer = shop.api(user(shop, "buyer@acme.test"))
    assert buyer.post("/cart/lines", json={"sku_id": sku_id, "quantity": 2}).status_code in (
        200,
        201,
    )
    placed = buyer.post("/checkout", headers={"Idempotency-Key": "ear-1"})
    assert placed.status_code == 201, placed.text
    order_id = placed.json()["id"]

    cli("master", "withdraw", "--tenant", "acme", "--product", "ear-defenders")
    assert "Ear defenders" not in _names(shop)
    refused = buyer.post("/cart/lines", json={"sku_id": sku_id, "quantity": 1})
    assert refused.status_code == 404
    order = buyer.get(f"/orders/{order_id}").json()
    assert [line["sku_code"] for line in order["lines"]] == ["EAR-30"]

    # Selling it again brings the same copy back, with its stock.
    cli("master", "select", "--tenant", "acme", "--product", "ear-defenders")
    assert _names(shop)["Ear defenders"] == [19]
    with shop.portal.db.transaction(shop.tenant.id) as s:
        assert (
            s.scalar(
                select(func.count()).select_from(Product).where(Product.name == "Ear defenders")
            )
            == 1
        )
    gone = cli("master", "withdraw", "--tenant", "acme", "--category", "hearing", ok=False)
    assert gone.exit_code == 2 and "does not sell hearing" in gone.stderr


def test_tenant_price_rounds_halves_up_and_never_goes_negative() -> None:
    assert [tenant_price(25, 10), tenant_price(89, 10), tenant_price(10, -90)] == [28, 98, 1]
    assert tenant_price(0, 50) == 0
    assert tenant_price(15, -50) == 8  # 7.5


def _operator(shop: Shop):  # type: ignore[no-untyped-def]
    from commissary.identity.service import create_operator

    with shop.portal.db.transaction() as s:
        create_operator(s, email="op@ops.test", name="Op", password="a-long-password")
    browser = shop.browser()
    browser.get("/admin/login")
    r = browser.post(
        "/admin/login",
        data={
            "email": "op@ops.test",
            "password": "a-long-password",
            "csrf_token": csrf_of(browser),
        },
    )
    assert r.status_code == 303
    return browser


def test_the_operator_imports_and_curates_in_the_console(shop: Shop) -> None:
    anonymous = shop.browser()
    assert anonymous.get("/admin/master").status_code in (302, 303, 401)
    browser = _operator(shop)
    empty = browser.get("/admin/master")
    assert empty.status_code == 200 and "The master catalog is empty" in empty.text

    def upload(text: str, **form: str):  # type: ignore[no-untyped-def]
        return browser.post(
            "/admin/master/import",
            data={"supplier": "safeco", "csrf_token": csrf_of(browser), **form},
            files={"file": ("feed.csv", text.encode(), "text/csv")},
        )

    preview = upload(FEED, dry_run="1", supplier_name="SafeCo Ltd")
    assert preview.status_code == 200 and "The file is fine." in preview.text
    assert _master_rows(shop.portal.db) == (0, 0, 0)
    broken = upload(FEED.replace(",19\n", ",lots\n"))
    assert broken.status_code == 422 and "Nothing was changed" in broken.text
    assert _master_rows(shop.portal.db) == (0, 0, 0)
    done = upload(FEED, supplier_name="SafeCo Ltd")
    assert done.status_code == 303
    listing = browser.get("/admin/master", params={"q": "vest"})
    assert "Hi-vis vest" in listing.text and "Ear defenders" not in listing.text

    page = browser.get("/admin/tenants/acme/catalog")
    assert page.status_code == 200 and "Nothing from the master catalog yet" in page.text
    post = {"csrf_token": csrf_of(browser)}
    bad = browser.post(
        "/admin/tenants/acme/catalog/selections",
        data={**post, "category": "hi-vis", "markup": "lots"},
    )
    assert bad.status_code == 422 and "whole percentage" in bad.text
    unknown = browser.post(
        "/admin/tenants/acme/catalog/selections", data={**post, "category": "nope"}
    )
    assert unknown.status_code == 404
    with shop.portal.db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(Selection)) == 0

    added = browser.post(
        "/admin/tenants/acme/catalog/selections",
        data={**post, "category": "hi-vis", "markup": "20"},
    )
    assert added.status_code == 303
    assert _names(shop)["Hi-vis vest"] == [30, 30]
    page = browser.get("/admin/tenants/acme/catalog")
    assert "High visibility" in page.text and "whole category" in page.text
    with shop.portal.db.transaction() as s:
        selection_id = s.scalar(select(Selection.id))
    assert browser.post("/admin/tenants/globex/catalog/sync", data=post).status_code == 404
    withdrawn = browser.post(
        f"/admin/tenants/acme/catalog/selections/{selection_id}/withdraw", data=post
    )
    assert withdrawn.status_code == 303
    assert "Hi-vis vest" not in _names(shop)
