"""The provider's OAuth state: authorize forms, codes, tokens, kept in memory.

Nothing here knows about HTTP frameworks; :mod:`._app` turns the results into
responses. One instance serves one process, so no locking is needed: every
method runs to completion on the event loop without awaiting.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import logging
import re
import secrets
import string
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Mapping, Optional, Tuple, Union
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from ._accounts import ACCOUNTS, Account

logger = logging.getLogger(__name__)

CODE_LIFETIME = 600
FORM_LIFETIME = 600
ACCESS_TOKEN_LIFETIME = 28800
REFRESH_TOKEN_LIFETIME = 15811200
MAX_TOKENS_PER_GRANT = 10
RATE_LIMIT = 5000
RATE_WINDOW = 3600

_AUTHORIZE_DOCS = (
    "https://docs.github.com/apps/managing-oauth-apps/"
    "troubleshooting-authorization-request-errors/"
)
_EXCHANGE_DOCS = (
    "https://docs.github.com/apps/managing-oauth-apps/"
    "troubleshooting-oauth-app-access-token-request-errors/"
)
_TOKEN_ERRORS = {
    "bad_verification_code": "The code passed is incorrect or expired.",
    "incorrect_client_credentials": (
        "The client_id and/or client_secret passed are incorrect."
    ),
    "redirect_uri_mismatch": (
        "The redirect_uri MUST match the registered callback URL for this application."
    ),
    "unverified_user_email": "The user must have a verified primary email.",
    "bad_refresh_token": "The refresh token passed is incorrect or expired.",
    "unsupported_grant_type": "The grant type is not supported.",
}
_LOOPBACK_NAMES = frozenset({"localhost"})
_CHALLENGE = re.compile(r"[A-Za-z0-9_-]{43}")
_VERIFIER = re.compile(r"[A-Za-z0-9._~-]{43,128}")
_BROWSER_ID = re.compile(r"[A-Za-z0-9_-]{43}")
_TOKEN_ALPHABET = string.ascii_letters + string.digits


@dataclass(frozen=True)
class Registration:
    """The one OAuth App this provider knows."""

    client_id: str
    client_secret: str
    callback_url: str
    app_name: str
    expiring_tokens: bool


@dataclass(frozen=True)
class AuthorizeRequest:
    """A checked ``GET /login/oauth/authorize`` waiting for the person's answer."""

    redirect_uri: str
    scopes: Tuple[str, ...]
    state: Optional[str]
    code_challenge: Optional[str]
    login_hint: Optional[str]


@dataclass(frozen=True)
class PageError:
    """A failure shown on the provider's own page, never sent to the app."""

    status: int
    title: str
    detail: str


@dataclass(frozen=True)
class Redirect:
    """A redirect back to the app's callback."""

    location: str


@dataclass(frozen=True)
class TokenError:
    """A token endpoint failure; GitHub sends these with HTTP 200."""

    error: str

    def fields(self) -> List[Tuple[str, str]]:
        """Return the answer's fields in GitHub's order."""
        anchor = self.error.replace("_", "-")
        return [
            ("error", self.error),
            ("error_description", _TOKEN_ERRORS[self.error]),
            ("error_uri", f"{_EXCHANGE_DOCS}#{anchor}"),
        ]


@dataclass
class AccessToken:
    """An issued access token and what it grants."""

    number: int
    value: str
    login: str
    scopes: Tuple[str, ...]
    created_at: float
    expires_at: Optional[float] = None
    refresh_token: Optional[str] = None

    @property
    def account(self) -> Account:
        """The demo account the token acts for."""
        return ACCOUNTS[self.login]


@dataclass
class _PendingForm:
    request: AuthorizeRequest
    browser: str
    created_at: float


@dataclass
class _PendingCode:
    login: str
    scopes: Tuple[str, ...]
    redirect_uri: str
    code_challenge: Optional[str]
    created_at: float


@dataclass
class _RefreshToken:
    access_token: str
    expires_at: float


@dataclass
class RateLimit:
    """The ``X-RateLimit-*`` numbers for one account's hour."""

    reset: int
    used: int = 0

    @property
    def remaining(self) -> int:
        """Calls left in this window."""
        return max(RATE_LIMIT - self.used, 0)

    def headers(self) -> Dict[str, str]:
        """Return GitHub's rate limit headers."""
        return {
            "X-RateLimit-Limit": str(RATE_LIMIT),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset),
            "X-RateLimit-Used": str(self.used),
            "X-RateLimit-Resource": "core",
        }


