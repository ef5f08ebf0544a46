"""The plugin host: one ``PluginManager`` per app, filtered per tenant.

Plugins are found in the ``commissary`` entry-point group and in the list handed to the
app factory (tests, examples). Core features that read naturally as plugins (the list-price
resolver, the built-in approval rule) are registered as *core plugins*: never disabled.

Per request, ``TenantHooks`` removes the plugins a tenant has not enabled with
``pm.subset_hook_caller`` and caches the callers per tenant and configuration version.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING, Any, TypeVar

import importlib_metadata
import pluggy
from pydantic import ValidationError

from commissary import hookspecs
from commissary.errors import Invalid
from commissary.hooktypes import MigrationSource, PluginRoutes, PluginSettings, Theme

if TYPE_CHECKING:
    from commissary.payments.base import PaymentMethod

log = logging.getLogger(__name__)
S = TypeVar("S", bound=PluginSettings)
CORE_PLUGINS = (
    "commissary.pricing.builtin",
    "commissary.approvals.builtin",
    "commissary.notifications",
    "commissary.payments.plugin",
    "commissary.entitlements.plugin",
    "commissary.budgets.plugin",
)


@dataclass
class PluginInfo:
    name: str
    version: str
    module: str
    core: bool
    hooks: list[str] = field(default_factory=list)
    settings_model: type[PluginSettings] | None = None


class PluginHost:
    """Everything installed, discovered once at start-up."""

    def __init__(
        self,
        extra: Iterable[tuple[str, object]] = (),
        *,
        load_entrypoints: bool = True,
        blocked: Iterable[str] = (),
    ) -> None:
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.info: dict[str, PluginInfo] = {}
        self._tenant_cache: dict[tuple[int, int], TenantHooks] = {}
        self._cache_lock = threading.Lock()
        for blocked_name in blocked:
            self.pm.set_blocked(blocked_name)
        for module_name in CORE_PLUGINS:
            module = __import__(module_name, fromlist=["_"])
            self._register(module_name, module, version="core", core=True)
        if load_entrypoints:
            for ep in importlib_metadata.entry_points(group=hookspecs.PROJECT):
                if self.pm.is_blocked(ep.name) or ep.name in self.info:
                    continue
                try:
                    plugin = ep.load()
                except Exception:  # a broken plugin must not take the deployment down
                    log.exception("plugin %s failed to import; skipped", ep.name)
                    continue
                version = ep.dist.version if ep.dist else "?"
                self._register(ep.name, plugin, version=version, core=False)
        for name, plugin in extra:
            if name not in self.info and not self.pm.is_blocked(name):
                self._register(name, plugin, version="local", core=False)
        self.pm.check_pending()
        self._collect_registrations()

    def _register(self, name: str, plugin: object, *, version: str, core: bool) -> None:
        self.pm.register(plugin, name=name)
        module = plugin.__name__ if isinstance(plugin, ModuleType) else type(plugin).__module__
        self.info[name] = PluginInfo(name=name, version=version, module=module, core=core)

    def _collect_registrations(self) -> None:
        for info in self.info.values():
            plugin = self.pm.get_plugin(info.name)
            info.hooks = sorted(caller.name for caller in self.pm.get_hookcallers(plugin) or [])
        self.settings_models: dict[str, type[PluginSettings]] = {}
        self.payment_methods: dict[str, tuple[str, type[PaymentMethod]]] = {}
        self.routes: list[tuple[str, PluginRoutes]] = []
        self.template_dirs: list[str] = []
        self.themes: dict[str, Theme] = {}
        self.migrations: list[MigrationSource] = []
        for name in self.names():
            plugin = self.pm.get_plugin(name)
            model = self._call_one(plugin, "register_settings_model")
            if model is not None:
                self.settings_models[name] = model
                self.info[name].settings_model = model
            for method in self._call_one(plugin, "register_payment_methods") or []:
                if method.identifier in self.payment_methods:
                    raise RuntimeError(f"two plugins register payment method {method.identifier}")
                self.payment_methods[method.identifier] = (name, method)
            routes = self._call_one(plugin, "register_routes")
            if routes is not None:
                self.routes.append((name, routes))
            self.template_dirs.extend(self._call_one(plugin, "register_template_dirs") or [])
            for theme in self._call_one(plugin, "register_themes") or []:
                self.themes[theme.name] = theme
            source = self._call_one(plugin, "register_migrations")
            if source is not None:
                self.migrations.append(source)

    def _call_one(self, plugin: object, hook_name: str) -> Any:
        """Call one registration hook on one plugin, so results keep their owner."""
        impl = getattr(plugin, hook_name, None)
        if impl is None or not hasattr(impl, hookspecs.PROJECT + "_impl"):
            return None
        return impl()

    def names(self) -> list[str]:
        """Core plugins first, then the rest by name: the order of every collected result."""
        core = [n for n in self.info if self.info[n].core]
        return core + sorted(n for n in self.info if not self.info[n].core)

    def is_core(self, name: str) -> bool:
        return name in self.info and self.info[name].core

    def is_tenant_plugin(self, name: str) -> bool:
        """Whether enabling ``name`` per tenant means anything: themes are chosen for the
        whole deployment, so a plugin that only registers themes is not listed per tenant."""
        info = self.info.get(name)
        return info is not None and not info.core and set(info.hooks) != {"register_themes"}

    def owner_of_settings(self, model: type[PluginSettings]) -> str:
        for name, candidate in self.settings_models.items():
            if candidate is model:
                return name
        raise LookupError(f"{model.__name__} is not a registered settings model")

    def validate_settings(self, name: str, raw: dict[str, Any]) -> dict[str, Any]:
        """Validate and normalise settings for storage; invalid settings are refused."""
        model = self.settings_models.get(name)
        if model is None:
            if raw:
                raise Invalid(f"plugin {name} takes no settings")
            return {}
        try:
            parsed = model.model_validate(raw)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
            )
            raise Invalid(f"invalid settings for {name}: {problems}") from exc
        stored: dict[str, Any] = parsed.model_dump(mode="json")
        for key, value in parsed:
            if hasattr(value, "get_secret_value"):
                stored[key] = value.get_secret_value()
        return stored

    def for_tenant(
        self,
        tenant_id: int,
        version: int,
        load_enabled: Callable[[], dict[str, dict[str, Any]]],
    ) -> TenantHooks:
        """Hook callers for one tenant, cached per tenant and configuration version."""
        key = (tenant_id, version)
        with self._cache_lock:
            hooks = self._tenant_cache.get(key)
            if hooks is None:
                if len(self._tenant_cache) > 1000:
                    self._tenant_cache.clear()
                hooks = TenantHooks(self, load_enabled())
                self._tenant_cache[key] = hooks
        return hooks


class TenantHooks:
    """Hook callers that see only the core and the plugins a tenant has enabled."""

    def __init__(self, host: PluginHost, enabled_settings: dict[str, dict[str, Any]]) -> None:
        self.host = host
        self.enabled = frozenset(n for n in host.info if host.is_core(n) or n in enabled_settings)
        self._raw_settings = enabled_settings
        self._settings: dict[str, PluginSettings] = {}
        disabled = [host.pm.get_plugin(n) for n in host.info if n not in self.enabled]
        self._remove = {p for p in disabled if p is not None}
        self._callers: dict[str, Any] = {}
        self._implementers: dict[str, tuple[str, ...]] = {}

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        caller = self._callers.get(name)
        if caller is None:
            caller = self.host.pm.subset_hook_caller(name, remove_plugins=self._remove)
            self._callers[name] = caller
        return caller

    def is_enabled(self, name: str) -> bool:
        return name in self.enabled

    def implementers(self, hook: str) -> tuple[str, ...]:
        """The plugins (core ones included) that implement ``hook`` for this tenant, in
        call order: lets hot paths skip the hook machinery when only the core answers."""
        found = self._implementers.get(hook)
        if found is None:
            found = tuple(
                impl.plugin_name for impl in reversed(getattr(self, hook).get_hookimpls())
            )
            self._implementers[hook] = found
        return found

    def settings(self, model: type[S]) -> S:
        name = self.host.owner_of_settings(model)
        cached = self._settings.get(name)
        if cached is None:
            cached = model.model_validate(self._raw_settings.get(name, {}))
            self._settings[name] = cached
        assert isinstance(cached, model)
        return cached

    def payment_methods(self) -> list[tuple[str, type[PaymentMethod]]]:
        """Enabled payment methods as (identifier, class), in plugin order."""
        return [
            (identifier, cls)
            for identifier, (owner, cls) in self.host.payment_methods.items()
            if owner in self.enabled
        ]
