"""The sign-in use cases: begin, complete, keep fresh and end a GitHub sign-in."""

from __future__ import annotations

import asyncio
import hmac
import logging
import re
import secrets
import time
from typing import Callable, List, Mapping, Optional, Sequence, Tuple
from urllib.parse import urlencode

from github_oauth_app.domain import pkce
from github_oauth_app.domain.access import AccessPolicy
from github_oauth_app.domain.errors import (
    AuthorizationDenied,
    InvalidCallback,
    SignInError,
    StateMismatch,
)
from github_oauth_app.domain.models import (
    EMAIL_SCOPES,
    AccessToken,
    AuthorizationRequest,
    CallbackParams,
    EmailAddress,
    GitHubUser,
    PendingAuthorization,
    Profile,
    SignedIn,
)
from github_oauth_app.domain.ports import GitHubOAuth

logger = logging.getLogger(__name__)

Clock = Callable[[], float]

# GitHub's codes live ten minutes; a pending sign-in needs to live no longer.
PENDING_TTL_SECONDS = 600
# 32 random bytes: twice the 128 bits RFC 9700 asks of a state value.
_STATE_BYTES = 32
# Far above anything GitHub sends (a code is 20 characters), far below abuse.
_MAX_PARAM_LENGTH = {"code": 256, "state": 256, "error": 64}
# GitHub's error codes are snake_case words; anything else is not from GitHub,
# and must not reach a page or a log line as it is.
_ERROR_CODE = re.compile(r"[a-z_]{1,64}")
_MAX_DESCRIPTION_LENGTH = 1024
# Refresh an expiring token when less than this many seconds are left.
REFRESH_MARGIN_SECONDS = 300


def parse_callback(query: Mapping[str, Sequence[str]]) -> CallbackParams:
    """Read the callback's query, refusing repeated or oversized parameters."""
    values = {}
    for name in ("code", "state", "error", "error_description"):
        given = list(query.get(name, ()))
        if len(given) > 1:
            raise InvalidCallback(f"the parameter {name!r} is repeated")
        limit = _MAX_PARAM_LENGTH.get(name, _MAX_DESCRIPTION_LENGTH)
        if given and len(given[0]) > limit:
            raise InvalidCallback(f"the parameter {name!r} is too long")
        values[name] = given[0] if given else None
    error = values["error"]
    if error and not _ERROR_CODE.fullmatch(error):
        raise InvalidCallback("the parameter 'error' is not an OAuth error code")
    return CallbackParams(
        code=values["code"] or None,
        state=values["state"] or None,
        error=values["error"] or None,
        error_description=values["error_description"] or "",
    )


def choose_email(user: GitHubUser, emails: Sequence[EmailAddress]) -> Optional[str]:
    """The primary verified address, else the public one, else none."""
    for address in emails:
        if address.primary and address.verified:
            return address.email
    return user.email or None


