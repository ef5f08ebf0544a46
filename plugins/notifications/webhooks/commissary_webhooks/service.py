"""Endpoints (created by tenant admins) and delivering an event to them.

Delivery runs inside the worker's call of this plugin's ``on_*`` hook. It reads the
endpoints, *commits* (so no database lock is held while it waits on the network),
POSTs the signed body to every endpoint that has not yet taken this event, and logs
each attempt. If any endpoint failed it commits the log and raises: the worker retries
the event with backoff and the endpoints that succeeded are skipped next time.

Each POST resolves the endpoint's host once, checks every address, and connects to the
checked address (:func:`commissary_webhooks.addresses.resolve`); the host name stays in
the ``Host`` header and is the TLS server name (SNI, certificate check). Secrets are
stored encrypted (:mod:`commissary_webhooks.sealing`).

Tenant admins may also send a test event and redeliver a logged delivery; both POST at
once, from the request, and are logged like the worker's deliveries.
"""

from __future__ import annotations

import functools
import json
import os
import secrets
import ssl
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select

from commissary import Context, Invalid, NotFound, OutboxEvent, row_insert, utcnow
from commissary_webhooks import sealing
from commissary_webhooks.addresses import Refused, check_url, resolve
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
    "points_expired",
    "sync_failed",
    "user_invited",
)
REQUEST_TIMEOUT = 5.0
MAX_ENDPOINTS = 20


class DeliveryFailed(Exception):
    """Some endpoints did not take the event; it is retried for them."""


TEST_TOPIC = "ping"  # what "Send test event" sends; not a subscribable topic


def topic_label(topic: str) -> str:
    return topic.replace("_", " ").capitalize()


@dataclass
class NewSecret:
    endpoint: Endpoint
    secret: str  # in clear: shown to the admin this once


def _new_secret() -> str:
    return f"whsec_{secrets.token_urlsafe(32)}"


def _checked(url: str, topics: list[str], description: str) -> tuple[str, list[str], str]:
    url = url.strip()
    if not url:
        raise Invalid("enter the URL that should receive the events", field="url")
    if len(url) > 2000:
        raise Invalid("the URL is longer than 2,000 characters", field="url")
    unknown = sorted(set(topics) - set(TOPICS))
    if unknown:
        raise Invalid(
            f"unknown topic {unknown[0]!r}; choose from {', '.join(TOPICS)}", field="topics"
        )
    if len(description) > 200:
        raise Invalid("the description is longer than 200 characters", field="description")
    try:
        check_url(url)
    except Refused as exc:
        raise Invalid(str(exc), field="url") from exc
    return url, sorted(set(topics)), description.strip()


def create_endpoint(
    ctx: Context, url: str, topics: list[str], description: str, active: bool = True
) -> NewSecret:
    url, topics, description = _checked(url, topics, description)
    count = ctx.session.scalar(select(func.count(Endpoint.id))) or 0
    if count >= MAX_ENDPOINTS:
        raise Invalid(f"a portal has at most {MAX_ENDPOINTS} webhook endpoints")
    secret = _new_secret()
    endpoint = Endpoint(
        tenant_id=ctx.tenant.id,
        url=url,
        secret_sealed=sealing.seal(secret),
        topics=topics,
        description=description,
        active=active,
    )
    ctx.session.add(endpoint)
    ctx.session.flush()
    return NewSecret(endpoint, secret)


def update_endpoint(
    ctx: Context,
    endpoint_id: int,
    url: str,
    topics: list[str],
    description: str,
    active: bool,
) -> Endpoint:
    found = endpoint(ctx, endpoint_id)
    url, topics, description = _checked(url, topics, description)
    found.url, found.topics, found.description, found.active = url, topics, description, active
    ctx.session.flush()
    return found


def rotate_secret(ctx: Context, endpoint_id: int) -> NewSecret:
    """A new signing secret; the old one stops working at once."""
    found = endpoint(ctx, endpoint_id)
    secret = _new_secret()
    found.secret_sealed = sealing.seal(secret)
    found.secret_rotated_at = utcnow()
    ctx.session.flush()
    return NewSecret(found, secret)


