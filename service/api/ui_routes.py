"""The browser page at `/`: one static HTML file and its assets, shipped inside the package.

The page builds its form at run time from the request model's JSON schema (`/openapi.json`), so it never
drifts from the API, and posts to `/v1/recommendations` like any other client. Its help texts come from
`/v1/request-fields` and its own strings from `strings.json`, in the language the browser or `?lang=`
asks for. No CDN and no inline script: the Content-Security-Policy allows only this origin.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_redoc_html
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).resolve().parent.parent / "web" / "static"
PAGE_PATH = "/"
ASSETS_PATH = "/static/ui"
# Everything from this origin, nothing else; no inline script or style, no framing, no <base> rewrites.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

# ReDoc 2 always renders a "Redocly" logo from its CDN (hidden again when it fails to load). This policy
# stops that request in the browser, so the docs page never reaches for the internet; ReDoc's own styles
# are injected at run time, hence 'unsafe-inline' for styles only.
REDOC_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; worker-src 'self' blob:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)

router = APIRouter(include_in_schema=False)


@router.get(PAGE_PATH)
async def page() -> Response:
    # Read per request (a few KiB): an edited page shows on reload during development.
    body = (STATIC_DIR / "index.html").read_bytes()
    return Response(body, media_type="text/html; charset=utf-8", headers=PAGE_HEADERS)


def assets() -> StaticFiles:
    """The page's CSS and JS, mounted at ASSETS_PATH."""
    return StaticFiles(directory=STATIC_DIR)


def add_redoc(router_: APIRouter, path: str, title: str, openapi_url: str, assets_url: str) -> None:
    """ReDoc from fastapi-offline's bundled copy (at `assets_url`), under REDOC_CONTENT_SECURITY_POLICY."""

    @router_.get(path, include_in_schema=False)
    async def redoc(request: Request) -> Response:
        root = request.scope.get("root_path", "")
        page = get_redoc_html(
            openapi_url=f"{root}{openapi_url}",
            title=f"{title} - ReDoc",
            redoc_js_url=f"{root}{assets_url}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{assets_url}/favicon.png",
            with_google_fonts=False,
        )
        page.headers["Content-Security-Policy"] = REDOC_CONTENT_SECURITY_POLICY
        return page
