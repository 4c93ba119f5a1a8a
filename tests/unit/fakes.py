"""A hand-written fake of the GitHub port that records every call."""

from __future__ import annotations

from typing import Dict, FrozenSet, List, Optional, Tuple

from github_oauth_app.domain.errors import SignInError
from github_oauth_app.domain.models import (
    AccessToken,
    EmailAddress,
    GitHubUser,
    Profile,
)

TOKEN = "gho_faketokenfaketokenfaketokenfaketoken0"
SCOPES = ("read:user", "user:email")

OCTOCAT = GitHubUser(
    login="octo-person",
    id=583231,
    avatar_url="https://avatars.githubusercontent.com/u/583231?v=4",
    html_url="https://github.com/octo-person",
    name="Octo Person",
    email=None,
    company="@example",
    bio="Builds things.",
    public_repos=8,
)


class FakeGitHub:
    """Answers like GitHub would, from what a test put in; records the calls."""

    def __init__(
        self,
        user: GitHubUser = OCTOCAT,
        token: Optional[AccessToken] = None,
        emails: Optional[List[EmailAddress]] = None,
        orgs: FrozenSet[str] = frozenset(),
        teams: FrozenSet[str] = frozenset(),
    ) -> None:
        self.user = user
        self.token = token or AccessToken(TOKEN, SCOPES)
        self.emails = (
            emails
            if emails is not None
            else [EmailAddress("octo@example.org", primary=True, verified=True)]
        )
        self.orgs = orgs
        self.teams = teams
        self.calls: List[Tuple[str, Tuple[str, ...]]] = []
        self.failures: Dict[str, SignInError] = {}
        self.refreshed = AccessToken("gho_refreshed", SCOPES)

    def fail(self, method: str, error: SignInError) -> None:
        """Make ``method`` raise ``error`` from now on."""
        self.failures[method] = error

    def called(self, method: str) -> List[Tuple[str, ...]]:
        """The arguments of every call to ``method``."""
        return [args for name, args in self.calls if name == method]

    def _record(self, method: str, *args: str) -> None:
        self.calls.append((method, args))
        if method in self.failures:
            raise self.failures[method]

    async def exchange_code(
        self, code: str, redirect_uri: str, code_verifier: str
    ) -> AccessToken:
        self._record("exchange_code", code, redirect_uri, code_verifier)
        return self.token

    async def refresh(self, refresh_token: str) -> AccessToken:
        self._record("refresh", refresh_token)
        return self.refreshed

    async def fetch_profile(self, token: str) -> Profile:
        self._record("fetch_profile", token)
        return Profile(self.user, self.token.scopes)

    async def fetch_emails(self, token: str) -> List[EmailAddress]:
        self._record("fetch_emails", token)
        return list(self.emails)

    async def fetch_org_logins(self, token: str) -> FrozenSet[str]:
        self._record("fetch_org_logins", token)
        return self.orgs

    async def fetch_team_slugs(self, token: str) -> FrozenSet[str]:
        self._record("fetch_team_slugs", token)
        return self.teams

    async def revoke_grant(self, token: str) -> None:
        self._record("revoke_grant", token)
