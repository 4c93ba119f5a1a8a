"""The aiohttp GitHub adapter, against a loopback server that replays GitHub.

The server answers from ``recorded/`` (real GitHub answers with placeholders) or
from answers written here, and keeps every request it receives, so that each test
checks what was sent as well as what came back.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, AsyncIterator, Dict, List, Mapping, Optional, Tuple
from urllib.parse import parse_qsl

import aiohttp
import pytest
from aiohttp import test_utils, web

from github_oauth_app.adapters import github as adapter_module
from github_oauth_app.adapters.github import GitHubClient, new_http_session
from github_oauth_app.domain.errors import (
    BadCredentials,
    GitHubTimeout,
    GitHubUnavailable,
    OrganizationRestricted,
    RateLimited,
    TokenExchangeFailed,
)
from github_oauth_app.domain.models import (
    AccessToken,
    EmailAddress,
    GitHubUser,
    Profile,
)
from github_oauth_app.domain.ports import GitHubOAuth

RECORDED = Path(__file__).parent / "recorded"
RECORDED_API = "https://api.github.com"
TOKEN_PATH = "/login/oauth/access_token"
FORM_TYPE = "application/x-www-form-urlencoded"
JSON_TYPE = "application/json; charset=utf-8"

CLIENT_ID = "Iv1.0123456789abcdef"
CLIENT_SECRET = "client-secret-0123456789abcdef01234567"
USER_AGENT = "github-oauth-app-tests/1.0"
TOKEN = "gho_token0123456789abcdefghijklmnopqrst"
CODE = "code0123456789abcdef"
VERIFIER = "verifier-0123456789abcdefghijklmnopqrstuvwxyz"
REDIRECT_URI = "http://127.0.0.1:5000/callback"
NOW = 1_700_000_000.0
BASIC_AUTH = (
    "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
)


@dataclass(frozen=True)
class Reply:
    """One canned answer of the fake GitHub."""

    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    stall: bool = False


@dataclass(frozen=True)
class Seen:
    """One request the fake GitHub received."""

    method: str
    path: str
    target: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: bytes

    def form(self) -> Dict[str, str]:
        """The body as form fields."""
        return dict(parse_qsl(self.body.decode("utf-8"), keep_blank_values=True))

    def json(self) -> object:
        """The body as JSON."""
        document: object = json.loads(self.body)
        return document


def json_reply(
    document: object, status: int = 200, headers: Optional[Mapping[str, str]] = None
) -> Reply:
    """An answer with a JSON body."""
    all_headers = {"Content-Type": JSON_TYPE, **(headers or {})}
    return Reply(status, all_headers, json.dumps(document).encode())


def recording(name: str) -> Dict[str, Any]:
    """One file of ``recorded/``."""
    loaded = json.loads((RECORDED / name).read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def recorded_body(name: str) -> Any:
    """The body of one recorded answer."""
    return recording(name)["body"]


class GitHubServer:
    """A loopback server that answers like GitHub and keeps what it was sent."""

    def __init__(self) -> None:
        self.seen: List[Seen] = []
        self._replies: Dict[Tuple[str, str, str], Reply] = {}
        self._release = asyncio.Event()
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._server = test_utils.TestServer(app, host="127.0.0.1")

    @property
    def url(self) -> str:
        """The server's root, without a trailing slash."""
        return f"http://127.0.0.1:{self._server.port}"

    async def start(self) -> None:
        """Listen on a free loopback port."""
        await self._server.start_server()

    async def close(self) -> None:
        """Let stalled answers go, then stop listening."""
        self._release.set()
        await self._server.close()

    def answer(self, method: str, path: str, reply: Reply, page: str = "1") -> None:
        """Answer ``method path`` (at ``?page=``) with ``reply``."""
        self._replies[(method, path, page)] = reply

    def replay(
        self,
        method: str,
        path: str,
        name: str,
        page: str = "1",
        api: Optional[str] = None,
    ) -> None:
        """Answer ``method path`` with a recorded answer, its links moved here."""
        recorded = recording(name)
        headers = {
            key: value.replace(RECORDED_API, api or self.url)
            for key, value in recorded["headers"].items()
        }
        body = recorded["body"]
        raw = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.answer(method, path, Reply(recorded["status"], headers, raw), page)

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.seen.append(
            Seen(
                method=request.method,
                path=request.path,
                target=request.raw_path,
                query=dict(request.query),
                headers=request.headers,
                body=body,
            )
        )
        key = (request.method, request.path, request.query.get("page", "1"))
        reply = self._replies.get(key)
        if reply is None:
            return web.Response(status=501, text=f"no canned answer for {key}")

        if reply.stall:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._release.wait(), timeout=5)
        return web.Response(status=reply.status, headers=reply.headers, body=reply.body)