@dataclass
class OAuthServer:
    """Everything the provider remembers, and the rules it applies."""

    registration: Registration
    clock: Callable[[], float]
    _forms: Dict[str, _PendingForm] = field(default_factory=dict)
    _codes: Dict[str, _PendingCode] = field(default_factory=dict)
    _tokens: Dict[str, AccessToken] = field(default_factory=dict)
    _refresh: Dict[str, _RefreshToken] = field(default_factory=dict)
    _rates: Dict[str, RateLimit] = field(default_factory=dict)
    _next_number: int = 1

    # -- authorize ----------------------------------------------------------

    def check_authorize(
        self, args: Mapping[str, str]
    ) -> Union[AuthorizeRequest, PageError, Redirect]:
        """Check an authorize request the way GitHub does, in GitHub's order."""
        client_id = args.get("client_id", "")
        if not client_id or not _same(client_id, self.registration.client_id):
            return PageError(
                404,
                "Unknown application",
                "No OAuth App is registered with this client_id.",
            )

        state = args.get("state")
        redirect_uri = args.get("redirect_uri") or self.registration.callback_url
        if not redirect_uri_allowed(redirect_uri, self.registration.callback_url):
            logger.warning("Authorize refused: redirect_uri is not registered")
            return Redirect(
                _with_query(
                    self.registration.callback_url,
                    [
                        ("error", "redirect_uri_mismatch"),
                        ("error_description", _TOKEN_ERRORS["redirect_uri_mismatch"]),
                        ("error_uri", f"{_AUTHORIZE_DOCS}#redirect-uri-mismatch"),
                    ],
                    state,
                )
            )

        challenge = args.get("code_challenge")
        method = args.get("code_challenge_method")
        pkce_problem = _pkce_problem(challenge, method)
        if pkce_problem:
            return PageError(400, "Invalid PKCE parameters", pkce_problem)

        return AuthorizeRequest(
            redirect_uri=redirect_uri,
            scopes=parse_scopes(args.get("scope", "")),
            state=state,
            code_challenge=challenge,
            login_hint=args.get("login") or None,
        )

    def open_form(self, request: AuthorizeRequest, browser: str) -> str:
        """Remember a shown authorize form; return its one-time token."""
        self._sweep()
        token = secrets.token_urlsafe(32)
        self._forms[token] = _PendingForm(request, browser, self.clock())
        return token

    def answer_form(
        self,
        token: str,
        browser: str,
        action: str,
        login: str,
        scopes: List[str],
    ) -> Union[PageError, Redirect]:
        """Apply the person's answer to a form; the form's token works once."""
        pending = self._forms.get(token)
        if pending is None or self._expired(pending.created_at, FORM_LIFETIME):
            self._forms.pop(token, None)
            return PageError(
                400,
                "This authorization request has expired",
                "The form was already used or is more than ten minutes old. "
                "Start the sign-in again from the app.",
            )
        if not browser or not _same(browser, pending.browser):
            logger.warning("Authorize refused: the form came from another browser")
            return PageError(
                403,
                "This form was not opened in this browser",
                "The authorization was submitted without the browser cookie that "
                "came with the form, as a cross-site request would be.",
            )
        del self._forms[token]

        request = pending.request
        if action == "cancel":
            logger.info("Authorization cancelled by the person")
            return Redirect(
                _with_query(
                    request.redirect_uri,
                    [
                        ("error", "access_denied"),
                        (
                            "error_description",
                            "The user has denied your application access.",
                        ),
                        ("error_uri", f"{_AUTHORIZE_DOCS}#access-denied"),
                    ],
                    request.state,
                )
            )
        if action != "authorize":
            return PageError(400, "Unknown answer", "Press Authorize or Cancel.")
        if login not in ACCOUNTS:
            return PageError(400, "Unknown account", "Pick one of the demo accounts.")

        # The person may untick scopes; never grant one that was not requested.
        granted = tuple(scope for scope in request.scopes if scope in scopes)
        code = secrets.token_hex(10)
        self._codes[code] = _PendingCode(
            login=login,
            scopes=granted,
            redirect_uri=request.redirect_uri,
            code_challenge=request.code_challenge,
            created_at=self.clock(),
        )
        logger.info("Authorized %s with scopes %s", login, ",".join(granted) or "-")
        return Redirect(
            _with_query(request.redirect_uri, [("code", code)], request.state)
        )

    # -- token --------------------------------------------------------------

    def exchange(
        self, params: Mapping[str, str]
    ) -> Union[TokenError, List[Tuple[str, str]]]:
        """Answer ``POST /login/oauth/access_token``; fields in GitHub's order."""
        registration = self.registration
        if not (
            _same(params.get("client_id", ""), registration.client_id)
            and _same(params.get("client_secret", ""), registration.client_secret)
        ):
            logger.warning("Token refused: incorrect client credentials")
            return TokenError("incorrect_client_credentials")

        grant_type = params.get("grant_type") or "authorization_code"
        if grant_type == "refresh_token":
            return self._refresh_pair(params.get("refresh_token", ""))
        if grant_type != "authorization_code":
            return TokenError("unsupported_grant_type")

        # Taking the code out first makes it single-use, even when this try fails.
        pending = self._codes.pop(params.get("code", ""), None)
        if pending is None or self._expired(pending.created_at, CODE_LIFETIME):
            logger.warning("Token refused: unknown, used or expired code")
            return TokenError("bad_verification_code")
        redirect_uri = params.get("redirect_uri")
        if redirect_uri and redirect_uri != pending.redirect_uri:
            logger.warning("Token refused: redirect_uri differs from authorize's")
            return TokenError("redirect_uri_mismatch")
        if not _verifier_matches(pending.code_challenge, params.get("code_verifier")):
            logger.warning("Token refused: PKCE verifier missing or wrong")
            return TokenError("bad_verification_code")
        if not ACCOUNTS[pending.login].primary_email_verified:
            return TokenError("unverified_user_email")

        return self._issue(pending.login, pending.scopes)

    def _refresh_pair(self, value: str) -> Union[TokenError, List[Tuple[str, str]]]:
        old = self._refresh.pop(value, None) if value else None
        if old is None or old.expires_at <= self.clock():
            logger.warning("Refresh refused: unknown, used or expired refresh token")
            return TokenError("bad_refresh_token")

        # The old pair stops working as soon as the new one exists.
        previous = self._tokens.pop(old.access_token, None)
        if previous is None:
            return TokenError("bad_refresh_token")
        return self._issue(previous.login, previous.scopes)

    def _issue(self, login: str, scopes: Tuple[str, ...]) -> List[Tuple[str, str]]:
        self._sweep()
        self._limit_live_tokens(login, scopes)
        now = self.clock()
        token = AccessToken(
            number=self._next_number,
            value="gho_" + _random_token(36),
            login=login,
            scopes=scopes,
            created_at=now,
        )
        self._next_number += 1
        self._tokens[token.value] = token

        fields = [("access_token", token.value)]
        if self.registration.expiring_tokens:
            token.expires_at = now + ACCESS_TOKEN_LIFETIME
            token.refresh_token = "ghr_" + _random_token(76)
            self._refresh[token.refresh_token] = _RefreshToken(
                token.value, now + REFRESH_TOKEN_LIFETIME
            )
            fields += [
                ("expires_in", str(ACCESS_TOKEN_LIFETIME)),
                ("refresh_token", token.refresh_token),
                ("refresh_token_expires_in", str(REFRESH_TOKEN_LIFETIME)),
            ]
        logger.info("Issued a token for %s", login)
        return [*fields, ("scope", ",".join(scopes)), ("token_type", "bearer")]

    def _limit_live_tokens(self, login: str, scopes: Tuple[str, ...]) -> None:
        # GitHub keeps ten live tokens per user, app and scope set; the oldest goes.
        same = [
            token
            for token in self._tokens.values()
            if token.login == login and set(token.scopes) == set(scopes)
        ]
        same.sort(key=lambda token: token.number)
        for token in same[: max(len(same) - MAX_TOKENS_PER_GRANT + 1, 0)]:
            self._drop(token)

    # -- tokens in use ------------------------------------------------------

    def authenticate(self, value: str) -> Optional[AccessToken]:
        """Return the live token with this value, or None."""
        token = self._tokens.get(value) if value else None
        if token is None:
            return None
        if token.expires_at is not None and token.expires_at <= self.clock():
            return None
        return token

    def revoke_token(self, value: str) -> bool:
        """Revoke one token; return whether it was live."""
        token = self.authenticate(value)
        if token is None:
            return False
        self._drop(token)
        return True

    def revoke_grant(self, value: str) -> bool:
        """Revoke all the user's tokens and codes; return whether the token was live."""
        token = self.authenticate(value)
        if token is None:
            return False
        for other in [t for t in self._tokens.values() if t.login == token.login]:
            self._drop(other)
        for code in [c for c, p in self._codes.items() if p.login == token.login]:
            del self._codes[code]
        logger.info("Revoked the grant of %s", token.login)
        return True

    def rate(self, login: str, *, count: bool) -> RateLimit:
        """Return the account's rate limit, counting this call when ``count``."""
        now = self.clock()
        limit = self._rates.get(login)
        if limit is None or limit.reset <= now:
            limit = RateLimit(reset=int(now) + RATE_WINDOW)
            self._rates[login] = limit
        if count:
            limit.used += 1
        return limit

    # -- housekeeping -------------------------------------------------------

    def _drop(self, token: AccessToken) -> None:
        self._tokens.pop(token.value, None)
        if token.refresh_token:
            self._refresh.pop(token.refresh_token, None)

    def _expired(self, created_at: float, lifetime: int) -> bool:
        return self.clock() - created_at >= lifetime

    def _sweep(self) -> None:
        # Forget what can no longer be used, so a long-running provider stays small.
        stale_forms = [
            token
            for token, form in self._forms.items()
            if self._expired(form.created_at, FORM_LIFETIME)
        ]
        for token in stale_forms:
            del self._forms[token]
        stale_codes = [
            code
            for code, pending in self._codes.items()
            if self._expired(pending.created_at, CODE_LIFETIME)
        ]
        for code in stale_codes:
            del self._codes[code]


