"""Deployment settings, read once from the environment (prefix ``COMMISSARY_``).

Per-tenant configuration lives in the database, never here: this module only
holds what the operator decides for the whole deployment.
"""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COMMISSARY_", extra="ignore")

    database_url: str = "sqlite:///var/commissary.sqlite"
    # Test each pooled connection with a round trip before use. Off by default: it costs a
    # round trip per request, and a connection broken by a database restart is discarded
    # (with the whole pool) on the first error anyway.
    database_pre_ping: bool = False
    # Signs CSRF tokens. A random default keeps a dev server safe; production sets it so that
    # every app process agrees.
    secret_key: str = Field(default_factory=lambda: secrets.token_urlsafe(32))
    # Cookies get the Secure flag unless the operator serves plain HTTP on purpose (dev, tests).
    secure_cookies: bool = False
    session_hours: int = 12
    api_token_days: int = 30
    login_max_failures: int = 5
    login_window_minutes: int = 15
    # Plugin names the operator blocks deployment-wide, whatever tenants enable.
    disabled_plugins: list[str] = []
    # Load plugins from the ``commissary`` entry-point group (tests switch this off).
    load_entrypoints: bool = True
    # Run the outbox worker in a thread of the web process (the embedded default).
    inprocess_worker: bool = True
    data_dir: Path = Path("var")
    # The theme every portal is rendered with (a theme installed through register_themes).
    theme: str = "default"
    # Re-read a template when its file changes (for people editing a theme). Off, each
    # render saves a stat() of every template it uses.
    template_reload: bool = True
    # Where people reach this deployment ("https://portal.example.com"): links in mails are
    # absolute from it (a tenant with its own host name gets links on that host). Unset,
    # mails link relative to the site, which is fine for a demo only.
    public_url: str | None = None
    # Take what is alive once a web process has started (modules, routes, schemas,
    # templates: about 300,000 objects) out of the cyclic garbage collector's sight
    # (gc.freeze). Each full collection walked all of them: 200-700 ms of one worker's time,
    # several times a minute under load, which set a busy portal's slowest responses. Off
    # in tests, which start many apps in one process.
    gc_freeze: bool = True
    # Where "/" sends visitors (the demo's portal); otherwise to the operator console.
    default_tenant: str | None = None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
