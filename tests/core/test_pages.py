"""Server-rendered pages: what a buyer, a manager and an admin see and can do."""

from __future__ import annotations

import gc
import re

from commissary.testing import Shop, csrf_of
from tests.helpers import order_count, sku_id, user, wallet


def _post(browser, url: str, **data: object):  # type: ignore[no-untyped-def]
    return browser.post(url, data={**data, "csrf_token": csrf_of(browser)})


def test_catalog_lists_searches_and_filters(shop: Shop) -> None:
    browser = shop.browser(user(shop, "buyer@acme.test"))
    page = browser.get("/t/acme/")
    assert page.status_code == 200
    for name in ("Polo shirt", "Safety boots", "Helmet"):
        assert name in page.text
    found = browser.get("/t/acme/", params={"q": "boot"}).text
    assert "Safety boots" in found and "Polo shirt" not in found
    by_sku = browser.get("/t/acme/", params={"q": "polo-m"}).text
    assert "Polo shirt" in by_sku and "Safety boots" not in by_sku
    shirts = browser.get("/t/acme/", params={"category": "shirts"}).text
    assert "Polo shirt" in shirts and "Helmet" not in shirts
    nothing = browser.get("/t/acme/", params={"q": "zeppelin"})
    assert nothing.status_code == 200 and "zeppelin" in nothing.text
    assert browser.get("/t/acme/", params={"page": "0"}).status_code == 422


def test_menu_links_from_the_allowance_plugin_show_by_permission(shop: Shop) -> None:
    """menu_links: buyers get "My points", managers also "Grant points"."""
    buyer_page = shop.browser(user(shop, "buyer@acme.test")).get("/t/acme/").text
    assert "My points" in buyer_page and "Grant points" not in buyer_page
    manager_page = shop.browser(user(shop, "manager@acme.test")).get("/t/acme/").text
    assert "Grant points" in manager_page and "Approvals" in manager_page


def test_product_page_shows_variants_with_price_and_stock(shop: Shop) -> None:
    browser = shop.browser(user(shop, "buyer@acme.test"))
    listing = browser.get("/t/acme/", params={"q": "boots"}).text
    product_url = re.search(r'href="(/t/acme/products/\d+)"', listing)
    assert product_url is not None
    page = browser.get(product_url.group(1))
    assert page.status_code == 200
    assert "BOOT-42" in page.text and "180" in page.text
    assert browser.get("/t/acme/products/987654").status_code == 404


def test_buyer_orders_through_the_pages(shop: Shop) -> None:
    buyer = user(shop, "buyer@acme.test")
    browser = shop.browser(buyer)
    r = _post(browser, "/t/acme/cart/add", sku_id=sku_id(shop, "POLO-S"), quantity=2)
    assert r.status_code == 303
    _post(browser, "/t/acme/cart/add", sku_id=sku_id(shop, "BOOT-42"), quantity=2)
    cart = browser.get("/t/acme/cart")
    assert "Polo shirt" in cart.text and "440" in cart.text
    key = re.search(r'name="checkout_key" value="([^"]+)"', cart.text)
    assert key is not None
    placed = _post(browser, "/t/acme/checkout", checkout_key=key.group(1))
    assert placed.status_code == 303
    again = _post(browser, "/t/acme/checkout", checkout_key=key.group(1))  # double click
    assert again.headers["location"] == placed.headers["location"]
    assert order_count(shop) == 1
    order_page = browser.get(placed.headers["location"])
    assert order_page.status_code == 200
    assert "SO-000001" in order_page.text
    assert "North Store" in order_page.text
    assert "above the 300 pts limit" in order_page.text
    assert "SO-000001" in browser.get("/t/acme/orders").text
    wallet_page = browser.get("/t/acme/wallet").text  # register_template_dirs: plugin template
    assert "560" in wallet_page and "440" in wallet_page


def test_cart_page_explains_a_failed_checkout_and_keeps_the_cart(shop: Shop) -> None:
    buyer = user(shop, "buyer@acme.test")
    browser = shop.browser(buyer)
    _post(browser, "/t/acme/cart/add", sku_id=sku_id(shop, "BOOT-42"), quantity=5)
    _post(browser, "/t/acme/cart/add", sku_id=sku_id(shop, "POLO-S"), quantity=5)
    cart = browser.get("/t/acme/cart").text
    key = re.search(r'name="checkout_key" value="([^"]+)"', cart)
    assert key is not None
    r = _post(browser, "/t/acme/checkout", checkout_key=key.group(1))
    assert r.status_code == 409
    assert "You have 1,000 points; this order needs 1,100." in r.text
    assert "Safety boots" in r.text
    assert order_count(shop) == 0
    assert wallet(shop.portal.db, shop.tenant.id, buyer.id) == (1000, 0, 0)


