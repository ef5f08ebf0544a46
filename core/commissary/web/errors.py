"""One place that turns errors into responses: JSON problems for the API, pages for people."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from commissary.errors import DomainError, NotAuthenticated, TooManyAttempts
from commissary.identity.pages import login_url
from commissary.web.rendering import render

log = logging.getLogger(__name__)


def _is_api(request: Request) -> bool:
    return "/api/" in request.url.path


def _problem(status: int, code: str, message: str, detail: object = None) -> JSONResponse:
    body: dict[str, object] = {"error": {"code": code, "message": message}}
    if detail:
        body["error"]["detail"] = detail  # type: ignore[index]
    return JSONResponse(body, status_code=status)


def _page(request: Request, status: int, title: str, message: str) -> Response:
    try:
        ctx = getattr(request.state, "ctx", None)
        return render(
            request,
            "error.html",
            ctx,
            status_code=status,
            title=title,
            message=message,
            status=status,
        )
    except Exception:  # the error page itself must never fail
        log.exception("rendering the error page failed")
        return Response(f"{status} {title}: {message}", status_code=status, media_type="text/plain")


TITLES = {
    400: "Bad request",
    401: "Please sign in",
    403: "Not allowed",
    404: "Not found",
    405: "Not allowed",
    409: "That cannot be done now",
    422: "Please check your input",
    429: "Too many attempts",
    500: "Something went wrong",
}


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    def domain_error(request: Request, exc: DomainError) -> Response:
        if _is_api(request):
            response: Response = _problem(exc.status_code, exc.code, exc.message, exc.detail)
        elif isinstance(exc, NotAuthenticated):
            if request.url.path.startswith("/admin"):
                return RedirectResponse("/admin/login", status_code=303)
            tenant = getattr(request.state, "tenant", None)
            if tenant is None:
                return _page(request, 401, TITLES[401], exc.message)
            return RedirectResponse(login_url(tenant.slug, request.url.path), status_code=303)
        else:
            title = TITLES.get(exc.status_code, "Error")
            response = _page(request, exc.status_code, title, exc.message)
        if isinstance(exc, TooManyAttempts):
            response.headers["Retry-After"] = str(exc.detail.get("retry_after", 900))
        return response

    @app.exception_handler(RequestValidationError)
    def validation_error(request: Request, exc: RequestValidationError) -> Response:
        problems = [
            {"field": ".".join(str(p) for p in e["loc"] if p != "body"), "message": e["msg"]}
            for e in exc.errors()
        ]
        message = "; ".join(f"{p['field']}: {p['message']}" for p in problems)
        if _is_api(request):
            return _problem(422, "invalid_request", message, problems)
        return _page(request, 422, TITLES[422], message)

    @app.exception_handler(StarletteHTTPException)
    def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        title = TITLES.get(exc.status_code, "Error")
        message = "There is no page at this address." if exc.status_code == 404 else str(exc.detail)
        if _is_api(request):
            return _problem(exc.status_code, title.lower().replace(" ", "_"), message)
        return _page(request, exc.status_code, title, message)

    @app.exception_handler(Exception)
    def unexpected(request: Request, exc: Exception) -> Response:
        log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        message = "The error was logged; please try again in a moment."
        if _is_api(request):
            return _problem(500, "internal_error", message)
        return _page(request, 500, TITLES[500], message)
