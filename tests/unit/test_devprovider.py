"""The development provider answers like GitHub, through Quart's test client."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit

import pytest
from quart import Quart, Response
from quart.typing import TestClientProtocol as Client

from github_oauth_app.devprovider import DeployedEnvironmentError, create_provider, main
from github_oauth_app.devprovider._cli import UsageError, parse_options

CLIENT_ID = "dev-client-id"
CLIENT_SECRET = "dev-client-secret"
CALLBACK = "http://localhost:5000/github/callback"
SIGN_IN_SCOPES = ("read:user", "user:email", "read:org")
VERIFIER = "v" * 43
CHALLENGE = (
    base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest())
    .rstrip(b"=")
    .decode()
)
AGENT = {"User-Agent": "devprovider-tests"}
FORM_HEADERS = {"Content-Type": "application/x-www-form-urlencoded"}


class FakeClock:
    """A clock the tests move by hand."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    """A clock that stands still until a test moves it."""
    return FakeClock()


@pytest.fixture
def app(clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> Quart:
    """A provider with the default registration, outside any deployed APP_ENV."""
    monkeypatch.delenv("APP_ENV", raising=False)
    return create_provider(clock=clock)


@pytest.fixture
def client(app: Quart) -> Client:
    """A test client that keeps cookies, as a browser does."""
    return app.test_client()


# -- helpers ------------------------------------------------------------------


async def open_authorize(client: Client, **params: str) -> Tuple[Response, str]:
    """Open the authorize page; return the response and the form's token."""
    query = {"client_id": CLIENT_ID, "scope": " ".join(SIGN_IN_SCOPES), "state": "st"}
    query.update(params)
    response = await client.get("/login/oauth/authorize", query_string=query)
    html = await response.get_data(as_text=True)
    found = re.search(r'name="authorization_token" value="([^"]+)"', html)
    return response, found.group(1) if found else ""


async def submit(
    client: Client,
    token: str,
    *,
    action: str = "authorize",
    account: str = "octo-demo",
    scopes: Sequence[str] = SIGN_IN_SCOPES,
    headers: Optional[Dict[str, str]] = None,
) -> Response:
    """Post the authorize form as the browser would."""
    fields = [("authorization_token", token), ("account", account), ("action", action)]
    fields += [("scope", scope) for scope in scopes]
    return await client.post(
        "/login/oauth/authorize",
        data=urlencode(fields),
        headers={**FORM_HEADERS, **(headers or {})},
    )


def callback_query(response: Response) -> Dict[str, str]:
    """Return the query of a redirect, one value per name."""
    assert response.status_code == 302
    return dict(parse_qsl(urlsplit(response.headers["Location"]).query))


async def get_code(
    client: Client,
    *,
    account: str = "octo-demo",
    scopes: Sequence[str] = SIGN_IN_SCOPES,
    **params: str,
) -> str:
    """Go through the authorize page and return the code."""
    _, token = await open_authorize(client, **params)
    response = await submit(client, token, account=account, scopes=scopes)
    return callback_query(response)["code"]


async def exchange(client: Client, code: str, **fields: str) -> Dict[str, str]:
    """Exchange a code at the token endpoint; return the form-encoded answer."""
    form = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "code": code}
    form.update(fields)
    response = await client.post("/login/oauth/access_token", form=form)
    assert response.status_code == 200
    return dict(parse_qsl(await response.get_data(as_text=True)))


async def sign_in(
    client: Client,
    account: str = "octo-demo",
    scopes: Sequence[str] = SIGN_IN_SCOPES,
) -> str:
    """Return an access token for the account."""
    code = await get_code(client, account=account, scopes=scopes)
    return (await exchange(client, code))["access_token"]


def bearer(token: str) -> Dict[str, str]:
    """Headers for a REST call with an access token."""
    return {"Authorization": f"Bearer {token}", **AGENT}


def basic(client_id: str = CLIENT_ID, secret: str = CLIENT_SECRET) -> Dict[str, str]:
    """Headers for the OAuth applications API, which takes the app's credentials."""
    raw = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {raw}", **AGENT}


# -- the whole flow -----------------------------------------------------------