def endpoint(ctx: Context, endpoint_id: int) -> Endpoint:
    found = ctx.session.get(Endpoint, endpoint_id)
    if found is None:
        raise NotFound("no such webhook endpoint")
    return found


def endpoints(ctx: Context) -> list[Endpoint]:
    return list(ctx.session.scalars(select(Endpoint).order_by(Endpoint.id)))


@dataclass
class EndpointSummary:
    endpoint: Endpoint
    last_at: datetime | None
    last_ok: bool | None
    failed_recently: int  # failed attempts among the last 24 hours


def summaries(ctx: Context) -> list[EndpointSummary]:
    """Every endpoint with its latest delivery: three statements, whatever the count."""
    found = endpoints(ctx)
    if not found:
        return []
    ids = [e.id for e in found]
    latest = (
        select(Delivery.endpoint_id, func.max(Delivery.id).label("last_id"))
        .where(Delivery.endpoint_id.in_(ids))
        .group_by(Delivery.endpoint_id)
        .subquery()
    )
    last = {
        endpoint_id: (at, ok)
        for endpoint_id, at, ok in ctx.session.execute(
            select(Delivery.endpoint_id, Delivery.at, Delivery.ok).join(
                latest, Delivery.id == latest.c.last_id
            )
        )
    }
    since = utcnow() - timedelta(hours=24)
    failed = dict(
        ctx.session.execute(
            select(Delivery.endpoint_id, func.count(Delivery.id))
            .where(
                Delivery.endpoint_id.in_(ids),
                Delivery.ok.is_(False),
                Delivery.at >= since,
            )
            .group_by(Delivery.endpoint_id)
        ).all()
    )
    return [
        EndpointSummary(
            e,
            last.get(e.id, (None, None))[0],
            last.get(e.id, (None, None))[1],
            int(failed.get(e.id, 0)),
        )
        for e in found
    ]


def delete_endpoint(ctx: Context, endpoint_id: int) -> None:
    ctx.session.delete(endpoint(ctx, endpoint_id))
    ctx.session.flush()


def delivery_page(
    ctx: Context, endpoint_id: int, page: int, per_page: int, failed_only: bool = False
) -> tuple[list[Delivery], int]:
    """One page of an endpoint's log, newest first, and how many entries match."""
    endpoint(ctx, endpoint_id)
    where = [Delivery.endpoint_id == endpoint_id]
    if failed_only:
        where.append(Delivery.ok.is_(False))
    total = ctx.session.scalar(select(func.count(Delivery.id)).where(*where)) or 0
    rows = ctx.session.scalars(
        select(Delivery)
        .where(*where)
        .order_by(Delivery.id.desc())
        .offset((max(page, 1) - 1) * per_page)
        .limit(per_page)
    )
    return list(rows), int(total)


def attempts_per_event(ctx: Context, endpoint_id: int, event_ids: list[int]) -> dict[int, int]:
    """How many times each event was POSTed to this endpoint (one statement)."""
    if not event_ids:
        return {}
    return {
        int(event_id): int(n)
        for event_id, n in ctx.session.execute(
            select(Delivery.outbox_event_id, func.count(Delivery.id))
            .where(Delivery.endpoint_id == endpoint_id, Delivery.outbox_event_id.in_(event_ids))
            .group_by(Delivery.outbox_event_id)
        )
    }


@functools.cache
def _tls_context_for(cafile: str | None, capath: str | None) -> ssl.SSLContext:
    return ssl.create_default_context()


def _tls_context() -> ssl.SSLContext:
    """Verifying TLS context, built once per trust store (loading it costs CPU); the
    trust store is the system's, or ``SSL_CERT_FILE`` / ``SSL_CERT_DIR``."""
    return _tls_context_for(os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))


def _client() -> httpx.Client:
    # No keep-alive: every POST gets its own connection, made to the address just checked
    # and with its own TLS server name (a pooled connection to the same IP could carry
    # another host's SNI).
    return httpx.Client(
        timeout=REQUEST_TIMEOUT,
        follow_redirects=False,
        trust_env=False,
        verify=_tls_context(),
        limits=httpx.Limits(max_keepalive_connections=0),
    )