def new_browser_id(current: Optional[str]) -> str:
    """Return the browser's binding cookie value, keeping a well-formed one."""
    if current and _BROWSER_ID.fullmatch(current):
        return current
    return secrets.token_urlsafe(32)


def parse_scopes(raw: str) -> Tuple[str, ...]:
    """Split a scope parameter (spaces or commas) into unique scopes, in order."""
    scopes: List[str] = []
    for scope in re.split(r"[\s,]+", raw.strip()):
        if scope and scope not in scopes:
            scopes.append(scope)
    return tuple(scopes)


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name, or an address with or without brackets) is local."""
    host = host.strip().lower()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def redirect_uri_allowed(candidate: str, registered: str) -> bool:
    """Apply GitHub's OAuth App rule for ``redirect_uri`` against the callback.

    Same scheme and host, a path equal to or below the callback's, and the same
    port except on loopback hosts, where any port is allowed.
    """
    try:
        given, known = urlsplit(candidate), urlsplit(registered)
        given_port, known_port = (
            _port(given.scheme, given.port),
            _port(known.scheme, known.port),
        )
    except ValueError:
        return False
    if given.scheme.lower() != known.scheme.lower() or given.fragment:
        return False
    if given.username is not None or not given.hostname:
        return False
    if given.hostname != known.hostname:
        return False
    if given_port != known_port and not is_loopback(known.hostname or ""):
        return False

    # Decode before comparing so that %2e%2e cannot climb out of the callback.
    path = unquote(given.path) or "/"
    base = unquote(known.path) or "/"
    if ".." in path.split("/") or "\\" in path:
        return False
    return path == base or path.startswith(base.rstrip("/") + "/")


def s256(verifier: str) -> str:
    """Return the RFC 7636 S256 challenge for a verifier."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _pkce_problem(challenge: Optional[str], method: Optional[str]) -> Optional[str]:
    if challenge is None and method is None:
        return None
    if challenge is None:
        return "code_challenge_method was given without code_challenge."
    if method is None:
        return "code_challenge was given without code_challenge_method."
    if method != "S256":
        return "code_challenge_method must be S256; plain is not accepted."
    if not _CHALLENGE.fullmatch(challenge):
        return "code_challenge must be 43 characters of base64url (S256 of a verifier)."
    return None


def _verifier_matches(challenge: Optional[str], verifier: Optional[str]) -> bool:
    if challenge is None:
        # A verifier without a challenge means the challenge was lost: refuse it
        # (RFC 9700's defence against a PKCE downgrade).
        return not verifier
    if not verifier or not _VERIFIER.fullmatch(verifier):
        return False
    return _same(s256(verifier), challenge)


def _with_query(url: str, params: List[Tuple[str, str]], state: Optional[str]) -> str:
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    query += params
    if state is not None:
        query.append(("state", state))
    return urlunsplit(parts._replace(query=urlencode(query), fragment=""))


def _port(scheme: str, port: Optional[int]) -> Optional[int]:
    if port is not None:
        return port
    return {"http": 80, "https": 443}.get(scheme.lower())


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def _random_token(length: int) -> str:
    return "".join(secrets.choice(_TOKEN_ALPHABET) for _ in range(length))
