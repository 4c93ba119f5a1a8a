"""The demo accounts, organisations and teams, and their GitHub-shaped JSON."""

from __future__ import annotations

import base64
import hashlib
import html
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

# GitHub's timestamps for the demo data; fixed so that answers are reproducible.
_CREATED_AT = "2015-03-14T09:26:53Z"
_UPDATED_AT = "2025-01-02T03:04:05Z"
_NOREPLY_DOMAIN = "users.noreply.github.com"


@dataclass(frozen=True)
class Email:
    """One row of ``GET /user/emails``."""

    email: str
    primary: bool
    verified: bool
    visibility: Optional[str]


@dataclass(frozen=True)
class Repo:
    """A public repository owned by a demo account."""

    id: int
    name: str
    description: Optional[str]
    language: Optional[str]


@dataclass(frozen=True)
class Org:
    """A demo organisation."""

    id: int
    login: str
    name: str
    description: Optional[str]
    # GitHub answers 403 for org data when the org restricts OAuth App access.
    restricts_oauth_apps: bool = False


@dataclass(frozen=True)
class Team:
    """A demo team, named ``org/slug`` in the account lists."""

    id: int
    org: str
    slug: str
    name: str
    description: Optional[str]
    privacy: str = "closed"
    permission: str = "pull"

    @property
    def full_slug(self) -> str:
        """The ``org/slug`` spelling the app's ALLOWED_TEAMS uses."""
        return f"{self.org}/{self.slug}"


@dataclass(frozen=True)
class Account:
    """A demo GitHub user that the authorize page offers."""

    id: int
    login: str
    name: Optional[str]
    email: Optional[str]
    company: Optional[str]
    blog: str
    location: Optional[str]
    bio: Optional[str]
    summary: str
    emails: Tuple[Email, ...] = ()
    orgs: Tuple[str, ...] = ()
    teams: Tuple[str, ...] = ()
    repos: Tuple[Repo, ...] = ()
    followers: int = 0
    following: int = 0

    @property
    def display_name(self) -> str:
        """The name as a person reads it on the picker, nulls and blanks spelled out."""
        if self.name is None:
            return "(name is null)"
        if not self.name:
            return '(name is "")'
        return self.name

    @property
    def primary_email_verified(self) -> bool:
        """Whether the account has a verified primary address."""
        return any(row.primary and row.verified for row in self.emails)


def _noreply(account_id: int, login: str) -> Email:
    return Email(f"{account_id}+{login}@{_NOREPLY_DOMAIN}", False, True, None)


ORGS: Dict[str, Org] = {
    org.login: org
    for org in (
        Org(2001, "demo-org", "Demo Org", "The organisation most demo accounts join"),
        Org(2002, "other-org", "Other Org", ""),
        Org(
            2003,
            "restricted-org",
            "Restricted Org",
            None,
            restricts_oauth_apps=True,
        ),
    )
}

_NAMED_TEAMS = (
    Team(3001, "demo-org", "maintainers", "Maintainers", "Merge rights", "closed"),
    Team(3002, "demo-org", "reviewers", "Reviewers", None, "secret"),
    Team(3003, "other-org", "developers", "Developers", "", "closed", "push"),
    Team(3004, "restricted-org", "admins", "Admins", None, "secret", "admin"),
)
# Enough teams in other-org that a 30-per-page listing needs a second page.
_SQUADS = tuple(
    Team(3100 + number, "other-org", f"squad-{number:02d}", f"Squad {number:02d}", None)
    for number in range(1, 35)
)
TEAMS: Dict[str, Team] = {team.full_slug: team for team in _NAMED_TEAMS + _SQUADS}

