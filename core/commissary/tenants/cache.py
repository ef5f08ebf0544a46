"""Per-process caches of tenant configuration, valid until the configuration changes.

Every change that such a cache depends on bumps the tenant's ``config_version``
(:func:`commissary.tenants.service.bump_config`), so a value keyed by (tenant, version)
never needs invalidating: the next request asks for the new version. Values are kept per
engine, because ids and versions mean nothing across databases (tests run many in one
process), and a cache past ``limit`` keys starts again empty rather than growing.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar
from weakref import WeakKeyDictionary

from commissary.context import Context

T = TypeVar("T")


class ConfigCache(Generic[T]):
    def __init__(self, limit: int = 10_000) -> None:
        self.limit = limit
        self._by_engine: WeakKeyDictionary[Any, dict[tuple[Hashable, ...], T]] = WeakKeyDictionary()

    def _values(self, ctx: Context) -> dict[tuple[Hashable, ...], T]:
        return self._by_engine.setdefault(ctx.session.get_bind(), {})

    def _key(self, ctx: Context, extra: tuple[Hashable, ...]) -> tuple[Hashable, ...]:
        return (ctx.tenant.id, ctx.tenant.config_version, *extra)

    def get(self, ctx: Context, load: Callable[[], T], *extra: Hashable) -> T:
        """The cached value for this tenant's configuration (and ``extra``), loaded once."""
        values = self._values(ctx)
        key = self._key(ctx, extra)
        if key in values:
            return values[key]
        found = load()
        if len(values) >= self.limit:
            values.clear()
        values[key] = found
        return found

    def peek(self, ctx: Context, *extra: Hashable) -> T | None:
        """The cached value if there is one, without loading (for error pages)."""
        return self._values(ctx).get(self._key(ctx, extra))


__all__ = ["ConfigCache"]
