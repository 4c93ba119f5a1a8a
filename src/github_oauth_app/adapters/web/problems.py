"""What a visitor is told, and with which status, when something goes wrong."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from github_oauth_app.domain import errors


@dataclass(frozen=True)
class Problem:
    """A page explaining a failure, and the HTTP status it is served with."""

    status: int
    title: str
    message: str
    retry_after: Optional[int] = None


_AUTHORIZE_ERRORS = {
    "application_suspended": Problem(
        403,
        "This app is suspended on GitHub",
        "GitHub has suspended this application, so nobody can sign in with it "
        "for now. Please tell the people who run this site.",
    ),
    "redirect_uri_mismatch": Problem(
        400,
        "Sign-in is misconfigured",
        "GitHub refused the address it was asked to send you back to. The "
        "people who run this site must register this site's callback URL in "
        "the GitHub OAuth App.",
    ),
}

_TOKEN_ERRORS = {
    "bad_verification_code": Problem(
        400,
        "This sign-in expired",
        "The code from GitHub was already used or is more than ten minutes old. "
        "Please sign in again.",
    ),
    "incorrect_client_credentials": Problem(
        502,
        "Sign-in is misconfigured",
        "GitHub did not accept this site's client credentials. The people who "
        "run this site have been told.",
    ),
    "redirect_uri_mismatch": _AUTHORIZE_ERRORS["redirect_uri_mismatch"],
    "unverified_user_email": Problem(
        403,
        "Verify your email on GitHub first",
        "GitHub asks that the primary email of your account be verified before "
        "you sign in to other sites. Verify it on GitHub, then try again.",
    ),
}


def problem_for(exc: errors.SignInError) -> Problem:
    """Choose the page for a sign-in failure."""
    if isinstance(exc, errors.AuthorizationDenied):
        return _denied(exc)
    if isinstance(exc, errors.TokenExchangeFailed):
        return _TOKEN_ERRORS.get(exc.error, _UPSTREAM)
    if isinstance(exc, errors.RateLimited):
        return Problem(
            503,
            "GitHub is busy",
            "GitHub's rate limit for this site is used up for the moment. "
            "Please try again in a few minutes.",
            retry_after=exc.retry_after or 60,
        )
    for kind, problem in _BY_KIND:
        if isinstance(exc, kind):
            return problem
    return _UPSTREAM


def _denied(exc: errors.AuthorizationDenied) -> Problem:
    if exc.cancelled:
        return Problem(
            200,
            "Sign-in cancelled",
            "You cancelled the sign-in on GitHub, so nothing was shared with "
            "this site. You can try again whenever you like.",
        )
    return _AUTHORIZE_ERRORS.get(
        exc.error,
        Problem(
            400,
            "GitHub did not sign you in",
            "GitHub sent you back without signing you in. Please try again.",
        ),
    )


_UPSTREAM = Problem(
    502,
    "GitHub could not be reached",
    "GitHub did not give a usable answer. Please try again in a moment.",
)

_BY_KIND = (
    (
        errors.StateMismatch,
        Problem(
            400,
            "Please start again",
            "This sign-in link does not belong to this browser, was already used "
            "or has expired. Nothing was sent to GitHub; start the sign-in again.",
        ),
    ),
    (
        errors.InvalidCallback,
        Problem(
            400,
            "Please start again",
            "The address GitHub sent you back to is not one this site expects. "
            "Start the sign-in again.",
        ),
    ),
    (
        errors.GitHubTimeout,
        Problem(
            504,
            "GitHub is taking too long",
            "GitHub did not answer in time. Please try again in a moment.",
        ),
    ),
    (errors.GitHubUnavailable, _UPSTREAM),
    (
        errors.BadCredentials,
        Problem(
            401,
            "Your GitHub sign-in has ended",
            "GitHub no longer accepts this sign-in; it may have been revoked. "
            "Please sign in again.",
        ),
    ),
)
