"""What stands between the network and the web app: an ASGI middleware in front of every route.

- **Host**: bound to loopback, the app answers only requests addressed to
  ``127.0.0.1``, ``localhost`` or ``[::1]`` (a page on another site cannot reach
  it by rebinding its own name to 127.0.0.1).
- **Origin**: a request that says it comes from another site is refused (Gradio
  answers any origin with credentials allowed).
- **Login**: with ``ui.auth``, every route needs the login cookie except
  ``PUBLIC``: the login page and the static files it is drawn with.
- **API key**: the OpenAI-compatible routes (``/v1/…``) and MCP (``/mcp``) need
  ``Authorization: Bearer <ui.api_key>`` when the key is set; without a key
  they are refused whenever the page needs a login.
"""

from __future__ import annotations

import hmac
import ipaddress
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import PlainTextResponse

# Reachable without a login: what the login page needs, nothing that reads or changes data.
PUBLIC_EXACT = {
    "/",
    "/login",
    "/login/",
    "/logout",
    "/favicon.ico",
    "/theme.css",
    "/gradio_api/theme.css",
    "/robots.txt",
    "/manifest.json",
    "/pwa_icon",
}
PUBLIC_PREFIXES = ("/assets/", "/static/", "/svelte/", "/pwa_icon/")
# Called by Gradio's own launch, from this machine, before any user exists.
LOCAL_ONLY = {"/gradio_api/startup-events"}
API_PREFIXES = ("/v1/", "/mcp")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def loopback_hosts(port: int) -> set[str]:
    """Host header values a browser sends for a loopback app on ``port``."""
    names = ("127.0.0.1", "localhost", "[::1]")
    return {f"{n}:{port}" for n in names} | set(names)


def is_public(path: str) -> bool:
    return path in PUBLIC_EXACT or path.startswith(PUBLIC_PREFIXES)


def _logged_in(scope) -> bool:
    app = scope.get("app")
    if app is None or getattr(app, "auth", None) is None:
        return False
    cookies = Request(scope).cookies
    token = cookies.get(f"access-token-{app.cookie_id}") or cookies.get(f"access-token-unsecure-{app.cookie_id}")
    return token is not None and app.tokens.get(token) is not None


class Guard:
    """ASGI middleware enforcing the rules above."""

    def __init__(self, app, allowed_hosts: set[str] | None, login: bool, api_key: str | None = None):
        self.app = app
        self.allowed_hosts = {h.lower() for h in allowed_hosts} if allowed_hosts is not None else None
        self.login = login
        self.api_key = api_key

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        headers = Headers(scope=scope)
        host = headers.get("host", "").lower()
        refusal = None
        if self.allowed_hosts is not None and host not in self.allowed_hosts:
            refusal = PlainTextResponse("Invalid host header", status_code=400)
        else:
            origin = headers.get("origin")
            if origin and origin != "null" and urlsplit(origin).netloc.lower() != host:
                refusal = PlainTextResponse("Cross-origin requests are refused", status_code=403)
            elif scope.get("path", "").startswith(API_PREFIXES):
                refusal = self._api_refusal(headers)
            elif self.login and not self._open(scope) and not _logged_in(scope):
                refusal = PlainTextResponse("Not authenticated", status_code=401)
        if refusal is None:
            return await self.app(scope, receive, send)
        if scope["type"] == "websocket":
            return await send({"type": "websocket.close", "code": 1008})
        return await refusal(scope, receive, send)

    def _api_refusal(self, headers: Headers) -> PlainTextResponse | None:
        if self.api_key:
            given = headers.get("authorization", "").removeprefix("Bearer ").strip()
            if hmac.compare_digest(given.encode(), self.api_key.encode()):
                return None
            return PlainTextResponse("A valid API key is needed (Authorization: Bearer …)", status_code=401)
        if self.login:
            return PlainTextResponse("Set ui.api_key (NEWSDESK_API_KEY) to use the API with a login", status_code=401)
        return None

    @staticmethod
    def _open(scope) -> bool:
        path = scope.get("path", "")
        if is_public(path):
            return True
        client = scope.get("client")
        return path in LOCAL_ONLY and client is not None and is_loopback(client[0])
