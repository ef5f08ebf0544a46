"""Webhook endpoints and their delivery log, for tenant admins."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from commissary import Context, Permission, api_requires
from commissary_webhooks import service
from commissary_webhooks.models import Endpoint
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
    e = service.create_endpoint(ctx, body.url, body.topics, body.description)
    return EndpointCreated(**_public(e).model_dump(), secret=e.secret)


@router.delete("/endpoints/{endpoint_id}", status_code=204)
def delete_endpoint(ctx: AdminCtx, endpoint_id: int) -> Response:
    service.delete_endpoint(ctx, endpoint_id)
    return Response(status_code=204)


@router.get("/endpoints/{endpoint_id}/deliveries", response_model=list[DeliveryPublic])
def deliveries(
    ctx: AdminCtx, endpoint_id: int, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> list[DeliveryPublic]:
    return [
        DeliveryPublic(
            id=d.id,
            outbox_event_id=d.outbox_event_id,
            topic=d.topic,
            ok=d.ok,
            status_code=d.status_code,
            error=d.error,
            at=d.at,
            seconds=d.seconds,
        )
        for d in service.deliveries(ctx, endpoint_id, limit)
    ]
