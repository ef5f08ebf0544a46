"""Every kind of notification: who gets it, whether they may mute it, its shipped
default template and the sample data its preview renders with.

Templates see plain values only (dicts, strings, numbers), never models, so a tenant's
template cannot reach the database or Python internals through an object graph.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

LANGUAGES = ("en", "de", "fr", "es", "nl", "it")
LANGUAGE_NAMES = {
    "en": "English",
    "de": "Deutsch",
    "fr": "Français",
    "es": "Español",
    "nl": "Nederlands",
    "it": "Italiano",
}
DEFAULT_LANGUAGE = "en"


@dataclass(frozen=True)
class Kind:
    key: str
    title: str
    recipients: str  # who, in words, for the admin pages
    optional: bool  # may a person mute it?
    subject: str
    body: str
    sample: dict[str, Any]


_TENANT = {"name": "Acme Workwear", "slug": "acme", "url": "https://portal.example/t/acme"}
_BUYER = {"name": "Dana Buyer", "email": "dana@example.com"}
_ORDER = {
    "id": 42,
    "number": "SO-000042",
    "status": "pending_approval",
    "total_points": 460,
    "url": "https://portal.example/t/acme/orders/42",
}

KINDS: dict[str, Kind] = {
    k.key: k
    for k in (
        Kind(
            "order_submitted",
            "Order received",
            "the buyer",
            True,
            "Your order {{ order.number }} was received",
            "Hello {{ user.name }},\n\nwe received your order {{ order.number }} for "
            "{{ order.total_points }} points.\n"
            "{% if order.status == 'pending_approval' %}It now waits for approval.{% else %}"
            "It is approved.{% endif %}\n\n{{ order.url }}",
            {"user": _BUYER, "order": _ORDER},
        ),
        Kind(
            "approval_requested",
            "Approval requested",
            "the approvers of the order (location manager or role)",
            False,
            "{{ buyer.name }} asks you to approve {{ order.number }}",
            "Hello {{ user.name }},\n\n{{ buyer.name }} ordered for {{ order.total_points }} "
            "points ({{ order.number }}) and needs your approval.\n\n{{ tenant.url }}/approvals",
            {"user": {"name": "Max Manager"}, "buyer": _BUYER, "order": _ORDER},
        ),
        Kind(
            "order_decided",
            "Order decided",
            "the buyer",
            False,
            "Your order {{ order.number }} is {{ order.status | replace('_', ' ') }}",
            "Hello {{ user.name }},\n\nyour order {{ order.number }} is now "
            "{{ order.status | replace('_', ' ') }}.\n"
            "{% for line in lines %}- line {{ line.line_id }}: {{ line.status }}"
            "{% if line.reason %} ({{ line.reason }}){% endif %}\n{% endfor %}\n{{ order.url }}",
            {
                "user": _BUYER,
                "order": {**_ORDER, "status": "partially_approved"},
                "lines": [
                    {"line_id": 1, "status": "approved", "reason": ""},
                    {"line_id": 2, "status": "rejected", "reason": "not your size"},
                ],
            },
        ),
        Kind(
            "order_cancelled",
            "Order cancelled by someone else",
            "the buyer, when a manager or admin cancelled their order or lines",
            False,
            "{{ order.number }}: {{ lines | length }} line{{ '' if lines | length == 1 else 's' }}"
            " cancelled",
            "Hello {{ user.name }},\n\n{{ cancelled_by }} cancelled "
            "{% for line in lines %}{{ line.sku_code }}{{ ', ' if not loop.last }}{% endfor %}"
            " in your order {{ order.number }}"
            "{% if reason %}: {{ reason }}{% endif %}.\n"
            "{% if points %}{{ points }} points are back in your balance.\n{% endif %}"
            "\n{{ order.url }}",
            {
                "user": _BUYER,
                "order": {**_ORDER, "status": "cancelled"},
                "lines": [{"line_id": 2, "sku_code": "BOOT-42"}],
                "reason": "boots were issued in May",
                "cancelled_by": "Max Manager",
                "points": 180,
            },
        ),
        Kind(
            "order_amended",
            "Order changed by someone else",
            "the buyer, when someone else changed their order",
            False,
            "{{ order.number }} was changed (version {{ version }})",
            "Hello {{ user.name }},\n\n{{ changed_by }} changed your order {{ order.number }}"
            "{% if note %} ({{ note }}){% endif %}:\n"
            "{% for line in lines %}- {{ line.sku_code }}: {{ line['from'] }} -> {{ line.to }}\n"
            "{% endfor %}{% if ship_to_changed %}- new ship-to address\n{% endif %}"
            "\n{{ order.url }}",
            {
                "user": _BUYER,
                "order": _ORDER,
                "version": 2,
                "note": "two more for the new starter",
                "changed_by": "Max Manager",
                "lines": [{"line_id": 1, "sku_code": "POLO-M", "from": 2, "to": 4}],
                "ship_to_changed": False,
            },
        ),
        Kind(
            "order_shipped",
            "Order shipped",
            "the buyer",
            True,
            "{{ order.number }} is on its way",
            "Hello {{ user.name }},\n\n"
            "{% if order.status == 'shipped' %}everything in{% else %}part of{% endif %}"
            " your order {{ order.number }} has shipped"
            "{% if carrier %} with {{ carrier }}{% endif %}"
            "{% if tracking_number %} (tracking number {{ tracking_number }}){% endif %}.\n"
            "{% for line in lines %}- {{ line.quantity }} x {{ line.description }}\n{% endfor %}"
            "\n{{ order.url }}",
            {
                "user": _BUYER,
                "order": {**_ORDER, "status": "shipped"},
                "carrier": "DHL",
                "tracking_number": "JD0146000012345",
                "lines": [{"quantity": 2, "description": "Staff polo shirt — M / Navy"}],
            },
        ),
        Kind(
            "approval_escalated",
            "Approval escalated to you",
            "the next approver up the location tree (or the tenant admins)",
            False,
            "{{ order.number }} waited {{ days }} days and now needs you",
            "Hello {{ user.name }},\n\n{{ buyer.name }}'s order {{ order.number }} "
            "({{ order.total_points }} points) waited {{ days }} days for approval at level "
            "{{ level }} and has been escalated to you.\n\n{{ tenant.url }}/approvals",
            {
                "user": {"name": "Rita Regional"},
                "buyer": _BUYER,
                "order": _ORDER,
                "days": 3,
                "level": 1,
            },
        ),
        Kind(
            "stock_low",
            "Stock running low",
            "people who manage stock (warehouse staff, tenant admins)",
            True,
            "Low stock: {{ sku.code }} ({{ available }} left)",
            "Hello {{ user.name }},\n\n{{ sku.name }} ({{ sku.code }}) is down to "
            "{{ available }} available, at or below its threshold of {{ threshold }}.\n\n"
            "{{ tenant.url }}/admin/stock",
            {
                "user": {"name": "Walt Warehouse"},
                "sku": {"code": "POLO-M-NAVY", "name": "Staff polo shirt — M / Navy"},
                "available": 4,
                "threshold": 5,
            },
        ),
        Kind(
            "points_granted",
            "Points granted",
            "the person who received the points",
            True,
            "You received {{ points }} points",
            "Hello {{ user.name }},\n\n{{ granted_by }} granted you {{ points }} points: "
            "{{ reason }}.\n\n{{ tenant.url }}/wallet",
            {"user": _BUYER, "points": 250, "reason": "new season", "granted_by": "Max Manager"},
        ),
        Kind(
            "approval_reminder",
            "Approval waiting (reminder)",
            "the approvers of the order",
            True,
            "Reminder: {{ order.number }} has waited {{ days }} days for you",
            "Hello {{ user.name }},\n\n{{ buyer.name }}'s order {{ order.number }} has waited "
            "{{ days }} days for your approval.\n\n{{ tenant.url }}/approvals",
            {"user": {"name": "Max Manager"}, "buyer": _BUYER, "order": _ORDER, "days": 3},
        ),
        Kind(
            "points_expiring",
            "Points expiring (reminder)",
            "the owner of the points",
            True,
            "{{ points }} of your points expire in {{ days }} days",
            "Hello {{ user.name }},\n\n{{ points }} points expire on {{ expires_at }}. "
            "Use them before then.\n\n{{ tenant.url }}/",
            {"user": _BUYER, "points": 120, "days": 7, "expires_at": "2026-12-31"},
        ),
        Kind(
            "points_expired",
            "Points expired",
            "the owner of the points",
            True,
            "{{ points }} of your points expired",
            "Hello {{ user.name }},\n\n{{ points }} of your points expired on {{ expired_on }} "
            "{% if above_cap %}(a new period began and only part of the earlier points carry "
            "over) {% endif %}and are no longer in your balance.\n\n{{ tenant.url }}/wallet",
            {
                "user": _BUYER,
                "points": 120,
                "expired_on": "2026-11-30",
                "lot_id": 7,
                "above_cap": False,
            },
        ),
        Kind(
            "user_invited",
            "Invitation to the portal",
            "the person invited (with their link to choose a password)",
            False,
            "{{ invited_by }} invited you to {{ tenant.name }}",
            "Hello {{ user.name }},\n\n{{ invited_by }} invited you to order on the "
            "{{ tenant.name }} portal. Choose your password here:\n\n{{ invite.url }}\n\n"
            "The link works once and until {{ invite.expires_at }}. Then sign in with "
            "{{ user.email }}.",
            {
                "user": _BUYER,
                "invited_by": "Max Manager",
                "invite": {
                    "url": "https://portal.example/t/acme/invite/abc123",
                    "expires_at": "2026-12-06 09:00 UTC",
                },
            },
        ),
        Kind(
            "sync_failed",
            "Sync failed",
            "the tenant admins",
            True,
            "{{ source }} sync failed",
            "Hello {{ user.name }},\n\nthe {{ source }} sync failed at {{ failed_at }}:\n\n"
            "{{ detail }}\n\nNothing from this run was applied.",
            {
                "user": {"name": "Ada Admin"},
                "source": "locations import",
                "detail": "line 4: there is no location N9 to place it under",
                "failed_at": "2026-11-29 08:15 UTC",
            },
        ),
        Kind(
            "budget_threshold",
            "Budget nearly spent",
            "the people the budget event names",
            True,
            "{% if location %}{{ location }}: budget{% else %}Budget{% endif %}"
            " {{ percent }}% spent",
            "Hello {{ user.name }},\n\n{{ spent }} of {{ amount }} points of the "
            "{% if location %}{{ location }} {% endif %}budget{% if period %} for {{ period }}"
            "{% endif %} are spent ({{ percent }}%).",
            {
                "user": _BUYER,
                "percent": 80,
                "spent": 800,
                "amount": 1000,
                "location": "Downtown Store",
                "period": "2026-11",
            },
        ),
        Kind(
            "digest",
            "Digest",
            "each person with messages waiting, once per digest period",
            False,
            "{{ items | length }} updates from {{ tenant.name }}",
            "Hello {{ user.name }},\n\nhere is what happened since your last digest.\n\n"
            "{% for item in items %}* {{ item.subject }}\n{{ item.text }}\n\n{% endfor %}",
            {
                "user": _BUYER,
                "items": [
                    {
                        "kind": "order_submitted",
                        "subject": "Your order SO-000042 was received",
                        "text": "We received your order.",
                    },
                    {
                        "kind": "points_granted",
                        "subject": "You received 250 points",
                        "text": "Max Manager granted you 250 points.",
                    },
                ],
            },
        ),
    )
}

# Kinds a tenant cannot put into the digest (the digest itself; an invitation's link
# must not wait a day).
NOT_DIGESTIBLE = frozenset({"digest", "user_invited"})


def sample(kind: Kind) -> dict[str, Any]:
    return {"tenant": _TENANT, **kind.sample}
