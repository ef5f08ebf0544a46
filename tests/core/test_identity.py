"""Logins, tokens, rate limiting, CSRF and permissions."""

from __future__ import annotations

from sqlalchemy import select

from commissary.identity.models import User
from commissary.testing import PASSWORD, Shop, csrf_of
from tests.helpers import user


def test_passwords_are_stored_as_argon2id(shop: Shop) -> None:
    with shop.portal.db.session(shop.tenant.id) as s:
        hashes = s.scalars(select(User.password_hash)).all()
    assert hashes and all(h and h.startswith("$argon2id$") for h in hashes)
    assert PASSWORD not in "".join(h or "" for h in hashes)


def test_wrong_password_gets_one_message_whether_or_not_the_account_exists(shop: Shop) -> None:
    c = shop.portal.client
    url = "/t/acme/api/v1/auth/token"
    wrong = c.post(url, json={"email": "buyer@acme.test", "password": "nope-nope-nope"})
    ghost = c.post(url, json={"email": "ghost@acme.test", "password": "nope-nope-nope"})
    assert wrong.status_code == ghost.status_code == 422
    assert wrong.json() == ghost.json()


def test_logins_are_rate_limited_per_account(shop: Shop) -> None:
    c = shop.portal.client
    url = "/t/acme/api/v1/auth/token"
    for _ in range(5):
        assert (
            c.post(url, json={"email": "buyer@acme.test", "password": "guess-guess"}).status_code
            == 422
        )
    blocked = c.post(url, json={"email": "buyer@acme.test", "password": PASSWORD})
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) > 0
    assert "too many failed logins" in blocked.json()["error"]["message"]
    # another account from the same client is still served
    ok = c.post(url, json={"email": "manager@acme.test", "password": PASSWORD})
    assert ok.status_code == 200


def test_api_needs_a_bearer_token(shop: Shop) -> None:
    c = shop.portal.client
    assert c.get("/t/acme/api/v1/products").status_code == 401
    assert (
        c.get("/t/acme/api/v1/products", headers={"Authorization": "Bearer junk"}).status_code
        == 401
    )


def test_revoked_token_stops_working(shop: Shop) -> None:
    api = shop.api(user(shop, "buyer@acme.test"))
    assert api.get("/me").json()["email"] == "buyer@acme.test"
    assert api.delete("/auth/token").status_code == 204
    assert api.get("/me").status_code == 401


def test_page_login_sets_a_safe_cookie_and_logout_ends_the_session(shop: Shop) -> None:
    browser = shop.browser()
    browser.get("/t/acme/login")
    r = browser.post(
        "/t/acme/login",
        data={"email": "buyer@acme.test", "password": PASSWORD, "csrf_token": csrf_of(browser)},
    )
    assert r.status_code == 303
    cookie = r.headers["set-cookie"]
    assert "cs_acme=" in cookie and "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    assert browser.get("/t/acme/").status_code == 200
    assert browser.post("/t/acme/logout", data={"csrf_token": csrf_of(browser)}).status_code == 303
    assert browser.get("/t/acme/").status_code == 303


def test_pages_redirect_anonymous_visitors_to_login_and_back(shop: Shop) -> None:
    r = shop.browser().get("/t/acme/orders")
    assert r.status_code == 303
    assert r.headers["location"] == "/t/acme/login?next=/t/acme/orders"


def test_login_never_redirects_off_site(shop: Shop) -> None:
    browser = shop.browser()
    browser.get("/t/acme/login")
    r = browser.post(
        "/t/acme/login",
        data={
            "email": "buyer@acme.test",
            "password": PASSWORD,
            "next": "https://evil.example/",
            "csrf_token": csrf_of(browser),
        },
    )
    assert r.headers["location"] == "/t/acme/"


def test_forms_without_the_csrf_token_are_refused(shop: Shop) -> None:
    browser = shop.browser(user(shop, "buyer@acme.test"))
    r = browser.post("/t/acme/cart/add", data={"sku_id": "1", "quantity": "1"})
    assert r.status_code == 403
    r = browser.post(
        "/t/acme/cart/add", data={"sku_id": "1", "quantity": "1", "csrf_token": "forged.value"}
    )
    assert r.status_code == 403
    assert browser.get("/t/acme/cart").text.count("Polo") == 0
    r = browser.post(
        "/t/acme/cart/add", data={"sku_id": "1", "quantity": "1", "csrf_token": csrf_of(browser)}
    )
    assert r.status_code == 303


def test_roles_decide_what_each_user_may_do(shop: Shop) -> None:
    buyer = shop.api(user(shop, "buyer@acme.test"))
    assert buyer.get("/approvals").status_code == 403
    assert buyer.get("/wallet/people").status_code == 403
    r = buyer.post(
        "/wallet/grants",
        json={"user_id": 1, "points": 10, "reason": "me"},
        headers={"Idempotency-Key": "g"},
    )
    assert r.status_code == 403
    approver = shop.user("approver@acme.test", roles=["approver"])
    api = shop.api(approver)
    assert api.get("/approvals").status_code == 200
    assert api.post("/cart/lines", json={"sku_id": 1, "quantity": 1}).status_code == 403
    browser = shop.browser(user(shop, "buyer@acme.test"))
    assert browser.get("/t/acme/admin/").status_code == 403
    assert browser.get("/t/acme/approvals").status_code == 403


def test_inactive_users_cannot_sign_in(shop: Shop) -> None:
    with shop.portal.db.transaction(shop.tenant.id) as s:
        u = s.scalar(select(User).where(User.email == "buyer@acme.test"))
        assert u is not None
        u.is_active = False
    r = shop.portal.client.post(
        "/t/acme/api/v1/auth/token", json={"email": "buyer@acme.test", "password": PASSWORD}
    )
    assert r.status_code == 422


def test_operator_console_needs_an_operator_login(shop: Shop) -> None:
    from commissary.identity.service import create_operator

    with shop.portal.db.transaction() as s:
        create_operator(s, email="op@ops.test", name="Op", password=PASSWORD)
    browser = shop.browser()
    assert browser.get("/admin/").headers["location"] == "/admin/login"
    browser.get("/admin/login")
    r = browser.post(
        "/admin/login",
        data={"email": "op@ops.test", "password": PASSWORD, "csrf_token": csrf_of(browser)},
    )
    assert r.status_code == 303
    page = browser.get("/admin/")
    assert page.status_code == 200 and "acme" in page.text
    # a tenant admin's session is not an operator session
    tenant_admin = shop.user("ta@acme.test", roles=["tenant_admin"])
    other = shop.browser(tenant_admin)
    assert other.get("/admin/").status_code == 303
