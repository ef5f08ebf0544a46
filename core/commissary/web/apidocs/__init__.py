"""Interactive API documentation served from this deployment, with no CDN.

FastAPI's default ``/docs`` page loads Swagger UI from a CDN and starts it with an inline
script; here the files come from the ``fastapi-offline`` package (Swagger UI 5, which reads
OpenAPI 3.1) and the start-up code is a static file, so the page works offline and under
the strict Content-Security-Policy.
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

HERE = Path(__file__).parent
SWAGGER_UI = Path(fastapi_offline.__file__).parent / "static"
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Commissary API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/docs/static/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/static/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script></body></html>"""
# Swagger UI sets inline styles on its widgets; scripts stay restricted to this origin.
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; frame-ancestors 'none'"
)


def install(app: FastAPI) -> None:
    app.mount("/docs/static", StaticFiles(directory=SWAGGER_UI), name="swagger-ui")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(PAGE, headers={"content-security-policy": CSP})

    @app.get("/docs/init.js", include_in_schema=False)
    def init_js() -> Response:
        return Response((HERE / "init.js").read_text(), media_type="text/javascript; charset=utf-8")