ACCOUNTS: Dict[str, Account] = {
    account.login: account
    for account in (
        Account(
            id=1001,
            login="octo-demo",
            name="Ada Demo",
            email="ada@example.com",
            company="@demo-org",
            blog="https://example.com/ada",
            location="Lisbon",
            bio="Writes code in the open.",
            summary="full profile: public email, company, bio, four repositories, "
            "two orgs, three teams",
            emails=(
                Email("ada@example.com", True, True, "public"),
                _noreply(1001, "octo-demo"),
            ),
            orgs=("demo-org", "other-org"),
            teams=(
                "demo-org/maintainers",
                "demo-org/reviewers",
                "other-org/developers",
            ),
            repos=(
                Repo(4001, "hello-world", "My first repository", "Python"),
                Repo(4002, "dotfiles", None, "Shell"),
                Repo(4003, "notes", "Notes from talks", None),
                Repo(4004, "quart-demo", "A small Quart app", "Python"),
            ),
            followers=42,
            following=7,
        ),
        Account(
            id=1002,
            login="private-email",
            name='Zoë "Zed" O\'Brien <&>',
            email=None,
            company=None,
            blog="",
            location=None,
            bio=None,
            summary="email private: null in /user, a primary verified private "
            "address in /user/emails; the name holds quotes, <, & and non-ASCII",
            emails=(
                Email("zed@example.net", True, True, "private"),
                Email("zed.old@example.net", False, False, None),
                _noreply(1002, "private-email"),
            ),
            orgs=("demo-org",),
            teams=("demo-org/reviewers",),
            repos=(Repo(4101, "private-email.github.io", None, "HTML"),),
        ),
        Account(
            id=1003,
            login="nameless",
            name=None,
            email="nameless@example.org",
            company=None,
            blog="",
            location=None,
            bio=None,
            summary="name is null; public email; no orgs and no teams",
            emails=(Email("nameless@example.org", True, True, "public"),),
        ),
        Account(
            id=1004,
            login="many-teams",
            name="Tess Teams",
            email=None,
            company="Other Org",
            blog="",
            location="Nairobi",
            bio=None,
            summary="three orgs, 36 listable teams so /user/teams spans two pages; "
            "restricted-org restricts OAuth App access",
            emails=(Email("tess@example.com", True, True, "private"),),
            orgs=("demo-org", "other-org", "restricted-org"),
            teams=(
                "demo-org/maintainers",
                "other-org/developers",
                *(squad.full_slug for squad in _SQUADS),
                "restricted-org/admins",
            ),
        ),
        Account(
            id=1005,
            login="unverified",
            name="Uma Unverified",
            email=None,
            company=None,
            blog="",
            location=None,
            bio=None,
            summary="primary email not verified: the token request answers "
            "unverified_user_email",
            emails=(Email("uma@example.com", True, False, "private"),),
        ),
        Account(
            id=1006,
            login="blank-strings",
            name="",
            email="",
            company=None,
            blog="",
            location=None,
            bio=None,
            summary='name and email are "" rather than null',
            emails=(Email("blank@example.com", True, True, "private"),),
        ),
    )
}


def node_id(kind: str, number: int) -> str:
    """Return a GitHub-style global node id, for example ``MDQ6VXNlcjE=``."""
    raw = f"0{len(kind)}:{kind}{number}"
    return base64.b64encode(raw.encode("ascii")).decode("ascii")


def avatar_url(web: str, number: int) -> str:
    """Return the provider's own avatar address for a user or org id."""
    return f"{web}/avatars/u/{number}?v=4"


def user_json(account: Account, web: str, api: str) -> Dict[str, Any]:
    """Return ``GET /user`` for the account, private fields included."""
    body = simple_user_json(account, web, api)
    body.update(
        {
            "name": account.name,
            "company": account.company,
            "blog": account.blog,
            "location": account.location,
            "email": account.email,
            "hireable": None,
            "bio": account.bio,
            "twitter_username": None,
            "notification_email": account.email or None,
            "public_repos": len(account.repos),
            "public_gists": 0,
            "followers": account.followers,
            "following": account.following,
            "created_at": _CREATED_AT,
            "updated_at": _UPDATED_AT,
            "private_gists": 0,
            "total_private_repos": 0,
            "owned_private_repos": 0,
            "disk_usage": 128 * len(account.repos),
            "collaborators": 0,
            "two_factor_authentication": True,
            "plan": {
                "name": "free",
                "space": 976562499,
                "collaborators": 0,
                "private_repos": 10000,
            },
        }
    )
    return body


def simple_user_json(account: Account, web: str, api: str) -> Dict[str, Any]:
    """Return the short user object GitHub nests in other answers."""
    url = f"{api}/users/{account.login}"
    return {
        "login": account.login,
        "id": account.id,
        "node_id": node_id("User", account.id),
        "avatar_url": avatar_url(web, account.id),
        "gravatar_id": "",
        "url": url,
        "html_url": f"{web}/{account.login}",
        "followers_url": f"{url}/followers",
        "following_url": f"{url}/following{{/other_user}}",
        "gists_url": f"{url}/gists{{/gist_id}}",
        "starred_url": f"{url}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{url}/subscriptions",
        "organizations_url": f"{url}/orgs",
        "repos_url": f"{url}/repos",
        "events_url": f"{url}/events{{/privacy}}",
        "received_events_url": f"{url}/received_events",
        "type": "User",
        "user_view_type": "private",
        "site_admin": False,
    }