def closed_port() -> int:
    """A loopback port that nothing listens on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def make_client(
    session: aiohttp.ClientSession, github_url: str, api_url: Optional[str] = None
) -> GitHubClient:
    """The client under test, with a fixed clock."""
    return GitHubClient(
        session,
        github_url=github_url,
        api_url=api_url or github_url,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        user_agent=USER_AGENT,
        clock=lambda: NOW,
    )


def assert_rest_headers(seen: Seen, token: str = TOKEN) -> None:
    """The headers every REST call must carry."""
    assert seen.headers["Authorization"] == f"Bearer {token}"
    assert seen.headers["Accept"] == "application/vnd.github+json"
    assert seen.headers["X-GitHub-Api-Version"] == "2022-11-28"
    assert seen.headers["User-Agent"] == USER_AGENT


@pytest.fixture
async def server() -> AsyncIterator[GitHubServer]:
    """The fake GitHub, serving both the OAuth endpoints and the API."""
    fake = GitHubServer()
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture
async def elsewhere() -> AsyncIterator[GitHubServer]:
    """A second server, where nothing should ever be sent."""
    fake = GitHubServer()
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """The app's HTTP session, closed after the test."""
    http = new_http_session(5.0)
    yield http
    await http.close()


@pytest.fixture
async def hasty_session() -> AsyncIterator[aiohttp.ClientSession]:
    """A session that gives up after 50 milliseconds."""
    http = new_http_session(0.05)
    yield http
    await http.close()


@pytest.fixture
def client(session: aiohttp.ClientSession, server: GitHubServer) -> GitHubClient:
    """The client, pointed at the fake GitHub for both OAuth and API."""
    return make_client(session, server.url)


# The session and the port.


async def test_new_http_session_sets_a_total_timeout_and_keeps_no_cookies() -> None:
    http = new_http_session(2.5)

    timeout, jar = http.timeout, http.cookie_jar
    await http.close()

    assert timeout.total == 2.5
    assert isinstance(jar, aiohttp.DummyCookieJar)


def test_new_http_session_refuses_a_timeout_of_zero() -> None:
    with pytest.raises(ValueError, match="positive"):
        new_http_session(0)


def test_client_implements_the_port(client: GitHubClient) -> None:
    port: GitHubOAuth = client

    assert port is client


def test_recorded_answers_are_each_replayed_by_a_test() -> None:
    source = Path(__file__).read_text(encoding="utf-8")

    names = sorted(path.name for path in RECORDED.glob("*.json"))

    assert len(names) == 20
    assert [name for name in names if f'"{name}"' not in source] == []


# The token endpoint.


async def test_exchange_code_posts_the_form_and_reads_json(
    client: GitHubClient, server: GitHubServer
) -> None:
    server.replay("POST", TOKEN_PATH, "token-json-success.json")

    token = await client.exchange_code(CODE, REDIRECT_URI, VERIFIER)

    body = recorded_body("token-json-success.json")
    assert token == AccessToken(value=body["access_token"], scopes=())
    (seen,) = server.seen
    assert (seen.method, seen.path, seen.query) == ("POST", TOKEN_PATH, {})
    assert seen.headers["Accept"] == "application/json"
    assert seen.headers["User-Agent"] == USER_AGENT
    assert seen.headers["Content-Type"] == FORM_TYPE
    assert "Authorization" not in seen.headers
    assert seen.form() == {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "code": CODE,
        "redirect_uri": REDIRECT_URI,
        "code_verifier": VERIFIER,
    }


async def test_exchange_code_without_a_verifier_sends_none(
    client: GitHubClient, server: GitHubServer
) -> None:
    server.replay("POST", TOKEN_PATH, "token-json-success.json")

    await client.exchange_code(CODE, REDIRECT_URI, "")

    assert "code_verifier" not in server.seen[0].form()


async def test_exchange_code_reads_a_form_encoded_answer(
    client: GitHubClient, server: GitHubServer
) -> None:
    body = (
        "access_token=ghu_formtoken0123456789&expires_in=28800"
        "&refresh_token=ghr_formrefresh0123456789&refresh_token_expires_in=15811200"
        "&scope=read%3Auser%2Cuser%3Aemail&token_type=bearer"
    )
    headers = {"Content-Type": f"{FORM_TYPE}; charset=utf-8"}
    server.answer("POST", TOKEN_PATH, Reply(200, headers, body.encode()))

    token = await client.exchange_code(CODE, REDIRECT_URI, VERIFIER)

    assert token == AccessToken(
        value="ghu_formtoken0123456789",
        scopes=("read:user", "user:email"),
        expires_at=NOW + 28800,
        refresh_token="ghr_formrefresh0123456789",
        refresh_expires_at=NOW + 15811200,
    )


async def test_exchange_code_reads_an_expiring_token(
    client: GitHubClient, server: GitHubServer
) -> None:
    server.replay("POST", TOKEN_PATH, "token-json-expiring-refresh.json")

    token = await client.exchange_code(CODE, REDIRECT_URI, VERIFIER)

    body = recorded_body("token-json-expiring-refresh.json")
    assert token == AccessToken(
        value=body["access_token"],
        scopes=(),
        expires_at=NOW + 28800,
        refresh_token=body["refresh_token"],
        refresh_expires_at=NOW + 15811200,
    )
    assert token.expires_within(28800, NOW)


async def test_exchange_code_with_a_bad_code_fails_despite_http_200(
    client: GitHubClient, server: GitHubServer
) -> None:
    server.replay("POST", TOKEN_PATH, "token-json-error-bad-verification-code.json")

    with pytest.raises(TokenExchangeFailed) as caught:
        await client.exchange_code(CODE, REDIRECT_URI, VERIFIER)

    assert caught.value.error == "bad_verification_code"
    assert caught.value.description == "The code passed is incorrect or expired."
    assert caught.value.expired


