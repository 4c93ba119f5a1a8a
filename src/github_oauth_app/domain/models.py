"""Values the sign-in passes around; immutable, and free of any framework."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, Optional, Tuple, Union

# A JSON-friendly mapping, as a session keeps it.
Record = Dict[str, Union[str, int, float, bool, None]]

EMAIL_SCOPES = frozenset({"user", "user:email"})


@dataclass(frozen=True)
class AccessToken:
    """An OAuth access token with what GitHub granted alongside it."""

    value: str = field(repr=False)
    scopes: Tuple[str, ...] = ()
    token_type: str = "bearer"  # noqa: S105 - a token kind, not a secret
    expires_at: Optional[float] = None
    refresh_token: Optional[str] = field(default=None, repr=False)
    refresh_expires_at: Optional[float] = None

    def grants_any(self, scopes: frozenset[str]) -> bool:
        """Whether at least one of ``scopes`` was granted."""
        return not scopes.isdisjoint(self.scopes)

    def expires_within(self, seconds: float, now: float) -> bool:
        """Whether the token expires (or has expired) within ``seconds``."""
        return self.expires_at is not None and self.expires_at - now <= seconds


@dataclass(frozen=True)
class EmailAddress:
    """One address from ``GET /user/emails``."""

    email: str
    primary: bool
    verified: bool
    visibility: Optional[str] = None


@dataclass(frozen=True)
class GitHubUser:
    """The parts of ``GET /user`` the pages show."""

    login: str
    id: int
    avatar_url: str = ""
    html_url: str = ""
    name: Optional[str] = None
    email: Optional[str] = None
    company: Optional[str] = None
    bio: Optional[str] = None
    public_repos: int = 0

    @property
    def display_name(self) -> str:
        """The name to greet the person by: their name, else their login."""
        return self.name or self.login


@dataclass(frozen=True)
class Profile:
    """``GET /user`` with the scopes its ``X-OAuth-Scopes`` header listed."""

    user: GitHubUser
    scopes: Tuple[str, ...] = ()


@dataclass(frozen=True)
class PendingAuthorization:
    """What must survive, in this browser only, between /login and the callback."""

    state: str = field(repr=False)
    code_verifier: str = field(repr=False)
    redirect_uri: str
    created_at: float
    next_path: Optional[str] = None

    def to_record(self) -> Record:
        """Return a JSON-friendly copy for the session."""
        return {
            "state": self.state,
            "code_verifier": self.code_verifier,
            "redirect_uri": self.redirect_uri,
            "created_at": self.created_at,
            "next_path": self.next_path,
        }

    @classmethod
    def from_record(cls, record: object) -> Optional[PendingAuthorization]:
        """Rebuild from :meth:`to_record`'s output; ``None`` if it is not one."""
        if not isinstance(record, dict):
            return None
        try:
            pending = cls(
                state=record["state"],
                code_verifier=record["code_verifier"],
                redirect_uri=record["redirect_uri"],
                created_at=float(record["created_at"]),
                next_path=record.get("next_path"),
            )
        except (KeyError, TypeError, ValueError):
            return None
        texts = (pending.state, pending.code_verifier, pending.redirect_uri)
        if not all(isinstance(text, str) for text in texts):
            return None
        return pending


@dataclass(frozen=True)
class AuthorizationRequest:
    """Where to send the browser, and what to remember until it comes back."""

    url: str
    pending: PendingAuthorization


@dataclass(frozen=True)
class CallbackParams:
    """The query parameters GitHub sends to the callback."""

    code: Optional[str] = field(default=None, repr=False)
    state: Optional[str] = field(default=None, repr=False)
    error: Optional[str] = None
    error_description: str = ""


@dataclass(frozen=True)
class SignedIn:
    """The outcome of a successful sign-in."""

    user: GitHubUser
    token: AccessToken
    email: Optional[str]
    scopes: Tuple[str, ...]
    next_path: Optional[str]
    checked_at: float
