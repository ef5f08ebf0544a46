"""A tenant's reminder thresholds, digest period and default language.

Tenant admins set them on **Message templates** (and ``GET|PUT /notifications/settings``).
Without a row a tenant gets the defaults below. The jobs that send reminders read them
per tenant (:func:`tenant_settings`, exported as ``commissary.notification_settings`` for
plugins such as the allowance's points-expiring reminders).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from commissary.context import Context
from commissary.errors import Invalid
from commissary.notifications.catalog import LANGUAGES
from commissary.notifications.models import NotificationSettings

DIGEST_PERIODS = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}
MAX_THRESHOLDS = 5
MAX_DAYS = 365
MAX_PERCENT = 200


@dataclass(frozen=True)
class ReminderSettings:
    points_expiring_days: tuple[int, ...] = (14, 3)
    approval_waiting_days: tuple[int, ...] = (2, 7)
    budget_percents: tuple[int, ...] = (80, 100)
    digest_period: str = "daily"

    @property
    def digest_interval(self) -> timedelta:
        return DIGEST_PERIODS[self.digest_period]


DEFAULTS = ReminderSettings()


def _row(session: Session, tenant_id: int) -> NotificationSettings | None:
    return session.scalar(
        select(NotificationSettings).where(NotificationSettings.tenant_id == tenant_id)
    )


def tenant_settings(session: Session, tenant_id: int) -> ReminderSettings:
    """The tenant's reminder settings, or the defaults."""
    row = _row(session, tenant_id)
    if row is None:
        return DEFAULTS
    return ReminderSettings(
        points_expiring_days=tuple(row.points_expiring_days),
        approval_waiting_days=tuple(row.approval_waiting_days),
        budget_percents=tuple(row.budget_percents),
        digest_period=row.digest_period,
    )


def all_tenant_settings(session: Session) -> dict[int, ReminderSettings]:
    """Every tenant's own settings (tenants missing here use :data:`DEFAULTS`): what a job
    that spans tenants reads once."""
    return {
        row.tenant_id: ReminderSettings(
            tuple(row.points_expiring_days),
            tuple(row.approval_waiting_days),
            tuple(row.budget_percents),
            row.digest_period,
        )
        for row in session.scalars(select(NotificationSettings))
    }


def _clean(values: list[int], what: str, low: int, high: int) -> tuple[int, ...]:
    if len(values) > MAX_THRESHOLDS:
        raise Invalid(f"{what}: at most {MAX_THRESHOLDS} values", field=what)
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise Invalid(
                f"{what}: each value must be a whole number from {low} to {high}", field=what
            )
    if len(set(values)) != len(values):
        raise Invalid(f"{what}: a value appears twice", field=what)
    return tuple(sorted(values, reverse=what == "points_expiring_days"))


def parse_list(text: str, what: str) -> list[int]:
    """``"14, 3"`` from a form field → ``[14, 3]``; Invalid (naming the field) otherwise."""
    parts = [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]
    try:
        return [int(p) for p in parts]
    except ValueError:
        raise Invalid(
            f"{what}: write whole numbers separated by commas, e.g. 14, 3", field=what
        ) from None


def save(
    ctx: Context,
    *,
    points_expiring_days: list[int],
    approval_waiting_days: list[int],
    budget_percents: list[int],
    digest_period: str,
    default_language: str | None = None,
) -> ReminderSettings:
    """Validate everything first, then store: bad input changes nothing."""
    wanted = ReminderSettings(
        points_expiring_days=_clean(points_expiring_days, "points_expiring_days", 1, MAX_DAYS),
        approval_waiting_days=_clean(approval_waiting_days, "approval_waiting_days", 1, MAX_DAYS),
        budget_percents=_clean(budget_percents, "budget_percents", 1, MAX_PERCENT),
        digest_period=digest_period,
    )
    if digest_period not in DIGEST_PERIODS:
        raise Invalid(
            f"digest_period must be one of {', '.join(DIGEST_PERIODS)}", field="digest_period"
        )
    if default_language is not None and default_language not in LANGUAGES:
        raise Invalid(
            f"default_language must be one of {', '.join(LANGUAGES)}", field="default_language"
        )
    row = _row(ctx.session, ctx.tenant.id)
    if row is None:
        row = NotificationSettings(tenant_id=ctx.tenant.id)
        ctx.session.add(row)
    row.points_expiring_days = list(wanted.points_expiring_days)
    row.approval_waiting_days = list(wanted.approval_waiting_days)
    row.budget_percents = list(wanted.budget_percents)
    row.digest_period = wanted.digest_period
    row.updated_by = ctx.actor.id if ctx.actor else None
    if default_language is not None and default_language != ctx.tenant.default_language:
        from commissary.tenants.models import Tenant

        tenant = ctx.session.get(Tenant, ctx.tenant.id)
        assert tenant is not None
        tenant.default_language = default_language
        ctx.tenant.default_language = default_language
    ctx.session.flush()
    return wanted
