"""A session cookie that is encrypted, not merely signed.

Quart's default cookie is signed but readable. The session keeps the access
token, so the cookie is sealed with Fernet (AES-128-CBC and HMAC-SHA256) under
keys derived from ``SECRET_KEY``; older keys in ``SECRET_KEY_FALLBACKS`` still
open cookies, so a key can rotate without signing anyone out.
"""

from __future__ import annotations

import base64
import json
import logging
from typing import TYPE_CHECKING, Optional, Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from quart import Quart, Response
from quart.sessions import SecureCookieSession, SecureCookieSessionInterface

if TYPE_CHECKING:
    from quart.wrappers import BaseRequestWebsocket

logger = logging.getLogger(__name__)

# Bound to this purpose, so that the same SECRET_KEY used elsewhere yields
# unrelated keys.
_KEY_INFO = b"github-oauth-app session cookie v1"


def derive_key(secret: str) -> bytes:
    """Derive a Fernet key from a secret of any length."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_KEY_INFO)
    return base64.urlsafe_b64encode(hkdf.derive(secret.encode("utf-8")))


class EncryptedCookieSessionInterface(SecureCookieSessionInterface):
    """Keeps the session in a cookie sealed with authenticated encryption."""

    def __init__(self, secrets: Sequence[str], max_age_seconds: int) -> None:
        if not secrets:
            raise ValueError("at least one secret is needed")
        self._fernet = MultiFernet([Fernet(derive_key(key)) for key in secrets])
        self._max_age = max_age_seconds

    def seal(self, data: dict[str, object]) -> str:
        """Encrypt ``data`` with the current key."""
        payload = json.dumps(data, separators=(",", ":")).encode("utf-8")
        return self._fernet.encrypt(payload).decode("ascii")

    def unseal(self, cookie: str) -> Optional[dict[str, object]]:
        """Decrypt a cookie; ``None`` if it is forged, stale or unreadable."""
        try:
            payload = self._fernet.decrypt(cookie.encode("ascii"), ttl=self._max_age)
            data = json.loads(payload)
        except (InvalidToken, UnicodeError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    async def open_session(
        self, app: Quart, request: BaseRequestWebsocket
    ) -> Optional[SecureCookieSession]:
        """Return the request's session, or a fresh one if its cookie is bad."""
        cookie = request.cookies.get(self.get_cookie_name(app))
        if not cookie:
            return SecureCookieSession()
        data = self.unseal(cookie)
        if data is None:
            # Tampered, truncated, expired or sealed with a retired key: the
            # visitor simply has no session.
            logger.info("Ignored a session cookie that failed verification")
            return SecureCookieSession()
        return SecureCookieSession(data)

    async def save_session(  # type: ignore[override]
        self, app: Quart, session: SecureCookieSession, response: Response
    ) -> None:
        """Write the session back, or delete the cookie once it is emptied."""
        name = self.get_cookie_name(app)
        domain = self.get_cookie_domain(app)
        path = self.get_cookie_path(app)
        if session.accessed:
            response.vary.add("Cookie")
        if not session:
            if session.modified:
                response.delete_cookie(name, domain=domain, path=path)
            return
        if not self.should_set_cookie(app, session):
            return

        response.set_cookie(
            name,
            self.seal(dict(session)),
            expires=self.get_expiration_time(app, session),
            httponly=self.get_cookie_httponly(app),
            domain=domain,
            path=path,
            secure=self.get_cookie_secure(app),
            samesite=self.get_cookie_samesite(app),
        )