async def test_sign_in_happy_path_reaches_every_endpoint_then_revokes(
    client: Client,
) -> None:
    page, form_token = await open_authorize(client, redirect_uri=CALLBACK)
    redirect = await submit(client, form_token, account="many-teams")
    query = callback_query(redirect)
    token_answer = await exchange(client, query["code"], redirect_uri=CALLBACK)
    token = token_answer["access_token"]
    user = await client.get("/api/v3/user", headers=bearer(token))
    emails = await client.get("/api/v3/user/emails", headers=bearer(token))
    orgs = await client.get("/api/v3/user/orgs", headers=bearer(token))
    teams = await client.get("/api/v3/user/teams", headers=bearer(token))
    next_url = re.findall(r'<([^>]+)>; rel="next"', teams.headers["Link"])[0]
    more_teams = await client.get(
        next_url.replace("http://localhost", ""), headers=bearer(token)
    )
    revoke = await client.delete(
        f"/api/v3/applications/{CLIENT_ID}/grant",
        headers=basic(),
        json={"access_token": token},
    )
    after = await client.get("/api/v3/user", headers=bearer(token))

    assert page.status_code == 200
    assert redirect.headers["Location"].startswith(CALLBACK + "?code=")
    assert re.fullmatch(r"[0-9a-f]{20}", query["code"])
    assert query["state"] == "st"
    assert re.fullmatch(r"gho_[A-Za-z0-9]{36}", token)
    assert token_answer == {
        "access_token": token,
        "scope": "read:user,user:email,read:org",
        "token_type": "bearer",
    }
    user_body = await user.get_json()
    assert (user_body["login"], user_body["id"]) == ("many-teams", 1004)
    assert user_body["email"] is None
    assert user.headers["X-OAuth-Scopes"] == "read:user, user:email, read:org"
    assert user.headers["X-Accepted-OAuth-Scopes"] == ""
    assert user.headers["X-RateLimit-Remaining"] == "4999"
    assert user.headers["ETag"].startswith('W/"')
    assert await emails.get_json() == [
        {
            "email": "tess@example.com",
            "primary": True,
            "verified": True,
            "visibility": "private",
        }
    ]
    assert [org["login"] for org in await orgs.get_json()] == [
        "demo-org",
        "other-org",
        "restricted-org",
    ]
    slugs = [
        f"{team['organization']['login']}/{team['slug']}"
        for team in await teams.get_json() + await more_teams.get_json()
    ]
    assert slugs[:3] == [
        "demo-org/maintainers",
        "other-org/developers",
        "other-org/squad-01",
    ]
    assert len(slugs) == len(set(slugs)) == 36
    assert 'rel="next"' not in more_teams.headers["Link"]
    assert revoke.status_code == 204
    assert after.status_code == 401


async def test_full_profile_account_answers_every_field(client: Client) -> None:
    token = await sign_in(client, account="octo-demo")

    user = await (await client.get("/api/v3/user", headers=bearer(token))).get_json()
    repos = await (
        await client.get("/api/v3/user/repos", headers=bearer(token))
    ).get_json()

    assert user["name"] == "Ada Demo"
    assert user["email"] == "ada@example.com"
    assert all(user[key] for key in ("company", "bio", "blog", "location"))
    assert user["public_repos"] == len(repos) == 4
    assert repos[0]["full_name"] == "octo-demo/hello-world"


