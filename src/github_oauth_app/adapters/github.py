"""GitHub over aiohttp: the OAuth token endpoint and the REST reads a sign-in needs.

:class:`GitHubClient` implements :class:`~github_oauth_app.domain.ports.GitHubOAuth`.
Every failure leaves it as an error of :mod:`github_oauth_app.domain.errors`: no
aiohttp or json exception escapes, and no log line or error message carries a
token, a code, a verifier or the client secret.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import math
import re
import time
from dataclasses import dataclass
from typing import Callable, Dict, FrozenSet, List, Mapping, Optional, Tuple
from urllib.parse import parse_qsl, quote

import aiohttp
from yarl import URL

from github_oauth_app.domain.errors import (
    BadCredentials,
    GitHubTimeout,
    GitHubUnavailable,
    OrganizationRestricted,
    RateLimited,
    SignInError,
    TokenExchangeFailed,
)
from github_oauth_app.domain.models import (
    AccessToken,
    EmailAddress,
    GitHubUser,
    Profile,
)

__all__ = ["API_VERSION", "GitHubClient", "new_http_session"]

logger = logging.getLogger(__name__)

API_VERSION = "2022-11-28"
_REST_MEDIA_TYPE = "application/vnd.github+json"
_FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"
# GitHub's largest page: the fewer pages, the fewer requests against the limit.
_PER_PAGE = 100
# 20 pages of 100 items: more addresses, organisations or teams than a sign-in
# needs, and a stop for a server whose "next" link never ends.
_MAX_PAGES = 20
# GitHub's answers here weigh kilobytes; a far larger body is not one of them.
_MAX_BODY_BYTES = 4 * 1024 * 1024
_CHUNK_BYTES = 64 * 1024
# What is passed on of a message GitHub wrote, so an error page stays readable.
_MAX_MESSAGE_LENGTH = 300
_RESTRICTION_MARK = "oauth app access restrictions"
# GitHub separates scopes with commas (and ", " in X-OAuth-Scopes); RFC 6749
# with spaces. Either is read.
_SCOPE_SEPARATORS = re.compile(r"[,\s]+")
_WHOLE_NUMBER = re.compile(r"[0-9]{1,12}")
# A token is printable ASCII without spaces; anything else could split a header.
_TOKEN_CHARACTERS = re.compile(r"[\x21-\x7e]+")


class _UnexpectedAnswer(GitHubUnavailable):
    """GitHub answered, but not with a status or a body this client can read."""


@dataclass(frozen=True)
class _Answer:
    """One HTTP exchange, its body read whole."""

    method: str
    path: str
    status: int
    headers: Mapping[str, str]
    content_type: str
    body: bytes
    next_url: Optional[URL]

    @property
    def where(self) -> str:
        """The request, as messages name it: a method and a path, never a query."""
        return f"{self.method} {self.path}"


def new_http_session(timeout_seconds: float) -> aiohttp.ClientSession:
    """Open the app's one HTTP session; call it inside the running event loop.

    The session keeps no cookies: it is shared by everyone who signs in, and a
    cookie GitHub sets for one person's request must not ride along with the next.
    """
    if not timeout_seconds > 0:
        raise ValueError("the timeout must be a positive number of seconds")
    return aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=timeout_seconds),
        cookie_jar=aiohttp.DummyCookieJar(),
    )


class GitHubClient:
    """GitHub's OAuth token endpoint and REST API, through a caller-owned session."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        github_url: str,
        api_url: str,
        client_id: str,
        client_secret: str,
        user_agent: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._session = session
        self._token_url = URL(github_url.rstrip("/") + "/login/oauth/access_token")
        self._api_url = api_url.rstrip("/")
        api = URL(self._api_url)
        self._api_origin = (api.scheme, api.host, api.port)
        self._api_prefix = api.path.rstrip("/") + "/"
        self._client_id = client_id
        self._client_secret = client_secret
        self._user_agent = user_agent
        self._clock = clock

    async def exchange_code(
        self, code: str, redirect_uri: str, code_verifier: str
    ) -> AccessToken:
        """Trade an authorisation code for an access token."""
        form = {
            "client_id": self._client_id,
            "client_secret": self._client_secret,
            "code": code,
            "redirect_uri": redirect_uri,
        }
        if code_verifier:
            form["code_verifier"] = code_verifier

        return await self._request_token(form)

    async def refresh(self, refresh_token: str) -> AccessToken:
        """Trade a refresh token for a new access and refresh token pair."""
        form = {
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": self._client_id,
            "client_secret": self._client_secret,
        }

        return await self._request_token(form)

    async def fetch_profile(self, token: str) -> Profile:
        """Read ``GET /user`` and the scopes its ``X-OAuth-Scopes`` header lists."""
        answer = await self._send("GET", self._api("/user"), self._rest_headers(token))
        if answer.status != 200:
            raise self._failure(answer)

        user = _user(_json(answer), answer.where)
        scopes = _split_scopes(answer.headers.get("X-OAuth-Scopes", ""))
        return Profile(user=user, scopes=scopes)

    async def fetch_emails(self, token: str) -> List[EmailAddress]:
        """Read every page of ``GET /user/emails``; none if the scope is missing."""
        items = await self._read_pages(token, "/user/emails", _not_granted)

        return [_email(item, "GET /user/emails") for item in items]

    async def fetch_org_logins(self, token: str) -> FrozenSet[str]:
        """Read every page of ``GET /user/orgs``; lower-cased logins."""
        items = await self._read_pages(token, "/user/orgs")

        return frozenset(_org_login(item) for item in items)

    async def fetch_team_slugs(self, token: str) -> FrozenSet[str]:
        """Read every page of ``GET /user/teams``; lower-cased ``org/slug``."""
        items = await self._read_pages(token, "/user/teams")

        return frozenset(_team_slug(item) for item in items)

    async def revoke_grant(self, token: str) -> None:
        """Revoke the app's whole authorisation for the token's owner.

        A token GitHub no longer knows (404 or 422) has nothing left to revoke.
        """
        url = self._api(f"/applications/{quote(self._client_id, safe='')}/grant")
        headers = self._rest_headers(None)
        headers["Authorization"] = self._basic_auth()
        answer = await self._send(
            "DELETE", url, headers, json_body={"access_token": token}
        )

        if answer.status == 204:
            return
        if answer.status in (404, 422):
            logger.debug("The grant was already gone (HTTP %d)", answer.status)
            return
        raise self._failure(answer)

    async def _request_token(self, form: Dict[str, str]) -> AccessToken:
        headers = {"Accept": "application/json", "User-Agent": self._user_agent}
        answer = await self._send("POST", self._token_url, headers, form=form)

        # GitHub reports a refused code with HTTP 200 and an ``error`` key; other
        # OAuth servers use 400 or 401, so the key counts whatever the status.
        if answer.status >= 500 or _is_rate_limited(answer):
            raise self._failure(answer)
        fields = _token_fields(answer)
        if fields is not None and "error" in fields:
            raise _exchange_failed(fields, answer.where)
        if answer.status != 200:
            raise self._failure(answer)
        if fields is None:
            raise _UnexpectedAnswer(
                f"GitHub answered {answer.where} with neither JSON nor a form"
            )

        return self._access_token(fields, answer.where)

    def _access_token(self, fields: Mapping[str, object], where: str) -> AccessToken:
        value = fields.get("access_token")
        if not isinstance(value, str) or not _TOKEN_CHARACTERS.fullmatch(value):
            raise _UnexpectedAnswer(f"GitHub answered {where} without an access_token")
        token_type = _text(fields, "token_type") or "bearer"
        refresh_token = _text(fields, "refresh_token")
        expires_in = _seconds(fields, "expires_in", where)
        refresh_expires_in = _seconds(fields, "refresh_token_expires_in", where)

        now = self._clock()
        return AccessToken(
            value=value,
            scopes=_split_scopes(_text(fields, "scope") or ""),
            token_type=token_type.lower(),
            expires_at=None if expires_in is None else now + expires_in,
            refresh_token=refresh_token,
            refresh_expires_at=(
                None if refresh_expires_in is None else now + refresh_expires_in
            ),
        )

    async def _read_pages(
        self,
        token: str,
        path: str,
        means_none: Callable[[_Answer], bool] = lambda _answer: False,
    ) -> List[object]:
        """Every item of a list endpoint, following ``Link: rel="next"``.

        ``means_none`` tells which failed first answer stands for an empty list.
        """
        url = self._api(path).with_query({"per_page": str(_PER_PAGE)})
        headers = self._rest_headers(token)
        items: List[object] = []

        for page in range(1, _MAX_PAGES + 1):
            answer = await self._send("GET", url, headers)
            if page == 1 and answer.status != 200 and means_none(answer):
                logger.debug("%s reads as empty (HTTP %d)", answer.where, answer.status)
                return []
            if answer.status != 200:
                raise self._failure(answer)
            document = _json(answer)
            if not isinstance(document, list):
                raise _UnexpectedAnswer(
                    f"GitHub answered {answer.where} with something other than a list"
                )
            items.extend(document)
            if answer.next_url is None:
                return items
            url = self._checked_next(answer.next_url, answer.where)

        # TODO(someone is in more than 2,000 organisations or teams): read on.
        logger.warning("Stopped reading GET %s after %d pages", path, _MAX_PAGES)
        return items

    def _checked_next(self, url: URL, where: str) -> URL:
        # The token goes wherever the link points: only ever to the API itself.
        inside = (url.scheme, url.host, url.port) == self._api_origin
        if not (inside and url.path.startswith(self._api_prefix)):
            raise _UnexpectedAnswer(
                f"GitHub answered {where} with a next page outside {self._api_url}"
            )
        return url

    def _failure(self, answer: _Answer) -> SignInError:
        """The domain's error for an answer other than the success expected."""
        if _is_rate_limited(answer):
            return RateLimited(
                f"GitHub's rate limit refused {answer.where}",
                self._retry_after(answer.headers),
            )
        if answer.status == 401:
            return BadCredentials(f"GitHub refused the credentials of {answer.where}")
        message = _message(answer)
        if answer.status == 403 and _RESTRICTION_MARK in message.lower():
            return OrganizationRestricted(
                f"an organisation's OAuth App access restrictions hide {answer.where}"
            )
        if answer.status >= 500:
            return GitHubUnavailable(
                f"GitHub answered {answer.where} with HTTP {answer.status}"
            )
        detail = f": {message}" if message else ""
        return _UnexpectedAnswer(
            f"GitHub answered {answer.where} with HTTP {answer.status}{detail}"
        )

    def _retry_after(self, headers: Mapping[str, str]) -> Optional[int]:
        """Seconds until GitHub takes requests again, if it said."""
        delay = _whole_number(headers.get("Retry-After"))
        if delay is not None:
            return delay

        reset = _whole_number(headers.get("X-RateLimit-Reset"))
        if reset is None or headers.get("X-RateLimit-Remaining", "").strip() != "0":
            return None
        return max(0, math.ceil(reset - self._clock()))

    def _basic_auth(self) -> str:
        # Built here: aiohttp 3.14 deprecates BasicAuth, and its replacement
        # (encode_basic_auth) does not exist in the 3.8 that Python 3.7 gets.
        pair = f"{self._client_id}:{self._client_secret}".encode()
        return "Basic " + base64.b64encode(pair).decode("ascii")

    def _api(self, path: str) -> URL:
        return URL(self._api_url + path)

    def _rest_headers(self, token: Optional[str]) -> Dict[str, str]:
        headers = {
            "Accept": _REST_MEDIA_TYPE,
            "User-Agent": self._user_agent,
            "X-GitHub-Api-Version": API_VERSION,
        }
        if token is not None:
            # A stray newline would let a token write headers of its own.
            if not _TOKEN_CHARACTERS.fullmatch(token):
                raise BadCredentials("the access token is not a token GitHub issues")
            headers["Authorization"] = f"Bearer {token}"
        return headers

    async def _send(
        self,
        method: str,
        url: URL,
        headers: Mapping[str, str],
        *,
        form: Optional[Mapping[str, str]] = None,
        json_body: Optional[Mapping[str, str]] = None,
    ) -> _Answer:
        """Send one request and read its answer whole, or raise a domain error."""
        where = f"{method} {url.path}"
        try:
            # Redirects are not followed: they would carry the token or the
            # client secret to wherever the ``Location`` points.
            async with self._session.request(
                method,
                url,
                headers=headers,
                data=form,
                json=json_body,
                allow_redirects=False,
            ) as response:
                body = await _read_body(response, where)
                next_url = _next_link(response, where)
        except asyncio.TimeoutError as exc:
            logger.debug("GitHub did not answer %s in time", where)
            raise GitHubTimeout(f"GitHub did not answer {where} in time") from exc
        except aiohttp.ClientError as exc:
            logger.debug("GitHub %s failed: %s", where, type(exc).__name__)
            raise GitHubUnavailable(
                f"could not reach GitHub for {where} ({type(exc).__name__})"
            ) from exc

        logger.debug("GitHub answered %s with HTTP %d", where, response.status)
        return _Answer(
            method=method,
            path=url.path,
            status=response.status,
            headers=response.headers,
            content_type=response.content_type,
            body=body,
            next_url=next_url,
        )


