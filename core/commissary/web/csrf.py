"""CSRF protection for cookie-authenticated forms: a signed double-submit token.

The ``csrftoken`` cookie holds ``random.signature``; every form posts the same value
back. A cross-site page can neither read the cookie nor forge a signed value, and API
routes take bearer tokens only, so they need no token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request

from commissary.errors import Forbidden

COOKIE = "csrftoken"
FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _sign(secret: str, nonce: str) -> str:
    return hmac.new(secret.encode(), nonce.encode(), hashlib.sha256).hexdigest()[:32]


def new_token(secret: str) -> str:
    nonce = secrets.token_urlsafe(16)
    return f"{nonce}.{_sign(secret, nonce)}"


def valid(secret: str, token: str) -> bool:
    nonce, _, signature = token.partition(".")
    return bool(nonce) and hmac.compare_digest(signature, _sign(secret, nonce))


def token_for(request: Request) -> str:
    """The token to put in forms: the cookie's if it is valid, else a fresh one that the
    response will set (see :func:`commissary.web.rendering.render`)."""
    secret = request.app.state.settings.secret_key
    existing = request.cookies.get(COOKIE, "")
    if existing and valid(secret, existing):
        return existing
    fresh: str | None = getattr(request.state, "new_csrf", None)
    if fresh is None:
        fresh = new_token(secret)
        request.state.new_csrf = fresh
    return fresh


async def verify_csrf(request: Request) -> None:
    """Router dependency for pages: unsafe methods must echo the cookie's token."""
    if request.method in SAFE_METHODS:
        return
    cookie = request.cookies.get(COOKIE, "")
    form = await request.form()
    sent = form.get(FIELD) or request.headers.get("x-csrf-token", "")
    secret = request.app.state.settings.secret_key
    if not (
        cookie
        and isinstance(sent, str)
        and hmac.compare_digest(cookie, sent)
        and valid(secret, cookie)
    ):
        raise Forbidden("the form expired or came from another site; reload the page and retry")
