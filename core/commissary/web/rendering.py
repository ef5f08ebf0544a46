"""Jinja2 rendering with the tenant's theme, plugin templates and the common page variables."""

from __future__ import annotations

from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PrefixLoader, select_autoescape

from commissary.context import Context
from commissary.hooktypes import MenuLink, Theme
from commissary.identity.permissions import permissions_of
from commissary.plugins import PluginHost
from commissary.web import csrf

FLASH_COOKIE = "flash"
# The form token of the page being rendered, for the ``csrf()`` macro: macros are imported
# without context (built once, see _macros.html), so they cannot read ``csrf_token``.
_rendering_csrf: ContextVar[str | None] = ContextVar("rendering_csrf", default=None)


def csrf_token_now() -> str:
    token = _rendering_csrf.get()
    if token is None:
        raise RuntimeError("csrf_token_now() is for templates rendered by render()")
    return token


DEFAULT_THEME = "default"


def theme_chain(themes: dict[str, Theme], name: str) -> list[Theme]:
    chain: list[Theme] = []
    current: str | None = name
    while current is not None:
        if current not in themes or any(t.name == current for t in chain):
            raise RuntimeError(f"theme {current!r} is not installed (or inherits in a loop)")
        chain.append(themes[current])
        current = themes[current].parent
    return chain


def build_environment(
    host: PluginHost, theme: str = DEFAULT_THEME, *, auto_reload: bool = True
) -> Environment:
    if theme not in host.themes:
        raise RuntimeError(
            f"theme {theme!r} is not installed (pip install -e themes/default for the default)"
        )
    chain = theme_chain(host.themes, theme)
    folders = [*host.template_dirs, *(str(t.templates) for t in chain)]
    # Every theme's templates are also reachable as "<theme>/<name>", so a child theme can
    # override base.html with {% extends "default/base.html" %} and change a block or two.
    by_theme = PrefixLoader({t.name: FileSystemLoader(str(t.templates)) for t in chain})
    env = Environment(
        loader=ChoiceLoader([*(FileSystemLoader(folder) for folder in folders), by_theme]),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=auto_reload,
    )

    @cache
    def static(filename: str) -> str:
        """The URL of a theme file: the child theme's copy wins over its parent's."""
        for t in chain:
            if t.static and (t.static / filename).is_file():
                return f"/static/{t.name}/{filename}"
        raise LookupError(f"no theme has static file {filename!r}")

    env.globals["static"] = static
    env.globals["csrf_token_now"] = csrf_token_now
    env.globals["page_window"] = page_window
    env.filters["points"] = lambda n: f"{int(n or 0):,}"
    env.filters["urlquote"] = lambda s: quote(str(s), safe="")
    env.filters["dt"] = lambda d: d.strftime("%d %b %Y, %H:%M") if d else ""
    env.filters["date"] = lambda d: d.strftime("%d %b %Y") if d else ""
    return env


def page_window(page: int, pages: int) -> list[int]:
    """The page numbers a pagination bar links: the first, the last and two either side
    of ``page`` (the macro shows a gap where numbers are skipped)."""
    return [n for n in range(1, pages + 1) if n in (1, pages) or abs(n - page) <= 2]


def static_dirs(host: PluginHost, theme: str = DEFAULT_THEME) -> list[tuple[str, Path]]:
    return [(t.name, t.static) for t in theme_chain(host.themes, theme) if t.static]


def render(
    request: Request,
    template: str,
    ctx: Context | None = None,
    status_code: int = 200,
    **variables: Any,
) -> HTMLResponse:
    env: Environment = request.app.state.templates
    tenant = ctx.tenant if ctx else getattr(request.state, "tenant", None)
    actor = ctx.actor if ctx else getattr(request.state, "actor", None)
    links: list[MenuLink] = []
    if ctx is not None and actor is not None:
        links = [link for result in ctx.hooks.menu_links(ctx=ctx) for link in result]
    raw_flash = request.cookies.get(FLASH_COOKIE)
    flash = unquote(raw_flash) if raw_flash else None
    token = csrf.token_for(request)
    rendering = _rendering_csrf.set(token)
    try:
        page = env.get_template(template).render(
            request=request,
            tenant=tenant,
            actor=actor,
            operator=getattr(request.state, "operator", None),
            perms={p.value for p in permissions_of(actor)} if actor else set(),
            plugin_links=links,
            csrf_token=token,
            flash=flash,
            base=f"/t/{tenant.slug}" if tenant else "",
            **variables,
        )
    finally:
        _rendering_csrf.reset(rendering)
    response = HTMLResponse(page, status_code=status_code)
    _set_csrf_cookie(request, response)
    if flash:
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response


def _set_csrf_cookie(request: Request, response: HTMLResponse | RedirectResponse) -> None:
    fresh = getattr(request.state, "new_csrf", None)
    if fresh:
        response.set_cookie(
            csrf.COOKIE,
            fresh,
            httponly=True,
            samesite="lax",
            secure=request.app.state.settings.secure_cookies,
            path="/",
        )


def redirect(request: Request, url: str, flash: str | None = None) -> RedirectResponse:
    """A 303 after a form post, with an optional one-time message for the next page."""
    response = RedirectResponse(url, status_code=303)
    if flash:
        response.set_cookie(
            FLASH_COOKIE,
            quote(flash[:300]),
            httponly=True,
            samesite="lax",
            secure=request.app.state.settings.secure_cookies,
            path="/",
            max_age=60,
        )
    return response
