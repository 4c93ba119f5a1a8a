"""Every failure the sign-in can meet, under one root error."""

from __future__ import annotations


class SignInError(Exception):
    """Root of every error the sign-in domain and its adapters raise."""


class StateMismatch(SignInError):
    """The callback's state is missing, wrong, expired or already used."""


class AuthorizationDenied(SignInError):
    """GitHub sent the person back with an ``error`` instead of a code."""

    def __init__(self, error: str, description: str = "") -> None:
        super().__init__(error)
        self.error = error
        self.description = description

    @property
    def cancelled(self) -> bool:
        """Whether the person pressed Cancel on GitHub's page."""
        return self.error == "access_denied"


class InvalidCallback(SignInError):
    """The callback's parameters are malformed: repeated, oversized or absent."""


class TokenExchangeFailed(SignInError):
    """The token endpoint answered with an ``error`` key (even with HTTP 200)."""

    def __init__(self, error: str, description: str = "") -> None:
        super().__init__(error)
        self.error = error
        self.description = description

    @property
    def expired(self) -> bool:
        """Whether the code was wrong or older than GitHub's ten minutes."""
        return self.error == "bad_verification_code"


class GitHubUnavailable(SignInError):
    """GitHub could not be reached, answered 5xx, or sent an unreadable body."""


class GitHubTimeout(GitHubUnavailable):
    """GitHub did not answer within the configured time."""


class BadCredentials(SignInError):
    """GitHub refused the access token (401): it was revoked or has expired."""


class RateLimited(SignInError):
    """GitHub's rate limit is exhausted; ``retry_after`` is in seconds if known."""

    def __init__(self, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class AccessRefused(SignInError):
    """The person signed in to GitHub but no allow-list rule admits them."""

    def __init__(self, login: str, reason: str) -> None:
        super().__init__(reason)
        self.login = login
        self.reason = reason


class OrganizationRestricted(SignInError):
    """An organisation's OAuth App access restrictions hide its data from us."""
