"""The tenant's split-tender policy: which methods pay what points do not cover, in which
order they are offered, whether employees may use their own card, and what a point is
worth in money. No policy row means points only (the default)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select

from commissary.context import Context
from commissary.errors import Invalid
from commissary.money import POINTS
from commissary.payments.base import CheckoutField
from commissary.payments.models import PaymentPolicy


@dataclass(frozen=True)
class PaymentChoice:
    """The buyer's choice for the remainder: a method identifier and its details."""

    method: str
    data: Mapping[str, str] = field(default_factory=dict)


def policy_for(ctx: Context) -> PaymentPolicy | None:
    return ctx.session.scalar(select(PaymentPolicy))


def set_policy(
    ctx: Context,
    *,
    remainder_methods: list[str],
    employee_card: bool,
    currency: str,
    point_value: Decimal,
) -> PaymentPolicy:
    """Create or replace the tenant's policy; every named method must be enabled here."""
    enabled = dict(ctx.hooks.payment_methods())
    if len(set(remainder_methods)) != len(remainder_methods):
        raise Invalid("name each remainder method once")
    for identifier in remainder_methods:
        cls = enabled.get(identifier)
        if cls is None:
            raise Invalid(f"payment method {identifier} is not enabled for this portal")
        if cls.currency == POINTS:
            raise Invalid(f"{identifier} pays in points; points are always the first tender")
    if point_value <= 0:
        raise Invalid("a point must be worth more than nothing")
    policy = policy_for(ctx)
    if policy is None:
        policy = PaymentPolicy(tenant_id=ctx.tenant.id)
        ctx.session.add(policy)
    policy.remainder_methods = list(remainder_methods)
    policy.employee_card = employee_card
    policy.currency = currency
    policy.point_value = point_value
    ctx.session.flush()
    return policy


@dataclass(frozen=True)
class RemainderOption:
    """A method the checkout page offers for what points do not cover, with its inputs."""

    identifier: str
    label: str
    fields: list[CheckoutField]
    point_value: Decimal
    currency: str


def remainder_options(ctx: Context, payer_id: int) -> list[RemainderOption]:
    """The tenant's remainder methods this payer can use on the page, in policy order.

    Personal methods (the employee's own card) only where the policy allows them; a
    method that says it cannot be offered here (``checkout_fields`` is None) is left out.
    """
    policy = policy_for(ctx)
    if policy is None or not policy.remainder_methods:
        return []
    enabled = dict(ctx.hooks.payment_methods())
    options: list[RemainderOption] = []
    for identifier in policy.remainder_methods:
        cls = enabled.get(identifier)
        if cls is None or (cls.personal and not policy.employee_card):
            continue
        method = cls(ctx)
        if not method.is_available(payer_id):
            continue
        fields = method.checkout_fields(payer_id)
        if fields is None:
            continue
        options.append(
            RemainderOption(identifier, cls.label, fields, policy.point_value, policy.currency)
        )
    return options