async def test_token_answer_is_form_encoded_by_default(
    client: Client,
) -> None:
    code = await get_code(client)

    response = await client.post(
        "/login/oauth/access_token",
        form={"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "code": code},
    )

    assert response.status_code == 200
    assert response.headers["Content-Type"] == (
        "application/x-www-form-urlencoded; charset=utf-8"
    )
    body = await response.get_data(as_text=True)
    assert "scope=read%3Auser%2Cuser%3Aemail%2Cread%3Aorg&token_type=bearer" in body


async def test_token_answer_is_json_with_accept_and_json_body(
    client: Client,
) -> None:
    code = await get_code(client)

    response = await client.post(
        "/login/oauth/access_token",
        json={"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "code": code},
        headers={"Accept": "application/json"},
    )

    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    body = await response.get_json()
    assert set(body) == {"access_token", "scope", "token_type"}
    assert body["scope"] == "read:user,user:email,read:org"
    assert body["token_type"] == "bearer"


async def test_cancel_redirects_with_access_denied_and_state(
    client: Client,
) -> None:
    _, form_token = await open_authorize(client, state="keep-me")

    response = await submit(client, form_token, action="cancel")

    query = callback_query(response)
    assert response.headers["Location"].startswith(CALLBACK + "?")
    assert query["error"] == "access_denied"
    assert query["error_description"]
    assert query["error_uri"].startswith("https://docs.github.com/")
    assert query["state"] == "keep-me"
    assert "code" not in query


# -- the authorize page -------------------------------------------------------


async def test_authorize_page_names_app_scopes_accounts_and_buttons(
    client: Client,
) -> None:
    response, form_token = await open_authorize(client, prompt="select_account")

    html = await response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert "Set-Cookie" in response.headers
    assert form_token
    assert 'data-testid="devprovider-banner"' in html
    assert "github-oauth-app (development)" in html
    for scope in SIGN_IN_SCOPES:
        assert f'data-testid="scope-{scope}"' in html
    for login in ("octo-demo", "private-email", "nameless", "many-teams"):
        assert f'<label for="account-{login}">{login}</label>' in html
    assert re.search(r"<button[^>]*id=\"authorize\"[^>]*>Authorize</button>", html)
    assert re.search(r"<button[^>]*id=\"cancel\"[^>]*>Cancel</button>", html)
    assert not re.search(r"(src|href)=\"https?://", html)


async def test_authorize_page_preselects_login_hint(
    client: Client,
) -> None:
    response, _ = await open_authorize(client, login="nameless")

    html = await response.get_data(as_text=True)
    checked = re.findall(r'<input type="radio"[^>]*value="([^"]+)"[^>]*checked', html)
    assert checked == ["nameless"]


async def test_authorize_with_unknown_client_shows_error_page(
    client: Client,
) -> None:
    response, form_token = await open_authorize(client, client_id="someone-else")

    html = await response.get_data(as_text=True)
    assert response.status_code == 404
    assert "Unknown application" in html
    assert 'data-testid="devprovider-banner"' in html
    assert form_token == ""


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "http://attacker.example/github/callback",
        "http://127.0.0.1:5000/github/callback",
        "https://localhost:5000/github/callback",
        "http://localhost:5000/github/callbackx",
        "http://localhost:5000/github",
        "http://localhost:5000/github/callback/../../admin",
        "http://localhost:5000/github/callback/%2e%2e/admin",
        "http://user@localhost:5000/github/callback",
        "not a url",
    ],
)
async def test_authorize_with_foreign_redirect_uri_sends_mismatch_to_callback(
    client: Client, redirect_uri: str
) -> None:
    response, _ = await open_authorize(client, redirect_uri=redirect_uri, state="s9")

    query = callback_query(response)
    assert response.headers["Location"].startswith(CALLBACK + "?")
    assert query["error"] == "redirect_uri_mismatch"
    assert query["error_description"]
    assert query["error_uri"].startswith("https://docs.github.com/")
    assert query["state"] == "s9"


async def test_authorize_accepts_subpath_on_another_loopback_port(
    client: Client,
) -> None:
    redirect_uri = "http://localhost:49152/github/callback/e2e?keep=1"
    _, form_token = await open_authorize(client, redirect_uri=redirect_uri)

    response = await submit(client, form_token)

    location = response.headers["Location"]
    assert location.startswith(
        "http://localhost:49152/github/callback/e2e?keep=1&code="
    )
    assert parse_qs(urlsplit(location).query)["state"] == ["st"]


