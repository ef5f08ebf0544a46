"""Webhook endpoints and their delivery log, for tenant admins."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from commissary import Context, Permission, api_requires
from commissary_webhooks import service
from commissary_webhooks.models import Delivery, Endpoint
from commissary_webhooks.schemas import (
    DeliveryPublic,
    EndpointCreate,
    EndpointCreated,
    EndpointPublic,
)

router = APIRouter(prefix="/webhooks", tags=["webhooks"])
AdminCtx = Annotated[Context, Depends(api_requires(Permission.PLUGINS_MANAGE))]


def _public(e: Endpoint) -> EndpointPublic:
    return EndpointPublic(
        id=e.id,
        url=e.url,
        topics=e.topics,
        description=e.description,
        active=e.active,
        created_at=e.created_at,
    )


@router.get("/endpoints", response_model=list[EndpointPublic])
def list_endpoints(ctx: AdminCtx) -> list[EndpointPublic]:
    return [_public(e) for e in service.endpoints(ctx)]


@router.post("/endpoints", response_model=EndpointCreated, status_code=201)
def create_endpoint(ctx: AdminCtx, body: EndpointCreate) -> EndpointCreated:
    """Add an endpoint; the answer carries its signing secret, shown this once."""
    made = service.create_endpoint(ctx, body.url, body.topics, body.description, body.active)
    return EndpointCreated(**_public(made.endpoint).model_dump(), secret=made.secret)


@router.put("/endpoints/{endpoint_id}", response_model=EndpointPublic)
def update_endpoint(ctx: AdminCtx, endpoint_id: int, body: EndpointCreate) -> EndpointPublic:
    """Change URL, topics, description and active; the secret stays."""
    e = service.update_endpoint(
        ctx, endpoint_id, body.url, body.topics, body.description, body.active
    )
    return _public(e)


@router.post("/endpoints/{endpoint_id}/secret", response_model=EndpointCreated)
def rotate_secret(ctx: AdminCtx, endpoint_id: int) -> EndpointCreated:
    """A new signing secret, shown this once; the old one stops working at once."""
    made = service.rotate_secret(ctx, endpoint_id)
    return EndpointCreated(**_public(made.endpoint).model_dump(), secret=made.secret)


@router.post("/endpoints/{endpoint_id}/test", response_model=DeliveryPublic)
def send_test(ctx: AdminCtx, endpoint_id: int) -> DeliveryPublic:
    """POST a ``ping`` event now; the answer is the logged delivery."""
    return _delivery(service.send_test(ctx, endpoint_id))


@router.post(
    "/endpoints/{endpoint_id}/deliveries/{delivery_id}/redeliver", response_model=DeliveryPublic
)
def redeliver(ctx: AdminCtx, endpoint_id: int, delivery_id: int) -> DeliveryPublic:
    """POST the event of a logged delivery again, now; the answer is the new delivery."""
    return _delivery(service.redeliver(ctx, endpoint_id, delivery_id))


@router.delete("/endpoints/{endpoint_id}", status_code=204)
def delete_endpoint(ctx: AdminCtx, endpoint_id: int) -> Response:
    service.delete_endpoint(ctx, endpoint_id)
    return Response(status_code=204)


def _delivery(d: Delivery) -> DeliveryPublic:
    return DeliveryPublic(
        id=d.id,
        outbox_event_id=d.outbox_event_id,
        topic=d.topic,
        ok=d.ok,
        status_code=d.status_code,
        error=d.error,
        at=d.at,
        seconds=d.seconds,
    )


@router.get("/endpoints/{endpoint_id}/deliveries", response_model=list[DeliveryPublic])
def deliveries(
    ctx: AdminCtx,
    endpoint_id: int,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    failed: bool = False,
) -> list[DeliveryPublic]:
    rows, _ = service.delivery_page(ctx, endpoint_id, 1, limit, failed_only=failed)
    return [_delivery(d) for d in rows]
