"""The dashboard and the API's docs, served from the package: the single-page app at ``/``
(any path that is not the API's answers with its ``index.html``, so deep links work on reload)
and Swagger UI and ReDoc from bundled files, so both work without a network."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from alpha_arena.api.errors import error_response
from alpha_arena.dashboard import STATIC, is_built

DOCS_ASSETS = "/docs-assets"
NOT_BUILT = (
    "The dashboard is not built: run `make web` (needs Node >= 20 and npm), then reload. "
    "The API itself works: see /api/v1/openapi.json."
)
# The app's own files only; inline styles for chart and layout widths; the WebSocket to itself.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
_RESERVED = ("api/", "health", "metrics", "assets/", "docs-assets/", "openapi.json")


def install_dashboard(app: FastAPI, api_prefix: str, static: Path = STATIC) -> None:
    """Add the docs pages, the static files and the app's pages for unknown GETs."""
    openapi_url = f"{api_prefix}/openapi.json"

    @app.get(f"{api_prefix}/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        if not is_built(static):
            return HTMLResponse(NOT_BUILT, status_code=503)
        return get_swagger_ui_html(
            openapi_url=openapi_url, title="Alpha Arena API",
            swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css", swagger_favicon_url="/favicon.svg",
        )  # fmt: skip

    @app.get(f"{api_prefix}/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        if not is_built(static):
            return HTMLResponse(NOT_BUILT, status_code=503)
        return get_redoc_html(
            openapi_url=openapi_url, title="Alpha Arena API",
            redoc_js_url=f"{DOCS_ASSETS}/redoc.standalone.js",
            redoc_favicon_url="/favicon.svg", with_google_fonts=False,
        )  # fmt: skip

    # check_dir=False: a server started before `make web` picks the files up once they exist
    app.mount("/assets", StaticFiles(directory=static / "assets", check_dir=False), "assets")
    app.mount(DOCS_ASSETS, StaticFiles(directory=static / "docs-assets", check_dir=False),
              "docs-assets")  # fmt: skip

    async def not_found(request: Request, error: Exception) -> Response:
        """A page of the app (``/seasons/3`` on reload) for a GET of any path that is not the
        API's; the unified error body for everything else."""
        assert isinstance(error, StarletteHTTPException)
        path = request.url.path.lstrip("/")
        if request.method not in ("GET", "HEAD") or path.startswith(_RESERVED):
            return error_response(404, "not_found", str(error.detail))
        if not is_built(static):
            return HTMLResponse(NOT_BUILT, status_code=503)
        file = (static / path).resolve()
        if path and file.is_file() and file.is_relative_to(static.resolve()):
            return FileResponse(file)  # the favicon and other top-level files of the build
        return FileResponse(
            static / "index.html",
            headers={"Cache-Control": "no-cache",
                     "Content-Security-Policy": CONTENT_SECURITY_POLICY},
        )  # fmt: skip

    # A handler for the status, not a catch-all route: a route would answer 405 to a POST of
    # an unknown API path where the API answers 404.
    app.add_exception_handler(404, not_found)