@pytest.mark.parametrize(
    ("error", "description"),
    [
        (
            "incorrect_client_credentials",
            "The client_id and/or client_secret passed are incorrect.",
        ),
        (
            "redirect_uri_mismatch",
            "The redirect_uri MUST match the registered callback URL for this "
            "application.",
        ),
        ("unverified_user_email", "The user must have a verified primary email."),
    ],
)
async def test_exchange_code_with_a_documented_error_fails(
    client: GitHubClient, server: GitHubServer, error: str, description: str
) -> None:
    document = {"error": error, "error_description": description, "error_uri": "x"}
    server.answer("POST", TOKEN_PATH, json_reply(document))

    with pytest.raises(TokenExchangeFailed) as caught:
        await client.exchange_code(CODE, REDIRECT_URI, VERIFIER)

    assert (caught.value.error, caught.value.description) == (error, description)
    assert not caught.value.expired


async def test_exchange_code_with_a_form_encoded_error_fails(
    client: GitHubClient, server: GitHubServer
) -> None:
    body = b"error=bad_verification_code&error_description=The+code+is+wrong."
    server.answer("POST", TOKEN_PATH, Reply(200, {"Content-Type": FORM_TYPE}, body))

    with pytest.raises(TokenExchangeFailed) as caught:
        await client.exchange_code(CODE, REDIRECT_URI, VERIFIER)

    assert (caught.value.error, caught.value.description) == (
        "bad_verification_code",
        "The code is wrong.",
    )


async def test_exchange_code_with_an_error_and_http_400_fails(
    client: GitHubClient, server: GitHubServer
) -> None:
    document = {"error": "redirect_uri_mismatch"}
    server.answer("POST", TOKEN_PATH, json_reply(document, status=400))

    with pytest.raises(TokenExchangeFailed) as caught:
        await client.exchange_code(CODE, REDIRECT_URI, VERIFIER)

    assert (caught.value.error, caught.value.description) == (
        "redirect_uri_mismatch",
        "",
    )


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (json_reply({"token_type": "bearer", "scope": ""}), "without an access_token"),
        (json_reply({"access_token": ""}), "without an access_token"),
        (json_reply({"access_token": "gho_a b"}), "without an access_token"),
        (json_reply(["gho_token"]), "neither JSON nor a form"),
        (json_reply({"error": 5}), "unreadable error"),
        (
            json_reply({"access_token": "gho_token", "expires_in": "soon"}),
            "unreadable expires_in",
        ),
        (
            json_reply({"access_token": "gho_token", "expires_in": True}),
            "unreadable expires_in",
        ),
        (
            Reply(200, {"Content-Type": "text/html"}, b"<html>Sign in</html>"),
            "neither JSON nor a form",
        ),
        (Reply(200, {"Content-Type": FORM_TYPE}, b"\xff\xfe"), "neither JSON"),
        (Reply(404, {"Content-Type": "text/html"}, b"<html>404</html>"), "HTTP 404"),
    ],
    ids=[
        "no-token",
        "empty-token",
        "token-with-space",
        "list",
        "error-not-text",
        "expires-in-text",
        "expires-in-bool",
        "html",
        "form-not-utf8",
        "not-found",
    ],
)
async def test_exchange_code_with_an_unreadable_answer_is_unavailable(
    client: GitHubClient, server: GitHubServer, reply: Reply, message: str
) -> None:
    server.answer("POST", TOKEN_PATH, reply)

    with pytest.raises(GitHubUnavailable, match=message):
        await client.exchange_code(CODE, REDIRECT_URI, VERIFIER)


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_exchange_code_with_a_server_error_is_unavailable(
    client: GitHubClient, server: GitHubServer, status: int
) -> None:
    server.answer("POST", TOKEN_PATH, Reply(status, {}, b"<html>Unicorn!</html>"))

    with pytest.raises(GitHubUnavailable, match=f"HTTP {status}"):
        await client.exchange_code(CODE, REDIRECT_URI, VERIFIER)


async def test_exchange_code_rate_limited_raises_rate_limited(
    client: GitHubClient, server: GitHubServer
) -> None:
    reply = json_reply({"error": "rate_limited"}, 429, {"Retry-After": "30"})
    server.answer("POST", TOKEN_PATH, reply)

    with pytest.raises(RateLimited) as caught:
        await client.exchange_code(CODE, REDIRECT_URI, VERIFIER)

    assert caught.value.retry_after == 30


async def test_exchange_code_does_not_follow_a_redirect_with_the_secret(
    client: GitHubClient, server: GitHubServer, elsewhere: GitHubServer
) -> None:
    location = {"Location": f"{elsewhere.url}{TOKEN_PATH}"}
    server.answer("POST", TOKEN_PATH, Reply(308, location))

    with pytest.raises(GitHubUnavailable, match="HTTP 308"):
        await client.exchange_code(CODE, REDIRECT_URI, VERIFIER)

    assert elsewhere.seen == []


