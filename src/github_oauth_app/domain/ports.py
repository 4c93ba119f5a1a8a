"""The ports through which the domain reaches the outside world."""

from __future__ import annotations

import sys
from typing import FrozenSet, List

from github_oauth_app.domain.models import AccessToken, EmailAddress, Profile

if sys.version_info >= (3, 8):
    from typing import Protocol
else:  # pragma: no cover - Python 3.7 only
    from typing_extensions import Protocol


class GitHubOAuth(Protocol):
    """GitHub as the sign-in sees it: an OAuth server and a few REST reads.

    Implementations raise the errors of :mod:`github_oauth_app.domain.errors`
    and nothing else.
    """

    async def exchange_code(
        self, code: str, redirect_uri: str, code_verifier: str
    ) -> AccessToken:
        """Trade an authorisation code for an access token."""
        ...

    async def refresh(self, refresh_token: str) -> AccessToken:
        """Trade a refresh token for a new access and refresh token pair."""
        ...

    async def fetch_profile(self, token: str) -> Profile:
        """Read ``GET /user`` and the scopes granted to ``token``."""
        ...

    async def fetch_emails(self, token: str) -> List[EmailAddress]:
        """Read every page of ``GET /user/emails``."""
        ...

    async def fetch_org_logins(self, token: str) -> FrozenSet[str]:
        """Read every page of ``GET /user/orgs``; lower-cased logins."""
        ...

    async def fetch_team_slugs(self, token: str) -> FrozenSet[str]:
        """Read every page of ``GET /user/teams``; lower-cased ``org/slug``."""
        ...

    async def revoke_grant(self, token: str) -> None:
        """Revoke the app's whole authorisation for the token's owner."""
        ...
