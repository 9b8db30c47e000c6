"""Security headers on every response: the pages load nothing but the server's own files.

The Content-Security-Policy allows scripts, styles, images and connections from the server
itself only. Styles may also be inline: the pages set ``style`` attributes (the colour of
each grid cell) and htmx adds a small ``<style>`` for its request indicator; no inline
script is allowed anywhere, and no ``eval`` (htmx's trigger filters are not used for that
reason). ``frame-ancestors 'none'`` (and X-Frame-Options for older browsers) keeps the
pages out of other sites' frames.

Redoc runs its search index in a Web Worker it creates from a ``blob:`` URL, so ``/redoc``
alone also allows ``worker-src blob:``; everything else about it is as strict.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: The policy of every response but the ones named in :data:`ROUTE_POLICIES`.
DEFAULT_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'; object-src 'none'"
)

#: Paths (below the root path) whose pages need more than the default, and why (see above).
ROUTE_POLICIES: Mapping[str, str] = {
    "/redoc": DEFAULT_POLICY + "; worker-src 'self' blob:",
}

#: The headers every response carries besides its Content-Security-Policy.
FIXED_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]


def all_headers(path: str = "/") -> list[tuple[bytes, bytes]]:
    """Every security header for a response to ``path``, as raw ASGI header pairs."""
    return [(b"content-security-policy", policy_for(path).encode()), *FIXED_HEADERS]


def policy_for(path: str) -> str:
    """The Content-Security-Policy for a path below the root path.

    >>> policy_for("/").startswith("default-src 'self'")
    True
    >>> "blob:" in policy_for("/redoc"), "blob:" in policy_for("/docs")
    (True, False)
    """
    return ROUTE_POLICIES.get(path, DEFAULT_POLICY)


class SecurityHeaders:
    """ASGI middleware: the headers above on every HTTP response, unless already set."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path, root = scope["path"], scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root) :]
        added = all_headers(path)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in added if name not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)