async def _read_body(response: aiohttp.ClientResponse, where: str) -> bytes:
    chunks: List[bytes] = []
    size = 0
    async for chunk in response.content.iter_chunked(_CHUNK_BYTES):
        size += len(chunk)
        if size > _MAX_BODY_BYTES:
            raise _UnexpectedAnswer(
                f"GitHub's answer to {where} is larger than {_MAX_BODY_BYTES} bytes"
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _next_link(response: aiohttp.ClientResponse, where: str) -> Optional[URL]:
    try:
        link = response.links.get("next")
    except ValueError as exc:
        raise _UnexpectedAnswer(
            f"GitHub answered {where} with an unreadable Link header"
        ) from exc
    if link is None:
        return None
    url = link.get("url")
    return url if isinstance(url, URL) else None


def _is_rate_limited(answer: _Answer) -> bool:
    if answer.status == 429:
        return True
    exhausted = answer.headers.get("X-RateLimit-Remaining", "").strip() == "0"
    return answer.status == 403 and (exhausted or "Retry-After" in answer.headers)


def _not_granted(answer: _Answer) -> bool:
    """Whether a failed ``GET /user/emails`` means the scope was not granted."""
    return answer.status == 404 or (
        answer.status == 403 and not _is_rate_limited(answer)
    )


def _json(answer: _Answer) -> object:
    try:
        document: object = json.loads(answer.body)
    except (ValueError, RecursionError) as exc:
        raise _UnexpectedAnswer(
            f"GitHub answered {answer.where} with a body that is not JSON"
        ) from exc
    return document


def _message(answer: _Answer) -> str:
    """GitHub's ``message`` in an error body, cut short; empty if there is none."""
    try:
        document = json.loads(answer.body)
    except (ValueError, RecursionError):
        return ""
    message = document.get("message") if isinstance(document, dict) else None
    return _clip(message) if isinstance(message, str) else ""


def _token_fields(answer: _Answer) -> Optional[Mapping[str, object]]:
    """The token endpoint's fields, from JSON or from a form if Accept was ignored."""
    if answer.content_type == _FORM_MEDIA_TYPE:
        try:
            text = answer.body.decode("utf-8")
        except UnicodeDecodeError:
            return None
        return dict(parse_qsl(text, keep_blank_values=True))

    try:
        document = json.loads(answer.body)
    except (ValueError, RecursionError):
        return None
    return document if isinstance(document, dict) else None


def _exchange_failed(fields: Mapping[str, object], where: str) -> SignInError:
    error = fields.get("error")
    if not isinstance(error, str) or not error:
        return _UnexpectedAnswer(f"GitHub answered {where} with an unreadable error")
    description = _text(fields, "error_description") or ""

    logger.debug("GitHub refused %s: %s", where, _clip(error))
    return TokenExchangeFailed(_clip(error), _clip(description))


def _user(document: object, where: str) -> GitHubUser:
    if not isinstance(document, dict):
        raise _UnexpectedAnswer(f"GitHub answered {where} with something not a user")
    login = document.get("login")
    user_id = _count(document.get("id"))
    if not (isinstance(login, str) and login and user_id is not None):
        raise _UnexpectedAnswer(f"GitHub answered {where} without a login and an id")

    return GitHubUser(
        login=login,
        id=user_id,
        avatar_url=_text(document, "avatar_url") or "",
        html_url=_text(document, "html_url") or "",
        name=_text(document, "name"),
        email=_text(document, "email"),
        company=_text(document, "company"),
        bio=_text(document, "bio"),
        public_repos=_count(document.get("public_repos")) or 0,
    )


def _email(item: object, where: str) -> EmailAddress:
    if isinstance(item, dict):
        email = item.get("email")
        primary = item.get("primary")
        verified = item.get("verified")
        visibility = item.get("visibility")
        if (
            isinstance(email, str)
            and isinstance(primary, bool)
            and isinstance(verified, bool)
            and (visibility is None or isinstance(visibility, str))
        ):
            return EmailAddress(email, primary, verified, visibility)
    raise _UnexpectedAnswer(
        f"GitHub answered {where} with an address that is not an object "
        "with email, primary and verified"
    )


def _org_login(item: object) -> str:
    login = item.get("login") if isinstance(item, dict) else None
    if not isinstance(login, str) or not login:
        raise _UnexpectedAnswer(
            "GitHub answered GET /user/orgs with an organisation without a login"
        )
    return login.lower()


def _team_slug(item: object) -> str:
    slug = item.get("slug") if isinstance(item, dict) else None
    org = item.get("organization") if isinstance(item, dict) else None
    login = org.get("login") if isinstance(org, dict) else None
    if not (isinstance(slug, str) and slug and isinstance(login, str) and login):
        raise _UnexpectedAnswer(
            "GitHub answered GET /user/teams with a team without a slug "
            "or an organisation login"
        )
    return f"{login.lower()}/{slug.lower()}"


def _text(fields: Mapping[str, object], key: str) -> Optional[str]:
    """A string field; ``None`` when it is absent, null, empty or not a string."""
    value = fields.get(key)
    return value if isinstance(value, str) and value else None


def _count(value: object) -> Optional[int]:
    """A JSON integer of zero or more, else ``None``."""
    # bool is an int to Python, never to JSON.
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return None


def _seconds(fields: Mapping[str, object], key: str, where: str) -> Optional[int]:
    """A lifetime in seconds: a number in JSON, a string in a form; or absent."""
    value = fields.get(key)
    if value is None or value == "":
        return None
    number = _count(value)
    if number is None and isinstance(value, str):
        number = _whole_number(value)
    if number is None:
        raise _UnexpectedAnswer(f"GitHub answered {where} with an unreadable {key}")
    return number


def _whole_number(text: Optional[str]) -> Optional[int]:
    if text is None or not _WHOLE_NUMBER.fullmatch(text.strip()):
        return None
    return int(text.strip())


def _split_scopes(text: str) -> Tuple[str, ...]:
    return tuple(scope for scope in _SCOPE_SEPARATORS.split(text) if scope)


def _clip(text: str) -> str:
    if len(text) <= _MAX_MESSAGE_LENGTH:
        return text
    return text[: _MAX_MESSAGE_LENGTH - 3] + "..."