async def test_refresh_posts_the_grant_and_reads_the_new_pair(
    client: GitHubClient, server: GitHubServer
) -> None:
    server.replay("POST", TOKEN_PATH, "token-json-expiring-refresh.json")

    token = await client.refresh("ghr_oldrefresh0123456789")

    body = recorded_body("token-json-expiring-refresh.json")
    assert token.value == body["access_token"]
    assert token.refresh_token == body["refresh_token"]
    assert (token.expires_at, token.refresh_expires_at) == (
        NOW + 28800,
        NOW + 15811200,
    )
    (seen,) = server.seen
    assert (seen.method, seen.path) == ("POST", TOKEN_PATH)
    assert seen.headers["Accept"] == "application/json"
    assert seen.form() == {
        "grant_type": "refresh_token",
        "refresh_token": "ghr_oldrefresh0123456789",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }


async def test_refresh_with_a_bad_refresh_token_fails(
    client: GitHubClient, server: GitHubServer
) -> None:
    document = {
        "error": "bad_refresh_token",
        "error_description": "The refresh token passed is incorrect or expired.",
    }
    server.answer("POST", TOKEN_PATH, json_reply(document))

    with pytest.raises(TokenExchangeFailed) as caught:
        await client.refresh("ghr_oldrefresh0123456789")

    assert caught.value.error == "bad_refresh_token"
    assert caught.value.description.startswith("The refresh token passed")


# GET /user.


async def test_fetch_profile_reads_a_full_user_and_its_scopes(
    client: GitHubClient, server: GitHubServer
) -> None:
    server.replay("GET", "/user", "user-full.json")

    profile = await client.fetch_profile(TOKEN)

    assert profile == Profile(
        user=GitHubUser(
            login="user-a",
            id=1,
            avatar_url="https://avatars.githubusercontent.com/u/1?v=4",
            html_url="https://github.com/user-a",
            name="Person A",
            email="a@example.org",
            company=None,
            bio=None,
            public_repos=212,
        ),
        scopes=("read:user", "repo", "user:email"),
    )
    (seen,) = server.seen
    assert (seen.method, seen.path, seen.query) == ("GET", "/user", {})
    assert_rest_headers(seen)
    assert seen.body == b""


async def test_fetch_profile_reads_null_name_and_email_as_none(
    client: GitHubClient, server: GitHubServer
) -> None:
    server.replay("GET", "/user", "user-name-null-email-null.json")

    profile = await client.fetch_profile(TOKEN)

    assert (profile.user.name, profile.user.email) == (None, None)
    assert profile.user.display_name == "user-a"
    assert profile.user.public_repos == 4
    assert len(profile.scopes) == 20
    assert "admin:enterprise" in profile.scopes


async def test_fetch_profile_stores_empty_strings_as_none(
    client: GitHubClient, server: GitHubServer
) -> None:
    server.replay("GET", "/user", "user-empty-string-name-email.json")

    profile = await client.fetch_profile(TOKEN)

    assert (profile.user.name, profile.user.email) == (None, None)
    assert profile.user.avatar_url.startswith("https://gravatar.com/avatar/")
    assert profile.user.public_repos == 10
    assert profile.scopes == ()


async def test_fetch_profile_with_no_scopes_granted_reads_none(
    client: GitHubClient, server: GitHubServer
) -> None:
    server.replay("GET", "/user", "user-no-scopes.json")

    profile = await client.fetch_profile(TOKEN)

    assert profile.scopes == ()
    assert profile.user.name == "Person A"
    assert profile.user.bio == "Bio of Person A"


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "not a user"),
        ({"id": 1}, "without a login and an id"),
        ({"login": "", "id": 1}, "without a login and an id"),
        ({"login": 7, "id": 1}, "without a login and an id"),
        ({"login": "user-a"}, "without a login and an id"),
        ({"login": "user-a", "id": "1"}, "without a login and an id"),
        ({"login": "user-a", "id": True}, "without a login and an id"),
    ],
    ids=["list", "no-login", "empty-login", "login-int", "no-id", "id-str", "id-bool"],
)
async def test_fetch_profile_with_a_malformed_user_is_unavailable(
    client: GitHubClient, server: GitHubServer, document: object, message: str
) -> None:
    server.answer("GET", "/user", json_reply(document))

    with pytest.raises(GitHubUnavailable, match=message):
        await client.fetch_profile(TOKEN)


async def test_fetch_profile_tolerates_odd_optional_fields(
    client: GitHubClient, server: GitHubServer
) -> None:
    document = {"login": "user-a", "id": 1, "name": 5, "public_repos": "many"}
    server.answer("GET", "/user", json_reply(document))

    profile = await client.fetch_profile(TOKEN)

    assert profile.user == GitHubUser(login="user-a", id=1)


@pytest.mark.parametrize(
    "name", ["bad-credentials-401.json", "bad-credentials-401-legacy.json"]
)
async def test_fetch_profile_with_bad_credentials_raises_bad_credentials(
    client: GitHubClient, server: GitHubServer, name: str
) -> None:
    server.replay("GET", "/user", name)

    with pytest.raises(BadCredentials):
        await client.fetch_profile(TOKEN)

    assert server.seen[0].path == recording(name)["request"]["path"]


async def test_fetch_profile_answered_not_modified_is_unavailable(
    client: GitHubClient, server: GitHubServer
) -> None:
    server.replay("GET", "/user", "user-conditional-304.json")

    with pytest.raises(GitHubUnavailable, match="HTTP 304"):
        await client.fetch_profile(TOKEN)


