"""Security headers on every answer (docs/security.md): a pure ASGI middleware, outermost, so that
the API, the pages, the static files, the error answers and the status hot path's own answers
all carry them.

* ``Content-Security-Policy``: only this site's own scripts, styles, images and connections; no
  inline script or style, no plugins, no framing (``frame-ancestors 'none'``), forms post only
  here. An answer that sets its own policy keeps it (the API documentation pages allow their
  inline start-up script by its hash).
* ``X-Content-Type-Options: nosniff``, ``X-Frame-Options: DENY`` (for browsers without CSP 2),
  ``Referrer-Policy: same-origin`` (an IIN in a page's address never leaves the site).
* ``Strict-Transport-Security`` when the request came over TLS: the scheme is https, or the
  reverse proxy says so in ``X-Forwarded-Proto``. The session cookie then also gets ``Secure``.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HSTS = "max-age=31536000; includeSubDomains"
COOKIE = "osms_session="


def over_tls(scope: Scope) -> bool:
    if str(scope.get("scheme")) == "https":
        return True
    for name, value in scope.get("headers", ()):
        if name == b"x-forwarded-proto":
            return bytes(value).decode("latin-1").split(",")[0].strip().lower() == "https"
    return False


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        tls = over_tls(scope)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", CSP)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Referrer-Policy", "same-origin")
                if tls:
                    headers.setdefault("Strict-Transport-Security", HSTS)
                    _secure_cookies(headers)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _secure_cookies(headers: MutableHeaders) -> None:
    """Over TLS, the session cookie is sent back only over TLS."""
    cookies = headers.getlist("set-cookie")
    if not any(_needs_secure(c) for c in cookies):
        return
    del headers["set-cookie"]
    for cookie in cookies:
        headers.append("set-cookie", f"{cookie}; secure" if _needs_secure(cookie) else cookie)


def _needs_secure(cookie: str) -> bool:
    return cookie.startswith(COOKIE) and not any(a.strip().lower() == "secure" for a in cookie.split(";")[1:])
