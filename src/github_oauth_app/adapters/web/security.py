"""Response headers and form tokens that every page relies on."""

from __future__ import annotations

import hmac
import secrets
from typing import Iterable, Optional
from urllib.parse import urlsplit

from quart import Response, session

CSRF_KEY = "csrf"
# The avatar host GitHub serves profile pictures from.
GITHUB_AVATARS = "https://avatars.githubusercontent.com"


def origin(url: str) -> str:
    """Return the scheme and authority of ``url``."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(github_url: str, image_origins: Iterable[str]) -> str:
    """A policy allowing only our own assets, avatars, and forms to GitHub."""
    images = " ".join(sorted({"'self'", GITHUB_AVATARS, *image_origins}))
    return "; ".join(
        [
            "default-src 'self'",
            f"img-src {images}",
            "script-src 'self'",
            "style-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
            f"form-action 'self' {origin(github_url)}",
        ]
    )


def apply_headers(response: Response, policy: str, hsts: bool) -> Response:
    """Add the security headers that every response carries."""
    response.headers["Content-Security-Policy"] = policy
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if hsts:
        response.headers["Strict-Transport-Security"] = (
            "max-age=31536000; includeSubDomains"
        )
    return response


def csrf_token() -> str:
    """Return this session's form token, creating it on first use."""
    token = session.get(CSRF_KEY)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session[CSRF_KEY] = token
    return token


def csrf_valid(submitted: Optional[str]) -> bool:
    """Whether ``submitted`` is this session's form token."""
    expected = session.get(CSRF_KEY)
    if not (isinstance(expected, str) and submitted):
        return False
    # Bytes: compare_digest refuses str with characters beyond ASCII.
    return hmac.compare_digest(expected.encode("utf-8"), submitted.encode("utf-8"))