async def test_authorize_on_a_public_host_requires_the_registered_port(
    clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("APP_ENV", raising=False)
    app = create_provider(callback_url="https://app.example/cb", clock=clock)
    client = app.test_client()

    response, _ = await open_authorize(
        client, redirect_uri="https://app.example:8443/cb"
    )

    assert callback_query(response)["error"] == "redirect_uri_mismatch"


@pytest.mark.parametrize(
    ("params", "problem"),
    [
        ({"code_challenge": CHALLENGE}, "without code_challenge_method"),
        ({"code_challenge_method": "S256"}, "without code_challenge"),
        ({"code_challenge": CHALLENGE, "code_challenge_method": "plain"}, "plain"),
        ({"code_challenge": "short", "code_challenge_method": "S256"}, "43"),
        ({"code_challenge": "+" * 43, "code_challenge_method": "S256"}, "43"),
    ],
)
async def test_authorize_with_bad_pkce_shows_error_page(
    client: Client, params: Dict[str, str], problem: str
) -> None:
    response, form_token = await open_authorize(client, **params)

    assert response.status_code == 400
    assert problem in await response.get_data(as_text=True)
    assert form_token == ""


async def test_authorize_form_token_works_once(client: Client) -> None:
    _, form_token = await open_authorize(client)
    await submit(client, form_token)

    replay = await submit(client, form_token)

    assert replay.status_code == 400
    assert "expired" in await replay.get_data(as_text=True)


async def test_authorize_form_expires_after_ten_minutes(
    client: Client, clock: FakeClock
) -> None:
    _, form_token = await open_authorize(client)
    clock.now += 601

    response = await submit(client, form_token)

    assert response.status_code == 400


async def test_authorize_post_without_the_browser_cookie_is_refused(
    app: Quart,
) -> None:
    victim, attacker = app.test_client(), app.test_client()
    _, form_token = await open_authorize(attacker)

    response = await submit(victim, form_token)

    assert response.status_code == 403
    assert "Location" not in response.headers


async def test_authorize_post_marked_cross_site_is_refused(
    client: Client,
) -> None:
    _, form_token = await open_authorize(client)

    response = await submit(
        client, form_token, headers={"Sec-Fetch-Site": "cross-site"}
    )
    retry = await submit(client, form_token)

    assert response.status_code == 403
    assert retry.status_code == 302


async def test_authorize_with_unknown_account_is_refused(
    client: Client,
) -> None:
    _, form_token = await open_authorize(client)

    response = await submit(client, form_token, account="nobody")

    assert response.status_code == 400


async def test_html_pages_escape_everything_they_echo(
    clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("APP_ENV", raising=False)
    app = create_provider(app_name="<script>alert('app')</script>", clock=clock)
    client = app.test_client()

    response, _ = await open_authorize(
        client, scope="read:user <img src=x onerror=alert(1)>", login='"><b>x</b>'
    )

    html = await response.get_data(as_text=True)
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#39;app&#39;)&lt;/script&gt;" in html
    assert "<img src=x" not in html
    assert "&lt;img" in html
    assert "<b>x</b>" not in html
    assert "Zoë &#34;Zed&#34; O&#39;Brien &lt;&amp;&gt;" in html


# -- the token endpoint's errors ---------------------------------------------


async def test_token_with_reused_code_is_bad_verification_code(
    client: Client,
) -> None:
    code = await get_code(client)
    await exchange(client, code)

    second = await exchange(client, code)

    assert second["error"] == "bad_verification_code"
    assert second["error_description"] == "The code passed is incorrect or expired."
    assert second["error_uri"].endswith("#bad-verification-code")


async def test_token_with_expired_code_is_bad_verification_code(
    client: Client, clock: FakeClock
) -> None:
    code = await get_code(client)
    clock.now += 600

    result = await exchange(client, code)

    assert result["error"] == "bad_verification_code"


async def test_token_with_code_just_before_expiry_succeeds(
    client: Client, clock: FakeClock
) -> None:
    code = await get_code(client)
    clock.now += 599

    result = await exchange(client, code)

    assert "access_token" in result


async def test_token_with_wrong_client_secret_is_incorrect_client_credentials(
    client: Client,
) -> None:
    code = await get_code(client)

    wrong = await exchange(client, code, client_secret="guess")
    right = await exchange(client, code)

    assert wrong["error"] == "incorrect_client_credentials"
    assert wrong["error_description"]
    assert "access_token" in right


async def test_token_with_other_redirect_uri_is_redirect_uri_mismatch(
    client: Client,
) -> None:
    code = await get_code(client, redirect_uri=CALLBACK)

    response = await client.post(
        "/login/oauth/access_token",
        form={
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "code": code,
            "redirect_uri": CALLBACK + "/other",
        },
        headers={"Accept": "application/json"},
    )

    body = await response.get_json()
    assert response.status_code == 200
    assert body["error"] == "redirect_uri_mismatch"
    assert set(body) == {"error", "error_description", "error_uri"}


@pytest.mark.parametrize(
    ("verifier", "error"),
    [
        (VERIFIER, None),
        (None, "bad_verification_code"),
        ("w" * 43, "bad_verification_code"),
    ],
)
async def test_token_checks_the_pkce_verifier(
    client: Client, verifier: Optional[str], error: Optional[str]
) -> None:
    code = await get_code(
        client, code_challenge=CHALLENGE, code_challenge_method="S256"
    )
    extra = {"code_verifier": verifier} if verifier else {}

    result = await exchange(client, code, **extra)

    assert result.get("error") == error
    assert ("access_token" in result) is (error is None)


async def test_token_with_verifier_but_no_challenge_is_refused(
    client: Client,
) -> None:
    code = await get_code(client)

    result = await exchange(client, code, code_verifier=VERIFIER)

    assert result["error"] == "bad_verification_code"


async def test_token_for_unverified_account_is_unverified_user_email(
    client: Client,
) -> None:
    code = await get_code(client, account="unverified")

    result = await exchange(client, code)

    assert result["error"] == "unverified_user_email"


async def test_token_keeps_ten_live_tokens_per_user_and_scopes(
    client: Client,
) -> None:
    tokens: List[str] = [await sign_in(client) for _ in range(11)]

    oldest = await client.get("/api/v3/user", headers=bearer(tokens[0]))
    second = await client.get("/api/v3/user", headers=bearer(tokens[1]))

    assert oldest.status_code == 401
    assert second.status_code == 200


# -- expiring tokens ----------------------------------------------------------


async def test_expiring_tokens_refresh_into_a_new_pair(
    clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("APP_ENV", raising=False)
    client = create_provider(expiring_tokens=True, clock=clock).test_client()
    first = await exchange(client, await get_code(client))
    refresh_form = {
        "grant_type": "refresh_token",
        "refresh_token": first["refresh_token"],
    }

    second = await exchange(client, "", **refresh_form)
    replay = await exchange(client, "", **refresh_form)
    old_user = await client.get("/api/v3/user", headers=bearer(first["access_token"]))
    new_user = await client.get("/api/v3/user", headers=bearer(second["access_token"]))

    assert first["expires_in"] == "28800"
    assert first["refresh_token_expires_in"] == "15811200"
    assert re.fullmatch(r"ghr_[A-Za-z0-9]{76}", first["refresh_token"])
    assert second["access_token"] != first["access_token"]
    assert second["refresh_token"] != first["refresh_token"]
    assert second["scope"] == "read:user,user:email,read:org"
    assert replay["error"] == "bad_refresh_token"
    assert old_user.status_code == 401
    assert new_user.status_code == 200


async def test_expiring_token_stops_working_after_eight_hours(
    clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("APP_ENV", raising=False)
    client = create_provider(expiring_tokens=True, clock=clock).test_client()
    token = await sign_in(client)
    clock.now += 28800

    response = await client.get("/api/v3/user", headers=bearer(token))

    assert response.status_code == 401


async def test_expiring_token_json_answer_has_integer_lifetimes(
    clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("APP_ENV", raising=False)
    client = create_provider(expiring_tokens=True, clock=clock).test_client()
    code = await get_code(client)

    response = await client.post(
        "/login/oauth/access_token",
        form={"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "code": code},
        headers={"Accept": "application/json"},
    )

    body = await response.get_json()
    assert body["expires_in"] == 28800
    assert body["refresh_token_expires_in"] == 15811200


async def test_refresh_without_expiring_tokens_is_bad_refresh_token(
    client: Client,
) -> None:
    result = await exchange(
        client, "", grant_type="refresh_token", refresh_token="ghr_nothing"
    )

    assert result["error"] == "bad_refresh_token"


# -- the REST API -------------------------------------------------------------


async def test_api_without_user_agent_is_forbidden(client: Client) -> None:
    token = await sign_in(client)

    response = await client.get(
        "/api/v3/user", headers={"Authorization": f"Bearer {token}", "User-Agent": ""}
    )

    assert response.status_code == 403
    assert "User-Agent" in await response.get_data(as_text=True)


@pytest.mark.parametrize("header", ["Bearer gho_unknown", "token gho_unknown"])
async def test_api_with_unknown_token_is_bad_credentials(
    client: Client, header: str
) -> None:
    response = await client.get(
        "/api/v3/user", headers={"Authorization": header, **AGENT}
    )

    assert response.status_code == 401
    assert await response.get_json() == {
        "message": "Bad credentials",
        "documentation_url": "https://docs.github.com/rest",
        "status": "401",
    }


async def test_api_accepts_the_token_prefix(client: Client) -> None:
    token = await sign_in(client)

    response = await client.get(
        "/api/v3/user", headers={"Authorization": f"token {token}", **AGENT}
    )

    assert response.status_code == 200


async def test_user_answers_304_to_its_etag_without_counting(
    client: Client,
) -> None:
    token = await sign_in(client)
    first = await client.get("/api/v3/user", headers=bearer(token))

    second = await client.get(
        "/api/v3/user",
        headers={**bearer(token), "If-None-Match": first.headers["ETag"]},
    )

    assert second.status_code == 304
    assert await second.get_data(as_text=True) == ""
    assert (
        second.headers["X-RateLimit-Remaining"]
        == first.headers["X-RateLimit-Remaining"]
    )


async def test_emails_without_email_scope_is_not_found(
    client: Client,
) -> None:
    code = await get_code(client, scopes=("read:user",))
    token_answer = await exchange(client, code)

    response = await client.get(
        "/api/v3/user/emails", headers=bearer(token_answer["access_token"])
    )

    assert token_answer["scope"] == "read:user"
    assert response.status_code == 404
    assert (await response.get_json())["message"] == "Not Found"
    assert response.headers["X-Accepted-OAuth-Scopes"] == "user, user:email"


async def test_emails_are_paginated_by_per_page(client: Client) -> None:
    token = await sign_in(client, account="private-email")

    response = await client.get(
        "/api/v3/user/emails", headers=bearer(token), query_string={"per_page": "2"}
    )

    assert len(await response.get_json()) == 2
    assert 'per_page=2&page=2>; rel="next"' in response.headers["Link"]


async def test_private_email_account_hides_email_but_lists_it(
    client: Client,
) -> None:
    token = await sign_in(client, account="private-email")

    user = await (await client.get("/api/v3/user", headers=bearer(token))).get_json()
    emails = await (
        await client.get("/api/v3/user/emails", headers=bearer(token))
    ).get_json()

    assert user["email"] is None
    assert user["name"] == 'Zoë "Zed" O\'Brien <&>'
    assert emails[0] == {
        "email": "zed@example.net",
        "primary": True,
        "verified": True,
        "visibility": "private",
    }


async def test_nameless_account_has_null_name_and_no_orgs(
    client: Client,
) -> None:
    token = await sign_in(client, account="nameless")

    user = await (await client.get("/api/v3/user", headers=bearer(token))).get_json()
    orgs = await (
        await client.get("/api/v3/user/orgs", headers=bearer(token))
    ).get_json()

    assert user["name"] is None
    assert orgs == []


async def test_blank_strings_account_has_empty_name_and_email(
    client: Client,
) -> None:
    token = await sign_in(client, account="blank-strings")

    user = await (await client.get("/api/v3/user", headers=bearer(token))).get_json()

    assert (user["name"], user["email"]) == ("", "")


async def test_teams_span_two_pages_with_link_headers(
    client: Client,
) -> None:
    token = await sign_in(client, account="many-teams")

    first = await client.get("/api/v3/user/teams", headers=bearer(token))
    second = await client.get(
        "/api/v3/user/teams", headers=bearer(token), query_string={"page": "2"}
    )

    first_teams, second_teams = await first.get_json(), await second.get_json()
    assert len(first_teams) == 30
    assert len(second_teams) == 6
    assert first.headers["Link"] == (
        '<http://localhost/api/v3/user/teams?page=2>; rel="next", '
        '<http://localhost/api/v3/user/teams?page=2>; rel="last"'
    )
    assert second.headers["Link"] == (
        '<http://localhost/api/v3/user/teams?page=1>; rel="prev", '
        '<http://localhost/api/v3/user/teams?page=1>; rel="first"'
    )
    slugs = {team["slug"] for team in first_teams + second_teams}
    assert "admins" not in slugs
    assert first.headers["X-Accepted-OAuth-Scopes"] == (
        "admin:org, read:org, repo, user, write:org"
    )


async def test_teams_without_org_scope_are_forbidden(
    client: Client,
) -> None:
    token = await sign_in(client, scopes=("read:user",))

    teams = await client.get("/api/v3/user/teams", headers=bearer(token))
    orgs = await client.get("/api/v3/user/orgs", headers=bearer(token))

    assert teams.status_code == 403
    assert orgs.status_code == 403


async def test_restricted_org_membership_answers_oauth_restriction(
    client: Client,
) -> None:
    token = await sign_in(client, account="many-teams")

    restricted = await client.get(
        "/api/v3/user/memberships/orgs/restricted-org", headers=bearer(token)
    )
    open_org = await client.get(
        "/api/v3/user/memberships/orgs/demo-org", headers=bearer(token)
    )

    assert restricted.status_code == 403
    assert "OAuth App access restrictions" in (await restricted.get_json())["message"]
    assert (await open_org.get_json())["state"] == "active"


async def test_avatar_is_served_by_the_provider(client: Client) -> None:
    token = await sign_in(client)
    user = await (await client.get("/api/v3/user", headers=bearer(token))).get_json()
    avatar_path = user["avatar_url"].replace("http://localhost", "")

    response = await client.get(avatar_path + "&s=40")

    assert user["avatar_url"].startswith("http://localhost/avatars/")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("image/svg+xml")


async def test_unknown_api_path_is_a_json_404(client: Client) -> None:
    response = await client.get("/api/v3/nothing/here", headers=AGENT)

    assert response.status_code == 404
    assert (await response.get_json())["message"] == "Not Found"


# -- the OAuth applications API ----------------------------------------------


async def test_check_token_describes_the_authorization(
    client: Client,
) -> None:
    token = await sign_in(client)

    response = await client.post(
        f"/api/v3/applications/{CLIENT_ID}/token",
        headers=basic(),
        json={"access_token": token},
    )

    body = await response.get_json()
    assert response.status_code == 200
    assert body["token"] == token
    assert body["scopes"] == list(SIGN_IN_SCOPES)
    assert body["app"]["client_id"] == CLIENT_ID
    assert body["user"]["login"] == "octo-demo"


async def test_check_token_with_invalid_token_is_not_found(
    client: Client,
) -> None:
    response = await client.post(
        f"/api/v3/applications/{CLIENT_ID}/token",
        headers=basic(),
        json={"access_token": "gho_unknown"},
    )

    assert response.status_code == 404


async def test_delete_token_revokes_only_that_token(
    client: Client,
) -> None:
    kept, revoked = await sign_in(client), await sign_in(client)

    response = await client.delete(
        f"/api/v3/applications/{CLIENT_ID}/token",
        headers=basic(),
        json={"access_token": revoked},
    )

    assert response.status_code == 204
    assert (
        await client.get("/api/v3/user", headers=bearer(revoked))
    ).status_code == 401
    assert (await client.get("/api/v3/user", headers=bearer(kept))).status_code == 200


async def test_delete_grant_revokes_every_token_of_the_user(
    client: Client,
) -> None:
    first, second = await sign_in(client), await sign_in(client, scopes=("read:user",))
    other = await sign_in(client, account="nameless")

    response = await client.delete(
        f"/api/v3/applications/{CLIENT_ID}/grant",
        headers=basic(),
        json={"access_token": first},
    )

    assert response.status_code == 204
    assert (await client.get("/api/v3/user", headers=bearer(second))).status_code == 401
    assert (await client.get("/api/v3/user", headers=bearer(other))).status_code == 200


async def test_delete_grant_with_invalid_token_is_unprocessable(
    client: Client,
) -> None:
    response = await client.delete(
        f"/api/v3/applications/{CLIENT_ID}/grant",
        headers=basic(),
        json={"access_token": "gho_unknown"},
    )

    assert response.status_code == 422


async def test_delete_grant_with_wrong_client_secret_is_unauthorized(
    client: Client,
) -> None:
    token = await sign_in(client)

    response = await client.delete(
        f"/api/v3/applications/{CLIENT_ID}/grant",
        headers=basic(secret="guess"),
        json={"access_token": token},
    )

    assert response.status_code == 401
    assert (await client.get("/api/v3/user", headers=bearer(token))).status_code == 200


# -- pages, health, refusal to run where it does not belong ------------------


async def test_healthz_answers_ok(client: Client) -> None:
    response = await client.get("/healthz")

    assert response.status_code == 200


async def test_index_and_profile_pages_carry_the_banner(
    client: Client,
) -> None:
    index = await client.get("/")
    profile = await client.get("/octo-demo")

    for response in (index, profile):
        assert response.status_code == 200
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert "devprovider-banner" in await response.get_data(as_text=True)


@pytest.mark.parametrize("app_env", ["production", "staging", " Production "])
def test_create_provider_refuses_deployed_environments(
    monkeypatch: pytest.MonkeyPatch, app_env: str
) -> None:
    monkeypatch.setenv("APP_ENV", app_env)

    with pytest.raises(DeployedEnvironmentError, match="APP_ENV"):
        create_provider()


def test_create_provider_reads_app_env_from_dot_env_too(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("APP_ENV", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("APP_ENV=production\n", encoding="utf-8")

    with pytest.raises(DeployedEnvironmentError, match="APP_ENV"):
        create_provider()


@pytest.mark.parametrize(
    ("host", "status"),
    [
        ("evil.example", 421),
        ("evil.example:5556", 421),
        ("10.0.0.1:5556", 421),
        ("[fe80::1]:5556", 421),
        ("localhost:5556", 200),
        ("127.0.0.1:5556", 200),
        ("127.1.2.3", 200),
        ("[::1]:5556", 200),
    ],
)
async def test_only_requests_naming_a_loopback_host_are_served(
    client: Client, host: str, status: int
) -> None:
    response = await client.get("/healthz", headers={"Host": host})

    assert response.status_code == status


def test_main_refuses_production_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("APP_ENV", "production")

    status = main([])

    err = capsys.readouterr().err
    assert status == 2
    assert len(err.strip().splitlines()) == 1
    assert "APP_ENV=production" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "host",
    [
        "0.0.0.0",  # noqa: S104 - the wildcard address main must refuse
        "::",
        "192.168.1.10",
        "example.com",
        "127.0.0.1.nip.io",
    ],
)
def test_main_refuses_non_loopback_hosts_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], host: str
) -> None:
    monkeypatch.delenv("APP_ENV", raising=False)

    status = main(["--host", host])

    err = capsys.readouterr().err
    assert status == 2
    assert len(err.strip().splitlines()) == 1
    assert "loopback" in err


@pytest.mark.parametrize(
    ("host", "bind"),
    [
        ("127.0.0.1", "127.0.0.1:5556"),
        ("127.0.0.2", "127.0.0.2:5556"),
        ("localhost", "localhost:5556"),
        ("::1", "[::1]:5556"),
        ("[::1]", "[::1]:5556"),
    ],
)
def test_parse_options_accepts_loopback_hosts(host: str, bind: str) -> None:
    options = parse_options(["--host", host], {})

    assert options.bind == bind


def test_parse_options_reads_defaults_and_environment() -> None:
    environ = {
        "DEVPROVIDER_CLIENT_ID": "env-id",
        "DEVPROVIDER_CLIENT_SECRET": "env-secret",
        "DEVPROVIDER_CALLBACK_URL": "http://127.0.0.1:8000/cb",
    }

    defaults = parse_options([], {})
    from_env = parse_options(["--expiring-tokens"], environ)
    from_flags = parse_options(["--client-id", "flag-id", "--port", "0"], environ)

    assert (defaults.host, defaults.port, defaults.client_id) == (
        "127.0.0.1",
        5556,
        CLIENT_ID,
    )
    assert defaults.callback_url == CALLBACK
    assert not defaults.expiring_tokens
    assert (from_env.client_id, from_env.client_secret) == ("env-id", "env-secret")
    assert from_env.callback_url == "http://127.0.0.1:8000/cb"
    assert from_env.expiring_tokens
    assert (from_flags.client_id, from_flags.port) == ("flag-id", 0)


def test_parse_options_refuses_a_wildcard_address() -> None:
    with pytest.raises(UsageError, match="loopback"):
        parse_options(["--host", "0.0.0.0"], {})  # noqa: S104 - refused here