def test_cart_quantities_can_be_changed_and_removed(shop: Shop) -> None:
    browser = shop.browser(user(shop, "buyer@acme.test"))
    _post(browser, "/t/acme/cart/add", sku_id=sku_id(shop, "POLO-S"), quantity=1)
    line = re.search(r'action="/t/acme/cart/lines/(\d+)"', browser.get("/t/acme/cart").text)
    assert line is not None
    _post(browser, f"/t/acme/cart/lines/{line.group(1)}", quantity=4)
    assert "160" in browser.get("/t/acme/cart").text
    bad = _post(browser, f"/t/acme/cart/lines/{line.group(1)}", quantity=-1)
    assert bad.status_code == 422
    _post(browser, f"/t/acme/cart/lines/{line.group(1)}/remove")
    assert "Polo shirt" not in browser.get("/t/acme/cart").text


def test_manager_decides_lines_in_the_approvals_pages(shop: Shop) -> None:
    buyer = user(shop, "buyer@acme.test")
    api = shop.api(buyer)
    api.post("/cart/lines", json={"sku_id": sku_id(shop, "POLO-S"), "quantity": 2})
    api.post("/cart/lines", json={"sku_id": sku_id(shop, "BOOT-42"), "quantity": 2})
    order = api.post("/checkout", headers={"Idempotency-Key": "pg"}).json()
    manager = shop.browser(user(shop, "manager@acme.test"))
    inbox = manager.get("/t/acme/approvals").text
    assert order["number"] in inbox and "Buyer" in inbox
    page = manager.get(f"/t/acme/approvals/{order['id']}")
    assert page.status_code == 200
    polo, boots = (line["id"] for line in order["lines"])
    missing_reason = _post(
        manager, f"/t/acme/approvals/{order['id']}", **{f"line_{boots}": "reject"}
    )
    assert missing_reason.status_code == 422 and "say why" in missing_reason.text.lower()
    r = _post(
        manager,
        f"/t/acme/approvals/{order['id']}",
        **{
            f"line_{polo}": "approve",
            f"line_{boots}": "reject",
            f"reason_{boots}": "Boots were issued in May",
        },
    )
    assert r.status_code == 303
    assert "Nothing" in manager.get("/t/acme/approvals").text or order["number"] not in (
        manager.get("/t/acme/approvals").text
    )
    buyer_view = shop.browser(buyer).get(f"/t/acme/orders/{order['id']}").text
    assert "Boots were issued in May" in buyer_view
    assert wallet(shop.portal.db, shop.tenant.id, buyer.id) == (920, 0, 80)


def test_manager_grants_points_in_the_page(shop: Shop) -> None:
    buyer = user(shop, "buyer@acme.test")
    manager = shop.browser(user(shop, "manager@acme.test"))
    form = manager.get("/t/acme/wallet/grant")
    assert form.status_code == 200 and "Buyer" in form.text
    key = re.search(r'name="grant_key" value="([^"]+)"', form.text)
    assert key is not None
    fields = {"user_id": buyer.id, "points": 50, "reason": "Great work", "grant_key": key.group(1)}
    assert _post(manager, "/t/acme/wallet/grant", **fields).status_code == 303
    assert _post(manager, "/t/acme/wallet/grant", **fields).status_code == 303  # resent form
    assert wallet(shop.portal.db, shop.tenant.id, buyer.id)[0] == 1050
    assert "Great work" in shop.browser(buyer).get("/t/acme/wallet").text


def test_tenant_admin_creates_a_user(shop: Shop) -> None:
    admin = shop.browser(shop.user("admin@acme.test", roles=["tenant_admin"]))
    page = admin.get("/t/acme/admin/")
    assert page.status_code == 200 and "buyer@acme.test" in page.text
    r = _post(
        admin,
        "/t/acme/admin/users",
        email="new@acme.test",
        name="New Person",
        password="a-long-password",
        role="buyer",
        location_id=str(shop.locations["N1"].id),
    )
    assert r.status_code == 303
    assert "new@acme.test" in admin.get("/t/acme/admin/").text
    dup = _post(
        admin,
        "/t/acme/admin/users",
        email="new@acme.test",
        name="x",
        password="a-long-password",
        role="buyer",
    )
    assert dup.status_code == 409 and "already has an account" in dup.text


