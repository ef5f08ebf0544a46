"""Webhook pages for tenant admins: endpoints, their secrets and their delivery log.

``/t/<slug>/webhooks``                 the endpoints, with their latest outcome
``/t/<slug>/webhooks/new``             add one (the signing secret is shown once)
``/t/<slug>/webhooks/<id>``            one endpoint: its delivery log (paged, failed
                                       only), send a test event, rotate the secret,
                                       redeliver, delete
``/t/<slug>/webhooks/<id>/edit``       URL, events, description, active

Every route needs ``plugins.manage``; another portal's endpoint is a 404; a refused form is
shown again with the message and what was typed, and nothing is stored.
"""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from commissary import Context, Invalid, Permission, page_requires, redirect, render
from commissary_webhooks import service
from commissary_webhooks.models import Delivery, Endpoint

router = APIRouter(prefix="/webhooks")
AdminCtx = Annotated[Context, Depends(page_requires(Permission.PLUGINS_MANAGE))]
PER_PAGE = 25
# Form values: the URL field is checked by the service (clear message, re-rendered form).
Url = Annotated[str, Form(max_length=4000)]
Description = Annotated[str, Form(max_length=1000)]
Topics = Annotated[list[str] | None, Form()]


def _topics() -> list[tuple[str, str]]:
    return [(t, service.topic_label(t)) for t in service.TOPICS]


def _form(
    request: Request,
    ctx: Context,
    *,
    endpoint: Endpoint | None,
    url: str,
    topics: list[str],
    description: str,
    active: bool,
    error: Invalid | None = None,
) -> HTMLResponse:
    return render(
        request,
        "webhooks/form.html",
        ctx,
        status_code=422 if error else 200,
        endpoint=endpoint,
        url=url,
        chosen=set(topics),
        description=description,
        active=active,
        topics=_topics(),
        error=error.message if error else None,
        error_field=error.detail.get("field") if error else None,
    )


def _secret_page(
    request: Request, ctx: Context, made: service.NewSecret, created: bool
) -> HTMLResponse:
    response = render(
        request,
        "webhooks/secret.html",
        ctx,
        status_code=201 if created else 200,
        endpoint=made.endpoint,
        secret=made.secret,
        created=created,
    )
    response.headers["Cache-Control"] = "no-store"  # the secret must not stay in a cache
    return response


def _here(ctx: Context, endpoint_id: int | None = None) -> str:
    base = f"/t/{ctx.tenant.slug}/webhooks"
    return base if endpoint_id is None else f"{base}/{endpoint_id}"


@router.get("", response_class=HTMLResponse)
def endpoints(request: Request, ctx: AdminCtx) -> HTMLResponse:
    return render(
        request,
        "webhooks/list.html",
        ctx,
        summaries=service.summaries(ctx),
        max_endpoints=service.MAX_ENDPOINTS,
        topic_count=len(service.TOPICS),
    )


@router.get("/new", response_class=HTMLResponse)
def new(request: Request, ctx: AdminCtx) -> HTMLResponse:
    return _form(request, ctx, endpoint=None, url="", topics=[], description="", active=True)


@router.post("/new", response_class=HTMLResponse)
def create(
    request: Request,
    ctx: AdminCtx,
    url: Url = "",
    topics: Topics = None,
    description: Description = "",
    active: Annotated[bool, Form()] = False,
) -> HTMLResponse:
    try:
        made = service.create_endpoint(ctx, url, topics or [], description, active)
    except Invalid as exc:
        ctx.session.rollback()
        return _form(
            request,
            ctx,
            endpoint=None,
            url=url,
            topics=topics or [],
            description=description,
            active=active,
            error=exc,
        )
    return _secret_page(request, ctx, made, created=True)


@router.get("/{endpoint_id}", response_class=HTMLResponse)
def endpoint(
    request: Request,
    ctx: AdminCtx,
    endpoint_id: int,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    failed: bool = False,
) -> HTMLResponse:
    found = service.endpoint(ctx, endpoint_id)
    rows, total = service.delivery_page(ctx, endpoint_id, page, PER_PAGE, failed_only=failed)
    attempts = service.attempts_per_event(
        ctx, endpoint_id, [d.outbox_event_id for d in rows if d.outbox_event_id]
    )
    return render(
        request,
        "webhooks/endpoint.html",
        ctx,
        endpoint=found,
        deliveries=rows,
        attempts=attempts,
        total=total,
        page=page,
        pages=max(1, math.ceil(total / PER_PAGE)),
        failed=failed,
        topic_labels=dict(_topics()),
        test_topic=service.TEST_TOPIC,
    )


@router.get("/{endpoint_id}/edit", response_class=HTMLResponse)
def edit(request: Request, ctx: AdminCtx, endpoint_id: int) -> HTMLResponse:
    found = service.endpoint(ctx, endpoint_id)
    return _form(
        request,
        ctx,
        endpoint=found,
        url=found.url,
        topics=found.topics,
        description=found.description,
        active=found.active,
    )


@router.post("/{endpoint_id}/edit", response_model=None)
def update(
    request: Request,
    ctx: AdminCtx,
    endpoint_id: int,
    url: Url = "",
    topics: Topics = None,
    description: Description = "",
    active: Annotated[bool, Form()] = False,
) -> HTMLResponse | RedirectResponse:
    found = service.endpoint(ctx, endpoint_id)
    try:
        service.update_endpoint(ctx, endpoint_id, url, topics or [], description, active)
    except Invalid as exc:
        ctx.session.rollback()
        return _form(
            request,
            ctx,
            endpoint=found,
            url=url,
            topics=topics or [],
            description=description,
            active=active,
            error=exc,
        )
    return redirect(request, _here(ctx, endpoint_id), "Endpoint saved.")


@router.post("/{endpoint_id}/secret", response_class=HTMLResponse)
def rotate(request: Request, ctx: AdminCtx, endpoint_id: int) -> HTMLResponse:
    return _secret_page(request, ctx, service.rotate_secret(ctx, endpoint_id), created=False)


def _outcome(d: Delivery) -> str:
    took = f"{d.seconds * 1000:,.0f} ms"
    if d.ok:
        return f"answered {d.status_code} in {took}."
    return f"failed after {took}: {d.error}"


@router.post("/{endpoint_id}/test")
def send_test(request: Request, ctx: AdminCtx, endpoint_id: int) -> RedirectResponse:
    delivery = service.send_test(ctx, endpoint_id)
    return redirect(request, _here(ctx, endpoint_id), f"Test event: {_outcome(delivery)}")


@router.post("/{endpoint_id}/deliveries/{delivery_id}/redeliver")
def redeliver(
    request: Request,
    ctx: AdminCtx,
    endpoint_id: int,
    delivery_id: int,
    failed: Annotated[bool, Form()] = False,
) -> RedirectResponse:
    back = _here(ctx, endpoint_id) + ("?failed=true" if failed else "")
    try:
        delivery = service.redeliver(ctx, endpoint_id, delivery_id)
    except Invalid as exc:
        return redirect(request, back, f"Not sent: {exc.message}")
    what = "Test event" if delivery.outbox_event_id == 0 else f"Event {delivery.outbox_event_id}"
    return redirect(request, back, f"{what} sent again: {_outcome(delivery)}")


@router.post("/{endpoint_id}/delete")
def delete(request: Request, ctx: AdminCtx, endpoint_id: int) -> RedirectResponse:
    found = service.endpoint(ctx, endpoint_id)
    url = found.url
    service.delete_endpoint(ctx, endpoint_id)
    return redirect(request, _here(ctx), f"Endpoint {url} deleted; it gets no more events.")