async def test_fetch_profile_rate_limited_raises_rate_limited(
    client: GitHubClient, server: GitHubServer
) -> None:
    server.replay("GET", "/user", "rate-limited-403.json")

    with pytest.raises(RateLimited) as caught:
        await client.fetch_profile(TOKEN)

    assert caught.value.retry_after is None
    assert "192.0.2.1" not in str(caught.value)


async def test_fetch_profile_rate_limited_tells_the_wait_until_the_reset(
    client: GitHubClient, server: GitHubServer
) -> None:
    headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(NOW) + 90)}
    server.answer("GET", "/user", json_reply({"message": "limit"}, 403, headers))

    with pytest.raises(RateLimited) as caught:
        await client.fetch_profile(TOKEN)

    assert caught.value.retry_after == 90


async def test_fetch_profile_secondary_limit_tells_retry_after(
    client: GitHubClient, server: GitHubServer
) -> None:
    server.replay("GET", "/user", "secondary-rate-limit-403.json")

    with pytest.raises(RateLimited) as caught:
        await client.fetch_profile(TOKEN)

    assert caught.value.retry_after == 60


async def test_fetch_profile_answered_429_raises_rate_limited(
    client: GitHubClient, server: GitHubServer
) -> None:
    server.answer("GET", "/user", json_reply({"message": "slow down"}, 429))

    with pytest.raises(RateLimited) as caught:
        await client.fetch_profile(TOKEN)

    assert caught.value.retry_after is None


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_fetch_profile_with_a_server_error_is_unavailable(
    client: GitHubClient, server: GitHubServer, status: int
) -> None:
    server.answer("GET", "/user", json_reply({"message": "Server Error"}, status))

    with pytest.raises(GitHubUnavailable, match=f"GET /user with HTTP {status}"):
        await client.fetch_profile(TOKEN)


async def test_fetch_profile_with_an_html_body_is_unavailable(
    client: GitHubClient, server: GitHubServer
) -> None:
    html = b"<!DOCTYPE html><html><body>Sign in to GitHub</body></html>"
    server.answer("GET", "/user", Reply(200, {"Content-Type": "text/html"}, html))

    with pytest.raises(GitHubUnavailable, match="not JSON") as caught:
        await client.fetch_profile(TOKEN)

    assert isinstance(caught.value.__cause__, ValueError)


async def test_fetch_profile_with_another_client_error_is_unavailable(
    client: GitHubClient, server: GitHubServer
) -> None:
    server.answer("GET", "/user", json_reply({"message": "Not Found"}, 404))

    with pytest.raises(GitHubUnavailable, match="HTTP 404: Not Found"):
        await client.fetch_profile(TOKEN)


async def test_fetch_profile_with_nobody_listening_is_unavailable(
    session: aiohttp.ClientSession,
) -> None:
    client = make_client(session, f"http://127.0.0.1:{closed_port()}")

    with pytest.raises(GitHubUnavailable, match="could not reach") as caught:
        await client.fetch_profile(TOKEN)

    assert not isinstance(caught.value, GitHubTimeout)
    assert isinstance(caught.value.__cause__, aiohttp.ClientError)


async def test_fetch_profile_past_the_timeout_raises_github_timeout(
    hasty_session: aiohttp.ClientSession, server: GitHubServer
) -> None:
    client = make_client(hasty_session, server.url)
    server.answer("GET", "/user", Reply(stall=True))

    with pytest.raises(GitHubTimeout, match="in time") as caught:
        await client.fetch_profile(TOKEN)

    assert isinstance(caught.value.__cause__, asyncio.TimeoutError)


async def test_fetch_profile_does_not_follow_a_redirect_with_the_token(
    client: GitHubClient, server: GitHubServer, elsewhere: GitHubServer
) -> None:
    location = {"Location": f"{elsewhere.url}/user"}
    server.answer("GET", "/user", Reply(307, location))

    with pytest.raises(GitHubUnavailable, match="HTTP 307"):
        await client.fetch_profile(TOKEN)

    assert elsewhere.seen == []


