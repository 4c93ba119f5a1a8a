"""Who may sign in: the allow-lists of users, organisations and teams."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import AbstractSet, Awaitable, Callable, FrozenSet, Iterable, Tuple

from github_oauth_app.domain.errors import AccessRefused, OrganizationRestricted
from github_oauth_app.domain.ports import GitHubOAuth

logger = logging.getLogger(__name__)

_Fetch = Callable[[str], Awaitable[FrozenSet[str]]]

RESTRICTED_HINT = (
    "an organisation's OAuth App access restrictions hide your membership from "
    "this app; an owner can approve the app in the organisation's settings"
)


def _folded(names: Iterable[str]) -> FrozenSet[str]:
    return frozenset(name.strip().lower() for name in names if name.strip())


@dataclass(frozen=True)
class AccessPolicy:
    """Allow-lists; when all are empty, anyone with a GitHub account may enter."""

    users: FrozenSet[str] = frozenset()
    orgs: FrozenSet[str] = frozenset()
    teams: FrozenSet[str] = frozenset()

    @classmethod
    def of(
        cls,
        users: Iterable[str] = (),
        orgs: Iterable[str] = (),
        teams: Iterable[str] = (),
    ) -> AccessPolicy:
        """Build a policy; GitHub's names are case-insensitive, so fold them."""
        return cls(_folded(users), _folded(orgs), _folded(teams))

    @property
    def open(self) -> bool:
        """Whether no allow-list is configured."""
        return not (self.users or self.orgs or self.teams)

    @property
    def needs_membership(self) -> bool:
        """Whether checking the policy reads organisations or teams."""
        return bool(self.orgs or self.teams)

    async def check(self, github: GitHubOAuth, token: str, login: str) -> None:
        """Return if ``login`` may enter; raise :class:`AccessRefused` if not."""
        if self.open or login.lower() in self.users:
            return

        restricted = False
        if self.orgs:
            found, hidden = await _member_of(github.fetch_org_logins, token)
            restricted |= hidden
            if found & self.orgs:
                return
        if self.teams:
            found, hidden = await _member_of(github.fetch_team_slugs, token)
            restricted |= hidden
            if found & self.teams:
                return

        raise AccessRefused(login, self._refusal(restricted))

    def _refusal(self, restricted: bool) -> str:
        rules = []
        if self.users:
            rules.append("is not in ALLOWED_USERS")
        if self.orgs:
            rules.append("is not a member of any organisation in ALLOWED_ORGS")
        if self.teams:
            rules.append("is not a member of any team in ALLOWED_TEAMS")
        reason = "this account " + ", and ".join(rules)
        if restricted:
            reason += "; " + RESTRICTED_HINT
        return reason


async def _member_of(fetch: _Fetch, token: str) -> Tuple[AbstractSet[str], bool]:
    try:
        return await fetch(token), False
    except OrganizationRestricted:
        logger.warning("Membership hidden by OAuth App access restrictions")
        return frozenset(), True