def _post(
    client: httpx.Client, target: Endpoint, topic: str, event_id: int, body: bytes
) -> dict[str, Any]:
    timestamp = int(time.time())
    started = time.monotonic()
    status: int | None = None
    address = ""
    try:
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Commissary-Webhooks/0.1",
            "X-Commissary-Event": topic,
            "X-Commissary-Event-Id": str(event_id),
            "X-Commissary-Timestamp": str(timestamp),
            "X-Commissary-Signature": sign(sealing.unseal(target.secret_sealed), timestamp, body),
        }
        pinned = resolve(target.url)  # once: the address checked is the one connected to
        address = pinned.address
        url = httpx.URL(target.url)
        headers["Host"] = url.netloc.decode("ascii")
        extensions = {"sni_hostname": url.raw_host.decode("ascii")} if url.scheme == "https" else {}
        response = client.post(
            url.copy_with(host=pinned.address),
            content=body,
            headers=headers,
            extensions=extensions,
        )
        status = response.status_code
        error = "" if 200 <= status < 300 else f"HTTP {status}"
    except Refused as exc:
        error = f"refused: {exc}"
    except sealing.Unreadable as exc:
        error = str(exc)
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
        "request": {"url": target.url, "timestamp": timestamp, "address": address},
        "at": utcnow(),
        "seconds": round(time.monotonic() - started, 4),
    }


def _body(event_id: int, topic: str, tenant_slug: str, data: dict[str, Any]) -> bytes:
    return json.dumps(
        {"id": event_id, "topic": topic, "tenant": tenant_slug, "data": data},
        separators=(",", ":"),
        sort_keys=True,
        default=str,
    ).encode()


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
    body = _body(event_id, topic, ctx.tenant.slug, data)
    with _client() as client:
        rows = [_post(client, target, topic, event_id, body) for target in targets]
    ctx.session.execute(row_insert(Delivery), rows)
    failed = [r for r in rows if not r["ok"]]
    if failed:
        ctx.session.commit()  # keep the log of the failures; the event is retried
        raise DeliveryFailed(
            "; ".join(f"endpoint {r['endpoint_id']}: {r['error']}" for r in failed)
        )
    return len(rows)


def _post_now(ctx: Context, target: Endpoint, topic: str, event_id: int, body: bytes) -> Delivery:
    """POST from the request (test event, redelivery), and log it like the worker does."""
    ctx.session.commit()  # no transaction open while waiting on the network
    with _client() as client:
        row = _post(client, target, topic, event_id, body)
    delivery = Delivery(**row)
    ctx.session.add(delivery)
    ctx.session.flush()
    return delivery


def send_test(ctx: Context, endpoint_id: int) -> Delivery:
    """POST a ``ping`` event (id 0, data naming who sent it) to the endpoint, now."""
    target = endpoint(ctx, endpoint_id)
    data = {
        "message": "A test event from the portal's webhook settings.",
        "endpoint_id": target.id,
        "sent_by": ctx.actor.email if ctx.actor else None,
    }
    return _post_now(ctx, target, TEST_TOPIC, 0, _body(0, TEST_TOPIC, ctx.tenant.slug, data))


def redeliver(ctx: Context, endpoint_id: int, delivery_id: int) -> Delivery:
    """POST the event of a logged delivery again, now (whatever its first outcome)."""
    target = endpoint(ctx, endpoint_id)
    logged = ctx.session.get(Delivery, delivery_id)
    if logged is None or logged.endpoint_id != target.id:
        raise NotFound("no such delivery")
    if logged.outbox_event_id == 0:
        return send_test(ctx, endpoint_id)
    event = ctx.session.scalar(
        select(OutboxEvent).where(
            OutboxEvent.id == logged.outbox_event_id, OutboxEvent.tenant_id == ctx.tenant.id
        )
    )
    if event is None:
        raise Invalid("this event is no longer kept; it cannot be sent again")
    body = _body(event.id, event.topic, ctx.tenant.slug, dict(event.payload))
    return _post_now(ctx, target, event.topic, event.id, body)


def rekey_all(session: Any) -> int:
    """Re-encrypt every secret not sealed with the current key (after a key rotation)."""
    changed = 0
    for row in session.scalars(select(Endpoint)):
        if not sealing.is_current(row.secret_sealed):
            row.secret_sealed = sealing.rekey(row.secret_sealed)
            changed += 1
    return changed
