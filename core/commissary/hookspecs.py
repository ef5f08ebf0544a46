"""The hook catalogue: every hook a Commissary plugin can implement.

Three kinds, and the name says which:

* ``register_*`` — called once at start-up; return provider classes or specs.
* pipelines and decisions — called per request with ``ctx``; ``validate_*`` and
  ``*_requirements`` collect a list from every plugin, ``resolve_*`` stop at the first
  non-``None`` answer (``firstresult``). They return values and never write.
* events ``on_*`` — delivered after commit through the outbox by the worker; a failure
  is retried and never reaches the request that caused it.

Only plugins enabled for the tenant take part in per-request hooks and events. An
implementation may accept a subset of the arguments; arguments are only ever added.
Every hook has a reference entry in ``docs/hooks.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from commissary.catalog.models import Sku
    from commissary.context import Context
    from commissary.hooktypes import (
        ApprovalRequirement,
        ApprovalRuleType,
        MenuLink,
        MigrationSource,
        OrderDraft,
        PluginRoutes,
        PluginSettings,
        PriceAdjustment,
        PriceQuote,
        Problem,
        Theme,
    )
    from commissary.jobs.schedule import ScheduledJob
    from commissary.payments.base import PaymentMethod

PROJECT = "commissary"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


# ---------------------------------------------------------------------------------------
# Registration: called once at start-up
# ---------------------------------------------------------------------------------------


@hookspec
def register_settings_model() -> type[PluginSettings] | None:
    """Declare the pydantic model of this plugin's per-tenant settings.

    Called once at start-up. The core attributes the model to the plugin that returned it,
    validates every tenant's stored settings with it on save (invalid settings are never
    stored), renders the settings form from it and redacts its ``SecretStr`` fields.

    :return: a :class:`~commissary.PluginSettings` subclass, or ``None``.
    """


@hookspec
def register_migrations() -> MigrationSource | None:
    """Declare the Alembic revisions for this plugin's own tables.

    Called by ``commissary db upgrade`` and Alembic's ``env.py``. Sources of every
    *installed* plugin are used, enabled or not, so applied revisions always resolve.
    The first revision uses ``branch_labels=(source.branch_label,)`` and
    ``depends_on`` the core revision it needs.

    :return: a :class:`~commissary.MigrationSource`, or ``None``.
    """


@hookspec
def register_payment_methods() -> list[type[PaymentMethod]]:
    """Offer ways to pay (points allowance, purchase order, card ...).

    Called once at start-up. A method is listed at checkout only for tenants where the
    plugin that registered it is enabled.

    :return: a list of :class:`~commissary.PaymentMethod` subclasses.
    """


@hookspec
def register_routes() -> PluginRoutes | None:
    """Add API routes and pages under every tenant.

    Called once at start-up. ``routes.api`` is mounted at ``/t/<slug>/api/v1`` and
    ``routes.pages`` at ``/t/<slug>``; both answer 404 for tenants where the plugin is not
    enabled. Use the dependency aliases from :mod:`commissary` (``CtxDep``, ``ActorDep`` ...).

    :return: a :class:`~commissary.PluginRoutes`, or ``None``.
    """


@hookspec
def register_template_dirs() -> list[str]:
    """Add folders of Jinja2 templates (for a plugin's pages).

    Called once at start-up. Plugin folders are searched before the theme, so name
    templates under a folder of the plugin's own (``allowance/wallet.html``).

    :return: a list of folder paths.
    """


@hookspec
def register_themes() -> list[Theme]:
    """Offer themes: a templates folder, a static folder and an optional parent theme.

    Called once at start-up. A theme's templates override its parent's by name.

    :return: a list of :class:`~commissary.Theme`.
    """


@hookspec
def register_approval_rule_types() -> list[ApprovalRuleType]:
    """Offer kinds of approval rule that tenant admins can configure.

    Called once at start-up. Each :class:`~commissary.ApprovalRuleType` has a unique
    ``key``, a ``label`` for the rule editor, a pydantic ``settings`` model (validates each
    rule's settings; the editor renders its form from it) and an ``evaluate(ctx, draft,
    settings)`` function that returns a :class:`~commissary.RuleMatch` when a configured
    rule of this type applies to an order draft. A type is offered only to tenants where
    the plugin that registered it is enabled; configured rules are evaluated at
    submission through ``approval_requirements`` by the core. Keys must be unique across
    plugins (prefix them with the plugin's name).

    :return: a list of :class:`~commissary.ApprovalRuleType`.
    """


# ---------------------------------------------------------------------------------------
# Per request: pipelines and decisions (return values, never write)
# ---------------------------------------------------------------------------------------


@hookspec
def menu_links(ctx: Context) -> list[MenuLink]:
    """Add links to the portal's navigation for the current user.

    Called on every page render. ``ctx.actor`` is the signed-in user; return only links
    they may follow.

    :return: a list of :class:`~commissary.MenuLink`.
    """


@hookspec(firstresult=True)
def resolve_unit_price(ctx: Context, sku: Sku, quantity: int) -> PriceQuote | None:
    """Decide the unit price in points of ``quantity`` of ``sku`` for ``ctx.actor``.

    Called for every cart line and at submission. **firstresult**: the first plugin that
    returns a quote wins; return ``None`` to pass. The core's list-price resolver is
    registered ``trylast``, so any plugin answer overrides it.

    :return: a :class:`~commissary.PriceQuote`, or ``None``.
    """


@hookspec
def adjust_unit_price(
    ctx: Context, sku: Sku, category_id: int | None, quantity: int, quote: PriceQuote
) -> list[PriceAdjustment]:
    """Adjust a resolved unit price: a promotion, a surcharge, a loyalty discount.

    Called after ``resolve_unit_price`` for every priced line (catalog listings, cart,
    checkout), with the SKU's product category and the resolved ``quote`` (its ``steps``
    say how it was reached). Every
    enabled plugin's adjustments apply, in ascending ``order`` then ``source``: a
    ``percent`` multiplies the running unit price, ``points`` add to it, and the price
    never goes below zero. The line is rounded once, after all adjustments. Keep it cheap
    and side-effect free: it runs for every SKU on a listing page.

    :return: a list of :class:`~commissary.PriceAdjustment` (empty for none).
    """


@hookspec
def validate_order(ctx: Context, draft: OrderDraft) -> list[Problem]:
    """Refuse an order before it is written.

    Called at submission, after pricing and before stock and payment. Any problem from
    any plugin blocks the submission; its message is shown to the buyer and nothing
    changes.

    :return: a list of :class:`~commissary.Problem` (empty to accept).
    """


@hookspec
def approval_requirements(ctx: Context, draft: OrderDraft) -> list[ApprovalRequirement]:
    """Say which approvals an order needs.

    Called at submission for every enabled plugin. The order waits for approval when any
    requirement is returned, and is approved at once when none is. The core's built-in
    rule ("above N points needs the location manager") is itself an implementation.

    :return: a list of :class:`~commissary.ApprovalRequirement` (empty: nothing needed).
    """


# ---------------------------------------------------------------------------------------
# Events: delivered after commit through the outbox, retried on failure
# ---------------------------------------------------------------------------------------


@hookspec
def on_order_submitted(ctx: Context, event: dict[str, Any]) -> None:
    """An order was submitted.

    Delivered by the worker after the order committed. ``event`` holds ``order_id``,
    ``buyer_id``, ``status`` and ``total_points``. ``ctx.actor`` is ``None``. Raise to
    have the event retried with backoff.
    """


@hookspec
def on_order_decided(ctx: Context, event: dict[str, Any]) -> None:
    """An approver decided some or all lines of an order.

    Delivered by the worker after the decision committed.
    ``event`` holds ``order_id``, ``status``, ``approver_id`` and ``lines``: a list of
    ``{"line_id", "status", "reason"}`` for the lines decided now.
    """


@hookspec
def on_order_cancelled(ctx: Context, event: dict[str, Any]) -> None:
    """Some or all lines of an order were cancelled by the buyer or a manager.

    Delivered by the worker after the cancellation committed (held points released,
    spent points refunded, stock returned in the same transaction).
    ``event`` holds ``order_id``, ``status`` (the order's status now), ``actor_id``,
    ``reason``, ``lines`` (``{"line_id", "sku_code"}`` of the cancelled lines),
    ``released_points`` and ``refunded_points``.
    """


@hookspec
def on_order_amended(ctx: Context, event: dict[str, Any]) -> None:
    """A placed order was changed: quantities, lines added or removed, or its ship-to.

    Delivered by the worker after the amendment committed. ``event`` holds ``order_id``,
    ``version`` (the new version number), ``status``, ``note``, ``lines`` (each
    ``{"line_id", "sku_code", "from", "to"}``; ``line_id`` is None for added lines),
    ``location`` (``{"from", "to"}``, only when the ship-to changed) and ``approval``
    (the reasons of the rules the change must pass; empty when nothing waits).
    """


@hookspec
def on_order_shipped(ctx: Context, event: dict[str, Any]) -> None:
    """A shipment of an order left a warehouse (one event per shipment).

    Delivered by the worker after the shipment committed. ``event`` holds ``order_id``,
    ``order_status`` (``shipped`` once every live line shipped in full, otherwise still
    ``in_fulfilment``: a partial shipment), ``shipment_id``, ``warehouse_id``,
    ``carrier``, ``tracking_number`` and ``lines``: ``[{"line_id", "quantity"}]``.
    Raise to have the event retried with backoff.
    """


@hookspec
def on_order_delivered(ctx: Context, event: dict[str, Any]) -> None:
    """A shipment of an order was marked delivered (one event per shipment).

    Delivered by the worker after the change committed. ``event`` holds the same keys as
    :func:`on_order_shipped`; ``order_status`` is ``delivered`` once every live line's
    units all arrived.
    """


@hookspec
def on_stock_low(ctx: Context, event: dict[str, Any]) -> None:
    """A SKU's available stock dropped to or below its low-stock threshold.

    Delivered by the worker after the change that crossed the threshold committed (an
    order reserving stock, or a stock adjustment). ``event`` holds ``sku_id``,
    ``available`` (tenant-wide on hand minus reserved, after the change) and
    ``threshold``. Emitted once per crossing: again only after stock rose above the
    threshold and fell to it anew.
    """


@hookspec
def on_points_granted(ctx: Context, event: dict[str, Any]) -> None:
    """A manager granted points to a user (emitted by the allowance plugin).

    Delivered by the worker after the grant committed.
    ``event`` holds ``user_id``, ``points``, ``reason`` and ``granted_by``.
    """


# ---------------------------------------------------------------------------------------
# Notifications (issue 7): rendered messages, reminders and scheduled jobs
# ---------------------------------------------------------------------------------------


@hookspec
def register_jobs() -> list[ScheduledJob]:
    """Declare scheduled jobs (reminders, clean-ups) run by the outbox worker.

    Called once per worker at start-up. Each worker runs a job every
    ``job.every_seconds``; several workers may run it at about the same time, so a job
    must be safe to overlap (key what it sends, as the reminder jobs do).

    :return: a list of :class:`~commissary.jobs.schedule.ScheduledJob`.
    """


@hookspec
def outbox_batch_finished() -> None:
    """The worker finished delivering a batch of outbox events (up to 100).

    Called in the worker, after the batch's handlers returned (or were abandoned at their
    timeout) and its outcome was recorded, for every installed plugin, with no tenant.
    Release what was kept for the batch: the ``email`` plugin closes the SMTP sessions its
    messages shared. An exception is logged and ignored. Not ``firstresult``; returns
    nothing.
    """


@hookspec
def on_notification(ctx: Context, event: dict[str, Any]) -> None:
    """A rendered notification is ready for one person: channels deliver it.

    Delivered by the worker after the notification service rendered it. ``event`` holds ``id``,
    ``kind``, ``language``, ``user_id``, ``email``, ``name``, ``subject``, ``text``,
    ``html`` and ``source`` (the topic that caused it). A channel plugin (email, ...)
    sends it; raise to have it retried with backoff for this channel only. ``id`` is
    unique per message (and stays the same when a delivery is retried): use it to send
    at most once per channel where the channel allows (e-mail ``Message-ID``).
    """


@hookspec
def on_approval_waiting(ctx: Context, event: dict[str, Any]) -> None:
    """An order has waited for approval longer than the tenant's reminder threshold.

    Delivered by the worker after the reminder job found it. ``event`` holds
    ``order_id``, ``buyer_id``, ``days`` (how long it waited) and ``approver_ids``.
    Emitted once per order and threshold.
    """


@hookspec
def on_approval_escalated(ctx: Context, event: dict[str, Any]) -> None:
    """An approval step waited too long and moved to the next approver.

    Delivered by the worker after the escalation job committed. ``event`` holds
    ``order_id``, ``buyer_id``, ``level``, ``rule``, ``days`` (how long it had waited),
    ``from_user_id`` (``None`` for a role), ``to_user_id`` and ``to_role`` (one of them is
    set: the next manager up the location tree, or the ``tenant_admin`` role at the top).
    Emitted once per step escalation; raise to have it retried with backoff.
    """


@hookspec
def on_points_expiring(ctx: Context, event: dict[str, Any]) -> None:
    """A user's points lot expires soon (emitted by the wallet's reminder job).

    Delivered by the worker. ``event`` holds ``user_id``, ``lot_id``, ``points``,
    ``expires_at`` (ISO 8601) and ``days`` (the threshold that fired). Emitted once per
    user, lot and threshold through the reminder dedupe key.
    """


@hookspec
def on_budget_threshold(ctx: Context, event: dict[str, Any]) -> None:
    """A budget reached a threshold (80 or 100 percent) of its amount.

    Delivered by the worker. ``event`` holds ``budget_id``, ``location_id``, ``period``
    (``2026-11``, ``2026-Q4``), ``user_ids`` (who to tell), ``percent``, ``spent`` and
    ``amount``. Emitted by :mod:`commissary.budgets` once per budget, period and threshold
    through the reminder dedupe key.
    """


@hookspec
def on_points_expired(ctx: Context, event: dict[str, Any]) -> None:
    """What was left of a user's points lot expired (emitted by the allowance expiry job).

    Delivered by the worker after the expiry committed: the ``points_expired`` event is
    written in the same transaction as the ledger entry that took the points. ``event``
    holds ``user_id``, ``wallet_id``, ``lot_id``, ``points`` (how many expired) and
    ``expired_at`` (ISO 8601, when the lot was due). Emitted once per lot and user: the
    job locks the wallet and replays its ledger, so a second or concurrent run finds
    nothing left to expire. Not ``firstresult``; raise to have it retried with backoff.
    """


@hookspec
def on_sync_failed(ctx: Context, event: dict[str, Any]) -> None:
    """A sync with another system failed: an import was refused, a connector's run broke.

    Delivered by the worker after the report committed. Emitted through
    :func:`commissary.sync.report_sync_failure` (exported as
    ``commissary.report_sync_failure``) in the reporting transaction, by the core's CSV
    imports of locations and assignments and by integration plugins (ERP connectors,
    supplier feeds). ``event`` holds ``source`` (what failed, in words: ``"locations
    import"``), ``detail`` (what went wrong, at most 2,000 characters) and ``failed_at``
    (ISO 8601). Emitted once per failed run. Not ``firstresult``.
    """


@hookspec
def on_user_invited(ctx: Context, event: dict[str, Any]) -> None:
    """A tenant admin invited a person (page or API); they choose their password through
    a single-use link.

    Delivered by the worker after the invitation committed (the event is written in the
    same transaction as the new account). ``event`` holds ``user_id``, ``email``,
    ``name``, ``roles``, ``location_id``, ``language``, ``invited_by`` (the admin's user
    id), ``invite_id`` and ``expires_at`` (ISO 8601). It never carries the link: the
    invitee's message, which does, is rendered in the inviting transaction and goes out
    as a ``notification`` event. Emitted on every invitation, re-sent ones included.
    Not ``firstresult``.
    """
