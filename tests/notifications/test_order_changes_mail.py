"""A buyer is told by mail when someone else cancels or changes their order."""

from __future__ import annotations

from commissary.testing import Shop
from tests.helpers import sku_id, user
from tests.notifications.peers import SmtpSink
from tests.notifications.test_delivery import checkout, drain


def test_a_manager_cancelling_a_line_mails_the_buyer_the_reason(
    mailing_shop: Shop, smtp: tuple[str, int, SmtpSink]
) -> None:
    _, _, sink = smtp
    order = checkout(mailing_shop, "POLO-S", 2, "k1")  # 80 points: approved at once
    manager = mailing_shop.api(user(mailing_shop, "manager@acme.test"))
    [line] = order["lines"]
    r = manager.post(
        f"/orders/{order['id']}/cancel",
        json={"line_ids": [line["id"]], "reason": "polos are back-ordered"},
    )
    assert r.status_code == 200, r.text
    drain(mailing_shop)
    number = f"SO-{order['id']:06d}"
    cancelled = [m for m in sink.messages if m.message["Subject"] == f"{number}: 1 line cancelled"]
    assert [m.rcpt for m in cancelled] == [["buyer@acme.test"]]
    plain = cancelled[0].message.get_body(("plain",))
    assert plain is not None
    text = plain.get_content()
    assert "Manager cancelled POLO-S" in text and "polos are back-ordered" in text
    assert "80 points are back in your balance" in text


def test_a_buyers_own_change_mails_only_the_approver_of_what_now_waits(
    mailing_shop: Shop, smtp: tuple[str, int, SmtpSink]
) -> None:
    _, _, sink = smtp
    order = checkout(mailing_shop, "POLO-S", 2, "k1")
    drain(mailing_shop)
    sink.messages.clear()
    buyer = mailing_shop.api(user(mailing_shop, "buyer@acme.test"))
    r = buyer.post(
        f"/orders/{order['id']}/amend",
        json={"add": [{"sku_id": sku_id(mailing_shop, "BOOT-42"), "quantity": 2}]},
        headers={"Idempotency-Key": "a1"},
    )
    assert r.status_code == 200, r.text
    drain(mailing_shop)
    assert [m.rcpt for m in sink.messages] == [["manager@acme.test"]]
    assert "asks you to approve" in sink.messages[0].message["Subject"]


def test_approval_requests_go_to_the_approver_the_rule_names(
    mailing_shop: Shop, smtp: tuple[str, int, SmtpSink]
) -> None:
    """A rule that names the finance officer: she is asked, not the location manager."""
    _, _, sink = smtp
    finance = mailing_shop.user("finance@acme.test", roles=["approver"])
    admin = mailing_shop.api(user(mailing_shop, "admin@acme.test"))
    r = admin.post(
        "/approval-rules",
        json={
            "name": "Big orders",
            "kind": "order_total",
            "settings": {"above_points": 100},
            "levels": [{"kind": "user", "user_id": finance.id}],
        },
    )
    assert r.status_code == 201, r.text
    checkout(mailing_shop, "POLO-S", 3, "k1")  # 120 points: under the built-in 300 limit
    drain(mailing_shop)
    asked = [m.rcpt for m in sink.messages if "asks you to approve" in m.message["Subject"]]
    assert asked == [["finance@acme.test"]]