class SignInService:
    """Runs the OAuth web flow against a :class:`GitHubOAuth` port."""

    def __init__(
        self,
        github: GitHubOAuth,
        *,
        client_id: str,
        authorize_url: str,
        scopes: Sequence[str],
        policy: Optional[AccessPolicy] = None,
        clock: Clock = time.time,
    ) -> None:
        self._github = github
        self._client_id = client_id
        self._authorize_url = authorize_url
        self._scopes = tuple(scopes)
        self._policy = policy or AccessPolicy()
        self._clock = clock

    def begin(
        self,
        redirect_uri: str,
        next_path: Optional[str] = None,
        select_account: bool = False,
    ) -> AuthorizationRequest:
        """Build the authorisation URL and the state to keep until the callback."""
        pending = PendingAuthorization(
            state=secrets.token_urlsafe(_STATE_BYTES),
            code_verifier=pkce.new_verifier(),
            redirect_uri=redirect_uri,
            created_at=self._clock(),
            next_path=next_path,
        )
        query: List[Tuple[str, str]] = [
            ("client_id", self._client_id),
            ("redirect_uri", redirect_uri),
            ("scope", " ".join(self._scopes)),
            ("state", pending.state),
            ("code_challenge", pkce.challenge(pending.code_verifier)),
            ("code_challenge_method", "S256"),
            ("allow_signup", "true"),
        ]
        if select_account:
            query.append(("prompt", "select_account"))
        url = f"{self._authorize_url}?{urlencode(query)}"
        return AuthorizationRequest(url=url, pending=pending)

    async def complete(
        self, pending: Optional[PendingAuthorization], params: CallbackParams
    ) -> SignedIn:
        """Check the callback, exchange its code and read who signed in.

        The caller forgets ``pending`` whatever happens: a state is good once.
        """
        # An error is reported before the state is judged so that a person who
        # cancels after their attempt expired still reads "cancelled". Showing
        # it is harmless: nothing is exchanged and no session is created.
        if params.error:
            raise AuthorizationDenied(params.error, params.error_description)
        pending = self._check_state(pending, params)
        if not params.code:
            raise InvalidCallback("the callback carries neither a code nor an error")

        token = await self._github.exchange_code(
            params.code, pending.redirect_uri, pending.code_verifier
        )
        user, scopes, email = await self._identify(token)
        await self._policy.check(self._github, token.value, user.login)
        logger.info("Signed in %r with scopes %r", user.login, ",".join(scopes))
        return SignedIn(
            user=user,
            token=token,
            email=email,
            scopes=scopes,
            next_path=pending.next_path,
            checked_at=self._clock(),
        )

    async def keep_fresh(self, token: AccessToken) -> AccessToken:
        """Return ``token``, refreshed first if it is about to expire."""
        if not token.refresh_token:
            return token
        if not token.expires_within(REFRESH_MARGIN_SECONDS, self._clock()):
            return token
        logger.info("Refreshing an access token that expires soon")
        return await self._github.refresh(token.refresh_token)

    async def recheck(self, token: AccessToken) -> Profile:
        """Read the person again and check they may still stay.

        Raises :class:`BadCredentials` when the grant was revoked and
        :class:`AccessRefused` when an allow-list no longer admits them.
        """
        profile = await self._github.fetch_profile(token.value)
        await self._policy.check(self._github, token.value, profile.user.login)
        return profile

    async def sign_out(self, token: Optional[AccessToken], revoke: bool) -> bool:
        """Revoke the grant if asked; return whether it was revoked.

        A failure is logged and swallowed: the local sign-out must happen anyway.
        """
        if not (revoke and token):
            return False
        try:
            await self._github.revoke_grant(token.value)
        except SignInError as exc:
            logger.warning(
                "Could not revoke the grant at GitHub: %s", type(exc).__name__
            )
            return False
        return True

    def _check_state(
        self, pending: Optional[PendingAuthorization], params: CallbackParams
    ) -> PendingAuthorization:
        if pending is None or not params.state:
            raise StateMismatch("no sign-in is pending in this browser")
        # Bytes: compare_digest refuses str with characters beyond ASCII.
        if not hmac.compare_digest(
            pending.state.encode("utf-8"), params.state.encode("utf-8")
        ):
            raise StateMismatch("the state does not match this browser's sign-in")
        if self._clock() - pending.created_at > PENDING_TTL_SECONDS:
            raise StateMismatch("the sign-in attempt has expired")
        return pending

    async def _identify(
        self, token: AccessToken
    ) -> Tuple[GitHubUser, Tuple[str, ...], Optional[str]]:
        if token.grants_any(EMAIL_SCOPES):
            profile, emails = await asyncio.gather(
                self._github.fetch_profile(token.value),
                self._github.fetch_emails(token.value),
            )
        else:
            profile, emails = await self._github.fetch_profile(token.value), []
        scopes = profile.scopes or token.scopes
        return profile.user, scopes, choose_email(profile.user, emails)
