"""Trust ``X-Forwarded-*`` headers from a known number of proxies, no more."""

from __future__ import annotations

from typing import Any, Awaitable, Callable, List, Optional

# Kept loose on purpose: Quart, hypercorn and the ASGI spec type these
# differently from one version to the next.
ASGIApp = Callable[[Any, Any, Any], Awaitable[None]]


class TrustedProxyMiddleware:
    """Take scheme, host and client from the last ``hops`` forwarding proxies.

    Each proxy appends to the headers, so the last ``hops`` values were written
    by proxies we run; anything before them came from the client and is
    ignored. Heroku's router is one hop.
    """

    def __init__(self, app: ASGIApp, hops: int) -> None:
        self.app = app
        self.hops = hops

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """Rewrite the scope of HTTP and WebSocket requests, then pass them on."""
        if scope["type"] in {"http", "websocket"} and self.hops > 0:
            scope = dict(scope)
            self._apply(scope)
        await self.app(scope, receive, send)

    def _apply(self, scope: Any) -> None:
        headers: List[List[bytes]] = [list(pair) for pair in scope["headers"]]
        proto = self._trusted(headers, b"x-forwarded-proto")
        host = self._trusted(headers, b"x-forwarded-host")
        client = self._trusted(headers, b"x-forwarded-for")
        if proto in {"http", "https"}:
            secure = proto == "https"
            if scope["type"] == "websocket":
                scope["scheme"] = "wss" if secure else "ws"
            else:
                scope["scheme"] = proto
        if host:
            kept = [pair for pair in headers if pair[0].lower() != b"host"]
            scope["headers"] = [(b"host", host.encode("latin-1"))] + [
                (name, value) for name, value in kept
            ]
        if client:
            port = scope["client"][1] if scope.get("client") else 0
            scope["client"] = (client, port)

    def _trusted(self, headers: List[List[bytes]], name: bytes) -> Optional[str]:
        values: List[str] = []
        for key, value in headers:
            if key.lower() == name:
                text = value.decode("latin-1")
                values.extend(part.strip() for part in text.split(","))
        if len(values) < self.hops:
            return None
        return values[-self.hops] or None
