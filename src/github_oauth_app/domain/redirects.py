"""Where a person may be sent back to after signing in."""

from __future__ import annotations

import re
from typing import Optional
from urllib.parse import unquote

MAX_NEXT_LENGTH = 512

# A path on this site: one leading slash, then printable ASCII without a backslash.
_SAFE_PATH = re.compile(r"/(?![/\\])[\x21-\x5b\x5d-\x7e]*")
# Once percent-decoded, still no second slash up front, backslash or control.
_SAFE_DECODED = re.compile(r"/(?![/\\])[^\\\x00-\x1f\x7f]*")


def safe_next_path(raw: Optional[str]) -> Optional[str]:
    """Return ``raw`` if it is a path on this site, else ``None``.

    Browsers forgive a lot: they treat ``\\`` as ``/``, drop tabs and newlines
    inside URLs, and some servers decode ``%2F`` before routing. Each of those
    could turn a path into another host, so every such form is refused, also
    once percent-decoded.
    """
    if not raw or len(raw) > MAX_NEXT_LENGTH:
        return None
    if not _SAFE_PATH.fullmatch(raw):
        return None
    if not _SAFE_DECODED.fullmatch(unquote(raw)):
        return None
    return raw