async def test_fetch_profile_with_an_oversized_body_is_unavailable(
    client: GitHubClient, server: GitHubServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(adapter_module, "_MAX_BODY_BYTES", 1024)
    server.answer("GET", "/user", json_reply({"login": "user-a", "bio": "x" * 2048}))

    with pytest.raises(GitHubUnavailable, match="larger than 1024 bytes"):
        await client.fetch_profile(TOKEN)


async def test_fetch_profile_refuses_a_token_that_would_split_headers(
    client: GitHubClient, server: GitHubServer
) -> None:
    server.replay("GET", "/user", "user-full.json")

    with pytest.raises(BadCredentials):
        await client.fetch_profile("gho_token\r\nX-Injected: 1")

    assert server.seen == []


# GET /user/emails.


async def test_fetch_emails_reads_every_address(
    client: GitHubClient, server: GitHubServer
) -> None:
    server.replay("GET", "/user/emails", "user-emails.json")

    emails = await client.fetch_emails(TOKEN)

    assert emails == [
        EmailAddress("a@example.org", primary=True, verified=True, visibility="public"),
        EmailAddress("user-a@users.noreply.github.com", primary=False, verified=True),
    ]
    (seen,) = server.seen
    assert (seen.method, seen.path, seen.query) == (
        "GET",
        "/user/emails",
        {"per_page": "100"},
    )
    assert_rest_headers(seen)


async def test_fetch_emails_reads_private_and_unverified_addresses(
    client: GitHubClient, server: GitHubServer
) -> None:
    server.replay("GET", "/user/emails", "user-emails-private-unverified.json")

    emails = await client.fetch_emails(TOKEN)

    assert [(e.email, e.primary, e.verified, e.visibility) for e in emails] == [
        ("a@example.org", True, True, "private"),
        ("b@example.org", False, False, None),
        ("c@example.org", False, False, None),
        ("d@example.org", False, True, None),
    ]


async def test_fetch_emails_in_the_legacy_string_shape_is_unavailable(
    client: GitHubClient, server: GitHubServer
) -> None:
    server.replay("GET", "/user/emails", "user-emails-legacy-strings.json")

    with pytest.raises(GitHubUnavailable, match="not an object"):
        await client.fetch_emails(TOKEN)


@pytest.mark.parametrize(
    "document",
    [
        {"message": "Not a list"},
        [{"email": "a@example.org", "primary": "yes", "verified": True}],
        [
            {
                "email": "a@example.org",
                "primary": True,
                "verified": True,
                "visibility": 0,
            }
        ],
    ],
    ids=["object", "primary-text", "visibility-number"],
)
async def test_fetch_emails_in_another_shape_is_unavailable(
    client: GitHubClient, server: GitHubServer, document: object
) -> None:
    server.answer("GET", "/user/emails", json_reply(document))

    with pytest.raises(GitHubUnavailable, match="GET /user/emails"):
        await client.fetch_emails(TOKEN)


@pytest.mark.parametrize(
    ("status", "message"),
    [(404, "Not Found"), (403, "Resource not accessible by integration")],
)
async def test_fetch_emails_without_the_scope_reads_none(
    client: GitHubClient, server: GitHubServer, status: int, message: str
) -> None:
    server.answer("GET", "/user/emails", json_reply({"message": message}, status))

    emails = await client.fetch_emails(TOKEN)

    assert emails == []


async def test_fetch_emails_rate_limited_raises_rate_limited(
    client: GitHubClient, server: GitHubServer
) -> None:
    server.replay("GET", "/user/emails", "rate-limited-403.json")

    with pytest.raises(RateLimited):
        await client.fetch_emails(TOKEN)


async def test_fetch_emails_follows_the_next_link(
    client: GitHubClient, server: GitHubServer
) -> None:
    first = {"email": "a@example.org", "primary": True, "verified": True}
    second = {"email": "b@example.org", "primary": False, "verified": False}
    link = f'<{server.url}/user/emails?per_page=100&page=2>; rel="next"'
    server.answer("GET", "/user/emails", json_reply([first], headers={"Link": link}))
    server.answer("GET", "/user/emails", json_reply([second]), page="2")

    emails = await client.fetch_emails(TOKEN)

    assert [address.email for address in emails] == ["a@example.org", "b@example.org"]
    assert [seen.query for seen in server.seen] == [
        {"per_page": "100"},
        {"per_page": "100", "page": "2"},
    ]


# GET /user/orgs and /user/teams.


async def test_fetch_org_logins_reads_lower_cased_logins(
    client: GitHubClient, server: GitHubServer
) -> None:
    server.replay("GET", "/user/orgs", "user-orgs.json")

    logins = await client.fetch_org_logins(TOKEN)

    assert logins == frozenset({"org-a", "org-b", "org-c"})
    (seen,) = server.seen
    assert (seen.path, seen.query) == ("/user/orgs", {"per_page": "100"})
    assert_rest_headers(seen)


async def test_fetch_org_logins_folds_case(
    client: GitHubClient, server: GitHubServer
) -> None:
    server.answer("GET", "/user/orgs", json_reply([{"login": "Org-A"}]))

    logins = await client.fetch_org_logins(TOKEN)

    assert logins == frozenset({"org-a"})


async def test_fetch_org_logins_of_no_organisation_is_empty(
    client: GitHubClient, server: GitHubServer
) -> None:
    server.replay("GET", "/user/orgs", "orgs-empty-list.json")

    logins = await client.fetch_org_logins(TOKEN)

    assert logins == frozenset()


async def test_fetch_org_logins_behind_access_restrictions_is_restricted(
    client: GitHubClient, server: GitHubServer
) -> None:
    server.replay("GET", "/user/orgs", "org-oauth-restriction-403.json")

    with pytest.raises(OrganizationRestricted):
        await client.fetch_org_logins(TOKEN)


async def test_fetch_org_logins_forbidden_otherwise_is_unavailable(
    client: GitHubClient, server: GitHubServer
) -> None:
    reply = json_reply({"message": "Must have admin rights"}, 403)
    server.answer("GET", "/user/orgs", reply)

    with pytest.raises(GitHubUnavailable, match="HTTP 403: Must have admin rights"):
        await client.fetch_org_logins(TOKEN)


@pytest.mark.parametrize(
    "document",
    [{"login": "org-a"}, [{"id": 1}], ["org-a"]],
    ids=["object", "no-login", "string"],
)
async def test_fetch_org_logins_in_another_shape_is_unavailable(
    client: GitHubClient, server: GitHubServer, document: object
) -> None:
    server.answer("GET", "/user/orgs", json_reply(document))

    with pytest.raises(GitHubUnavailable, match="GET /user/orgs"):
        await client.fetch_org_logins(TOKEN)


async def test_fetch_org_logins_stops_after_twenty_pages(
    client: GitHubClient, server: GitHubServer, caplog: pytest.LogCaptureFixture
) -> None:
    for page in range(1, 23):
        link = f'<{server.url}/user/orgs?page={page + 1}>; rel="next"'
        reply = json_reply([{"login": f"org-{page}"}], headers={"Link": link})
        server.answer("GET", "/user/orgs", reply, page=str(page))

    with caplog.at_level(logging.WARNING, logger=adapter_module.__name__):
        logins = await client.fetch_org_logins(TOKEN)

    assert logins == frozenset(f"org-{page}" for page in range(1, 21))
    assert len(server.seen) == 20
    assert "after 20 pages" in caplog.text


async def test_fetch_org_logins_does_not_follow_a_link_off_the_api(
    client: GitHubClient, server: GitHubServer, elsewhere: GitHubServer
) -> None:
    link = f'<{elsewhere.url}/user/orgs?page=2>; rel="next"'
    server.answer("GET", "/user/orgs", json_reply([], headers={"Link": link}))

    with pytest.raises(GitHubUnavailable, match="next page outside"):
        await client.fetch_org_logins(TOKEN)

    assert elsewhere.seen == []


async def test_fetch_team_slugs_follows_link_pages(
    client: GitHubClient, server: GitHubServer
) -> None:
    server.replay("GET", "/user/teams", "user-teams-page1.json")
    server.replay("GET", "/user/teams", "user-teams-page2.json", page="2")

    slugs = await client.fetch_team_slugs(TOKEN)

    assert slugs == frozenset(
        {
            "org-a/admins",
            "org-a/core-dev",
            "org-b/core-dev",
            "org-c/committerhelp",
            "org-c/product-release-managers",
        }
    )
    first, second = server.seen
    assert (first.path, first.query) == ("/user/teams", {"per_page": "100"})
    assert (second.path, second.query) == ("/user/teams", {"page": "2"})
    assert_rest_headers(first)
    assert_rest_headers(second)


async def test_fetch_team_slugs_folds_case(
    client: GitHubClient, server: GitHubServer
) -> None:
    team = {"slug": "Core-Dev", "organization": {"login": "Org-A"}}
    server.answer("GET", "/user/teams", json_reply([team]))

    slugs = await client.fetch_team_slugs(TOKEN)

    assert slugs == frozenset({"org-a/core-dev"})


@pytest.mark.parametrize(
    "team",
    [{"slug": "core-dev"}, {"organization": {"login": "org-a"}}, "org-a/core-dev"],
    ids=["no-organization", "no-slug", "string"],
)
async def test_fetch_team_slugs_of_a_malformed_team_is_unavailable(
    client: GitHubClient, server: GitHubServer, team: object
) -> None:
    server.answer("GET", "/user/teams", json_reply([team]))

    with pytest.raises(GitHubUnavailable, match="GET /user/teams"):
        await client.fetch_team_slugs(TOKEN)


async def test_fetch_team_slugs_behind_access_restrictions_is_restricted(
    client: GitHubClient, server: GitHubServer
) -> None:
    server.replay("GET", "/user/teams", "org-oauth-restriction-403.json")

    with pytest.raises(OrganizationRestricted):
        await client.fetch_team_slugs(TOKEN)


# Revocation.


async def test_revoke_grant_sends_basic_auth_and_the_token_as_json(
    client: GitHubClient, server: GitHubServer
) -> None:
    server.answer("DELETE", f"/applications/{CLIENT_ID}/grant", Reply(204))

    await client.revoke_grant(TOKEN)

    (seen,) = server.seen
    assert (seen.method, seen.path, seen.query) == (
        "DELETE",
        f"/applications/{CLIENT_ID}/grant",
        {},
    )
    assert seen.headers["Authorization"] == BASIC_AUTH
    assert seen.headers["Content-Type"] == "application/json"
    assert seen.headers["Accept"] == "application/vnd.github+json"
    assert seen.headers["X-GitHub-Api-Version"] == "2022-11-28"
    assert seen.headers["User-Agent"] == USER_AGENT
    assert seen.json() == {"access_token": TOKEN}


@pytest.mark.parametrize("status", [404, 422])
async def test_revoke_grant_of_an_invalid_token_is_done(
    client: GitHubClient,
    server: GitHubServer,
    caplog: pytest.LogCaptureFixture,
    status: int,
) -> None:
    reply = json_reply({"message": "Validation Failed"}, status)
    server.answer("DELETE", f"/applications/{CLIENT_ID}/grant", reply)

    with caplog.at_level(logging.DEBUG, logger=adapter_module.__name__):
        await client.revoke_grant(TOKEN)

    assert f"already gone (HTTP {status})" in caplog.text


async def test_revoke_grant_with_a_server_error_is_unavailable(
    client: GitHubClient, server: GitHubServer
) -> None:
    reply = Reply(500, {}, b"")
    server.answer("DELETE", f"/applications/{CLIENT_ID}/grant", reply)

    with pytest.raises(GitHubUnavailable, match="HTTP 500"):
        await client.revoke_grant(TOKEN)


# Enterprise Server, secrets and logs across every call.


async def test_client_with_an_enterprise_api_url_keeps_its_prefix(
    session: aiohttp.ClientSession, server: GitHubServer
) -> None:
    api = f"{server.url}/api/v3"
    client = make_client(session, server.url, api)
    server.replay("POST", TOKEN_PATH, "token-json-success.json")
    server.replay("GET", "/api/v3/user", "user-full.json")
    server.replay("GET", "/api/v3/user/teams", "user-teams-page1.json", api=api)
    server.replay(
        "GET", "/api/v3/user/teams", "user-teams-page2.json", page="2", api=api
    )
    server.answer("DELETE", f"/api/v3/applications/{CLIENT_ID}/grant", Reply(204))

    await client.exchange_code(CODE, REDIRECT_URI, VERIFIER)
    profile = await client.fetch_profile(TOKEN)
    slugs = await client.fetch_team_slugs(TOKEN)
    await client.revoke_grant(TOKEN)

    assert profile.user.login == "user-a"
    assert len(slugs) == 5
    assert [(seen.method, seen.path) for seen in server.seen] == [
        ("POST", TOKEN_PATH),
        ("GET", "/api/v3/user"),
        ("GET", "/api/v3/user/teams"),
        ("GET", "/api/v3/user/teams"),
        ("DELETE", f"/api/v3/applications/{CLIENT_ID}/grant"),
    ]


async def test_enterprise_next_link_outside_the_prefix_is_not_followed(
    session: aiohttp.ClientSession, server: GitHubServer
) -> None:
    client = make_client(session, server.url, f"{server.url}/api/v3")
    link = f'<{server.url}/user/teams?page=2>; rel="next"'
    server.answer("GET", "/api/v3/user/teams", json_reply([], headers={"Link": link}))

    with pytest.raises(GitHubUnavailable, match="next page outside"):
        await client.fetch_team_slugs(TOKEN)

    assert len(server.seen) == 1


def serve_a_whole_sign_in(server: GitHubServer) -> None:
    """Answers for every call the client makes, errors included."""
    pair = {
        "access_token": TOKEN,
        "refresh_token": "ghr_refresh0123456789abcdefghijklmnop",
        "expires_in": 28800,
        "scope": "read:user,user:email,read:org",
        "token_type": "bearer",
    }
    server.answer("POST", TOKEN_PATH, json_reply(pair))
    server.replay("GET", "/user", "user-full.json")
    server.replay("GET", "/user/emails", "user-emails.json")
    server.replay("GET", "/user/orgs", "user-orgs.json")
    server.replay("GET", "/user/teams", "user-teams-page1.json")
    server.replay("GET", "/user/teams", "user-teams-page2.json", page="2")
    server.answer("DELETE", f"/applications/{CLIENT_ID}/grant", Reply(204))


async def sign_in_and_out(client: GitHubClient) -> None:
    """Every call the client offers, in the order a sign-in makes them."""
    token = await client.exchange_code(CODE, REDIRECT_URI, VERIFIER)
    assert token.refresh_token is not None
    await client.refresh(token.refresh_token)
    await client.fetch_profile(token.value)
    await client.fetch_emails(token.value)
    await client.fetch_org_logins(token.value)
    await client.fetch_team_slugs(token.value)
    await client.revoke_grant(token.value)


async def test_client_secret_goes_only_in_the_token_body_and_revocation(
    client: GitHubClient, server: GitHubServer
) -> None:
    serve_a_whole_sign_in(server)

    await sign_in_and_out(client)

    assert len(server.seen) == 8
    for seen in server.seen:
        assert CLIENT_SECRET not in seen.target
        assert TOKEN not in seen.target
        carriers = [
            name
            for name, value in seen.headers.items()
            if CLIENT_SECRET in value or value == BASIC_AUTH
        ]
        if seen.path == TOKEN_PATH:
            assert (carriers, seen.form()["client_secret"]) == ([], CLIENT_SECRET)
        elif seen.method == "DELETE":
            assert carriers == ["Authorization"]
            assert CLIENT_SECRET.encode() not in seen.body
        else:
            assert (carriers, seen.body) == ([], b"")
            assert_rest_headers(seen)


async def test_logs_name_calls_but_never_a_secret(
    client: GitHubClient, server: GitHubServer, caplog: pytest.LogCaptureFixture
) -> None:
    serve_a_whole_sign_in(server)
    secrets = [
        TOKEN,
        CLIENT_SECRET,
        CODE,
        VERIFIER,
        "ghr_refresh0123456789abcdefghijklmnop",
        BASIC_AUTH.split()[1],
    ]

    with caplog.at_level(logging.DEBUG):
        await sign_in_and_out(client)
        server.replay("POST", TOKEN_PATH, "token-json-error-bad-verification-code.json")
        with pytest.raises(TokenExchangeFailed):
            await client.exchange_code(CODE, REDIRECT_URI, VERIFIER)
        server.replay("GET", "/user", "bad-credentials-401.json")
        with pytest.raises(BadCredentials):
            await client.fetch_profile(TOKEN)

    ours = [r for r in caplog.records if r.name == adapter_module.__name__]
    assert "GitHub answered GET /user with HTTP 200" in [r.getMessage() for r in ours]
    assert all(record.levelno == logging.DEBUG for record in ours)
    for record in caplog.records:
        text = record.getMessage()
        assert [secret for secret in secrets if secret in text] == []
    assert [secret for secret in secrets if secret in caplog.text] == []