def test_operator_enables_a_plugin_in_the_console(shop: Shop) -> None:
    from commissary.identity.service import create_operator

    with shop.portal.db.transaction() as s:
        create_operator(s, email="op@ops.test", name="Op", password="a-long-password")
    browser = shop.browser()
    browser.get("/admin/login")
    _post(browser, "/admin/login", email="op@ops.test", password="a-long-password")
    page = browser.get("/admin/tenants/acme")
    assert page.status_code == 200 and "allowance" in page.text
    bad = _post(
        browser, "/admin/tenants/acme/plugins/allowance", enabled="on", settings='{"max_grant": 0}'
    )
    assert bad.status_code == 422 and "max_grant" in bad.text
    ok = _post(
        browser,
        "/admin/tenants/acme/plugins/allowance",
        enabled="on",
        settings='{"points_label": "credits"}',
    )
    assert ok.status_code == 303
    assert shop.api(user(shop, "buyer@acme.test")).get("/wallet").json()["label"] == "credits"
    created = _post(browser, "/admin/tenants", slug="globex", name="Globex", threshold="")
    assert created.status_code == 303 and "Globex" in browser.get("/admin/").text


def test_errors_are_friendly_pages(shop: Shop) -> None:
    browser = shop.browser(user(shop, "buyer@acme.test"))
    missing = browser.get("/t/acme/no-such-page")
    assert missing.status_code == 404 and "<html" in missing.text
    assert "There is no page at this address." in missing.text


def test_catalog_page_statements_do_not_grow_with_page_size(shop: Shop, count_statements) -> None:  # type: ignore[no-untyped-def]
    for i in range(30):
        shop.product(f"Extra {i}", [(f"EX{i}-A", 10, 5), (f"EX{i}-B", 10, 5)])
    browser = shop.browser(user(shop, "buyer@acme.test"))
    browser.get("/t/acme/")  # per-process caches (catalog access, price lists) load once
    counts = []
    for size in (5, 24):
        count_statements.statements.clear()
        r = browser.get("/t/acme/api/v1/products", params={"page_size": size})
        counts.append(count_statements.count)
        assert r.status_code in (200, 401)
        count_statements.statements.clear()
        assert browser.get("/t/acme/", params={"page": 1}).status_code == 200
        counts.append(count_statements.count)
    assert counts[1] == counts[3] <= 8, counts


def test_catalog_requests_leave_no_reference_cycles(shop: Shop) -> None:
    """What a catalog page or listing builds is freed as soon as the response is sent:
    garbage in reference cycles (a Jinja import "with context" made some on every page)
    waits for the collector, whose full passes over a warm server process cost hundreds of
    milliseconds and set the slowest response times."""
    buyer = user(shop, "buyer@acme.test")
    browser, api = shop.browser(buyer), shop.api(buyer)
    pages = [
        (browser, "/t/acme/"),
        (browser, "/t/acme/?category=shirts"),
        (browser, "/t/acme/?q=boots"),
        (api, "/products"),
        (api, "/products?q=polo"),
    ]
    for client, url in pages:  # warm: caches, compiled templates, statements
        assert client.get(url).status_code == 200
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        for client, url in pages:
            assert client.get(url).status_code == 200
        gc.collect()
        ours = sorted(
            {
                f"{type(o).__module__}.{type(o).__qualname__}"
                for o in gc.garbage
                if type(o).__module__.startswith(("commissary", "jinja2", "sqlalchemy.orm"))
            }
        )
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert ours == []


def test_security_headers_are_set(shop: Shop) -> None:
    r = shop.browser().get("/t/acme/login")
    assert r.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"


def test_a_refused_grant_keeps_the_form_and_says_why(shop: Shop) -> None:
    buyer = user(shop, "buyer@acme.test")
    manager = shop.browser(user(shop, "manager@acme.test"))
    form = manager.get("/t/acme/wallet/grant").text
    key = re.search(r'name="grant_key" value="([^"]+)"', form)
    assert key is not None
    r = _post(
        manager,
        "/t/acme/wallet/grant",
        user_id=buyer.id,
        points=50,
        reason=" ",
        grant_key=key.group(1),
    )
    assert r.status_code == 422
    assert "say why you grant the points" in r.text.lower() and "Buyer" in r.text
    assert wallet(shop.portal.db, shop.tenant.id, buyer.id)[0] == 1000
