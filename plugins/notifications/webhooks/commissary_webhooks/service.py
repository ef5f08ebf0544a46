"""Endpoints (created by tenant admins) and delivering an event to them.

Delivery runs inside the worker's call of this plugin's ``on_*`` hook. It reads the
endpoints, *commits* (so no database lock is held while it waits on the network),
POSTs the signed body to every endpoint that has not yet taken this event, and logs
each attempt. If any endpoint failed it commits the log and raises: the worker retries
the event with backoff and the endpoints that succeeded are skipped next time.
"""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

import httpx
from sqlalchemy import select

from commissary import Context, Invalid, NotFound, row_insert, utcnow
from commissary_webhooks.addresses import Refused, check_url
from commissary_webhooks.models import Delivery, Endpoint
from commissary_webhooks.signing import sign

# The events a webhook can subscribe to (the domain events of the outbox).
TOPICS = (
    "order_submitted",
    "order_decided",
    "order_cancelled",
    "order_amended",
    "order_shipped",
    "order_delivered",
    "approval_escalated",
    "stock_low",
    "points_granted",
    "approval_waiting",
    "points_expiring",
    "budget_threshold",
)
REQUEST_TIMEOUT = 5.0
MAX_ENDPOINTS = 20


class DeliveryFailed(Exception):
    """Some endpoints did not take the event; it is retried for them."""


def create_endpoint(ctx: Context, url: str, topics: list[str], description: str) -> Endpoint:
    unknown = sorted(set(topics) - set(TOPICS))
    if unknown:
        raise Invalid(f"unknown topic {unknown[0]!r}; choose from {', '.join(TOPICS)}")
    try:
        check_url(url)
    except Refused as exc:
        raise Invalid(str(exc)) from exc
    count = len(ctx.session.scalars(select(Endpoint.id)).all())
    if count >= MAX_ENDPOINTS:
        raise Invalid(f"a portal has at most {MAX_ENDPOINTS} webhook endpoints")
    endpoint = Endpoint(
        tenant_id=ctx.tenant.id,
        url=url,
        secret=f"whsec_{secrets.token_urlsafe(32)}",
        topics=sorted(set(topics)),
        description=description.strip(),
    )
    ctx.session.add(endpoint)
    ctx.session.flush()
    return endpoint


def endpoint(ctx: Context, endpoint_id: int) -> Endpoint:
    found = ctx.session.get(Endpoint, endpoint_id)
    if found is None:
        raise NotFound("no such webhook endpoint")
    return found


def endpoints(ctx: Context) -> list[Endpoint]:
    return list(ctx.session.scalars(select(Endpoint).order_by(Endpoint.id)))


def delete_endpoint(ctx: Context, endpoint_id: int) -> None:
    ctx.session.delete(endpoint(ctx, endpoint_id))
    ctx.session.flush()


def deliveries(ctx: Context, endpoint_id: int, limit: int) -> list[Delivery]:
    endpoint(ctx, endpoint_id)
    return list(
        ctx.session.scalars(
            select(Delivery)
            .where(Delivery.endpoint_id == endpoint_id)
            .order_by(Delivery.id.desc())
            .limit(limit)
        )
    )


def _post(
    client: httpx.Client, target: Endpoint, topic: str, event_id: int, body: bytes
) -> dict[str, Any]:
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Commissary-Webhooks/0.1",
        "X-Commissary-Event": topic,
        "X-Commissary-Event-Id": str(event_id),
        "X-Commissary-Timestamp": str(timestamp),
        "X-Commissary-Signature": sign(target.secret, timestamp, body),
    }
    started = time.monotonic()
    status: int | None = None
    try:
        check_url(target.url)
        response = client.post(target.url, content=body, headers=headers)
        status = response.status_code
        error = "" if 200 <= status < 300 else f"HTTP {status}"
    except Refused as exc:
        error = f"refused: {exc}"
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"
    return {
        "tenant_id": target.tenant_id,
        "endpoint_id": target.id,
        "outbox_event_id": event_id,
        "topic": topic,
        "ok": not error,
        "status_code": status,
        "error": error[:2000],
        "request": {"url": target.url, "timestamp": timestamp},
        "at": utcnow(),
        "seconds": round(time.monotonic() - started, 4),
    }


def deliver(ctx: Context, topic: str, event: dict[str, Any]) -> int:
    """POST ``event`` to every subscribed endpoint that has not taken it yet."""
    # The outbox row's id (the same on every retry): the delivery id receivers dedupe on.
    event_id = int(getattr(event, "outbox_event_id"))  # noqa: B009
    data = dict(event)
    subscribed = [
        e
        for e in ctx.session.scalars(select(Endpoint).where(Endpoint.active.is_(True)))
        if not e.topics or topic in e.topics
    ]
    done = set(
        ctx.session.scalars(
            select(Delivery.endpoint_id).where(
                Delivery.outbox_event_id == event_id, Delivery.ok.is_(True)
            )
        )
    )
    targets = [e for e in subscribed if e.id not in done]
    ctx.session.commit()  # hold no lock while waiting on the network
    if not targets:
        return 0
    body = json.dumps(
        {"id": event_id, "topic": topic, "tenant": ctx.tenant.slug, "data": data},
        separators=(",", ":"),
        sort_keys=True,
        default=str,
    ).encode()
    with httpx.Client(timeout=REQUEST_TIMEOUT, follow_redirects=False, trust_env=False) as client:
        rows = [_post(client, target, topic, event_id, body) for target in targets]
    ctx.session.execute(row_insert(Delivery), rows)
    failed = [r for r in rows if not r["ok"]]
    if failed:
        ctx.session.commit()  # keep the log of the failures; the event is retried
        raise DeliveryFailed(
            "; ".join(f"endpoint {r['endpoint_id']}: {r['error']}" for r in failed)
        )
    return len(rows)
