"""The API documentation (Swagger UI on ``/docs``, ReDoc on ``/redoc``) from vendored files in
``static/`` (``static/VENDORED.md``): it works without the Internet, and a site with personal data
loads no third-party script. Their pages carry their own Content-Security-Policy: the inline
start-up script is allowed by its hash, and inline styles are allowed (ReDoc writes its styles
at run time); these pages show no one's data."""

from __future__ import annotations

import base64
import hashlib
import re

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse

from osms.core.headers import CSP

INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)
FAVICON = "/static/favicon.png"


def with_policy(page: HTMLResponse) -> HTMLResponse:
    """``page`` with a policy allowing exactly its inline scripts (by hash) and inline styles."""
    hashes = [
        f"'sha256-{base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()}'"
        for script in INLINE_SCRIPT.findall(bytes(page.body).decode())
    ]
    policy = (
        CSP.replace("script-src 'self'", " ".join(["script-src 'self'", *hashes]))
        .replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
        .replace("default-src 'self'", "default-src 'self'; worker-src 'self' blob:")
    )
    page.headers["Content-Security-Policy"] = policy
    return page


def install_api_docs(app: FastAPI) -> None:
    """``/docs`` and ``/redoc`` (create the app with ``docs_url=None, redoc_url=None``)."""
    openapi_url = app.openapi_url or "/openapi.json"

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return with_policy(
            get_swagger_ui_html(
                openapi_url=openapi_url,
                title=f"{app.title} · API",
                swagger_js_url="/static/swagger-ui/swagger-ui-bundle.js",
                swagger_css_url="/static/swagger-ui/swagger-ui.css",
                swagger_favicon_url=FAVICON,
            )
        )

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return with_policy(
            get_redoc_html(
                openapi_url=openapi_url,
                title=f"{app.title} · API",
                redoc_js_url="/static/redoc/redoc.standalone.js",
                redoc_favicon_url=FAVICON,
                with_google_fonts=False,
            )
        )