def emails_json(account: Account) -> List[Dict[str, Any]]:
    """Return ``GET /user/emails`` for the account."""
    return [
        {
            "email": row.email,
            "primary": row.primary,
            "verified": row.verified,
            "visibility": row.visibility,
        }
        for row in account.emails
    ]


def org_json(org: Org, web: str, api: str) -> Dict[str, Any]:
    """Return the organisation as ``GET /user/orgs`` lists it."""
    url = f"{api}/orgs/{org.login}"
    return {
        "login": org.login,
        "id": org.id,
        "node_id": node_id("Organization", org.id),
        "url": url,
        "repos_url": f"{url}/repos",
        "events_url": f"{url}/events",
        "hooks_url": f"{url}/hooks",
        "issues_url": f"{url}/issues",
        "members_url": f"{url}/members{{/member}}",
        "public_members_url": f"{url}/public_members{{/member}}",
        "avatar_url": avatar_url(web, org.id),
        "description": org.description,
    }


def team_json(team: Team, web: str, api: str) -> Dict[str, Any]:
    """Return the team as ``GET /user/teams`` lists it, with its organisation."""
    org = ORGS[team.org]
    url = f"{api}/organizations/{org.id}/team/{team.id}"
    organization = org_json(org, web, api)
    organization.update(
        {
            "name": org.name,
            "company": None,
            "blog": "",
            "location": None,
            "email": None,
            "twitter_username": None,
            "is_verified": False,
            "has_organization_projects": True,
            "has_repository_projects": True,
            "public_repos": 0,
            "public_gists": 0,
            "followers": 0,
            "following": 0,
            "html_url": f"{web}/{org.login}",
            "created_at": _CREATED_AT,
            "updated_at": _UPDATED_AT,
            "type": "Organization",
        }
    )
    return {
        "name": team.name,
        "id": team.id,
        "node_id": node_id("Team", team.id),
        "slug": team.slug,
        "description": team.description,
        "privacy": team.privacy,
        "notification_setting": "notifications_enabled",
        "url": url,
        "html_url": f"{web}/orgs/{org.login}/teams/{team.slug}",
        "members_url": f"{url}/members{{/member}}",
        "repositories_url": f"{url}/repos",
        "permission": team.permission,
        "created_at": _CREATED_AT,
        "updated_at": _UPDATED_AT,
        "members_count": 1 + team.id % 7,
        "repos_count": team.id % 5,
        "organization": organization,
        "parent": None,
    }


def repo_json(account: Account, repo: Repo, web: str, api: str) -> Dict[str, Any]:
    """Return a repository as ``GET /user/repos`` lists it (the common fields)."""
    full_name = f"{account.login}/{repo.name}"
    return {
        "id": repo.id,
        "node_id": node_id("Repository", repo.id),
        "name": repo.name,
        "full_name": full_name,
        "private": False,
        "owner": simple_user_json(account, web, api),
        "html_url": f"{web}/{full_name}",
        "description": repo.description,
        "fork": False,
        "url": f"{api}/repos/{full_name}",
        "created_at": _CREATED_AT,
        "updated_at": _UPDATED_AT,
        "pushed_at": _UPDATED_AT,
        "homepage": None,
        "size": 128,
        "stargazers_count": repo.id % 11,
        "watchers_count": repo.id % 11,
        "language": repo.language,
        "forks_count": 0,
        "archived": False,
        "disabled": False,
        "open_issues_count": 0,
        "visibility": "public",
        "default_branch": "main",
    }


def avatar_svg(number: int) -> Optional[str]:
    """Return a generated SVG avatar for a user or org id, or None if unknown."""
    logins = [a.login for a in ACCOUNTS.values() if a.id == number]
    logins += [o.login for o in ORGS.values() if o.id == number]
    if not logins:
        return None

    # A hue from the login, so each account keeps its colour between runs.
    login = logins[0]
    hue = int(hashlib.sha256(login.encode("utf-8")).hexdigest()[:4], 16) % 360
    initial = html.escape(login[:1].upper())
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96" '
        'viewBox="0 0 96 96" role="img">'
        f"<title>{html.escape(login)}</title>"
        f'<rect width="96" height="96" fill="hsl({hue}, 55%, 45%)"/>'
        '<text x="48" y="64" font-family="sans-serif" font-size="48" '
        f'text-anchor="middle" fill="#ffffff">{initial}</text>'
        "</svg>"
    )
