"""Proof Key for Code Exchange (RFC 7636), S256 only."""

from __future__ import annotations

import base64
import hashlib
import secrets

# 32 random bytes give a 43-character verifier, the shortest RFC 7636 allows.
_VERIFIER_BYTES = 32


def new_verifier() -> str:
    """Return a fresh, high-entropy code verifier."""
    return secrets.token_urlsafe(_VERIFIER_BYTES)


def challenge(verifier: str) -> str:
    """Return the S256 code challenge of ``verifier``."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
