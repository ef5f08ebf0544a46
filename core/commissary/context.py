"""The per-request context handed to services and to per-request hooks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy.orm import Session

from commissary.db import utcnow

if TYPE_CHECKING:
    from commissary.hooktypes import PluginSettings
    from commissary.identity.models import User
    from commissary.plugins import TenantHooks
    from commissary.tenants.models import Tenant

S = TypeVar("S", bound="PluginSettings")


@dataclass
class Context:
    """Who acts, for which tenant, in which transaction, with which plugins enabled.

    Services take it explicitly: no thread-local or global request state anywhere.
    """

    tenant: Tenant
    session: Session
    hooks: TenantHooks
    actor: User | None = None
    now: datetime = field(default_factory=utcnow)
    # Per-request memo for what several services need once per request (the actor's
    # catalog access, preloaded prices); never shared between requests.
    memo: dict[str, Any] = field(default_factory=dict)

    def settings(self, model: type[S]) -> S:
        """This tenant's validated settings for the plugin that declared ``model``."""
        return self.hooks.settings(model)
